"""Booking a time with a digital-support helper at this site.

The site names which of its support places' hours its helpers serve by appointment
(`[support] book_with`, a provider of kiosk/support.py). The kiosk cuts those hours into
times of `book_minutes` for the next `book_days` days, asks the desk which are taken, shows
the free ones, and sends the one the person chose. The desk books it only if it is still
free (one helper a time; kiosk/desk/bookings.py) and answers with a short code. The person
gets it on screen and on a slip with a QR code that a phone's camera adds to its calendar.

Nothing of the person goes with it: the time, the place, and what the help is about
(a topic, a service, the language and the accessibility modes in use), as with a help
request. The booking lives on the desk; the kiosk forgets it at the wipe.

The round trip is over the fleet link (kiosk/<site>/<kiosk>/booking out, the kiosk's
events back): a desk that does not answer within ANSWER_S is said plainly, never waited
on for ever.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, time, timedelta

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.support import HELSINKI, Provider, Support, overlaps, parse_slot, slot_text, today
from kiosk.support_words import DAY_NAMES as WEEKDAYS

log = logging.getLogger(__name__)

ANSWER_S = 10.0
LEAD = timedelta(minutes=30)  # the earliest time offered: a helper needs a moment's notice
MAX_SHOWN = 8                 # the next free times shown; more is a list nobody reads
MAX_TAKEN = 500               # what the desk may say is taken (a desk sends at most this)
STATES = ("", "asking", "choosing", "none_free", "confirming", "booking", "booked", "unavailable")


def _taken(given: list) -> list[tuple[datetime, int]]:
    """The desk's taken times, [["2026-12-08T10:00", 45], ...]; anything else is left out."""
    found = []
    for entry in given:
        if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int) and 0 < entry[1] <= 24 * 60:
            at = parse_slot(entry[0])
            if at is not None:
                found.append((at, entry[1]))
    return found


def free_times(provider: Provider, now: datetime, minutes: int, days: int, taken: list[tuple[datetime, int]],
               support: Support | None = None) -> list[datetime]:
    """The provider's hours from `now` (+ LEAD) for `days` days, in times of `minutes`, less
    the taken ones; Helsinki wall-clock times, without a zone, earliest first. Days the data
    leaves unknown (a holiday it says nothing of) and closed days have none, and stale PTV
    data none at all: a time is promised only from hours the kiosk can vouch for."""
    if support is not None and support.stale(now) and not provider.local:
        return []
    local = now.astimezone(HELSINKI)
    earliest = (local + LEAD).replace(tzinfo=None)
    step = timedelta(minutes=minutes)
    found = []
    for ahead in range(days + 1):
        day = local.date() + timedelta(days=ahead)
        hours = today(provider, day)
        if hours.unknown or hours.closed:
            continue
        for opens, closes in hours.spans:
            start = datetime.combine(day, opens)
            end = datetime.combine(day + timedelta(days=1), closes or time()) \
                if closes is None or closes <= opens else datetime.combine(day, closes)
            at = start
            while at + step <= end:
                if at >= earliest and not overlaps(at, minutes, taken):
                    found.append(at)
                at += step
    return sorted(set(found))


def when_words(tr, at: datetime) -> str:
    """"tiistai 8.12.2026 klo 10", "tisdag 8.12.2026 kl. 10", "Tuesday 8.12.2026 at 10:00":
    the date written as speech reads it whole (kiosk/spoken_text.py)."""
    from kiosk.support_words import clock

    return tr._("{weekday} {date} at {time}").format(
        weekday=tr._(WEEKDAYS[at.weekday()]), date=f"{at.day}.{at.month}.{at.year}",
        time=clock(at.time(), tr.language, with_word=tr.language != "en"))


