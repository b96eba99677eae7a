"""The kiosk's one window: a top bar (Back, Home; speech's buttons while speech is on), the
screens, and a bottom bar (languages, text size, Accessibility, Help, End session) that is
one row at every text size, with Help and End session in the same place on every screen."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition

from kiosk.languages import NATIVE_NAMES
from kiosk.screens import create_screen
from kiosk.screens.facade import controls_low, kiosk
from kiosk.screens.widgets import BarButton, text_width

# Screens where Back and Home make no sense (during the warning a touch only continues; the
# closing notice has one way on, Continue).
NO_TOP_BAR = ("welcome", "end_session", "warning", "closing_soon")
# The screen every person starts from stays built, so it is on screen without delay.
KEPT_SCREEN = "welcome"


class Bar(BoxLayout):
    """A bar of the root. Hidden (disabled, no height), its buttons still have their size and
    Kivy lets a disabled widget swallow the touches that land on it: a hidden bar lets them
    through to the screen instead."""

    def on_touch_down(self, touch):
        return False if self.disabled else super().on_touch_down(touch)

    def on_touch_move(self, touch):
        return False if self.disabled else super().on_touch_move(touch)

    def on_touch_up(self, touch):
        return False if self.disabled else super().on_touch_up(touch)


class LanguageChooser(BarButton):
    """The offered languages in one button, each in its own name ("Suomi · Svenska ·
    English"): it opens the language screen. Shortened at its end if a bar has no room."""


def bar_padding(scale: float) -> float:
    """A bar button's padding on each side (as in widgets.kv)."""
    return dp(20) if scale == 1 else dp(12)


class KioskRoot(BoxLayout):
    """The bars and the screen manager. `on_shown(screen)` fires when a screen has been
    shown, built with its content (speech navigation reads it from there)."""

    chrome_hidden = BooleanProperty(False)
    top_hidden = BooleanProperty(True)
    session_controls = BooleanProperty(False)
    fold_languages = BooleanProperty(False)

    __events__ = ("on_shown",)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.app = kiosk()
        # No sliding: a calm screen change that a person with low vision does not lose.
        self.ids.manager.transition = NoTransition()
        self._language_buttons: dict[str, BarButton] = {}
        for code in self.app.tr.languages:
            button = BarButton(text=NATIVE_NAMES.get(code, code))
            button.bind(on_release=lambda _b, code=code: self.app.switch_language(code))
            self._language_buttons[code] = button
        names = [NATIVE_NAMES.get(code, code) for code in self.app.tr.languages]
        self.chooser = LanguageChooser(text=" · ".join(names))
        self.chooser.bind(on_release=lambda _b: self.app.journey.go("language"))
        self._fit_bar_soon = Clock.create_trigger(self._fit_bar, 0)
        self._measure()
        self.app.look.bind(text_scale=self._measure)
        bar = self.ids.bottom_bar
        ids = self.ids
        for widget in (bar, ids.text_size_button, ids.accessibility_button, ids.help_button, ids.end_button,
                       *self._language_buttons.values()):
            widget.fbind("width", self._fit_bar_soon)
        self._fit_bar()
        self.app.tr.on_language(self._on_language)
        if controls_low():
            # Back and Home move down beside the other controls, within a seated reach.
            top_bar = self.ids.top_bar
            self.remove_widget(top_bar)
            self.add_widget(top_bar, index=1)  # above the bottom bar
        self.app.journey.bind(screen=self._show)
        self._on_language(self.app.tr.language)
        self._show(self.app.journey, self.app.journey.screen)

    def screen(self, name: str):
        """The screen called `name`, created and loaded on first use."""
        manager = self.ids.manager
        if not manager.has_screen(name):
            screen = create_screen(name)
            screen.bind(on_leave=self._drop)
            manager.add_widget(screen)
        return manager.get_screen(name)

    def _show(self, _journey, name: str) -> None:
        screen = self.screen(name)
        self.chrome_hidden = not screen.chrome
        self.top_hidden = name in NO_TOP_BAR
        self.session_controls = screen.session_controls
        self.ids.manager.current = name
        self.dispatch("on_shown", screen)

    def on_shown(self, screen) -> None:
        pass

    def _drop(self, screen) -> None:
        """Screens are built on entering and dropped once left: their text textures are the
        kiosk's biggest memory cost, and nothing of one person's screens should linger."""
        manager = self.ids.manager
        if screen.name == KEPT_SCREEN or screen is manager.current_screen:
            return
        manager.remove_widget(screen)
        if manager.transition.screen_out is screen:
            # The finished transition would hold the left screen until the next change.
            manager.transition.screen_out = manager.current_screen

    def _measure(self, *_args) -> None:
        """The chooser's width for its whole text at the bar's size."""
        look = self.app.look
        padding = 2 * bar_padding(look.text_scale)
        # Kivy shortens a text 2 px before its edge.
        self._chooser_width = text_width(self.chooser.text, look.font("bar", look.text_scale)) + padding + dp(4)
        self._fit_bar_soon()

    def room_for_languages(self) -> float:
        """What the bottom bar leaves for its languages, its other buttons at their widths."""
        bar, ids = self.ids.bottom_bar, self.ids
        others = ids.text_size_button.width + ids.accessibility_button.width + ids.help_button.width + ids.end_button.width
        gaps = bar.spacing * (len(bar.children) - 1)
        return bar.width - bar.padding[0] - bar.padding[2] - others - gaps

    def _fit_bar(self, *_args) -> None:
        """The languages as buttons while they fit at normal text size; else the chooser."""
        box = self.ids.languages
        room = self.room_for_languages()
        buttons = list(self._language_buttons.values())
        needed = sum(b.width for b in buttons) + box.spacing * (len(buttons) - 1)
        self.fold_languages = self.app.look.text_scale > 1 or needed > room or len(buttons) < 2
        wanted = [self.chooser] if self.fold_languages else buttons
        if len(buttons) < 2:
            wanted = []  # one language: nothing to choose
        self.chooser.fixed_width = max(dp(96), min(self._chooser_width, room))
        if list(reversed(box.children)) != wanted:
            box.clear_widgets()
            for widget in wanted:
                box.add_widget(widget)

    def _on_language(self, language: str) -> None:
        for code, button in self._language_buttons.items():
            button.kind = "selected" if code == language else "bar"
        current = self.ids.manager.current_screen
        if current is not None:
            current.refresh()
