"""Keyboard use without sight (EN 301 549 5.1.6): Tab and the arrow keys move a visible
focus through everything touchable in reading order, Enter or Space chooses, and the
focus never gets trapped: it runs round the whole screen, bars included."""

from __future__ import annotations

from kivy.graphics import Color, Line
from kivy.metrics import dp

from kiosk.screens.walk import touchables

NEXT_KEYS = {9: 1, 274: 1, 275: 1, 273: -1, 276: -1}  # tab, down, right, up, left
ACTIVATE_KEYS = {13, 32, 271}  # enter, space, keypad enter


def reading_order(widgets: list) -> list:
    """Top to bottom, then left to right, by where they are on the window."""
    def key(widget):
        x, y = widget.to_window(widget.x, widget.top)
        return (-round(y / dp(8)), x)
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
        self.draw()
        return self.focused

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
