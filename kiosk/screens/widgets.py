"""Widgets every screen is built from: large, legible, themed, acting on release only."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.properties import (BooleanProperty, ColorProperty, ListProperty, ObjectProperty, OptionProperty,
                             StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

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
    """Text that wraps to its width and is as tall as its lines."""

    style = OptionProperty("body", options=("body", "title", "heading", "muted", "hero", "step"))


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


class KioskButton(ThemedButton):
    """A button as wide as its place, its text wrapping inside."""


class BarButton(ThemedButton):
    """A button of the top or bottom bar: as wide as its text."""


class CardButton(Hideable, ButtonBehavior, BoxLayout):
    """A large choice with a title and a one-line explanation under it."""

    title = StringProperty("")
    summary = StringProperty("")
    kind = OptionProperty("secondary", options=BUTTON_KINDS)
    speech_label = StringProperty("")
    bg = ColorProperty((1, 1, 1, 1))
    fg = ColorProperty((0, 0, 0, 1))


class TextBlock(Hideable, BoxLayout):
    """A heading with paragraphs or a list under it, on a card."""

    heading = StringProperty("")
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


class KioskScreen(Screen):
    """A screen of the kiosk. `chrome` says whether the bars show; `refresh()` rebuilds
    content that comes from data (the catalogue), on entering and on a language switch."""

    chrome = BooleanProperty(True)
    session_controls = BooleanProperty(True)

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


class QrCode(Hideable, BoxLayout):
    """A QR code of `data` (an address or a phone number), to continue on one's own phone.
    Drawn from the code's modules as a texture, sharp at any size."""

    data = StringProperty("")
    caption = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, _instance, data: str) -> None:
        if not data:
            self.texture = None
            return
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
        self.texture = texture
