"""Speech mode inside the e-service (issue 17): while the browser strip is shown, a swipe
goes through the page's headings, links, buttons and form fields first, then on to the
strip's own buttons and round again; each page item is said with its role, name, value and
state (a radio button's group when the move comes into it, and its place in it); the item
is scrolled into sight and marked for a sighted helper beside the person; a double tap
presses, ticks or chooses it, or puts the focus in a text field for the strip's keyboard,
and the item's new state and what the page announced are said after. A part of the page
that cannot be read (a frame) is said to be so.

The page is read again before each move into or through it (a page changes as the person
uses it); its items come from the browser's accessibility tree (kiosk/devices/page_reader.py)
through EServices, whose runner does the browser's work off the Kivy thread.
"""

from __future__ import annotations

from typing import Callable

from kiosk.devices.page_reader import Outcome, PageItem
from kiosk.i18n import N_

ROLE_WORDS = {
    "link": N_("link"), "button": N_("button"), "textbox": N_("text field"),
    "combobox": N_("drop-down list"), "listbox": N_("list box"), "option": N_("option"),
    "checkbox": N_("check box"), "radio": N_("radio button"),
}
CHECKED = {"true": N_("checked"), "false": N_("not checked"), "mixed": N_("partly checked")}
CHOSEN = {"true": N_("selected"), "false": N_("not selected"), "mixed": N_("partly checked")}  # a radio button
UNREAD = N_("This part of the page cannot be read aloud.")


def describe_item(item: PageItem, tr, entering: bool = False) -> str:
    """What is said for a page item: "check box, I live in the zone, not checked"; coming
    into a group (`entering`), its name first: "Permit length, radio button, One month,
    selected, 1 of 3"."""
    if item.role == "frame":
        return ". ".join(t for t in (item.name, tr._(UNREAD)) if t)
    if item.role == "heading":
        role = tr._("heading level {level}").format(level=item.level) if item.level else tr._("heading")
    else:
        role = tr._(ROLE_WORDS.get(item.role, "button"))
    parts = [item.group if entering else "", role, item.name, tr._("hidden text") if item.protected else item.value]
    if item.checked:
        parts.append(tr._((CHOSEN if item.role == "radio" else CHECKED)[item.checked]))
    if item.role == "option" and item.selected is not None:
        parts.append(tr._("selected") if item.selected else tr._("not selected"))
    if item.pressed is not None:
        parts.append(tr._("pressed") if item.pressed else tr._("not pressed"))
    if item.expanded is not None and item.role != "combobox":
        parts.append(tr._("expanded") if item.expanded else tr._("collapsed"))
    if item.required:
        parts.append(tr._("required"))
    if item.invalid:
        parts.append(tr._("invalid entry"))
    if item.disabled:
        parts.append(tr._("unavailable"))
    if item.set_size > 1:
        parts.append(tr._("{n} of {total}").format(n=item.position, total=item.set_size))
    if item.description:
        parts.append(item.description)
    return ", ".join(p for p in parts if p)


def enters_group(item: PageItem, before: PageItem | None) -> bool:
    """Whether a move from `before` to `item` comes into item's group (whose name is then
    said), not from within it, nor from the list box that holds it."""
    return bool(item.group) and (before is None or item.group not in (before.group, before.name))


def outcome_words(item: PageItem, outcome: Outcome, tr) -> tuple[str, str]:
    """What is said after `item` was activated: the item as it is now (a text field: and
    where to type), then what the page announced."""
    from kiosk.screens.spoken import sentence

    now = outcome.item(item.node, item.frame)
    if outcome.failed or now is None:
        said = [tr._("That item is no longer on the page.")]
    else:
        said = [describe_item(now, tr)]
        if item.takes_text:
            said.append(tr._("Type with the keyboard below the page, then swipe to go on."))
    return " ".join(sentence(t) for t in said), " ".join(sentence(t) for t in outcome.alerts)


