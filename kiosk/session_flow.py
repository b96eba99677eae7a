"""The session flow: a person starts, ends, sees the goodbye; and whether the kiosk takes
anyone at all.

Out of service is one set of reasons, kept here and nowhere else:
- "configuration": the configuration or catalogue is broken (only a fixed file lifts it);
- "staff": staff put the kiosk out of service on the terminal, with a message;
- "desk": the staff desk did;
- "wipe": a wipe failed twice, so the next person cannot be promised a clean kiosk;
- "closed": the site's opening hours say so (kiosk/closing.py), lifted at opening time.
The session's own state follows the set: any reason and the session is out of service
(ending a person's session first); none and it is wiped and ready again. Closed and nothing
else, the closed screen says when it opens again; any other reason, the out-of-service
screen shows. Staff mode holds the screen while it is open and hands back through `staff_left`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.devices.heap import release_free_memory
from kiosk.journey import HOME
from kiosk.wipe import Receipt

log = logging.getLogger(__name__)

REASONS = ("configuration", "staff", "desk", "wipe", "closed")
# Never "configuration" (the files must be fixed) nor "closed" (the opening hours lift it).
LIFTED_BY_STAFF = ("staff", "desk", "wipe")
BUSY = ("active", "warning")
GOODBYE_S = 20
TRIM_AFTER_S = 0.3


@dataclass(frozen=True)
class Presentation:
    """How a person had the kiosk shown and spoken (nothing about who they are)."""
    language: str
    text_scale: float
    contrast: bool
    speech: bool
    volume: float

    @classmethod
    def of(cls, s) -> Presentation:
        return cls(s.tr.language, s.look.text_scale, s.look.contrast, s.speech.enabled, s.speech.volume)


class SessionFlow(EventDispatcher):
    reasons = ListProperty([])              # why the kiosk is out of service (in REASONS order)
    out_of_service = BooleanProperty(False)
    staff_message = StringProperty("")      # out of service by staff: the message (an English msgid)
    goodbye_language = StringProperty("")   # the goodbye speaks the language the person used

    def __init__(self, services, counts, staff_active: Callable[[], bool] = lambda: False,
                 switch_language: Callable[[str], None] | None = None, **kwargs) -> None:
        """`counts`: the session statistics; `staff_active`: whether staff mode holds the screen;
        `switch_language`: the app's (the whole window's language)."""
        super().__init__(**kwargs)
        self.s, self.counts, self.staff_active = services, counts, staff_active
        self.switch_language = switch_language or services.tr.switch
        self._presented: Presentation | None = None  # how the person had the kiosk, for the goodbye
        self.problems = list(services.config.problems) + list(services.catalog.problems)
        self._goodbye_cancel: Callable[[], None] | None = None
        services.session.bind(state=self._on_state, on_ended=self._on_ended)
        if services.config.core_problems or services.catalog.problems or not services.catalog.services:
            self.reasons = ["configuration"]

    def on_reasons(self, _flow, reasons: list[str]) -> None:
        self.out_of_service = bool(reasons)

    # -- out of service ------------------------------------------------------------------

    def put_out(self, reason: str, message: str = "") -> None:
        """Out of service for `reason` (staff's with one of the STAFF_MESSAGES)."""
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        if reason == "staff":
            self.staff_message = message
        if reason not in self.reasons:
            self.reasons = [r for r in REASONS if r in self.reasons or r == reason]
        self._settle()

    def lift(self, *reasons: str) -> None:
        """Back in service as far as `reasons` go; a wipe runs before anyone is let in."""
        if "staff" in reasons:
            self.staff_message = ""
        self.reasons = [r for r in self.reasons if r not in reasons]
        self._settle()

    def start(self) -> None:
        """At start, before the first frame: whatever a crash or power cut left is wiped."""
        self.s.wipe.warn_if_on_disk()
        self.s.session.recover()
        if self.out_of_service:
            log.error("kiosk %s is out of service until its configuration is fixed", self.s.config.site.kiosk_id)
        self._settle()

    def staff_left(self, receipt: Receipt) -> None:
        """Staff mode is over and its wipe ran: the kiosk as the reasons now say."""
        self.s.journey.reset()
        if receipt.ok:
            self.lift("wipe")
        else:
            self.put_out("wipe")

    def _settle(self) -> None:
        session = self.s.session
        if self.staff_active() or session.state == "wiping":
            return
        if self.reasons:
            if session.state in BUSY:
                session.end("staff")  # the person's session is wiped first
            if session.state != "out_of_service":
                session.put_out_of_service()  # and the screen follows (_on_state)
            else:
                self._show_out_of_service()
        elif session.state == "out_of_service":
            if session.recover().ok:  # wiped and ready for the next person
                self.s.journey.reset()

    def closed_only(self) -> bool:
        """Out of service for the opening hours and nothing else: the closed screen."""
        return self.reasons == ["closed"]

    def out_screen(self) -> str:
        """The screen a kiosk out of service shows."""
        return "closed" if self.closed_only() else "out_of_service"

    def status_line(self) -> str:
        """What systemd shows for the kiosk."""
        if self.out_of_service:
            problems = "; ".join(str(p) for p in self.problems[:3])
            return "out of service: " + (problems or ", ".join(self.reasons))
        return {"ready": "waiting for the next person", "active": "in use", "warning": "in use",
                "wiping": "wiping"}.get(self.s.session.state, self.s.session.state)

    # -- a person's session -----------------------------------------------------------------

    def waiting(self) -> bool:
        """Whether the kiosk waits for a person on the welcome screen."""
        return self.s.session.state == "ready" and self.s.journey.screen == HOME

    def busy(self) -> bool:
        return self.s.session.state in BUSY

    def start_session(self) -> None:
        """"Touch to start": the session (if the touch has not started it) and the first choice."""
        if self.begin_session():
            self.s.journey.go("needs")

    def begin_session(self) -> bool:
        """A session for the person now at the kiosk (if none yet); False if it cannot take one."""
        if self.out_of_service:
            return False
        try:
            return self.s.session.start()
        except OSError as error:
            log.error("cannot create the session directory in %s: %s", self.s.config.session.runtime_dir, error)
            self.put_out("wipe")
            return False

    def end_session(self) -> None:
        """End session confirmed: wipe, then the goodbye screen."""
        self.s.session.end("end")

    def answer_goodbye(self, answer: str) -> None:
        """The person's one-tap answer to "Did you get your matter done?" (anonymous)."""
        log.info("session outcome: %s", answer)
        self.counts.answered(answer)
        self.leave_goodbye()

    def support_after_goodbye(self) -> None:
        """"Digital support near you" from the goodbye: the person stays, in a new session
        (theirs was wiped), in the language, text size and speech they had; that session is
        wiped and ends in a goodbye like any other."""
        self.counts.goodbye_left()
        if self._goodbye_cancel is not None:
            self._goodbye_cancel()
            self._goodbye_cancel = None
        if not self.begin_session():
            self.leave_goodbye()
            return
        self._presented = None  # kept as it is: the new session's end puts the defaults back
        journey = self.s.journey
        journey.history = ["needs"]  # Back leads on, not to the goodbye
        journey.screen = "support"

    def leave_goodbye(self) -> None:
        """The goodbye is over (its time, or a touch): back to the welcome screen."""
        self.counts.goodbye_left()
        if self._goodbye_cancel is not None:
            self._goodbye_cancel()
            self._goodbye_cancel = None
        if self._presented is not None:
            self._restyle(None)
        if self.s.journey.screen == "goodbye":
            self.s.journey.reset()
            # Back to the welcome screen: the last screens and their textures are dropped
            # over the next frames; then their memory goes back to the system too.
            Clock.schedule_once(lambda _dt: release_free_memory(), TRIM_AFTER_S)

    def _restyle(self, presented: Presentation | None) -> None:
        """The goodbye as the person had the kiosk (their language, text size, contrast,
        speech and volume), wiped already; back to the defaults (None) when it closes."""
        s = self.s
        if presented is None:
            self._presented = None
            s.look.reset()
            s.speech.reset()
            self.switch_language(s.config.languages.default)
            return
        self.switch_language(presented.language)
        s.look.set_text_scale(presented.text_scale)
        s.look.contrast = presented.contrast
        if presented.speech and s.speech.available:
            s.speech.enabled = True
            s.speech.set_volume(presented.volume)

    def _on_state(self, _session, state: str) -> None:
        journey = self.s.journey
        if state == "wiping":
            self.goodbye_language = self.s.tr.language
            self._presented = Presentation.of(self.s)
        elif state == "warning":
            journey.go("warning")
        elif state == "active" and journey.screen == "warning":
            journey.back()
        elif state == "out_of_service" and not self.staff_active():
            self._show_out_of_service()

    def _show_out_of_service(self) -> None:
        self.s.journey.history = []
        self.s.journey.screen = self.out_screen()

    def _on_ended(self, _session, reason: str, receipt: Receipt) -> None:
        if not receipt.ok:
            if "wipe" not in self.reasons:
                self.reasons = [r for r in REASONS if r in self.reasons or r == "wipe"]
            return
        if reason in ("end", "timeout"):
            self._restyle(self._presented)
            self.s.journey.go("goodbye")
            self.s.journey.history = []
            self._goodbye_cancel = Clock.schedule_once(lambda _dt: self.leave_goodbye(), GOODBYE_S).cancel
        # The session's screens are gone; give their memory back while the kiosk waits (not
        # at start-up, where there were none and the welcome screen is still to be drawn).
        if reason != "startup":
            Clock.schedule_once(lambda _dt: release_free_memory(), 0.2)
