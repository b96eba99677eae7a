"""Composition: the one place that turns configuration into services and screens."""

from __future__ import annotations

import logging
import signal

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty

from kiosk.appearance import Appearance
from kiosk.catalog import Catalog
from kiosk.config import Config
from kiosk.devices.heap import release_free_memory
from kiosk.i18n import Translator
from kiosk.journey import Journey

log = logging.getLogger(__name__)


class KioskApp(App):
    """The citizen-facing kiosk. Takes its configuration and catalogue as arguments, so tests
    and the screenshot tool build it exactly as the terminal does."""

    look = ObjectProperty(None)
    tr = ObjectProperty(None)
    journey = ObjectProperty(None)
    language = StringProperty("")
    site_name = StringProperty("")
    title = "Kiosk"

    def __init__(self, config: Config, catalog: Catalog, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kiosk_config = config
        self.catalog = catalog
        self.tr = Translator(list(config.languages.offered), config.languages.default)
        self.look = Appearance()
        self.journey = Journey()
        self.language = self.tr.language
        self.site_name = config.site.name.in_(self.language)
        self.problems = list(config.problems) + list(catalog.problems)
        self.out_of_service = bool(config.core_problems or catalog.problems or not catalog.services)

    def build(self):
        from kivy.core.window import Window

        from kiosk.screens import load_shared
        from kiosk.screens.root import KioskRoot

        Window.bind(on_request_close=self._refuse_close)
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_stop_signal)
        load_shared()
        for problem in self.problems:
            log.error("configuration: %s", problem)
        for feature, reason in self.kiosk_config.disabled.items():
            log.warning("%s disabled: %s", feature, reason)
        if self.out_of_service:
            log.error("kiosk %s is out of service until its configuration is fixed",
                      self.kiosk_config.site.kiosk_id)
            self.journey.screen = "out_of_service"
        return KioskRoot()

    def _on_stop_signal(self, number: int, _frame) -> None:
        log.info("stopping on %s", signal.Signals(number).name)
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def _refuse_close(self, *_args, **_kwargs) -> bool:
        # Alt+F4 and the window manager's close must not reveal a desktop.
        return True

    def open_settings(self, *_args) -> bool:
        # F1 opens Kivy's settings panel by default.
        return False

    def start_session(self) -> None:
        if self.out_of_service:
            return
        self.journey.go("needs")

    def end_session(self) -> None:
        """Everything back to how the next person should find it."""
        self.journey.reset()
        self.look.reset()
        self.switch_language(self.kiosk_config.languages.default)
        # The screens of the session are gone now; give their memory back while idle.
        Clock.schedule_once(lambda _dt: release_free_memory(), 0.2)

    def switch_language(self, language: str) -> None:
        self.tr.switch(language)
        self.language = language
        self.site_name = self.kiosk_config.site.name.in_(language)

    def config_text(self, key: str, language: str) -> str:
        """A per-language text of the [help] section, in `language`."""
        return getattr(self.kiosk_config.help, key).in_(language)
