"""Staff mode: the PIN pad, entering and leaving, the idle limit, and what staff do in it
(the default volume, a test page, cancelling every print job, out of service, a restart).

Entering ends a person's session (wiped); leaving, or being left alone for the gate's
`idle_s`, wipes again and hands the kiosk back to the session flow (kiosk.session_flow),
which decides whether it takes the next person or stays out of service."""

from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, StringProperty

from kiosk.scanning import FAULT_TEXTS
from kiosk.staff import save_settings

log = logging.getLogger(__name__)


class StaffMode(EventDispatcher):
    active = BooleanProperty(False)
    pin_result = StringProperty("")  # "", "wrong", "locked", "unset": what the PIN pad says
    note = StringProperty("")        # the result of staff's last action (test page, cancel)

    def __init__(self, services, flow, changed: Callable[[], None], stop: Callable[[], None], **kwargs) -> None:
        """`flow`: the session flow; `changed`: the status should go to the desk again;
        `stop`: ends the kiosk's process (systemd starts it again)."""
        super().__init__(**kwargs)
        self.s, self.flow, self.changed, self.stop = services, flow, changed, stop
        self.gate = services.staff_gate
        self._idle: Callable[[], None] | None = None

    # -- the PIN pad ----------------------------------------------------------------------

    def open_pin(self) -> None:
        journey = self.s.journey
        if self.active or journey.screen == "staff_pin":
            return
        self.pin_result = "unset" if not self.gate.enabled else ("locked" if self.gate.locked_for() else "")
        if journey.screen in ("out_of_service", "closed"):
            journey.history = []
            journey.screen = "staff_pin"
        else:
            journey.go("staff_pin")

    def close_pin(self) -> None:
        journey = self.s.journey
        if self.s.session.state == "out_of_service":
            journey.screen = self.flow.out_screen()
        elif journey.history:
            journey.back()
        else:
            journey.reset()

    def enter_pin(self, pin: str) -> None:
        result = self.gate.try_pin(pin)
        self.pin_result = "" if result == "ok" else result
        if result == "ok":
            self._enter()

    # -- in and out ---------------------------------------------------------------------------

    def _enter(self) -> None:
        if self.flow.busy():
            self.s.session.end("staff")  # staff take over the terminal: the person's session is wiped
        self.active = True
        self.s.journey.history = []
        self.s.journey.screen = "staff"
        self.touched()
        self.changed()

    def touched(self) -> None:
        """Staff are still there: the idle limit starts again."""
        if self._idle is not None:
            self._idle()
        self._idle = Clock.schedule_once(lambda _dt: self.leave(), self.gate.idle_s).cancel

    def leave(self) -> None:
        """Leaving (or staff mode left alone): wiped, then the welcome screen (or out of service)."""
        if not self.active:
            return
        if self._idle is not None:
            self._idle()
            self._idle = None
        self.active = False
        receipt = self.s.wipe.run("staff")
        log.info("staff mode left; wipe %s", "ok" if receipt.ok else "FAILED: " + ", ".join(receipt.failed))
        self.flow.staff_left(receipt)
        self.changed()

    def restart(self) -> None:
        """Staff's restart: wiped, then the process ends and systemd starts it again."""
        log.info("restart asked by staff")
        self.leave()
        self.stop()

    # -- what staff do --------------------------------------------------------------------------

    def out_of_service(self, message: str) -> None:
        """Out of service with one of the STAFF_MESSAGES, or back in service ("")."""
        if message:
            self.flow.put_out("staff", message)
        else:
            self.flow.lift("staff", "desk")
        self.changed()

    def default_volume(self, delta: float) -> None:
        speech, tr = self.s.speech, self.s.tr
        volume = min(1.0, max(0.1, round(speech.default_volume + delta, 2)))
        speech.default_volume = volume
        speech.set_volume(volume)
        save_settings(self.s.config.session.state_dir, {"default_volume": volume})
        speech.test(tr._("Volume {percent} percent").format(percent=int(round(volume * 100))), tr.language)

    def test_page(self) -> None:
        tr, config = self.s.tr, self.s.config

        def done(problem: str) -> None:
            self.note = (tr._("The test page could not be sent: {reason}").format(reason=problem) if problem
                         else tr._("The test page was sent to the printer."))

        self.s.printing.test_page(config.session.runtime_dir / "staff-test-page.pdf",
                                  f"Test page / Testisivu / Testsida - {config.site.kiosk_id}", done)

    def test_scanner(self) -> None:
        """Find the scanner and scan a page (kept nowhere): staff hear what a person would."""
        tr = self.s.tr
        self.note = tr._("Testing the scanner…")

        def done(fault: str) -> None:
            self.note = tr._("The scanner works: {name}").format(name=self.s.scanning.scanner_name) if not fault \
                else tr._(FAULT_TEXTS.get(fault, FAULT_TEXTS["failed"]))
            self.changed()
        self.s.scanning.test(done)

    def cancel_jobs(self) -> None:
        tr = self.s.tr

        def done(count: int, problem: str) -> None:
            self.note = (tr._("The print jobs could not be cancelled: {reason}").format(reason=problem) if problem
                         else tr._("Print jobs cancelled: {n}").format(n=count))

        self.s.printing.cancel_all(done)
