"""The kiosk's Kivy application: what KV binds to, and the app's lifecycle. It receives its
services (kiosk/compose.py) and builds none itself; the behaviour is in controllers with
one job each (docs/architecture.md): the session flow, staff mode, errands across
services, device watching, the desk's commands and status, and, with the screens, input
routing, speech navigation and the window layout."""

from __future__ import annotations

import logging
import signal

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.background import Background
from kiosk.closing import NOTICE, Closing
from kiosk.compose import Services
from kiosk.desk_commands import DeskCommands, StatusReporter
from kiosk.device_watch import DeviceWatch
from kiosk.errands import Errands
from kiosk.journey import HOME
from kiosk.languages import RIGHT_TO_LEFT
from kiosk.learning import Learning
from kiosk.rollout_apply import BetweenSessions
from kiosk.remote_ops import RemoteOperations
from kiosk.session import KivyScheduler
from kiosk.session_flow import SessionFlow
from kiosk.session_stats import SessionStatistics
from kiosk.staff_mode import StaffMode

log = logging.getLogger(__name__)


class KioskApp(App):
    """The citizen-facing kiosk. Takes its services as an argument, so tests and the
    screenshot tool build it exactly as the terminal does (kiosk.compose.build_services)."""

    look = ObjectProperty(None)
    tr = ObjectProperty(None)
    journey = ObjectProperty(None)
    session = ObjectProperty(None)
    speech = ObjectProperty(None)
    printing = ObjectProperty(None)
    scanning = ObjectProperty(None)
    eservices = ObjectProperty(None)
    help = ObjectProperty(None)
    catalog = ObjectProperty(None)  # properties: a roll-out between sessions replaces them,
    contact = ObjectProperty(None)  # and KV follows
    language = StringProperty("")
    plain_language = BooleanProperty(False)  # selkokieli guides where the catalogue has them
    site_name = StringProperty("")
    title = "Kiosk"

    def __init__(self, services: Services, **kwargs) -> None:
        super().__init__(**kwargs)
        from kiosk.screens import bidi

        bidi.install()  # before the first widget: Arabic shaped, rows mirrored
        s = self.services = services
        self.kiosk_config, self.catalog, self.devices = s.config, s.catalog, s.devices
        self.contact = s.config.help  # the help screen's phone, chat and video (KV: app.contact)
        self.speech, self.tr, self.look, self.journey = s.speech, s.tr, s.look, s.journey
        self._set_direction(self.tr.language)
        self.wipe, self.printing, self.eservices, self.scanning = s.wipe, s.printing, s.eservices, s.scanning
        self.help, self.usb, self.session = s.help, s.usb, s.session
        self.support = s.support  # digital support near the kiosk (kiosk/support.py)
        self.booking = s.booking  # a time with a helper (kiosk/booking.py)
        self.phone_upload = s.phone_upload  # files from one's own phone (kiosk/phone_upload.py)
        self.share = s.share  # a helper at the desk sees the screen (kiosk/screen_share.py)
        s.share.follow(s.journey, s.speech)
        self.language = self.tr.language
        self.site_name = s.config.site.name.in_(self.language)
        self.counts = SessionStatistics(s.stats, s.session, s.journey, s.help, s.printing, s.tr,
                                        self.accessibility_in_use, scanning=s.scanning)
        self.flow = SessionFlow(s, self.counts, staff_active=lambda: self.staff.active,
                                switch_language=self.switch_language)
        self.reporter = StatusReporter(s, self.flow, self.accessibility_in_use)
        self.staff = StaffMode(s, self.flow, self.reporter.soon, stop=self.stop)
        self.operations = RemoteOperations(s, staff_active=lambda: self.staff.active, restart=self.staff.restart,
                                           runner=Background("operations"), scheduler=KivyScheduler(),
                                           helper=s.devices.helper, screen=s.devices.screen, wake=s.devices.wake)
        self.desk_commands = DeskCommands(s, self.flow, self.reporter.soon, operations=self.operations)
        self.errands = Errands(s, self.flow, self.counts, self.accessibility_in_use, lambda: self.look.text_scale)
        self.learning = Learning(s, self.flow, self.counts, self.errands)  # Learn the basics
        from kiosk.screens.speech_nav import SpeechNavigation

        self.speech_nav = SpeechNavigation(s, self.flow, root=lambda: self.root)
        self.watch = DeviceWatch(s, self.flow, self.speech_nav.headset, self.reporter.soon)
        # Configuration and catalogue from the desk, taken when nobody's session runs.
        self.rollout = BetweenSessions(s, lambda: not self.staff.active and (
            self.flow.waiting() or s.session.state == "out_of_service"), restart=self.stop,
            applied=self._reconfigured)
        # The site's opening hours: notices, closing, the screen off at night (kiosk/closing.py).
        self.closing = Closing(s, self.flow, staff_active=lambda: self.staff.active)
        self.closing.bind(notice=lambda _closing, notice: notice and self.speech_nav.read_again(NOTICE))
        self._register_ui_wipe()
        self.focus = self.input = self.layout = None  # once the window exists (build)

    def build(self):
        from kivy.core.window import Window

        from kiosk.screens import load_shared
        from kiosk.screens.focus import FocusRing
        from kiosk.screens.input_router import InputRouter
        from kiosk.screens.root import KioskRoot
        from kiosk.screens.window_layout import WindowLayout

        Window.bind(on_request_close=lambda *_args, **_kwargs: True)  # Alt+F4 must not reveal a desktop
        self.layout = WindowLayout(self.journey, self.session, self.eservices, self.kiosk_config.display,
                                   self.devices.idle, root=lambda: self.root)
        self.look.bind(text_scale=lambda _look, scale: self.eservices.set_zoom(scale))
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_stop_signal)
        load_shared()
        for problem in self.flow.problems:
            log.error("configuration: %s", problem)
        for feature, reason in self.kiosk_config.disabled.items():
            log.warning("%s disabled: %s", feature, reason)
        for note in self.kiosk_config.languages_left_out:
            log.warning("languages: %s", note)
        self.flow.start()  # before the first frame: whatever a crash or power cut left is wiped
        self.closing.start()  # started at night: closed at once
        root = KioskRoot()
        self.focus = self.speech_nav.focus = FocusRing(root, self.look)
        self.speech_nav.attach(root)
        self.input = InputRouter(self.services, self.flow, self.staff, self.speech_nav, self.focus)
        self.input.attach(Window)
        self.watch.start()
        # Nobody practises in the first second: the welcome screen is drawn first.
        Clock.schedule_once(lambda _dt: self.errands.start_practice(), 1.0)
        self._start_fleet()
        return root

    # -- the wipe's view of the user interface -------------------------------------------

    def _register_ui_wipe(self) -> None:
        # Kivy's clipboard is the X CLIPBOARD selection, cleared by the "x selections" step;
        # this checks it from the app's side.
        self.wipe.register_check("clipboard empty", self._clipboard_left)
        self.wipe.register_step("lessons", self.learning.reset)
        self.wipe.register_check("lessons forgotten", self.learning.left_over)
        self.wipe.register_step("settings", self._reset_settings)
        self.wipe.register_check("settings at defaults", self._settings_changed)
        self.wipe.register_step("screens", self.journey.reset)
        self.wipe.register_check("screen back at start", self._journey_left)

    def _clipboard_left(self) -> int:
        if self.root is None:
            return 0
        from kivy.core.clipboard import Clipboard

        return 1 if Clipboard.paste() else 0

    def _reset_settings(self) -> None:
        self.look.reset()
        self.plain_language = False
        self.switch_language(self.kiosk_config.languages.default)

    def _settings_changed(self) -> int:
        from kivy.metrics import Metrics

        return sum((self.look.contrast, self.look.text_scale != 1.0, Metrics.fontscale != 1.0, self.plain_language,
                    self.tr.language != self.kiosk_config.languages.default))

    def _journey_left(self) -> int:
        j = self.journey
        return sum((j.screen != HOME, bool(j.history), bool(j.level), j.guided, bool(j.category_id),
                    bool(j.service_id), j.step != 0))

    # -- what the controllers ask of the app ----------------------------------------------------

    def accessibility_in_use(self) -> list[str]:
        """The accessibility modes on now (counted and shown to staff; nothing about a person)."""
        on = (self.speech.enabled, self.look.text_scale > 1, self.look.contrast, self.plain_language)
        return [mode for mode, used in zip(("speech", "large_text", "high_contrast", "plain_language"), on) if used]

    def _reconfigured(self) -> None:
        """A roll-out gave the services new values (kiosk/rollout_apply.py): KV's follow."""
        s = self.services
        self.kiosk_config, self.catalog, self.contact = s.config, s.catalog, s.config.help
        self.site_name = s.config.site.name.in_(self.language)
        if self.errands.practice is not None:
            self.errands.practice.catalog = s.catalog

    def window_settled(self) -> bool:
        """The window has the size its screen wants (the strip's, or the whole screen)."""
        return self.layout.settled()

    def _start_fleet(self) -> None:
        help_, delivery, stats = self.help, self.services.stats_delivery, self.services.stats
        help_.start()
        Clock.schedule_interval(lambda _dt: help_.resend_pending(), 5)
        Clock.schedule_interval(lambda _dt: delivery.tick(help_.connected), 15)
        # Old days go an hour after start and hourly after (not before the first frame).
        Clock.schedule_interval(lambda _dt: stats.expire(), 3600)
        help_.bind(connected=lambda _help, up: delivery.tick(up))
        self.reporter.watch()

    # -- lifecycle and language ------------------------------------------------------------

    def on_start(self) -> None:
        """The first frame is on screen: systemd may count the kiosk as started, and from
        now on the main loop proves it is alive (a hung loop gets the kiosk restarted)."""
        systemd = self.devices.systemd
        if not systemd.enabled:
            return
        Clock.schedule_once(lambda _dt: systemd.ready(self.flow.status_line()), 0)
        if systemd.watchdog_s:
            Clock.schedule_interval(lambda _dt: systemd.alive(), systemd.watchdog_s / 3)
        self.session.bind(state=lambda *_: systemd.status(self.flow.status_line()))

    def on_stop(self) -> None:
        self.devices.systemd.stopping()
        self.closing.stop()
        self.errands.stop()
        self.help.stop()

    def _on_stop_signal(self, number: int, _frame) -> None:
        log.info("stopping on %s", signal.Signals(number).name)
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def run_embedded(self) -> None:
        """Build and start inside an event loop that is already running (the GUI tests'), as
        `run` does with a loop of its own."""
        self._run_prepare()

    def open_settings(self, *_args) -> bool:
        # F1 opens Kivy's settings panel by default.
        return False

    def switch_language(self, language: str) -> None:
        self.tr.switch(language)
        self._set_direction(language)
        self.speech.set_language(language)
        self.language = language
        self.site_name = self.kiosk_config.site.name.in_(language)

    def _set_direction(self, language: str) -> None:
        """Right to left or not, for KV (`look.rtl`) and for the text and rows (bidi); after
        the texts changed, those that did not are drawn again with the rest."""
        from kiosk.screens.bidi import set_right_to_left

        self.look.rtl = language in RIGHT_TO_LEFT
        set_right_to_left(self.look.rtl, self.root)

    def config_text(self, key: str, language: str) -> str:
        """A per-language text of the [help] section, in `language`."""
        return getattr(self.kiosk_config.help, key).in_(language)
