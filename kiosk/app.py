"""The kiosk's Kivy application: what KV binds to, and the flows not yet in controllers of
their own. It receives its services (kiosk/compose.py) and builds none itself."""

from __future__ import annotations

import logging
import signal

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.compose import Services
from kiosk.desk_commands import DeskCommands, StatusReporter
from kiosk.devices import DeviceError
from kiosk.devices.heap import release_free_memory
from kiosk.devices.hotplug import CARD_READER, PRINTER, STORAGE, Plugged
from kiosk.journey import HOME
from kiosk.session_stats import SessionStatistics
from kiosk.staff import CORNER_HOLD_S, GESTURE_GAP_S, in_corner, save_settings
from kiosk.wipe import Receipt

log = logging.getLogger(__name__)

GOODBYE_S = 20
TRIM_AFTER_S = 0.3
PRINTER_CHECK_S = 60
DOCUMENTS_CHECK_S = 2
ANNOUNCE_AFTER_S = 0.25
# The keyboard's or keypad's volume keys (SDL key codes), spoken as they change the volume.
VOLUME_KEYS = {1073741952: 0.1, 1073741953: -0.1}


class KioskApp(App):
    """The citizen-facing kiosk. Takes its services as an argument, so tests and the
    screenshot tool build it exactly as the terminal does (kiosk.compose.build_services)."""

    look = ObjectProperty(None)
    tr = ObjectProperty(None)
    journey = ObjectProperty(None)
    session = ObjectProperty(None)
    speech = ObjectProperty(None)
    printing = ObjectProperty(None)
    eservices = ObjectProperty(None)
    practice = ObjectProperty(None, allownone=True)
    help = ObjectProperty(None)
    language = StringProperty("")
    plain_language = BooleanProperty(False)  # selkokieli guides where the catalogue has them
    goodbye_language = StringProperty("")  # the goodbye speaks the language the person used
    site_name = StringProperty("")
    card_readers = NumericProperty(0)  # ID-card readers plugged in: the guides mention the ID card
    staff_mode = BooleanProperty(False)
    out_of_service = BooleanProperty(False)
    staff_pin_result = StringProperty("")   # "", "wrong", "locked", "unset": what the PIN pad says
    staff_message = StringProperty("")      # out of service by staff: the message (an English msgid)
    staff_note = StringProperty("")         # the result of staff's last action (test page, cancel)
    title = "Kiosk"

    def __init__(self, services: Services, **kwargs) -> None:
        super().__init__(**kwargs)
        self.services = services
        config = self.kiosk_config = services.config
        self.catalog = services.catalog
        self.devices = services.devices
        self.speech, self.tr, self.look, self.journey = services.speech, services.tr, services.look, services.journey
        self.wipe, self.printing, self.eservices = services.wipe, services.printing, services.eservices
        self.help, self.usb, self.session = services.help, services.usb, services.session
        self.staff_gate, self.staff_runner = services.staff_gate, services.staff_runner
        self.language = self.tr.language
        self.site_name = config.site.name.in_(self.language)
        self.printing.bind(job_state=self._on_print_job)
        self.eservices.bind(on_gone=self._browser_gone)
        self.counts = SessionStatistics(services.stats, self.session, self.journey, self.help, self.printing, self.tr,
                                        self._accessibility_in_use)
        self._staff_idle = None
        self._corner = None         # (touch, cancel) of a finger held in a top corner
        self._left_corner_at = -1e9  # when the top-left corner was last held long enough
        self.help.bind(state=self._on_help_state)
        self.reporter = StatusReporter(services, self._accessibility_in_use, lambda: self.out_of_service)
        self._status_trigger = self.reporter.soon
        self.desk_commands = DeskCommands(services, self._staff_out_of_service_by_desk,
                                          self._back_in_service_by_desk, self.reporter.soon)
        self._register_ui_wipe()
        self.session.bind(state=self._on_session_state, on_ended=self._on_session_ended)
        self.problems = list(config.problems) + list(self.catalog.problems)
        self.out_of_service = bool(config.core_problems or self.catalog.problems or not self.catalog.services)
        self._goodbye_cancel = None
        self.focus = None  # keyboard focus, once the window exists
        self._explored = None  # speech mode: the item the last tap spoke
        self._announce_pending = False
        self._long_press = None

    @property
    def stats(self):
        return self.services.stats

    @property
    def stats_delivery(self):
        return self.services.stats_delivery

    def build(self):
        from kivy.core.window import Window

        from kiosk.screens import load_shared
        from kiosk.screens.focus import FocusRing
        from kiosk.screens.root import KioskRoot
        from kiosk.screens.window_layout import WindowLayout

        Window.bind(on_request_close=self._refuse_close, on_touch_down=self._on_touch,
                    on_touch_up=self._on_touch_up, on_key_down=self._on_key)
        self.journey.bind(screen=self._on_screen)
        self.layout = WindowLayout(self.journey, self.session, self.eservices, self.kiosk_config.display,
                                   self.devices.idle, root=lambda: self.root)
        self.look.bind(text_scale=lambda _look, scale: self.eservices.set_zoom(scale))
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self._on_stop_signal)
        load_shared()
        for problem in self.problems:
            log.error("configuration: %s", problem)
        for feature, reason in self.kiosk_config.disabled.items():
            log.warning("%s disabled: %s", feature, reason)
        # Before the first frame: whatever a crash or power cut left is wiped first.
        self.wipe.warn_if_on_disk()
        self.session.recover()
        if self.out_of_service:
            log.error("kiosk %s is out of service until its configuration is fixed",
                      self.kiosk_config.site.kiosk_id)
            self.session.put_out_of_service()
        root = KioskRoot()
        self.focus = FocusRing(root, self.look)
        self._watch_headsets()
        self._watch_devices()
        self._watch_printer()
        # Nobody practises in the first second: the welcome screen is drawn first.
        Clock.schedule_once(lambda _dt: self.start_practice(), 1.0)
        self._start_fleet()
        Clock.schedule_interval(self._watch_documents, DOCUMENTS_CHECK_S)
        return root

    # -- the wipe's view of the user interface -------------------------------------------

    def _register_ui_wipe(self) -> None:
        # Kivy's clipboard is the X CLIPBOARD selection, cleared by the "x selections" step;
        # this checks it from the app's side.
        self.wipe.register_check("clipboard empty", self._clipboard_left)
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

    # -- session ------------------------------------------------------------------------

    def start_session(self) -> None:
        """"Touch to start": the session (if the touch has not started it) and the first choice."""
        if self.begin_session():
            self.journey.go("needs")

    def begin_session(self) -> bool:
        """A session for the person now at the kiosk (if none yet); False if it cannot take one."""
        if self.out_of_service:
            return False
        try:
            return self.session.start()
        except OSError as error:
            log.error("cannot create the session directory in %s: %s",
                      self.kiosk_config.session.runtime_dir, error)
            self.session.put_out_of_service()
            return False

    def end_session(self) -> None:
        """End session confirmed: wipe, then the goodbye screen."""
        self.session.end("end")

    def answer_goodbye(self, answer: str) -> None:
        """The person's one-tap answer to "Did you get your matter done?" (anonymous)."""
        log.info("session outcome: %s", answer)
        self.counts.answered(answer)
        self.leave_goodbye()

    def _on_session_state(self, _session, state: str) -> None:
        if state == "wiping":
            self.goodbye_language = self.tr.language
        elif state == "warning":
            self.journey.go("warning")
            self.speech.say(" ".join((
                self.tr._("Are you still there?"),
                self.tr._("Your session ends in {seconds} seconds, and everything you did here is erased.").format(
                    seconds=int(self.session.remaining)),
                self.tr._("Touch anywhere on the screen to continue."))))
            self._announce_pending = False
        elif state == "active" and self.journey.screen == "warning":
            self.journey.back()
        elif state == "out_of_service":
            self.journey.history = []
            self.journey.screen = "out_of_service"

    def _on_session_ended(self, _session, reason: str, receipt: Receipt) -> None:
        if not receipt.ok:
            return
        if reason in ("end", "timeout"):
            self.journey.go("goodbye")
            self.journey.history = []
            self._goodbye_cancel = Clock.schedule_once(lambda _dt: self.leave_goodbye(), GOODBYE_S).cancel
        # The session's screens are gone; give their memory back while the kiosk waits (not
        # at start-up, where there were none and the welcome screen is still to be drawn).
        if reason != "startup":
            Clock.schedule_once(lambda _dt: release_free_memory(), 0.2)

    def leave_goodbye(self) -> None:
        """The goodbye is over (its time, or a touch): back to the welcome screen."""
        self.counts.goodbye_left()
        if self._goodbye_cancel is not None:
            self._goodbye_cancel()
            self._goodbye_cancel = None
        if self.journey.screen == "goodbye":
            self.journey.reset()
            # Back to the welcome screen: the last screens and their textures are dropped
            # over the next frames; then their memory goes back to the system too.
            Clock.schedule_once(lambda _dt: release_free_memory(), TRIM_AFTER_S)

    def _on_welcome(self) -> bool:
        """Whether the kiosk waits for a person on the welcome screen."""
        return self.session.state == "ready" and self.journey.screen == HOME

    def _on_touch(self, window, touch) -> bool:
        corner = in_corner(touch.x, touch.y, window.width, window.height)
        if corner:
            self._watch_corner(touch, corner)
        if self.staff_mode:
            self._arm_staff_idle()
            return False
        if self._on_welcome():
            # Any first touch on the welcome screen starts a session, a language button
            # included: whatever it changes is then erased after this person.
            self.begin_session()
            if not corner:  # a corner held is the staff gesture, not a request for speech
                self._watch_long_press(touch)
            return False
        if self.session.state == "warning":
            # The tap that says "I am here" must not also press what lies under it.
            self.session.extend()
            return True
        self.session.activity()
        if self.speech.enabled:
            return self._explore(touch)
        return False

    def _on_touch_up(self, _window, touch) -> bool:
        if self._long_press is not None and self._long_press[0] is touch:
            self._long_press[1]()
            self._long_press = None
        if self._corner is not None and self._corner[0] is touch:
            self._corner[1]()
            self._corner = None
        return False

    def _on_key(self, _window, key, _scancode=None, _codepoint=None, modifiers=()) -> bool:
        from kivy.core.window import Keyboard

        from kiosk.screens.focus import ACTIVATE_KEYS, NEXT_KEYS
        from kiosk.screens.spoken import describe

        if key == Keyboard.keycodes.get("k") and {"ctrl", "alt"} <= set(modifiers or ()):
            self.open_staff_pin()  # staff mode from a keyboard: Ctrl+Alt+K
            return True
        if self.staff_mode:
            self._arm_staff_idle()
            return False
        if self.session.state == "warning":
            self.session.extend()
            return True
        if self._on_welcome():
            self.begin_session()
        self.session.activity()
        if self.kiosk_config.speech.key and key == Keyboard.keycodes.get(self.kiosk_config.speech.key):
            self.set_speech(not self.speech.enabled)
            return True
        if key in VOLUME_KEYS and self.speech.available:
            self.change_volume(VOLUME_KEYS[key])
            return True
        if key in NEXT_KEYS and self.focus is not None:
            focused = self.focus.move(NEXT_KEYS[key], shift="shift" in (modifiers or ()))
            if focused is not None:
                self.speech.stop()
                self.speech.say(describe(focused, self.tr, headset=self.speech.headset))
            return True
        if key in ACTIVATE_KEYS and self.focus is not None:
            return self.focus.activate()
        return False

    # -- speech mode --------------------------------------------------------------------

    def set_speech(self, on: bool) -> None:
        if on and not self.speech.available:
            return
        if on and self._on_welcome():
            self.begin_session()
        self.speech.enabled = on
        self._explored = None
        if on:
            self.speech.say(self.tr._("Speech is on. Touch an item to hear it, touch it again to choose it."))
        else:
            self.speech.stop()

    def _watch_headsets(self) -> None:
        if self.devices.headsets is None:
            return
        try:
            # Reports come from a device thread: over to the Kivy thread before acting.
            self.devices.headsets.start(
                lambda plugged, device: Clock.schedule_once(lambda _dt: self._on_headset(plugged, device), 0))
        except DeviceError as error:
            log.warning("headsets will not turn speech on: %s", error)

    def _on_headset(self, plugged: bool, device: str) -> None:
        """A headset plugged in: speech mode on, spoken into it (EN 301 549 5.1.3.2, 5.2)."""
        log.info("headset %s", "plugged in" if plugged else "unplugged")
        self.speech.use_output(device if plugged else self.kiosk_config.speech.device, headset=plugged)
        if plugged and self.speech.available and not self.out_of_service:
            self.set_speech(True)

    def _watch_devices(self) -> None:
        if self.devices.monitor is None:
            return
        try:  # reports come from udev's thread: over to the Kivy thread before acting
            self.devices.monitor.start(lambda event: Clock.schedule_once(lambda _dt: self._on_plugged(event), 0))
        except DeviceError as error:
            log.warning("memory sticks, printers and card readers plugged in go unnoticed: %s", error)

    def _on_plugged(self, event: Plugged) -> None:
        log.info("%s %s", event.kind, "plugged in" if event.added else "taken out")
        if event.kind == STORAGE:
            self.usb.plugged(event)
            # The person just put it in: show what it can do (starting a session if need be).
            if event.added and self.begin_session():
                self.session.activity()
                self.journey.go("stick")
        elif event.kind == PRINTER:
            self.printing.refresh_printer()  # the status follows, and reaches staff
            self._status_trigger()
        elif event.kind == CARD_READER:
            self.card_readers = max(0, self.card_readers + (1 if event.added else -1))

    def print_from_stick(self, file) -> None:
        """A PDF from the stick: copied into the session's documents, then the print screen."""
        def copied(path) -> None:
            if path is None:
                return
            self.printing.refresh_documents()
            document = next((d for d in self.printing.documents if d.path == path), None)
            if document is not None:
                self.printing.choose(document)
                self.journey.go("print")

        self.usb.copy_for_printing(file, self.printing.documents_dir, copied)

    def save_to_stick(self) -> None:
        self.usb.save_documents([d.path for d in self.printing.documents])

    def change_volume(self, delta: float) -> None:
        if self.speech.set_volume(self.speech.volume + delta):
            self.speech.say(self.tr._("Volume {percent} percent").format(percent=int(round(self.speech.volume * 100))))

    def _explore(self, touch) -> bool:
        """Explore by touch: the first tap on an item says it, a second tap chooses it."""
        from kiosk.screens.spoken import describe
        from kiosk.screens.walk import touchables

        self.speech.stop()  # any new touch silences what was being said
        self._announce_pending = False
        under = [w for w in touchables(self.root) if w.collide_point(*w.to_widget(*touch.pos))]
        if not under:
            return False
        target = under[-1]
        if getattr(target, "speech_direct", False) or target is self._explored:
            self._explored = None
            return False  # goes through: the release activates it
        self._explored = target
        self.speech.say(describe(target, self.tr, headset=self.speech.headset))
        return True

    def _on_screen(self, *_args) -> None:
        self._watch_documents()
        self._explored = None
        if self.focus is not None:
            self.focus.clear()
        self._announce_pending = True
        # Announced once the new screen is laid out (its choices are counted as seen).
        Clock.schedule_once(self._announce_screen, ANNOUNCE_AFTER_S)

    def _announce_screen(self, _dt) -> None:
        from kiosk.screens.spoken import announce

        # Not over an item the person has already touched on the new screen.
        if self._announce_pending and self.speech.enabled and self.root is not None:
            self.speech.say(announce(self.root.ids.manager.current_screen, self.tr))
        self._announce_pending = False

    def _watch_long_press(self, touch) -> None:
        """Holding a finger on the welcome screen turns speech on, without needing sight."""
        if not self.speech.available or self.speech.enabled:
            return

        def fire(_dt) -> None:
            self._long_press = None
            # The finger that asked for speech must not also press "Touch to start".
            for reference in list(touch.grab_list):
                widget = reference()
                if widget is not None:
                    touch.ungrab(widget)
                    if hasattr(widget, "state"):
                        widget.state = "normal"
            self.set_speech(True)

        event = Clock.schedule_once(fire, self.kiosk_config.speech.long_press_s)
        self._long_press = (touch, event.cancel)

    # -- staff mode ---------------------------------------------------------------------------

    def _watch_corner(self, touch, corner: str) -> None:
        """Top-left corner held, then top-right: staff mode's PIN pad (documented for staff)."""
        def held(_dt) -> None:
            self._corner = None
            now = Clock.get_time()
            if corner == "left":
                self._left_corner_at = now
            elif now - self._left_corner_at <= GESTURE_GAP_S + CORNER_HOLD_S:
                self._left_corner_at = -1e9
                self.open_staff_pin()

        if self._corner is not None:
            self._corner[1]()
        self._corner = (touch, Clock.schedule_once(held, CORNER_HOLD_S).cancel)

    def open_staff_pin(self) -> None:
        if self.staff_mode or self.journey.screen == "staff_pin":
            return
        self.staff_pin_result = "unset" if not self.staff_gate.enabled else (
            "locked" if self.staff_gate.locked_for() else "")
        if self.journey.screen == "out_of_service":
            self.journey.history = []
            self.journey.screen = "staff_pin"
        else:
            self.journey.go("staff_pin")

    def close_staff_pin(self) -> None:
        if self.session.state == "out_of_service":
            self.journey.screen = "out_of_service"
        elif self.journey.history:
            self.journey.back()
        else:
            self.journey.reset()

    def enter_staff_pin(self, pin: str) -> None:
        result = self.staff_gate.try_pin(pin)
        self.staff_pin_result = "" if result == "ok" else result
        if result == "ok":
            self._enter_staff_mode()

    def _enter_staff_mode(self) -> None:
        if self.session.state in ("active", "warning"):
            self.session.end("staff")  # staff take over the terminal: the person's session is wiped
        self.staff_mode = True
        self.journey.history = []
        self.journey.screen = "staff"
        self._arm_staff_idle()
        self._status_trigger()

    def _arm_staff_idle(self) -> None:
        if self._staff_idle is not None:
            self._staff_idle.cancel()
        self._staff_idle = Clock.schedule_once(lambda _dt: self.leave_staff_mode(), self.staff_gate.idle_s)

    def leave_staff_mode(self) -> None:
        """Leaving (or staff mode left alone): wiped, then the welcome screen (or out of service)."""
        if not self.staff_mode:
            return
        if self._staff_idle is not None:
            self._staff_idle.cancel()
            self._staff_idle = None
        self.staff_mode = False
        receipt = self.wipe.run("staff")
        log.info("staff mode left; wipe %s", "ok" if receipt.ok else "FAILED: " + ", ".join(receipt.failed))
        self.journey.reset()
        if self.out_of_service or not receipt.ok:
            self.session.put_out_of_service()
        elif self.session.state == "out_of_service":
            self.session.state = "ready"  # back in service, freshly wiped
        self._status_trigger()

    def _broken(self) -> bool:
        """Out of service for a reason staff cannot lift: the configuration or catalogue."""
        return bool(self.kiosk_config.core_problems or self.catalog.problems)

    def staff_out_of_service(self, message: str) -> None:
        """Staff put the kiosk out of service (with one of the STAFF_MESSAGES) or back."""
        if message:
            self.staff_message = message
            self.out_of_service = True
        elif not self._broken():
            self.staff_message = ""
            self.out_of_service = False
        self._status_trigger()

    def staff_default_volume(self, delta: float) -> None:
        volume = min(1.0, max(0.1, round(self.speech.default_volume + delta, 2)))
        self.speech.default_volume = volume
        self.speech.set_volume(volume)
        save_settings(self.kiosk_config.session.state_dir, {"default_volume": volume})
        self.speech.test(self.tr._("Volume {percent} percent").format(percent=int(round(volume * 100))),
                         self.tr.language)

    def staff_test_page(self) -> None:
        from kiosk.devices.pdf import write_text_pdf

        page = self.kiosk_config.session.runtime_dir / "staff-test-page.pdf"
        kiosk_id = self.kiosk_config.site.kiosk_id

        def work() -> int:
            page.parent.mkdir(parents=True, exist_ok=True)
            write_text_pdf(page, [f"Test page / Testisivu / Testsida - {kiosk_id}"])
            try:
                return self.devices.printer.submit(page, "kiosk test page")
            finally:
                page.unlink(missing_ok=True)  # CUPS has its own copy once the job is accepted

        def done(job, error) -> None:
            self.staff_note = (self.tr._("The test page could not be sent: {reason}").format(reason=error)
                               if error else self.tr._("The test page was sent to the printer."))
            self.printing.refresh_printer()

        self.staff_runner.run(work, done)

    def staff_cancel_jobs(self) -> None:
        def done(count, error) -> None:
            self.staff_note = (self.tr._("The print jobs could not be cancelled: {reason}").format(reason=error)
                               if error else self.tr._("Print jobs cancelled: {n}").format(n=count))
        self.staff_runner.run(self.devices.printer.purge_jobs, done)

    def restart_kiosk(self) -> None:
        """Staff's restart: wiped, then the process ends and systemd starts it again."""
        log.info("restart asked by staff")
        self.leave_staff_mode()
        self.stop()

    # -- e-services in the browser --------------------------------------------------------

    def open_service(self) -> None:
        """"Open the service": the browser above, this window a strip below it."""
        service = self.catalog.service(self.journey.service_id)
        if service is None or not self.begin_session():
            return
        self.counts.service_opened(service.id)
        self.eservices.set_zoom(self.look.text_scale)
        self.eservices.open_service(service)
        self.journey.go("browser")

    def open_practice(self) -> None:
        """"Practise first": the pretend bank and application, in the same locked browser."""
        service = self.catalog.service(self.journey.service_id)
        if service is None or self.practice is None or not self.begin_session():
            return
        from dataclasses import replace

        self.counts.practised()
        self.eservices.set_zoom(self.look.text_scale)
        self.eservices.open_service(replace(service, url=self.practice.url(self.tr.language)))
        self.journey.go("browser")

    def start_practice(self) -> None:
        """The practice e-service on loopback (a second after the first frame)."""
        port = self.kiosk_config.browser.practice_port
        if not port or self.out_of_service or self.practice is not None:
            return
        from kiosk.practice import PracticeService

        try:
            self.practice = PracticeService(port).start()
        except OSError as error:
            log.error("practice mode is off: cannot serve it on 127.0.0.1:%d (%s)", port, error)
            return
        self.eservices.allowed += (self.practice.host,)

    def leave_service(self) -> None:
        """Home from the strip: the browser closes, the person is back at the start."""
        self.eservices.close()
        self.journey.home()

    def _browser_gone(self, *_args) -> None:
        """The browser could not open, or closed twice: say sorry where the service was chosen."""
        if self.journey.screen == "browser":
            self.journey.screen = "open_service"

    def read_page_aloud(self) -> None:
        if not self.speech.available:
            return
        if not self.speech.enabled:
            self.set_speech(True)
        self.eservices.page_text(lambda text: self.speech.say_long(text))

    def print_page(self) -> None:
        def saved(path) -> None:
            self.printing.refresh_documents()
            document = next((d for d in self.printing.documents if d.path == path), None)
            if document is not None:
                self.printing.choose(document)
                self.journey.go("print")

        self.eservices.print_page(saved)

    def window_settled(self) -> bool:
        """The window has the size its screen wants (the strip's, or the whole screen)."""
        return self.layout.settled()

    # -- help from staff and the fleet link ------------------------------------------------

    def ask_for_help(self, topic: str) -> None:
        """"Someone here, please": the request goes to the staff desk, followed on screen."""
        if not self.begin_session() and self.session.state not in ("active", "warning"):
            return
        self.help.request(topic, self.journey.service_id, self.tr.language, self._accessibility_in_use())
        self.counts.help_asked(self.help.topic, self.journey.service_id)

    def _accessibility_in_use(self) -> list[str]:
        modes = []
        if self.speech.enabled:
            modes.append("speech")
        if self.look.text_scale > 1:
            modes.append("large_text")
        if self.look.contrast:
            modes.append("high_contrast")
        if self.plain_language:
            modes.append("plain_language")
        return modes

    def _on_help_state(self, _help, _state) -> None:
        from kiosk.screens.help import request_words

        if self.help.state and self.speech.enabled:
            self.speech.say(request_words(self.help, self.tr, self.kiosk_config.help.phone))

    def _staff_out_of_service_by_desk(self) -> None:
        self.out_of_service = True
        self.session.put_out_of_service()

    def _back_in_service_by_desk(self) -> None:
        if self.out_of_service and not self._broken():
            self.out_of_service = False
            self.session.recover()  # wiped and ready for the next person
            self.journey.reset()

    def _start_fleet(self) -> None:
        self.help.start()
        Clock.schedule_interval(lambda _dt: self.help.resend_pending(), 5)
        Clock.schedule_interval(lambda _dt: self.stats_delivery.tick(self.help.connected), 15)
        # Old days go an hour after start and hourly after (not before the first frame).
        Clock.schedule_interval(lambda _dt: self.stats.expire(), 3600)
        self.help.bind(connected=lambda _help, up: self.stats_delivery.tick(up))
        self.reporter.watch()

    # -- printing -------------------------------------------------------------------------

    def _on_print_job(self, _printing, state: str) -> None:
        """Each change of the job's state is spoken in speech mode (the screen shows it)."""
        from kiosk.screens.print_words import job_text

        if state and state != "sending" and self.speech.enabled:
            place = self.kiosk_config.printing.printer_place.in_(self.tr.language)
            self.speech.say(job_text(self.printing, self.tr, place))

    def _watch_documents(self, _dt=None) -> None:
        """New files of the session (downloads) show up in the top bar within seconds."""
        if self.session.state in ("active", "warning"):
            self.printing.refresh_documents()

    def _watch_printer(self) -> None:
        """The printer's state, read now and then, so staff hear of faults before anyone prints."""
        if self.printing.available:
            self.printing.refresh_printer()
            Clock.schedule_interval(lambda _dt: self.printing.refresh_printer(), PRINTER_CHECK_S)

    # -- lockdown and language ------------------------------------------------------------

    def on_start(self) -> None:
        """The first frame is on screen: systemd may count the kiosk as started, and from
        now on the main loop proves it is alive (a hung loop gets the kiosk restarted)."""
        from kiosk.devices.systemd import Systemd

        self.systemd = Systemd()
        if not self.systemd.enabled:
            return
        Clock.schedule_once(lambda _dt: self.systemd.ready(self._status_line()), 0)
        if self.systemd.watchdog_s:
            Clock.schedule_interval(lambda _dt: self.systemd.alive(), self.systemd.watchdog_s / 3)
        self.session.bind(state=lambda *_: self.systemd.status(self._status_line()))

    def _status_line(self) -> str:
        if self.out_of_service:
            return "out of service: " + ("; ".join(str(p) for p in self.problems[:3]) or "by staff")
        return {"ready": "waiting for the next person", "active": "in use", "warning": "in use",
                "wiping": "wiping", "out_of_service": "out of service"}.get(self.session.state, self.session.state)

    def on_stop(self) -> None:
        if getattr(self, "systemd", None) is not None:
            self.systemd.stopping()
        if self.practice is not None:
            self.practice.stop()
        self.help.stop()

    def _on_stop_signal(self, number: int, _frame) -> None:
        log.info("stopping on %s", signal.Signals(number).name)
        Clock.schedule_once(lambda _dt: self.stop(), 0)

    def _refuse_close(self, *_args, **_kwargs) -> bool:
        # Alt+F4 and the window manager's close must not reveal a desktop.
        return True

    def run_embedded(self) -> None:
        """Build and start inside an event loop that is already running (the GUI tests'), as
        `run` does with a loop of its own."""
        self._run_prepare()

    def open_settings(self, *_args) -> bool:
        # F1 opens Kivy's settings panel by default.
        return False

    def switch_language(self, language: str) -> None:
        self.tr.switch(language)
        self.speech.set_language(language)
        self.language = language
        self.site_name = self.kiosk_config.site.name.in_(language)

    def config_text(self, key: str, language: str) -> str:
        """A per-language text of the [help] section, in `language`."""
        return getattr(self.kiosk_config.help, key).in_(language)