class PageNavigation:
    def __init__(self, services, root: Callable[[], object], focus: Callable[[], object],
                 on_strip: Callable[[object], None]) -> None:
        """`root`: the kiosk's root widget once it exists; `focus`: the focus ring (or None);
        `on_strip(widget)`: a move landed on one of the strip's own buttons (to be said)."""
        self.s, self.root, self.focus, self.on_strip = services, root, focus, on_strip
        self.speech, self.tr, self.eservices = services.speech, services.tr, services.eservices
        self.items: list[PageItem] = []
        self.current: PageItem | None = None  # the page item last said; None on the strip
        self._generation = 0  # of pages: what was read of an earlier page is dropped
        self._announced = ""  # the address whose page was last announced
        services.eservices.bind(url=self._on_page, open=self._on_page)
        services.journey.bind(screen=lambda *_: self.reset())

    def active(self) -> bool:
        return self.s.journey.screen == "browser" and self.speech.enabled

    def reset(self) -> None:
        self._generation += 1
        self.items, self.current, self._announced = [], None, ""

    def leave(self) -> None:
        """The person went to the strip by touch or keys: a double tap is the strip's again."""
        self._unmark()
        self.current = None

    def _unmark(self) -> None:
        if self.current is not None:  # the page's mark was on it
            self.eservices.show(None)

    # -- swipes -----------------------------------------------------------------------------

    def step(self, direction: int) -> None:
        """The next (1) or previous (-1) of the page's items and then the strip's buttons."""
        ring = self.focus()
        strip = ring.items() if ring is not None else []
        if self.current is None and ring is not None and ring.focused in strip:
            index = strip.index(ring.focused) + direction
            if 0 <= index < len(strip):  # along the strip: no need to read the page
                self._to_strip(strip[index])
                return
        generation = self._generation
        self.eservices.read_page(lambda items: generation == self._generation and self._move(items, direction))

    def _move(self, items: list[PageItem], direction: int) -> None:
        self.items = list(items)
        ring = self.focus()
        strip = ring.items() if ring is not None else []
        count = len(self.items) + len(strip)
        if not count:
            return
        position = self._position(ring, strip)
        if position is None:
            position = 0 if direction > 0 else count - 1
        else:
            position = (position + direction) % count
        if position < len(self.items):
            self._say(self.items[position])
        else:
            self._to_strip(strip[position - len(self.items)])

    def _position(self, ring, strip: list) -> int | None:
        if self.current is not None:
            keys = [item.key for item in self.items]
            return keys.index(self.current.key) if self.current.key in keys else None
        if ring is not None and ring.focused in strip:
            return len(self.items) + strip.index(ring.focused)
        return None

    def _to_strip(self, widget) -> None:
        self._unmark()
        self.current = None
        self.focus().focus(widget)
        self.on_strip(widget)

    def _say(self, item: PageItem) -> None:
        entering = enters_group(item, self.current)
        self.current = item
        ring = self.focus()
        if ring is not None:
            ring.clear()  # the ring is on the strip; the place now is in the page
        self.speech.stop()
        self.speech.say(describe_item(item, self.tr, entering))
        self.eservices.show(item)  # after the words: the scroll is the browser's to do

    # -- double tap -------------------------------------------------------------------------

    def activate(self) -> bool:
        """A double tap: the page item last said pressed, ticked, chosen or focused."""
        item = self.current
        if item is None:
            return False
        if item.role == "frame":  # nothing in it can be reached: said again
            self.speech.stop()
            self.speech.say(describe_item(item, self.tr))
            return True
        generation = self._generation
        self.eservices.activate(item, lambda outcome: generation == self._generation and self._activated(item, outcome))
        return True

    def _activated(self, item: PageItem, outcome: Outcome) -> None:
        self.items = list(outcome.items)
        self.current = outcome.item(item.node, item.frame)
        if self.current is not None and item.takes_text and not outcome.failed:
            self._keyboard()
        said, announced = outcome_words(item, outcome, self.tr)
        self.speech.stop()
        self.speech.say(said)
        self.speech.then(announced)

    def _keyboard(self) -> None:
        root = self.root()
        if root is not None:
            root.screen("browser").keyboard = True

    # -- a new page ---------------------------------------------------------------------------

    def _on_page(self, *_args) -> None:
        """The service went to a new page: the place starts again at its top, and it is said
        how many items the page has."""
        url = self.eservices.url
        if url == self._announced or not self.eservices.open:
            return
        self.reset()
        self._announced = url
        if not self.active():
            return
        generation = self._generation
        self.eservices.read_page(lambda items: generation == self._generation and self._announce(items))

    def _announce(self, items: list[PageItem]) -> None:
        self.items = list(items)
        if items:
            self.speech.then(self.tr._("The page has {count} items. Swipe right to go through them.").format(
                count=len(items)))
