"""Keyboard use without sight (EN 301 549 5.1.6): Tab and the arrow keys move a visible
focus through everything touchable in reading order, Enter or Space chooses, and the
focus never gets trapped: it runs round the whole screen, bars included."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, Line
from kivy.metrics import dp
from kivy.uix.scrollview import ScrollView

from kiosk.screens.bidi import right_to_left
from kiosk.screens.walk import touchables

NEXT_KEYS = {9: 1, 274: 1, 275: 1, 273: -1, 276: -1}  # tab, down, right, up, left
ACTIVATE_KEYS = {13, 32, 271}  # enter, space, keypad enter


def _scroll_view_of(widget):
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView) and parent.children:
            return parent
        parent = parent.parent
    return None


def reading_order(widgets: list) -> list:
    """Top to bottom, then left to right (right to left in Arabic), by where they are on
    the window.

    What scrolls is read where its scroll view stands, in the order of the content as if it
    were scrolled to the top: the order does not change as the focus scrolls the view
    (what scrolled above the view would otherwise come before the top bar)."""
    rtl = right_to_left()

    def key(widget):
        x, y = widget.to_window(widget.x, widget.top)
        if rtl:
            x = -(x + widget.width)  # the row's first is its rightmost
        view = _scroll_view_of(widget)
        if view is None:
            return (-round(y / dp(8)), -round(y / dp(8)), x)
        content = view.children[0]
        _cx, content_top = content.to_window(content.x, content.top)
        _vx, view_top = view.to_window(view.x, view.top)
        unscrolled = view_top - (content_top - y)
        return (-round(view_top / dp(8)), -round(unscrolled / dp(8)), x)
    return sorted(widgets, key=key)


class FocusRing:
    def __init__(self, root, look) -> None:
        self.root = root
        self.look = look
        self.focused = None
        with root.canvas.after:
            self._colour = Color(rgba=look.focus)
            self._line = Line(width=dp(4), rectangle=(0, 0, 0, 0))
        look.bind(focus=lambda _l, value: setattr(self._colour, "rgba", value))

    def items(self) -> list:
        return reading_order(touchables(self.root))

    def move(self, step: int, shift: bool = False):
        items = self.items()
        if not items:
            self.clear()
            return None
        if shift:
            step = -step
        if self.focused in items:
            index = (items.index(self.focused) + step) % len(items)
        else:
            index = 0 if step > 0 else len(items) - 1
        self.focused = items[index]
        self.bring_into_view(self.focused)
        self.draw()
        return self.focused

    def bring_into_view(self, widget) -> None:
        """A focused item below the fold is scrolled into sight (for the person who sees some
        of the screen, and for the helper beside them), and the ring follows it there once the
        scrolled view is laid out; otherwise it would be drawn over the bars."""
        parent, scrolled = widget.parent, False
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView) and parent.viewport_size[1] > parent.height:
                parent.scroll_to(widget, padding=dp(16), animate=False)
                scrolled = True
            parent = parent.parent
        if scrolled:
            Clock.schedule_once(lambda _dt: self.draw() if self.focused is widget else None, 0)

    def focus(self, widget) -> None:
        """Focus on `widget` (speech mode's explore by touch focuses what it said)."""
        self.focused = widget
        self.draw()

    def activate(self) -> bool:
        if self.focused is None or self.focused not in self.items():
            return False
        self.focused.trigger_action(duration=0)
        return True

    def clear(self) -> None:
        self.focused = None
        self._line.rectangle = (0, 0, 0, 0)

    def draw(self) -> None:
        widget = self.focused
        if widget is None:
            return
        x, y = widget.to_window(widget.x, widget.y)
        pad = dp(4)
        self._line.rectangle = (x - pad, y - pad, widget.width + 2 * pad, widget.height + 2 * pad)