def calendar_text(at: datetime, minutes: int, title: str, place: str, code: str) -> str:
    """An iCalendar event (RFC 5545) for the slip's QR code: a phone's camera offers to add
    it to the calendar. Times in UTC (no time-zone block needed); text escaped as the RFC says."""
    from datetime import timezone

    def escaped(text: str) -> str:
        return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
                .replace("\r", " ").replace("\n", "\\n"))

    def utc(local: datetime) -> str:
        return local.replace(tzinfo=HELSINKI).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    return "\r\n".join((
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kiosk//booking//EN", "BEGIN:VEVENT",
        f"UID:{code}-{utc(at)}@kiosk", f"DTSTAMP:{utc(at)}", f"DTSTART:{utc(at)}",
        f"DTEND:{utc(at + timedelta(minutes=minutes))}",
        f"SUMMARY:{escaped(title)}", f"LOCATION:{escaped(place)}", f"DESCRIPTION:{escaped(code)}",
        "END:VEVENT", "END:VCALENDAR"))


class Booking(EventDispatcher):
    """One person's booking, from "which times are free" to the code. `state`: "" (nothing
    yet), asking (the desk is asked), choosing (`free` shown), none_free, confirming (`chosen`
    picked), booking (sent), booked (`code`), unavailable (no desk, no answer, or refused;
    `problem` says which). `was_taken`: someone else booked the chosen time first, and the
    free times were asked again."""

    state = StringProperty("")
    free = ListProperty([])     # slot texts
    chosen = StringProperty("")
    code = StringProperty("")
    problem = StringProperty("")  # "no_desk", "no_answer", "refused"
    was_taken = BooleanProperty(False)

    def __init__(self, help_, support: Support, provider_id: str, minutes: int, days: int, scheduler,
                 now=None, **kwargs) -> None:
        super().__init__(**kwargs)
        from kiosk import support as support_module

        self.help = help_
        self.support = support
        self.provider = next((p for p in support.providers if p.id == provider_id), None) if provider_id else None
        self.minutes, self.days = minutes, days
        self.scheduler = scheduler
        self.now = now or (lambda: support_module.now_utc())  # looked up when called: tests set the clock
        self._asked = ""      # the id of the question or booking the desk is to answer
        self._unanswered: dict | None = None  # a booking sent and not answered yet
        self._cancel_wait = None
        help_.bind(on_booking=lambda _h, event: self._on_event(event))

    @property
    def offered(self) -> bool:
        """Whether the kiosk offers booking at all: a place to book and a desk to book with."""
        return self.provider is not None and self.help.available

    # -- the steps ------------------------------------------------------------------------------

    def ask(self) -> None:
        """Which times are free: the desk says which are taken."""
        self.chosen = self.code = ""
        self._send({"type": "slots", "provider": self.provider.id if self.provider else "", "days": self.days},
                   "asking")

    def choose(self, slot: str) -> None:
        if self.state == "choosing" and slot in self.free:
            self.chosen = slot
            self.was_taken = False
            self.state = "confirming"

    def back_to_times(self) -> None:
        if self.state == "confirming":
            self.chosen = ""
            self.state = "choosing" if self.free else "none_free"

    def book(self, topic: str, service: str, language: str, accessibility: list[str]) -> None:
        if self.state != "confirming" or not self.chosen:
            return
        self._send({"type": "book", "provider": self.provider.id, "provider_name": self.provider.name.in_("fi"),
                    "starts": self.chosen, "minutes": self.minutes, "topic": topic, "service": service,
                    "language": language, "accessibility": sorted(accessibility)}, "booking")

    def try_again(self) -> None:
        """After no answer: a booking that was sent goes again under its id (the desk answers
        with the code it gave, if it got the first), else the free times are asked again."""
        if self._unanswered is not None:
            self._send(self._unanswered, "booking", same_id=True)
        else:
            self.ask()

    def _send(self, fields: dict, state: str, same_id: bool = False) -> None:
        self._stop_waiting()
        if not self.offered or not self.help.link.connected:
            self.problem, self.state = "no_desk", "unavailable"
            return
        if not same_id:
            self._call_off_unanswered()
            self._asked = str(uuid.uuid4())
        payload = {**fields, "id": self._asked, "kiosk": self.help.kiosk_id}
        self._unanswered = payload if fields["type"] == "book" else None
        self.state = state  # before sending: an answer may come back at once
        self._cancel_wait = self.scheduler.call_later(ANSWER_S, self._no_answer)
        if self.help.link.publish("booking", payload, qos=1) is None:
            self._stop_waiting()
            self.problem, self.state = "no_desk", "unavailable"

    def _no_answer(self) -> None:
        self._cancel_wait = None
        if self.state in ("asking", "booking"):
            log.warning("booking: the desk did not answer within %s s", ANSWER_S)
            self.problem, self.state = "no_answer", "unavailable"

    def _stop_waiting(self) -> None:
        if self._cancel_wait is not None:
            self._cancel_wait()
            self._cancel_wait = None

    def _on_event(self, event: dict) -> None:
        if event.get("id") != self._asked or not self._asked:
            return  # an earlier person's, or an answer already given up on
        kind = event["type"]
        if kind == "booking_taken" and self.state == "asking":
            self._stop_waiting()
            taken = _taken(event["taken"][:MAX_TAKEN])
            self.free = [slot_text(t) for t in free_times(self.provider, self.now(), self.minutes, self.days,
                                                         taken, self.support)[:MAX_SHOWN]]
            self.state = "choosing" if self.free else "none_free"
        elif kind == "booking_made" and self._unanswered is not None and event.get("starts") == self.chosen:
            # Also after "no answer": the desk had it after all, and this is its code.
            self._stop_waiting()
            self._unanswered = None
            self.code = event["code"]
            self.state = "booked"
            log.info("booking made")
        elif kind == "booking_refused" and self._unanswered is not None:
            self._stop_waiting()
            self._unanswered = None
            if event["reason"] == "taken":
                self.was_taken = True  # said on screen over the free times, asked again
                self.ask()
            else:
                self.problem, self.state = "refused", "unavailable"

    # -- what is shown --------------------------------------------------------------------------

    def chosen_at(self) -> datetime | None:
        return parse_slot(self.chosen)

    def slip_event(self, title: str) -> str:
        at = self.chosen_at()
        address = self.provider.address.in_("fi") if self.provider and self.provider.address else ""
        return calendar_text(at, self.minutes, title, address, self.code) if at else ""

    def reset(self) -> None:
        """The person has gone: nothing of their booking stays on the kiosk. A booking sent
        and never answered is called off at the desk: nobody holds its code."""
        self._stop_waiting()
        self._call_off_unanswered()
        self._asked = ""
        self.free = []
        self.chosen = self.code = self.problem = ""
        self.was_taken = False
        self.state = ""

    def _call_off_unanswered(self) -> None:
        if self._unanswered is not None and self.offered:
            self.help.link.publish("booking", {"type": "cancel", "id": self._asked, "kiosk": self.help.kiosk_id},
                                   qos=1)
        self._unanswered = None

    def left_over(self) -> int:
        return sum((bool(self.state), bool(self.free), bool(self.chosen), bool(self.code), bool(self._asked),
                    self.was_taken, self._unanswered is not None))


