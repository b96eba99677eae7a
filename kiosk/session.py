"""One person's session: ready → active → (warning → active)* → wiping → ready, or out of service.

Screens bind to `state` and `remaining`; the app reports activity (touches, keys, later
the browser). Inactivity first warns, with a countdown one tap extends (EN 301 549
11.2.2.1: at least 20 s to answer, extendable at least ten times; here without limit),
then ends the session. Ending always goes through the wipe; a wipe that fails twice keeps
the kiosk out of service, never showing the welcome screen over a dirty session.
"""

from __future__ import annotations

import logging
from typing import Callable, Protocol

from kivy.event import EventDispatcher
from kivy.properties import NumericProperty, OptionProperty, StringProperty

from kiosk.config import TimeoutsConfig
from kiosk.wipe import Receipt, SessionWipe

log = logging.getLogger(__name__)

STATES = ("ready", "active", "warning", "wiping", "out_of_service")
END_REASONS = ("end", "timeout", "staff", "startup")  # and "cli" for `kiosk wipe`


class Scheduler(Protocol):
    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Callable[[], None]:
        """Run `callback` after `delay_s` seconds; returns a function that cancels it."""


class KivyScheduler:
    def call_later(self, delay_s: float, callback: Callable[[], None]) -> Callable[[], None]:
        from kivy.clock import Clock

        event = Clock.schedule_once(lambda _dt: callback(), delay_s)
        return event.cancel


class Session(EventDispatcher):
    """The session lifecycle. `on_ended(reason, receipt)` fires after every wipe."""

    state = OptionProperty("ready", options=STATES)
    remaining = NumericProperty(0)      # seconds left on the warning countdown
    extensions = NumericProperty(0)     # how many times this person extended
    ended_reason = StringProperty("")

    __events__ = ("on_ended",)

    def __init__(self, wipe: SessionWipe, timeouts: TimeoutsConfig, scheduler: Scheduler,
                 needs_more_time: Callable[[], bool] = lambda: False,
                 logging_in: Callable[[], bool] = lambda: False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wipe = wipe
        self.timeouts = timeouts
        self.scheduler = scheduler
        self.needs_more_time = needs_more_time
        self.logging_in = logging_in
        self._cancel: Callable[[], None] | None = None
        self._idle_s = 0.0  # since the last activity, as told to tick()

    @property
    def inactivity_s(self) -> int:
        if self.logging_in():  # a login page left open: the shortest wait
            return self.timeouts.identification_inactivity_s
        if self.needs_more_time():
            return self.timeouts.accessible_inactivity_s
        return self.timeouts.inactivity_s

    def start(self) -> bool:
        """The first touch on the welcome screen; False if the kiosk cannot take a person now."""
        if self.state != "ready":
            return self.state in ("active", "warning")
        self.wipe.prepare()
        self.extensions = 0
        self._idle_s = 0.0
        self.state = "active"
        self._arm()
        return True

    def activity(self) -> None:
        """A touch, a key, browser activity: the person is there."""
        if self.state == "active":
            self._idle_s = 0.0
            self._arm()
        elif self.state == "warning":
            self.extend()

    def extend(self) -> None:
        if self.state != "warning":
            return
        self.extensions += 1
        self._idle_s = 0.0
        self.state = "active"
        self._arm()

    def tick(self, elapsed_s: float) -> None:
        """`elapsed_s` more seconds went by with nobody touching anything.

        The session's own timer (on its scheduler) reports each delay it waited here, so
        whoever knows of time passing unnoticed may report it too. Active: once the
        inactivity wait is used up, warn, always with the whole countdown (time past the
        wait is not taken from the person's time to answer). Warning: count down; at zero
        the session ends ("timeout")."""
        if self.state == "active":
            self._idle_s += elapsed_s
            if self._idle_s >= self.inactivity_s:
                self.remaining = self.timeouts.warning_s
                self.state = "warning"
        elif self.state == "warning":
            self.remaining = max(0, self.remaining - elapsed_s)
            if self.remaining <= 0:
                self.end("timeout")
                return
        else:
            return
        self._arm()

    def end(self, reason: str) -> Receipt | None:
        """End the session and wipe. Returns the receipt (None if there was nothing to end)."""
        if reason not in END_REASONS:
            raise ValueError(f"unknown end reason '{reason}'")
        if self.state not in ("active", "warning") and reason != "startup":
            return None
        self._disarm()
        self.state = "wiping"
        receipt = self.wipe.run(reason)
        if not receipt.ok:
            log.error("wipe failed (%s), trying once more", ", ".join(receipt.failed))
            receipt = self.wipe.run(reason, attempt=2)
        if receipt.ok:
            self.state = "ready"
        else:
            log.error("wipe failed again (%s): kiosk out of service", ", ".join(receipt.failed))
            self.state = "out_of_service"
        self.ended_reason = reason
        self.dispatch("on_ended", reason, receipt)
        return receipt

    def recover(self) -> Receipt:
        """At start, before anything is shown: wipe whatever a crash or power cut left."""
        leftovers = self.wipe.has_leftovers()
        receipt = self.end("startup")
        if leftovers:
            log.warning("wiped the leftovers of a previous run (%s)", "ok" if receipt.ok else "FAILED")
        return receipt

    def put_out_of_service(self) -> None:
        self._disarm()
        self.state = "out_of_service"

    def on_ended(self, reason: str, receipt: Receipt) -> None:
        pass

    def _arm(self) -> None:
        """The timer for what comes next: the end of the inactivity wait, or the countdown's
        next second."""
        self._disarm()
        if self.state == "active":
            delay = max(0.0, self.inactivity_s - self._idle_s)
        elif self.state == "warning":
            delay = min(1, self.remaining)
        else:
            return
        self._cancel = self.scheduler.call_later(delay, lambda: self.tick(delay))

    def _disarm(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None
