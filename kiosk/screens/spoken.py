"""What speech mode says for a widget or a screen: role, label, state and position
("button, Kela, 3 of 9"), in the screen's language."""

from __future__ import annotations

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.screens.walk import touchables, visible_widgets

TITLE_STYLES = ("title", "hero")


def label_of(widget) -> str:
    spoken = getattr(widget, "speech_label", "")
    if spoken:
        return spoken
    title = getattr(widget, "title", "")
    if title:
        summary = getattr(widget, "summary", "")
        return f"{title}. {summary}" if summary else title
    return getattr(widget, "text", "")


def describe(widget, tr, headset: bool = False) -> str:
    """The spoken text of one touchable (or text) widget."""
    if getattr(widget, "password", False) or getattr(widget, "private", False):
        # Masked input is never read out on a loudspeaker (EN 301 549 5.1.3.8-9).
        label = tr._("hidden text") if not headset else getattr(widget, "text", "")
        return ", ".join([tr._("text field"), label])
    if not isinstance(widget, ButtonBehavior):
        return label_of(widget)
    parts = [tr._("button"), label_of(widget)]
    if getattr(widget, "kind", "") == "selected":
        parts.append(tr._("selected"))
    siblings = []
    if widget.parent is not None:
        touchable = set(touchables(widget.parent))
        siblings = [w for w in reversed(widget.parent.children) if w in touchable]
    if len(siblings) > 1 and widget in siblings:
        parts.append(tr._("{n} of {total}").format(n=siblings.index(widget) + 1, total=len(siblings)))
    return ", ".join(p for p in parts if p)


def sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".?!:" else text + "."


def screen_texts(screen) -> list[str]:
    """The screen's own words in reading order: every visible text that is not part of
    something to press (its title first, as it is drawn first)."""
    inside = set()
    for widget in touchables(screen):
        inside.update(widget.walk(restrict=True))
    return [w.text for w in visible_widgets(screen)
            if isinstance(w, Label) and w not in inside and w.text.strip() and not getattr(w, "speech_skip", False)]


def title_of(screen) -> str:
    """The screen's title; found by what is shown, not by size, so it is known as soon as the
    screen is built (before its labels have textures and so their heights)."""
    def shown(widget):
        if widget.opacity == 0:
            return
        yield widget
        for child in reversed(widget.children):
            yield from shown(child)

    return next((w.text for w in shown(screen)
                 if isinstance(w, Label) and getattr(w, "style", "") in TITLE_STYLES and w.text), "")


def announce(screen, tr) -> str:
    """What is said when a screen opens (and again on Repeat): its title, what it says
    (steps, lists, summaries, phone numbers), and then its choices by name (all of them,
    in sight or not: a scroll button is not one)."""
    return " ".join(t for t in (sentence(title_of(screen)), announce_rest(screen, tr)) if t)


def announce_rest(screen, tr) -> str:
    """All of `announce` after the title: said once the screen is laid out."""
    title = title_of(screen)
    texts = [t for t in screen_texts(screen) if t != title]
    names = [getattr(w, "speech_label", "") or getattr(w, "title", "") or getattr(w, "text", "")
             for w in touchables(screen) if not getattr(w, "speech_skip", False)]
    count = len(names)
    choices = tr._("{count} choices").format(count=count) if count != 1 else tr._("1 choice")
    if names:
        choices = f"{choices}: {', '.join(n for n in names if n)}"
    return " ".join(sentence(t) for t in [*texts, choices] if t)
