"""Closing time: the kiosk keeps the site's opening hours (kiosk/opening_hours.py).

- 15 and 5 minutes before closing, a person in a session is told, over whatever they are
  doing (the browser's page stays open behind the notice; Continue goes back to it), and a
  session started later in those minutes is told once it has begun. The notice waits
  behind the timeout warning, the share question and staff mode, as the share question does.
- At closing the session flow is told ("closed" among its reasons): a person's session ends
  and is wiped, and the closed screen says when it opens again. A form half filled in is
  lost then: the notices were its chance. A print job the printer is still working on is
  let finish first (at most PRINT_GRACE), so that nobody's pages are cut off mid-document.
- The screen goes off (DPMS) [hours] screen_off_after_min after closing and on
  screen_on_before_min before opening; a touch wakes it (staff mode can be opened), and it
  goes off again once left alone as long. A device that cannot do it is logged and told
  to staff, never more.
- At opening "closed" is lifted: the flow wipes once more and shows the welcome screen.

Times come from `now()` (injectable: tests move a clock of their own and call `check()`);
the Kivy clock wakes the controller at the next moment due and at least once a minute
(a clock set by NTP, a change of summer time)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.devices import DeviceError
from kiosk.support import HELSINKI, now_utc

log = logging.getLogger(__name__)

NOTICE = "closing_soon"
WARN_MINUTES = (15, 5)
# Screens a notice waits behind: an answer is due there, or nobody's session is on screen.
WAITS_BEHIND = ("welcome", "warning", "share_ask", "end_session", "goodbye", "staff_pin", "staff", "closed",
                "out_of_service", NOTICE)
PRINTING = ("sending", "waiting", "printing")
PRINT_GRACE = timedelta(minutes=10)
CHECK_EVERY_S = 60.0


def notice_level(left: timedelta) -> str:
    """What the notice says of the time left: "15" or "5" (minutes) on its time, else "soon"."""
    for minutes in WARN_MINUTES:
        if timedelta(minutes=minutes - 1) < left <= timedelta(minutes=minutes):
            return str(minutes)
    return "soon"


class Closing(EventDispatcher):
    """`notice`: what the closing notice says ("15", "5", "soon"; "" none due); `closes_at`
    while open and `opens_at` while closed (UTC; None: not within the hours' horizon);
    `promised`: `opens_at` is on a day whose hours are known; `closed`: closed by the hours.
    What the screens show is only these properties (screenshots stage them, kiosk/screenshots.py)."""

    notice = StringProperty("")
    closes_at = ObjectProperty(None, allownone=True)
    opens_at = ObjectProperty(None, allownone=True)
    promised = BooleanProperty(True)
    closed = BooleanProperty(False)
    today = ObjectProperty(None, allownone=True)  # Helsinki's date at the last check
    week = ListProperty([])  # opening_hours.Day from today, for the closed screen

    def __init__(self, services, flow, staff_active: Callable[[], bool], now: Callable[[], datetime] = now_utc,
                 **kwargs) -> None:
        """`services.hours` (opening_hours.Hours or None), `services.hours_note` (why none),
        `services.devices.screen_power` and `.idle` (the X idle probe, which says whether
        someone woke the screen); `flow`: the session flow; `staff_active`: staff mode is open."""
        super().__init__(**kwargs)
        self.s, self.flow, self.staff_active, self.now = services, flow, staff_active, now
        self.hours, self.settings = services.hours, services.config.hours
        self.power = services.devices.screen_power
        idle = services.devices.idle
        self.idle_ms: Callable[[], int | None] = idle.idle_ms if idle is not None else (lambda: None)
        self.power_problem = ""
        self.dark: bool | None = None  # the screen turned off by the kiosk (None: not known)
        self._told = ""                # the notice this session has seen
        self._waiting = False          # a notice waits behind another screen
        self._held = False             # closing time came during a print job
        self._event = None
        services.session.bind(state=self._on_session)
        services.journey.bind(screen=self._on_screen)
        # The job done lets closing go on: next frame, never inside a wipe emptying the printer.
        services.printing.bind(job_state=lambda *_: self._held and Clock.schedule_once(self.check, 0))

    def start(self) -> None:
        """At start, before the first frame: a kiosk started at night is closed at once."""
        if self.hours is not None:
            log.info("opening hours from %s", self.hours.source)
        self.check()

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    # -- the hours at this moment --------------------------------------------------------

    def check(self, *_args) -> None:
        """Do what the hours say now; then sleep until the next moment due (a minute at most).
        Without hours nothing is done (always open, as before)."""
        if self.hours is None:
            return
        now = self.now()
        stale = self.hours.stale(now)  # data that may be wrong closes nothing
        moment = None if stale else self.hours.moment(now)
        self.today = now.astimezone(HELSINKI).date()
        self.week = [] if stale else self.hours.week(now)
        if moment is None or moment.open:
            self.opens_at, self.promised, self._held = None, True, False
            self.closes_at = moment.closes if moment is not None else None
            if self.closed:
                self.closed = False
                log.info("open by the opening hours")
                self.flow.lift("closed")
            self._warn(now)
        else:
            self.opens_at, self.promised = moment.opens, moment.promised
            if not self.closed and not self._printing_holds(now, moment.closed_at):
                self.closed = True
                self.notice = ""
                log.info("closed by the opening hours until %s", moment.opens)
                self.flow.put_out("closed")
        self._screen_power(now, moment)
        self._sleep(now, moment)

    def _printing_holds(self, now: datetime, closed_at: datetime | None) -> bool:
        """A person's print job still in the printer at closing time (within PRINT_GRACE)."""
        busy = self.flow.busy() and self.s.printing.job_state in PRINTING
        held = busy and (closed_at is None or now - closed_at < PRINT_GRACE)
        if held and not self._held:
            log.info("closing time: the print job is let finish first")
        self._held = held
        return held

    def _sleep(self, now: datetime, moment) -> None:
        due = []
        if moment is not None and moment.open and moment.closes is not None:
            due = [moment.closes - timedelta(minutes=m) for m in WARN_MINUTES] + [moment.closes]
        elif moment is not None and not moment.open:
            after, before = self._screen_times(moment)
            due = [t for t in (after, before, moment.opens) if t is not None]
        wait = min([(t - now).total_seconds() for t in due if t > now] + [CHECK_EVERY_S])
        if self._event is not None:
            self._event.cancel()
        self._event = Clock.schedule_once(self.check, max(0.05, wait))

    # -- the notices ---------------------------------------------------------------------

    def _warn(self, now: datetime) -> None:
        closes = self.closes_at
        left = closes - now if closes is not None else None
        if left is None or left > timedelta(minutes=max(WARN_MINUTES)):
            self.notice, self._told = "", ""
            return
        level = notice_level(left)
        if not self.flow.busy():
            return
        # "5" is news after "15" or "soon"; "soon" after "15" is not.
        if self._told and (level != "5" or self._told == "5"):
            return
        self._told = self.notice = level
        self._show()

    def _show(self) -> None:
        journey = self.s.journey
        if journey.screen == NOTICE:
            return  # on screen already: its words changed (speech reads them again, app.py)
        if journey.screen in WAITS_BEHIND:
            self._waiting = True
            return
        self._waiting = False
        journey.go(NOTICE)

    def dismiss(self) -> None:
        """Continue: back to what the person was doing."""
        journey = self.s.journey
        if journey.screen == NOTICE:
            journey.back()

    def _on_session(self, _session, state: str) -> None:
        if state == "active" and not self._told and self.closes_at is not None:
            Clock.schedule_once(self.check, 0)  # a session begun in the last minutes is told
        elif state not in ("active", "warning"):
            self._told, self._waiting = "", False

    def _on_screen(self, journey, screen: str) -> None:
        if screen != NOTICE and NOTICE in journey.history:
            kept: list[str] = []
            for name in journey.history:  # the notice is no step back
                if name != NOTICE and (not kept or kept[-1] != name):
                    kept.append(name)
            if kept and kept[-1] == screen:
                kept.pop()
            journey.history = kept
        if self._waiting and screen not in WAITS_BEHIND and self.flow.busy():
            # Not within the screen change going on: the screens still follow that one.
            Clock.schedule_once(lambda _dt: self._waiting and self._show(), 0)

    # -- the screen's power ----------------------------------------------------------------

    def _screen_times(self, moment) -> tuple[datetime | None, datetime | None]:
        """When the screen may go off, and when it must be on again (None: not known)."""
        after = timedelta(minutes=self.settings.screen_off_after_min)
        off_at = moment.closed_at + after if moment.closed_at is not None else None
        on_at = moment.opens - timedelta(minutes=self.settings.screen_on_before_min) if moment.opens else None
        return off_at, on_at

    def _screen_power(self, now: datetime, moment) -> None:
        if self.power is None or not self.settings.screen_off:
            return
        dark = False
        if moment is not None and not moment.open and self.closed and not self.staff_active():
            off_at, on_at = self._screen_times(moment)
            dark = (off_at is None or now >= off_at) and (on_at is None or now < on_at)
        if dark:
            idle = self.idle_ms()
            if idle is not None and idle < self.settings.screen_off_after_min * 60_000:
                self.dark = False  # someone touched it (the X server woke it): off once left alone
            elif not self.dark and not self.power_problem:
                self._power("off")
        elif self.dark is not False:
            self._power("on")

    def _power(self, what: str) -> None:
        try:
            getattr(self.power, what)()
        except DeviceError as error:
            if not self.power_problem:
                log.warning("screen power: %s", error)
            self.power_problem = str(error)
            self.dark = False  # not known to be off: on is not asked again
            return
        log.info("screen %s", what)
        self.dark = what == "off"
