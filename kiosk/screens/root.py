"""The kiosk's one window: a top bar (Back, Home), the screens, and a bottom bar
(languages, Accessibility, Help, End session) in the same place on every screen."""

from __future__ import annotations

from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition

from kiosk.languages import NATIVE_NAMES
from kiosk.screens import create_screen
from kiosk.screens.facade import controls_low, kiosk
from kiosk.screens.widgets import BarButton

# Screens where Back and Home make no sense.
NO_TOP_BAR = ("welcome", "end_session")
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


class KioskRoot(BoxLayout):
    """The bars and the screen manager. `on_shown(screen)` fires when a screen has been
    shown, built with its content (speech navigation reads it from there)."""

    chrome_hidden = BooleanProperty(False)
    top_hidden = BooleanProperty(True)
    session_controls = BooleanProperty(False)

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
            self.ids.languages.add_widget(button)
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

    def _on_language(self, language: str) -> None:
        for code, button in self._language_buttons.items():
            button.kind = "selected" if code == language else "bar"
        current = self.ids.manager.current_screen
        if current is not None:
            current.refresh()
