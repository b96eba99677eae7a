"""Walking the widget tree as a person sees it: what is visible, what can be touched.

Used by the screenshot tool (to record what each picture says) and by the tests that
check touch-target sizes and translations on every screen.
"""

from __future__ import annotations

from typing import Iterator

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget


def visible_widgets(widget: Widget) -> Iterator[Widget]:
    """Widgets a person can see: not transparent, not collapsed, not a hidden screen."""
    if widget.opacity == 0 or (widget.height <= 0 and widget.parent is not None) or widget.width <= 0:
        return
    yield widget
    if isinstance(widget, ScreenManager):
        if widget.current_screen is not None:
            yield from visible_widgets(widget.current_screen)
        return
    for child in reversed(widget.children):
        yield from visible_widgets(child)


def visible_texts(widget: Widget) -> list[str]:
    return [w.text for w in visible_widgets(widget) if isinstance(w, Label) and w.text.strip()]


def touchables(widget: Widget) -> list[Widget]:
    """Everything a person can press that is on screen now."""
    return [w for w in visible_widgets(widget) if isinstance(w, ButtonBehavior) and not w.disabled]
