"""A choice's symbol, drawn from the icon font beside its text (never instead of it)."""

from __future__ import annotations

import logging
import os

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.icons import FONT_FILE, FONT_PACKAGE, glyph
from kiosk.screens.bidi import right_to_left

log = logging.getLogger(__name__)

# Material's symbols are drawn inside 20/24 of their em square: at 24/20 of a line's height,
# a symbol's ink fills exactly one line of the text beside it, and lines up with it.
INK = 20 / 24
_reported: set[str] = set()  # what has been logged once already (a missing font, an unknown name)
_line_heights: dict[float, float] = {}


def line_height(font_size: float) -> float:
    """How tall one line of the kiosk's text is at `font_size` (the default font)."""
    if font_size not in _line_heights:
        from kivy.core.text import Label as CoreLabel

        _line_heights[font_size] = CoreLabel(font_size=font_size).get_extents("Hg")[1]
    return _line_heights[font_size]


def _report_once(key: str, message: str, *args) -> None:
    if key not in _reported:
        _reported.add(key)
        log.warning(message, *args)


class Icon(Widget):
    """The symbol `name` (kiosk/icons.py) in `color`, the colour of the text beside it, so
    that high contrast holds for it too; `beside` is that text's font size. Its `side` is
    one line of that text, so the symbol grows with every text size and, at the top of its
    text, stands level with the first line.

    Decorative, as the text beside it says what the choice is: it is no Label (speech, the
    screenshots' record and the text checks never count it) and takes no touch of its own
    (the choice around it does). Without a name, or without its font (a kiosk without the
    Debian package), it is not `shown` and its `side` is 0: the choice shows its text alone.
    """

    name = StringProperty("")
    color = ColorProperty((0, 0, 0, 1))
    beside = NumericProperty(24)  # px until KV sets it (no dp() here: at import it would open the window)
    font_file = StringProperty(FONT_FILE)
    shown = BooleanProperty(False)
    side = NumericProperty(0)  # the square it needs (0 when not shown); a layout sizes it so
    texture = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            self._ink = Color(rgba=self.color)
            self._picture = Rectangle(size=(0, 0))
        self._render_soon = Clock.create_trigger(self._render, -1)
        for name in ("name", "beside", "font_file"):
            self.fbind(name, self._update)
        for name in ("pos", "size", "texture"):
            self.fbind(name, self._draw)
        self.fbind("color", self._tint)
        self._update()

    def _update(self, *_args) -> None:
        text = glyph(self.name)
        if self.name and not text:
            _report_once("name:" + self.name, "icon '%s' is not one of kiosk.icons.GLYPHS: not shown", self.name)
        font = bool(text) and os.path.isfile(self.font_file)
        if text and not font:
            _report_once("font:" + self.font_file, "icon font %s is missing (Debian package %s): "
                         "the choices show their text without symbols", self.font_file, FONT_PACKAGE)
        self.shown = font
        self.side = round(line_height(self.beside)) if font else 0
        self._render_soon()

    def _render(self, *_args) -> None:
        if not self.shown:
            self.texture = None
            return
        from kivy.core.text import Label as CoreLabel

        # Drawn white and tinted by the canvas's colour: a change of look needs no new texture.
        label = CoreLabel(text=glyph(self.name), font_name=self.font_file, font_size=self.side / INK,
                          color=(1, 1, 1, 1))
        label.refresh()
        self.texture = label.texture

    def _tint(self, *_args) -> None:
        self._ink.rgba = self.color

    def _draw(self, *_args) -> None:
        texture = self.texture
        if texture is None:
            self._picture.texture = None
            self._picture.size = (0, 0)
            return
        width, height = texture.size
        self._picture.texture = texture
        self._picture.size = (width, height)
        self._picture.pos = (round(self.center_x - width / 2), round(self.center_y - height / 2))


class IconBeside:
    """For a Label-based button: an `icon` (a name of kiosk/icons.py) left of its text, in
    the text's colour, beside the widest line of centred text so that symbol and words are
    centred together. The widget must have an `icon_room` property, which its padding's
    left adds (KV), as the room the symbol and the gap after it take."""

    icon = StringProperty("")

    def __init__(self, **kwargs) -> None:
        self.icon_widget = None
        super().__init__(**kwargs)
        self.fbind("pos", self._place_icon)
        self.on_icon(self, self.icon)

    def on_icon(self, _instance, name: str) -> None:
        if self.canvas is None:  # given to the constructor, before the widget can hold one
            return
        if self.icon_widget is None and name:
            self.icon_widget = Icon(size_hint=(None, None))
            for prop in ("font_size", "color", "disabled_color", "disabled"):
                self.fbind(prop, self._style_icon)
            self.icon_widget.fbind("side", self._style_icon)
            self.add_widget(self.icon_widget)
        if self.icon_widget is not None:
            self.icon_widget.name = name
            self._style_icon()

    def _style_icon(self, *_args) -> None:
        icon = self.icon_widget
        icon.beside = self.font_size
        icon.color = self.disabled_color if self.disabled else self.color
        icon.size = (icon.side, icon.side)
        self.icon_room = icon.side + self.font_size * 0.5 if icon.shown else 0
        self._place_icon()

    def texture_update(self, *largs) -> None:
        super().texture_update(*largs)
        self._place_icon()

    def _place_icon(self, *_args) -> None:
        icon = self.icon_widget
        if icon is None:
            return
        # Where Kivy drew the widest line (kivy/core/text, render_lines), in the texture
        # the Label centres on itself.
        lines = getattr(self._label, "_cached_lines", None) or ()
        widest = max((line.w for line in lines), default=0)
        texture_width = self.texture_size[0]
        left, right = self.padding[0], self.padding[2]
        rtl = right_to_left()
        if self.halign == "center":
            line_x = min(texture_width - widest, max(left, (texture_width - widest + left - right) / 2))
        else:  # Arabic's text stands against the right edge (kiosk/screens/bidi.py)
            line_x = texture_width - right - widest if rtl else left
        x = self.center_x - texture_width / 2 + line_x
        # Left of the words, or right of them in a language written right to left.
        x = x + widest + self.icon_room - icon.width if rtl else x - self.icon_room
        icon.pos = (round(x), round(self.center_y - icon.height / 2))
