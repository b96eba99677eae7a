"""The site's own opening hours: when this computer takes people, and when it closes.

Given in the configuration's [hours] (weekly rows and dated exceptions, in the format of the
digital-support files) or taken from a place in those files that [hours] `place` names (the
site's own entry, or its place in the PTV snapshot). Read by kiosk/support.py's parser and
worked out day by day with its `today()`, in Helsinki time. What the kiosk does with them
(the notices, the closing, the screen's power) is kiosk/closing.py's. No Kivy here.

What is decided where the data says nothing (docs/architecture.md, "Opening hours"):
- no weekly hours: no `Hours` at all, the kiosk is always open, as before;
- a Finnish public holiday without an exception keeps the weekly hours: the computer stands
  inside the place, so when the place is closed nobody is at it, and when the place is open
  it must work. Never closed on a guess; but no opening on such a day is promised to people
  (`Moment.promised`, `Day.guessed`);
- a place from a PTV snapshot older than [support] max_age_days: `stale()`, and the kiosk
  keeps no hours from it (it is not closed by data that may be wrong); staff are told.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from kiosk.support import HELSINKI, Exceptional, Support, Weekly, public_holiday, today, weekly_spans

# How far ahead an opening is looked for: a summer closed whole is some 60 days.
HORIZON_DAYS = 62
UTC = timezone.utc


@dataclass(frozen=True)
class Day:
    """One day's hours as the kiosk keeps them."""

    day: date
    spans: tuple[tuple[time, time | None], ...]  # (opens, closes); closes None = 24:00
    guessed: bool   # a public holiday the data says nothing of: the weekly hours, not promised
    holiday: str    # the holiday's name in Finnish ("" if none)
    note: dict      # the exception's note by language (a support.Text), if any


@dataclass(frozen=True)
class Moment:
    """Where the hours stand at one instant (every time in UTC)."""

    open: bool
    closes: datetime | None     # open: the coming closing; None: none within the horizon
    opens: datetime | None      # closed: the next opening; None: none within the horizon
    closed_at: datetime | None  # closed: when it closed (None: before yesterday)
    promised: bool = True       # closed: the next opening is on a day whose hours are known


@dataclass(frozen=True)
class Hours:
    """Weekly rows and exceptions (support.py's), and how old they are: `made` is the
    snapshot's date for a place from PTV, None for hours that never go stale."""

    weekly: tuple[Weekly, ...]
    exceptions: tuple[Exceptional, ...] = ()
    made: datetime | None = None
    max_age_days: int = 30
    source: str = "[hours]"
    _days: dict = field(default_factory=dict, compare=False, repr=False)  # date -> Day

    def stale(self, now: datetime) -> bool:
        return self.made is not None and now - self.made > timedelta(days=self.max_age_days)

    def day(self, day: date) -> Day:
        """`day`'s hours (kept: finding a holiday takes milliseconds, and a minute's check
        looks at a few days)."""
        found = self._days.get(day)
        if found is None:
            hours = today(self, day)  # support.py's rules read only `weekly` and `exceptions`
            spans, guessed = hours.spans, False
            if hours.unknown and hours.holiday:
                spans, guessed = tuple(sorted(weekly_spans(self, day), key=lambda s: s[0])), True
            found = self._days[day] = Day(day, spans, guessed, hours.holiday, hours.note)
        return found

    def week(self, now: datetime) -> list[Day]:
        """The seven days from today (Helsinki's)."""
        first = now.astimezone(HELSINKI).date()
        return [self.day(first + timedelta(days=n)) for n in range(7)]

    def moment(self, now: datetime) -> Moment:
        """Open or closed at `now` (any zone), and the closing or opening to come."""
        local_day = now.astimezone(HELSINKI).date()
        closed_at = None
        for start, end, guessed in self._open_spans(local_day - timedelta(days=1)):
            if end is not None and end <= now:
                closed_at = end
                continue
            if start <= now:
                return Moment(True, end, None, None)
            return Moment(False, None, start, closed_at, promised=not guessed)
        return Moment(False, None, None, closed_at, promised=False)

    def _open_spans(self, first: date) -> Iterator[tuple[datetime, datetime | None, bool]]:
        """Open from .. to (UTC) from `first` on, in order, one span where one day's hours run
        into the next's; to None when still open at the horizon."""
        current: list | None = None
        for n in range(HORIZON_DAYS + 2):
            day = self.day(first + timedelta(days=n))
            for opens, closes in day.spans:
                start = _instant(day.day, opens)
                runs_over = closes is None or closes <= opens
                end = _instant(day.day + timedelta(days=1) if runs_over else day.day, closes or time(0))
                if current is not None and start <= current[1]:
                    current[1] = max(current[1], end)
                    continue
                if current is not None:
                    yield current[0], current[1], current[2]
                current = [start, end, day.guessed]
        if current is not None:
            yield current[0], None, current[2]  # open at the horizon: no closing known


def _instant(day: date, at: time) -> datetime:
    """Helsinki's wall-clock time on `day`, as an instant in UTC (across a change of summer
    time too: arithmetic on instants, never on wall-clock times)."""
    return datetime.combine(day, at, HELSINKI).astimezone(UTC)


def site_hours(config, support: Support) -> tuple[Hours | None, str]:
    """The hours [hours] gives (`config`: a config.HoursConfig), or those of the place it
    names in `support`; None when there are none, with why for staff ("" if none given)."""
    if config.place:
        place = next((p for p in support.providers if p.id == config.place), None)
        if place is None:
            return None, f"[hours] place: '{config.place}' is no place in the support files"
        if not place.weekly:
            return None, f"[hours] place: '{config.place}' has no weekly hours in the support files"
        made = None if place.local else support.made
        return Hours(place.weekly, place.exceptions, made, support.max_age_days, f"place '{place.id}'"), ""
    if config.weekly:
        return Hours(tuple(config.weekly), tuple(config.exceptions)), ""
    return None, ""


def next_unknown_holiday(hours: Hours, now: datetime, days: int = 14) -> Day | None:
    """The next public holiday within `days` that the hours say nothing of (staff are told
    the kiosk keeps its weekly hours then, and may add an exception)."""
    first = now.astimezone(HELSINKI).date()
    for n in range(days):
        day = first + timedelta(days=n)
        if public_holiday(day) and hours.day(day).guessed:
            return hours.day(day)
    return None


def read_hours(r, offered: tuple[str, ...], make):
    """[hours] read by `r` (a TableReader) into `make` (config.HoursConfig)."""
    from kiosk.support import ID_PATTERN, read_exceptions, read_weekly

    place = r.string("place", "", pattern=ID_PATTERN, hint="a place's id in the [support] files")
    weekly = read_weekly(r, "weekly")
    exceptions = read_exceptions(r, offered)
    if place and (weekly or exceptions):
        r.report("place", "give the hours here or name a place, not both: the place's hours are used")
        weekly, exceptions = [], []
    elif exceptions and not weekly:
        r.report("exception", "exceptions without weekly hours: give the weekly hours too")
    hours = make(place, tuple(weekly), tuple(exceptions), r.boolean("screen_off", True),
                 r.number("screen_off_after_min", 10, minimum=0, maximum=720, unit="minutes"),
                 r.number("screen_on_before_min", 5, minimum=1, maximum=120, unit="minutes"))
    r.finish()
    return hours
