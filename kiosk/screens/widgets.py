"""Widgets every screen is built from: large, legible, themed, acting on release only."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.graphics import Color, Line, Quad, Rectangle, Triangle
from kivy.metrics import dp
from kivy.properties import (BooleanProperty, ColorProperty, ListProperty, NumericProperty, ObjectProperty,
                             OptionProperty, StringProperty, VariableListProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.layout import Layout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView

from kiosk.screens.bidi import mirror
from kiosk.screens.icon import IconBeside

BUTTON_KINDS = ("secondary", "primary", "help", "danger", "selected", "bar")


def release_rendered_surfaces() -> bool:
    """Text labels keep only their texture, not also the picture it was made from.

    Kivy's SDL2 text provider renders a label into an SDL surface, copies its pixels into
    the label's texture and then keeps the surface as long as the label lives: a second
    copy of every text on screen (as much memory as the textures themselves). Nothing
    reads it after rendering (each rendering makes a new one), so it is let go at once.
    True if the SDL2 provider is the one in use (the others keep nothing)."""
    from kivy.core.text import Label as CoreLabel

    render_end = getattr(CoreLabel, "_render_end", None)
    if CoreLabel.__name__ != "LabelSDL2" or render_end is None or getattr(render_end, "releases", False):
        return False

    def _render_end(self):
        try:
            return render_end(self)
        finally:
            self._surface = None

    _render_end.releases = True
    CoreLabel._render_end = _render_end
    return True


release_rendered_surfaces()


class Hideable:
    """`hidden: True` takes a widget out of sight, out of touch and out of the layout."""

    hidden = BooleanProperty(False)

    def on_hidden(self, _instance, hidden: bool) -> None:
        self.opacity = 0 if hidden else 1
        self.disabled = hidden


class KioskLabel(Hideable, Label):
    """Text that wraps to its width and is as tall as its lines. `speech_skip` labels are
    not read out (what the eye needs and the ear does not: "3 more below")."""

    style = OptionProperty("body", options=("body", "title", "heading", "muted", "hero", "step"))
    speech_skip = BooleanProperty(False)


class ThemedButton(Hideable, ButtonBehavior, Label):
    """A button that acts on release (WCAG 2.5.2) and is never smaller than a fingertip.

    `kind` picks its colours from the theme; `speech_label` is what speech mode says when
    the visible text alone would not do; `speech_direct` buttons (Stop, Repeat) act on the
    first tap even in speech mode.
    """

    kind = OptionProperty("secondary", options=BUTTON_KINDS)
    bg = ColorProperty((1, 1, 1, 1))
    speech_label = StringProperty("")
    speech_direct = BooleanProperty(False)
    speech_skip = BooleanProperty(False)  # not one of the screen's choices when it is read out
    # Left and right of the text, set in KV per kind of button. No dp() at import: Kivy's
    # metrics open the window to learn its density, before the kiosk has sized it.
    side_padding = NumericProperty(20)
    icon_room = NumericProperty(0)  # left of the text, for a KioskButton's icon and the gap after it


class KioskButton(IconBeside, ThemedButton):
    """A button as wide as its place, its text wrapping inside (between words), and an
    `icon` left of its text if it has one."""


class BarButton(ThemedButton):
    """A button of the top or bottom bar: as wide as its text, or `fixed_width`.

    `every_language`: as wide as its widest translation, so that it, and what stands after
    it, keeps its place whichever language is chosen."""

    fixed_width = NumericProperty(0)
    keep_place = BooleanProperty(False)
    every_language = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._measure_soon = Clock.create_trigger(self._measure, 0)
        for name in ("text", "font_size", "bold", "side_padding", "every_language"):
            self.fbind(name, self._measure_soon)

    def _measure(self, *_args) -> None:
        if not self.every_language or not self.text:
            return
        from kiosk.screens.facade import kiosk

        widest = max(text_width(text, self.font_size, self.bold) for text in kiosk().tr.in_every_language(self.text))
        self.fixed_width = max(dp(96), widest + 2 * self.side_padding + dp(2))


ICONS = ("stop", "repeat", "quieter", "louder")


class IconButton(BarButton):
    """A compact bar button that shows a drawn symbol (speech's Stop, Repeat, Quieter,
    Louder): the same in every language and narrow enough for any bar. What it does is its
    `speech_label`, which speech mode says."""

    icon = OptionProperty("stop", options=ICONS)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.canvas.after:
            self._ink = Color(rgba=self.color)
        self._shapes = []
        self._redraw = Clock.create_trigger(self._draw, 0)
        self.fbind("pos", self._redraw)
        self.fbind("size", self._redraw)
        self.fbind("icon", self._redraw)
        self.fbind("color", self._redraw)
        self.fbind("font_size", self._redraw)
        self._redraw()

    def _draw(self, *_args) -> None:
        canvas = self.canvas.after
        for shape in self._shapes:
            canvas.remove(shape)
        self._ink.rgba = self.color
        k = self.font_size / dp(22)  # the symbol grows with the bar's text
        cx, cy = self.center
        lw = dp(2.5) * k
        if self.icon == "stop":
            side = dp(20) * k
            shapes = [Rectangle(pos=(cx - side / 2, cy - side / 2), size=(side, side))]
        elif self.icon == "repeat":
            r = dp(11) * k
            # Kivy's angles run clockwise from 12 o'clock: an open circle, its head at the top.
            head_x, head_y = cx, cy + r
            shapes = [Line(circle=(cx, cy, r, 60, 360), width=lw),
                      Triangle(points=[head_x + dp(7) * k, head_y, head_x - dp(1) * k, head_y + dp(7) * k,
                                       head_x - dp(1) * k, head_y - dp(7) * k])]
        else:
            left = cx - dp(16) * k
            body, cone, half = dp(6) * k, dp(9) * k, dp(11) * k
            shapes = [Rectangle(pos=(left, cy - dp(5) * k), size=(body, dp(10) * k)),
                      Quad(points=[left + body, cy - dp(5) * k, left + body + cone, cy - half,
                                   left + body + cone, cy + half, left + body, cy + dp(5) * k])]
            sign_x = left + body + cone + dp(11) * k
            arm = dp(6) * k
            shapes.append(Line(points=[sign_x - arm, cy, sign_x + arm, cy], width=lw))
            if self.icon == "louder":
                shapes.append(Line(points=[sign_x, cy - arm, sign_x, cy + arm], width=lw))
        self._shapes = shapes
        for shape in shapes:
            canvas.add(shape)


class CardButton(Hideable, ButtonBehavior, BoxLayout):
    """A large choice with a title and a one-line explanation under it. A `compact` card shows
    its title only (its explanation is still spoken): four of them fit one screen at 200 %."""

    title = StringProperty("")
    summary = StringProperty("")
    icon = StringProperty("")  # a name of kiosk/icons.py: the symbol left of its title
    kind = OptionProperty("secondary", options=BUTTON_KINDS)
    speech_label = StringProperty("")
    compact = BooleanProperty(False)
    bg = ColorProperty((1, 1, 1, 1))
    fg = ColorProperty((0, 0, 0, 1))
    natural_height = NumericProperty(0)  # what its own texts need
    row_height = NumericProperty(0)      # its row's tallest card's (CardGrid)


class CardGrid(GridLayout):
    """Cards in columns, each as tall as the tallest of its row: a grid, not a staircase.
    With `equals`, every card as tall as the tallest of all (choices offered as equals)."""

    equals = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._even_soon = Clock.create_trigger(self._even, 0)
        self.fbind("cols", self._even_soon)
        self.fbind("equals", self._even_soon)

    def add_widget(self, widget, *args, **kwargs):
        super().add_widget(widget, *args, **kwargs)
        widget.fbind("natural_height", self._even_soon)
        self._even_soon()

    def _even(self, *_args) -> None:
        cards = list(reversed(self.children))
        if not cards:
            return
        cols = len(cards) if self.equals else self.cols or 1
        for start in range(0, len(cards), cols):
            row = cards[start:start + cols]
            tallest = max(getattr(card, "natural_height", card.height) for card in row)
            for card in row:
                card.row_height = tallest


class Panel(BoxLayout):
    """Information on the screen (a list, a file's details): flat, with a rule on its left,
    so that it never looks like something to press."""


class TextBlock(Hideable, Panel):
    """A heading with paragraphs or a list under it, on a panel; an `icon` left of the heading."""

    heading = StringProperty("")
    icon = StringProperty("")
    lines = ListProperty()
    numbered = BooleanProperty(False)


class Stepper(BoxLayout):
    """A number a person sets with − and + (no keyboard needed): "Copies  [−]  2  [+]"."""

    label = StringProperty("")
    value = StringProperty("")
    minus_label = StringProperty("")  # what speech mode says for − and +
    plus_label = StringProperty("")
    can_decrease = BooleanProperty(True)
    can_increase = BooleanProperty(True)

    __events__ = ("on_decrease", "on_increase")

    def on_decrease(self) -> None:
        pass

    def on_increase(self) -> None:
        pass


class ScreenScroll(BoxLayout):
    """A screen's scrolling content and, only when it does not fit, a row under it that says
    in plain words how much is out of sight ("3 more below", counting the things to press)
    with a large button that turns the page. A thin scroll bar alone is easy to miss.

    The content (the one child given in KV) goes into `view`, a ScrollView."""

    below = NumericProperty(0)   # touchables not wholly in sight, below it
    above = NumericProperty(0)   # and above it
    overflow = BooleanProperty(False)
    at_end = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        self._ready = False
        kwargs.setdefault("orientation", "vertical")
        super().__init__(**kwargs)
        self.view = KioskScrollView()
        self.more = MoreBelow(scroll=self)
        super().add_widget(self.view)
        super().add_widget(self.more)
        self._ready = True
        self._count_soon = Clock.create_trigger(self._count, 0)
        for name in ("scroll_y", "size", "pos"):
            self.view.fbind(name, self._count_soon)
        self.fbind("height", self._count_soon)

    @property
    def content(self):
        return self.view.children[0] if self.view.children else None

    def add_widget(self, widget, *args, **kwargs):
        if not self._ready:
            return super().add_widget(widget, *args, **kwargs)
        self.view.add_widget(widget)
        widget.fbind("height", self._count_soon)
        return None

    def scroll_to_top(self) -> None:
        self.view.scroll_y = 1

    def page(self, direction: int) -> None:
        """Down (1) or up (-1) by most of what is in sight: a little of the last page stays."""
        content = self.content
        if content is None:
            return
        hidden = content.height - self.view.height
        if hidden <= 0:
            return
        step = self.view.height * 0.8 / hidden
        self.view.scroll_y = min(1.0, max(0.0, self.view.scroll_y - direction * step))
        self._count()

    def _count(self, *_args) -> None:
        from kiosk.screens.walk import touchables

        content = self.content
        # Decided on the whole height, not on the view (which this row makes smaller): no
        # flicker between "fits" and "does not fit".
        self.overflow = content is not None and content.height > self.height + 1
        self.view.do_scroll_y = self.overflow
        if not self.overflow:
            self.view.scroll_y = 1  # what fits stands at the top
            self.below = self.above = 0
            self.at_end = False
            return
        bottom = self.view.to_window(self.view.x, self.view.y)[1]
        top = bottom + self.view.height
        below = above = 0
        for widget in touchables(content):
            y = widget.to_window(widget.x, widget.y)[1]
            if y < bottom - 1:
                below += 1
            elif y + widget.height > top + 1:
                above += 1
        self.below, self.above = below, above
        self.at_end = self.view.scroll_y <= 0.001


class KioskScrollView(ScrollView):
    """The scrolling part of a ScreenScroll: it scrolls only when its content does not fit
    (a touch on content that fits is a touch, never the start of a bounce)."""

    def scroll_to(self, widget, padding=10, animate=True):
        # Kivy's scroll_to puts content that fits at the bottom of the view (scroll_y 0).
        if self.children and self.children[0].height <= self.height:
            return
        super().scroll_to(widget, padding, animate)


class MoreBelow(BoxLayout):
    """Under a ScreenScroll whose content does not fit: "3 more below" and Scroll down (at
    the end: what is above, and Scroll up)."""

    scroll = ObjectProperty(None)

    def words(self, *_bound) -> str:
        from kiosk.screens.facade import kiosk

        tr, scroll = kiosk().tr, self.scroll
        if scroll is None or not scroll.overflow:
            return ""
        if not scroll.at_end:
            if scroll.below:
                return tr._("{n} more below").format(n=scroll.below)
            return tr._("More text below")
        if scroll.above:
            return tr._("{n} more above").format(n=scroll.above)
        return tr._("More text above")


class ScreenActions(Layout):
    """A screen's main actions (and a question's answers), pinned under its scrolling part,
    above the bottom bar: in sight without scrolling at every text size. Side by side, the
    shown ones share the width by their `size_hint_x` (a hidden one takes no room); with
    none to show the row takes no height."""

    padding = VariableListProperty([0, 0, 0, 0])
    spacing = NumericProperty(0)
    shown = BooleanProperty(True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for name in ("padding", "spacing", "size", "pos", "children"):
            self.fbind(name, self._trigger_layout)

    def add_widget(self, widget, *args, **kwargs):
        super().add_widget(widget, *args, **kwargs)
        widget.fbind("height", self._trigger_layout)
        if isinstance(widget, Label):
            widget.fbind("texture_size", self._trigger_layout)
        if isinstance(widget, Hideable):
            widget.fbind("hidden", self._trigger_layout)

    def do_layout(self, *_args) -> None:
        shown = [c for c in reversed(self.children) if not getattr(c, "hidden", False)]
        self.shown = bool(shown)
        left, top, right, bottom = self.padding
        share = sum(c.size_hint_x or 1 for c in shown) or 1
        width = self.width - left - right - self.spacing * max(0, len(shown) - 1)
        x = self.x + left
        for child in shown:
            child.width = width * (child.size_hint_x or 1) / share
            child.x = x
            x += child.width + self.spacing
        # Side by side, the answers are as tall as the tallest (by what their text needs).
        tallest = max((self._needs(c) for c in shown), default=0)
        self.height = tallest + top + bottom if shown else 0
        for child in shown:
            child.height = tallest
            child.y = self.y + bottom
        for child in self.children:
            if child not in shown:
                child.pos = (self.x, self.y)
        mirror(self)

    @staticmethod
    def _needs(child) -> float:
        if isinstance(child, Label):
            return max(dp(64), child.texture_size[1])
        return child.height


class KioskScreen(Screen):
    """A screen of the kiosk. `chrome` says whether the bars show; `refresh()` rebuilds
    content that comes from data (the catalogue), on entering and on a language switch.
    `essentials` name (by id) what must be in sight without scrolling at any text size:
    the screen's primary action, or every answer to its question."""

    chrome = BooleanProperty(True)
    session_controls = BooleanProperty(True)
    essentials: tuple[str, ...] = ()

    def essential_widgets(self) -> list:
        """The widgets named by `essentials` that are shown now."""
        return [self.ids[name] for name in self.essentials
                if name in self.ids and not getattr(self.ids[name], "hidden", False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fbind("manager", self._on_manager)

    def _on_manager(self, _screen, manager) -> None:
        if manager is None:  # dropped once left (KioskRoot); the kept welcome screen never is
            self._stop_animations()

    def _stop_animations(self) -> None:
        """A running Animation holds its widgets, and so all their textures, until it ends:
        Kivy's ScrollView fades its bar by one, half a second after each move, so a dropped
        screen lingered about a second. Its animations end now, and no new one starts."""
        for widget in self.walk(restrict=True):
            Animation.cancel_all(widget)
            fade = getattr(widget, "_bind_inactive_bar_color_ev", None)  # a ScrollView's (Kivy 2.3)
            if fade is not None:
                fade.cancel()

    def on_pre_enter(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Rebuild data-driven content; screens with only KV text need nothing here."""


def text_width(text: str, font_size: float, bold: bool = False) -> float:
    """How wide `text` is drawn on one line at that size (the default font; Arabic shaped,
    in its own font, as kiosk/screens/bidi.py draws it)."""
    from kivy.core.text import Label as CoreLabel

    from kiosk.screens.bidi import font_for, shaped

    text = shaped(text)
    font = font_for(text)
    label = CoreLabel(text=text, font_size=font_size, bold=bold, **({"font_name": font} if font else {}))
    return label.get_extents(text)[0]


def widest_word(text: str, font_size: float, bold: bool = False) -> float:
    """The width of the longest word of `text` at that size: what a wrapping label needs
    at least so that no word is broken inside."""
    return max((text_width(word, font_size, bold) for word in set(text.split())), default=0.0)


class QrCode(Hideable, BoxLayout):
    """A QR code of `data` (an address or a phone number), to continue on one's own phone.
    Drawn from the code's modules as a texture, sharp at any size; as wide as its caption's
    longest word needs."""

    data = StringProperty("")
    caption = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def caption_needs(self, caption: str, font_size: float) -> float:
        return widest_word(caption, font_size) + dp(8)

    def on_data(self, _instance, data: str) -> None:
        self.texture = qr_texture(data) if data else None


def qr_texture(data: str):
    """A texture of the QR code of `data`, a pixel a module (drawn sharp at any size)."""
    import qrcode
    from kivy.graphics.texture import Texture

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    # Rows bottom-up for OpenGL; dark modules black, the rest white.
    pixels = bytes(0 if cell else 255 for row in reversed(matrix) for cell in row)
    texture = Texture.create(size=(size, size), colorfmt="luminance")
    texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
    texture.mag_filter = texture.min_filter = "nearest"
    return texture