def place_words(tr, booking: Booking) -> str:
    """Where and how long: "Example Library's digital support, Esimerkkikatu 1. A helper has
    30 minutes for you." """
    provider = booking.provider
    if provider is None:
        return ""
    where = provider.name.in_(tr.language)
    if provider.address:
        where += ", " + provider.address.in_(tr.language)
    return where + ". " + tr._("A helper has {minutes} minutes for you.").format(minutes=booking.minutes)


def status_words(tr, booking: Booking) -> str:
    """What the screen says of the booking now, and what speech says when it changes."""
    at = booking.chosen_at()
    when = when_words(tr, at) if at else ""
    state = booking.state
    if state == "asking":
        return tr._("Looking for free times…")
    if state == "choosing":
        taken = tr._("Someone else booked that time just now. Please choose another.") + " " \
            if booking.was_taken else ""
        return taken + tr._("Choose a time that suits you:")
    if state == "none_free":
        return tr._("There are no free times in the next {days} days. You can come during the opening hours, or ask the staff here.").format(days=booking.days)
    if state == "confirming":
        return tr._("Book {when}?").format(when=when)
    if state == "booking":
        return tr._("Booking {when}…").format(when=when)
    if state == "booked":
        return " ".join((tr._("Your time is booked: {when}.").format(when=when),
                         tr._("Your booking code is {code}. Show it to the helper when you come.").format(
                             code=" ".join(booking.code))))
    if state == "unavailable":
        return tr._("Booking is not possible right now. You can come during the opening hours, or ask the staff here.")
    return ""
