"""Digital support near the kiosk: who else helps, with what, where, when and at which number.

The kiosk is one door into the Finnish digital-support network (libraries, citizen service
points, Kansalaisneuvonta, courses, peer and home support, acting on someone's behalf). Its
providers come from a snapshot of the national Service Catalogue (PTV), made by `kiosk
support import` (kiosk/ptv.py) and rolled out with the catalogue, and from the site's own
entries (the library's own digital-support hours). Both are TOML in one format, read here
and checked like the catalogue (`kiosk support check`). Nothing is fetched at run time.

A snapshot older than `[support] max_age_days` is stale: the kiosk still shows where help
is (an address changes seldom) but never says "open now" from it, says when the details
were checked, and tells the staff (`Support.problems_for_staff`).

Opening hours: weekly hours (a day range, opening and closing time; a closing time at or
before the opening time runs over midnight), and exceptions for dates (closed, or other
hours). A Finnish public holiday without an exception is "hours may differ today", never
"open": the data did not say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.config_keys import Text, given_texts
from kiosk.toml_schema import Context, Problem, TableReader, https_url, read_source

FORMAT = 1
HELSINKI = ZoneInfo("Europe/Helsinki")
# What a provider offers, in the digital-support model's words (kiosk/screens/support.py
# has each one's name in the person's language).
OFFERS = ("eservice_help", "courses", "peer_support", "home_support", "on_behalf", "devices")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PHONE_PATTERN = r"\+?[0-9 ()-]{3,24}"
CLOCK_PATTERN = r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00"
ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,60}"
# A region's snapshot: a few hundred providers at most; a file far larger is not one.
MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
MAX_PROVIDERS = 2000
MAX_HOURS = 14       # weekly rows a provider (two a day)
MAX_EXCEPTIONS = 60  # dated rows a provider
MAX_TEXT = 1000      # characters of a name, a summary, an address or a note
MAX_URL = 300        # characters of a web address (it becomes a QR code on the slip)
# Booking a time with a helper (kiosk/booking.py, [support] book_minutes and book_days): how
# long a time may be, and how far ahead; the desk checks the same.
BOOK_MINUTES = (15, 20, 30, 45, 60, 90)
MAX_BOOK_DAYS = 60


def slot_text(at: datetime) -> str:
    """A booked time on the wire and in the desk's store: Helsinki wall-clock time to the
    minute, "2026-12-08T10:00" (sorts as it runs)."""
    return at.strftime("%Y-%m-%dT%H:%M")


def overlaps(at: datetime, minutes: int, taken) -> bool:
    """Whether a time of `minutes` from `at` meets any taken (start, minutes) one: kiosks
    with other lengths of time, or a length changed since, cut the same hours differently
    (the kiosk hides such times, the desk refuses them)."""
    end = at + timedelta(minutes=minutes)
    return any(start < end and at < start + timedelta(minutes=length) for start, length in taken)


def parse_slot(text: object) -> datetime | None:
    """A booked time back, or None for anything that is not exactly one."""
    if not isinstance(text, str) or len(text) != 16:
        return None
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return parsed if slot_text(parsed) == text else None


@dataclass(frozen=True)
class Weekly:
    """Open on `first`..`last` (0 = Monday) from `opens` to `closes` (past midnight when
    `closes` is not after `opens`; 24:00 is the day's end)."""

    first: int
    last: int
    opens: time
    closes: time | None  # None: 24:00


@dataclass(frozen=True)
class Exceptional:
    """Dates `first`..`last` with other hours: closed, or open `opens`-`closes`."""

    first: date
    last: date
    closed: bool
    opens: time | None = None
    closes: time | None = None
    note: Text = field(default_factory=Text)


@dataclass(frozen=True)
class Provider:
    id: str
    name: Text
    offers: tuple[str, ...]
    summary: Text
    address: Text
    phone: str
    phone_note: Text
    url: str
    languages: tuple[str, ...]
    weekly: tuple[Weekly, ...]
    exceptions: tuple[Exceptional, ...]
    hours_note: Text
    local: bool  # the site's own entry, not from the snapshot
    authority: str = ""  # an authority's office (kela, police, …): see Support.offices


@dataclass(frozen=True)
class Today:
    """A provider's hours on one day, as a person is told them."""

    spans: tuple[tuple[time, time | None], ...]  # (opens, closes); closes None = 24:00
    closed: bool            # closed all day (said so by the data)
    unknown: bool           # a public holiday the data says nothing of, or no hours at all
    holiday: str            # the holiday's name in Finnish ("" if none)
    note: Text


@dataclass(frozen=True)
class Status:
    open_now: bool
    closes: time | None     # when open: until when (None: 24:00; earlier than now: tomorrow)
    next_open: datetime | None  # when closed: the next opening within a week
    known: bool             # False: nothing is claimed (stale data, a holiday, no hours)


@dataclass(frozen=True)
class Support:
    providers: tuple[Provider, ...]
    made: datetime | None   # when the snapshot was made (None: no snapshot)
    source: str
    licence: str
    max_age_days: int
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()

    def stale(self, now: datetime) -> bool:
        """The snapshot is older than it may be: its hours are not told as current."""
        return self.made is not None and now - self.made > timedelta(days=self.max_age_days)

    def problems_for_staff(self, now: datetime) -> list[str]:
        found = [str(problem) for problem in self.problems]
        if self.stale(now):
            found.append(f"the digital-support snapshot was made on {self.made:%Y-%m-%d}, more than "
                         f"{self.max_age_days} days ago: run 'kiosk support import' and roll it out")
        return found

    def offering(self, offer: str = "") -> list[Provider]:
        return [p for p in self.providers if p.offers and (not offer or offer in p.offers)]

    def places(self) -> tuple[Provider, ...]:
        """The places that give digital support ("Digital support near you"), not the
        authorities' offices that give none."""
        return tuple(p for p in self.providers if p.offers)

    def offices(self, authority: str) -> list[Provider]:
        """An authority's offices near the kiosk (the snapshot holds the kiosk's area)."""
        return [p for p in self.providers if authority and p.authority == authority]


EMPTY = Support((), None, "", "", 30)


# -- opening hours -------------------------------------------------------------------------

HOLIDAY_LANGUAGES = {"fi": "fi", "sv": "sv_FI", "en": "en_US", "uk": "uk"}


def public_holiday(day: date, language: str = "fi") -> str:
    """The Finnish public holiday (or holiday eve: Midsummer and Christmas Eve) on `day`, named
    in `language` (Finnish where the package has no such names); "" if none. From the
    `holidays` package, which keeps the Finnish calendar, moving feasts included."""
    import holidays

    return holidays.country_holidays("FI", years=day.year, language=HOLIDAY_LANGUAGES.get(language, "fi")).get(
        day, "")


def weekly_spans(provider: Provider, day: date) -> list[tuple[time, time | None]]:
    """The weekly rows' hours of `day`'s weekday (exceptions and holidays aside)."""
    return [(w.opens, w.closes) for w in provider.weekly if w.first <= day.weekday() <= w.last]


def _runs_over(opens: time, closes: time | None) -> bool:
    return closes is not None and closes <= opens


def today(provider: Provider, day: date) -> Today:
    covering = [x for x in provider.exceptions if x.first <= day <= x.last]
    # The narrowest says most of the day: "open 15.7 10–12" inside "closed in July".
    for exception in sorted(covering, key=lambda x: x.last - x.first)[:1]:
        if exception.closed:
            return Today((), True, False, public_holiday(day), exception.note)
        return Today(((exception.opens, exception.closes),), False, False, public_holiday(day), exception.note)
    holiday = public_holiday(day)
    if holiday:
        return Today((), False, True, holiday, Text())
    spans = tuple(sorted(weekly_spans(provider, day), key=lambda s: s[0]))
    return Today(spans, bool(provider.weekly) and not spans, not provider.weekly, "", Text())


def status(provider: Provider, now: datetime, support: Support | None = None) -> Status:
    """Open now or not, and until when or from when, at `now` (any time zone; told in
    Helsinki's). Nothing is claimed from stale data, on an unknown holiday or without hours."""
    if support is not None and support.stale(now) and not provider.local:
        return Status(False, None, None, False)
    local = now.astimezone(HELSINKI)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    hours = today(provider, day)
    if hours.unknown:
        return Status(False, None, None, False)
    # Last night's hours that run past midnight count this morning.
    yesterday = today(provider, day - timedelta(days=1))
    for opens, closes in yesterday.spans:
        if _runs_over(opens, closes) and clock < closes:
            return Status(True, closes, None, True)
    for opens, closes in hours.spans:
        if opens <= clock and (closes is None or _runs_over(opens, closes) or clock < closes):
            return Status(True, closes, None, True)  # past midnight: closes early tomorrow
    return Status(False, None, _next_opening(provider, local), True)


def _next_opening(provider: Provider, local: datetime) -> datetime | None:
    for ahead in range(0, 8):
        day = local.date() + timedelta(days=ahead)
        hours = today(provider, day)
        if hours.unknown:
            return None  # a holiday in between: no promise past it
        for opens, _closes in hours.spans:
            at = datetime.combine(day, opens, HELSINKI)
            if at > local:
                return at
    return None


# -- the snapshot and the site's entries -----------------------------------------------------

def load_support(files: list[Path | str], offered: tuple[str, ...], max_age_days: int = 30) -> Support:
    """Read the snapshot and the site's entries (any of them may be missing: an empty list);
    problems are in `Support.problems`, never raised. Later files' providers come first (the
    site's own desk before the region's)."""
    problems: list[Problem] = []
    providers: list[Provider] = []
    made, source_name, licence = None, "", ""
    read: list[str] = []
    for index, path in enumerate(files):
        source = read_source(path, problems, max_bytes=MAX_SNAPSHOT_BYTES)
        if source is None:
            continue
        read.append(source.file)
        context = Context([source], problems)
        root = TableReader(context, source.data, ())
        root.number("format", FORMAT, minimum=FORMAT, maximum=FORMAT)
        stamp = root.table.get("made")
        root.known.append("made")
        local = stamp is None
        if stamp is not None:
            if not isinstance(stamp, datetime) or stamp.tzinfo is None:
                root.report("made", "must be a date and time with its zone, like 2026-12-01T08:00:00Z")
            elif made is None or stamp < made:
                made = stamp  # several snapshots: the oldest says how old the data is
        source_name = root.string("source", "") or source_name
        licence = root.string("licence", "") or licence
        tables = root.tables("provider")
        if len(tables) > MAX_PROVIDERS:
            root.report("provider", f"{len(tables)} providers: at most {MAX_PROVIDERS} are read")
        found = [_provider(r, offered, local) for r in tables[:MAX_PROVIDERS]]
        root.finish()
        for i, (provider, r) in enumerate(zip(found, tables)):
            if any(p.id == provider.id for p in providers + found[:i]):
                r.report("id", f"'{provider.id}' is used by another provider")
        providers = found + providers if index else providers + found
    return Support(tuple(providers), made, source_name, licence, max_age_days, tuple(problems), tuple(read))


def _some_languages(r: TableReader, key: str, offered: tuple[str, ...], required: bool = False) -> Text:
    """A text in the languages it has (PTV gives most in Finnish only): at least one needed
    where `required`; a language the kiosk does not offer is ignored."""
    value = given_texts(r, key, required=required)
    if value is None:
        return Text()
    if isinstance(value, str):
        value = {language: value for language in offered}
    text = Text({language: v[:MAX_TEXT] for language, v in value.items() if v.strip()})
    if any(len(v) > MAX_TEXT for v in value.values()):
        r.report(key, f"a text longer than {MAX_TEXT} characters")
    if required and not text:
        r.report(key, "has no text in any language")
    return text


def _clock(r: TableReader, key: str, *, opening: bool) -> tuple[bool, time | None]:
    """(good, the time): "09:00"; a closing "24:00" (the day's end) is None. A missing or
    wrong value is reported and not good: its row is left out, never guessed."""
    before = len(r.context.problems)
    value = r.string(key, pattern=CLOCK_PATTERN, hint="a time like 09:00, or 24:00 for the day's end")
    if len(r.context.problems) > before or not value:
        return False, None
    if value == "24:00" or (value == "00:00" and not opening):  # closing at midnight: the day's end
        if opening and value == "24:00":
            r.report(key, "a place cannot open at 24:00: use 00:00")
            return False, None
        return True, None
    return True, time.fromisoformat(value)


def _date(r: TableReader, key: str) -> date | None:
    r.known.append(key)
    value = r.table.get(key)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    r.report(key if key in r.table else None, f"'{key}' must be a date like 2026-12-24")
    return None


def read_weekly(r: TableReader, key: str = "hours") -> list[Weekly]:
    """A table's weekly hours: [{ from = "mon", to = "fri", opens = "09:00", closes = "16:00" }]
    (also the catalogue's phone services, kiosk/catalog.py)."""
    weekly = []
    rows = r.tables(key)
    if len(rows) > MAX_HOURS:
        r.report(key, f"{len(rows)} rows: at most {MAX_HOURS}")
    for h in rows[:MAX_HOURS]:
        first = h.string("from", "mon", choices=WEEKDAYS)
        last = h.string("to", first, choices=WEEKDAYS)
        if WEEKDAYS.index(last) < WEEKDAYS.index(first):
            h.report("to", f"'{last}' comes before '{first}': give the days in week order, Monday first")
            last = first
        good_open, opens = _clock(h, "opens", opening=True)
        good_close, closes = _clock(h, "closes", opening=False)
        if good_open and good_close and opens is not None:
            weekly.append(Weekly(WEEKDAYS.index(first), WEEKDAYS.index(last), opens, closes))
        h.finish()
    return weekly


def read_exceptions(r: TableReader, offered: tuple[str, ...], key: str = "exception") -> list[Exceptional]:
    """A table's dated exceptions: [{ first = 2026-12-24, last = 2026-12-26, closed = true },
    { first = 2026-12-31, opens = "09:00", closes = "14:00", note = "..." }] (also [hours] in
    the kiosk's configuration, kiosk/opening_hours.py)."""
    exceptions = []
    rows = r.tables(key)
    if len(rows) > MAX_EXCEPTIONS:
        r.report(key, f"{len(rows)} rows: at most {MAX_EXCEPTIONS}")
    for x in rows[:MAX_EXCEPTIONS]:
        first = _date(x, "first")
        last = _date(x, "last") if x.has("last") else first
        x.known.append("last")
        closed = x.boolean("closed", False)
        opens = closes = None
        good = True
        if not closed:  # other hours: both times, or the row says nothing true
            good_open, opens = _clock(x, "opens", opening=True)
            good_close, closes = _clock(x, "closes", opening=False)
            good = good_open and good_close and opens is not None
        note = _some_languages(x, "note", offered)
        if first and last and last < first:
            x.report("last", "comes before 'first'")
        elif first and last and good:
            exceptions.append(Exceptional(first, last, closed, opens, closes, note))
        x.finish()
    return exceptions


def _provider(r: TableReader, offered: tuple[str, ...], local: bool) -> Provider:
    provider_id = r.string("id", pattern=ID_PATTERN, hint="lower-case letters, digits, '-' and '_'",
                           allow_empty=False)
    # An authority's office (a Kela service point) offers no digital support of its own: it is
    # shown as the nearest office of a service without e-services (kiosk/catalog.py's route).
    authority = r.string("authority", "", pattern=ID_PATTERN, hint="a name like kela or police")
    check = lambda o: None if o in OFFERS else f"'{o}' is not one of {', '.join(OFFERS)}"  # noqa: E731
    offers = r.strings("offers", (), item=check, allow_empty=True) if authority else r.strings("offers", item=check)
    name = _some_languages(r, "name", offered, required=True)
    summary = _some_languages(r, "summary", offered)
    address = _some_languages(r, "address", offered)
    phone = r.string("phone", "", pattern=PHONE_PATTERN, hint="a phone number, like '09 310 85000'")
    phone_note = _some_languages(r, "phone_note", offered)
    url = r.string("url", "")
    if len(url) > MAX_URL:
        r.report("url", f"{len(url)} characters: at most {MAX_URL}")
        url = ""
    if url and https_url(url):
        r.report("url", https_url(url) + " (only https:// addresses are shown)")
        url = ""
    languages = r.strings("languages", (), item=lambda v: None if re.fullmatch(r"[a-z]{2,3}", v) else
                          f"'{v}' is not a language code like fi", allow_empty=True)
    hours_note = _some_languages(r, "hours_note", offered)
    weekly = read_weekly(r)
    exceptions = read_exceptions(r, offered)
    if not phone and not address and not url:
        r.report(None, "gives no phone, address or web address: a person could not reach it")
    r.finish()
    return Provider(provider_id, name, offers, summary, address, phone, phone_note, url, languages,
                    tuple(weekly), tuple(exceptions), hours_note, local, authority)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
