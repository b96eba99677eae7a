"""Booking a time with a helper (issue 19): the free times from a place's hours, the
kiosk's side of the round trip over a link, and the desk's bookings in its database. The
round trip through real Mosquitto and the desk is in tests/desk/test_fleet_mosquitto.py,
the screens in tests/screens/test_booking_screen.py."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from kiosk.booking import Booking, calendar_text, free_times
from kiosk.config_keys import Text
from kiosk.devices.fleet import FakeLink
from kiosk.help import Help
from kiosk.support import HELSINKI, Exceptional, Provider, Support, Weekly, parse_slot, slot_text

TUESDAY_11 = datetime(2026, 12, 8, 11, 0, tzinfo=HELSINKI)
LIBRARY = Provider("library", Text({"fi": "Kirjaston digituki"}), ("eservice_help",), Text(),
                   Text({"fi": "Katu 1"}), "09 123 4567", Text(), "", ("fi",),
                   (Weekly(1, 3, time(10), time(14)),), (), Text(), True)


def support_of(*providers: Provider, made: datetime | None = None) -> Support:
    return Support(providers, made, "", "", 30)


def at(text: str) -> datetime:
    return parse_slot(text)


def test_free_times_are_the_hours_cut_into_times_less_the_taken_and_the_next_half_hour():
    times = free_times(LIBRARY, TUESDAY_11, 30, 14, [(at("2026-12-08T12:00"), 30)])
    assert [slot_text(t) for t in times[:5]] == ["2026-12-08T11:30", "2026-12-08T12:30", "2026-12-08T13:00",
                                                 "2026-12-08T13:30", "2026-12-09T10:00"]
    assert all(t.weekday() in (1, 2, 3) and time(10) <= t.time() <= time(13, 30) for t in times)
    # A 45-minute booking from 12:00 (a kiosk cutting the hours otherwise) covers 12:00 and 12:30.
    later = free_times(LIBRARY, TUESDAY_11, 30, 0, [(at("2026-12-08T12:00"), 45)])
    assert [slot_text(t) for t in later] == ["2026-12-08T11:30", "2026-12-08T13:00", "2026-12-08T13:30"]
    assert max(times).date() <= date(2026, 12, 22)
    # 45-minute times end by closing: 10:00, 10:45, 11:30, 12:15, 13:00 (13:45 would run past 14).
    assert [t.time() for t in free_times(LIBRARY, TUESDAY_11 - timedelta(days=1), 45, 1, [])] == [
        time(10), time(10, 45), time(11, 30), time(12, 15), time(13)]


def test_no_time_on_a_closed_day_a_holiday_the_data_says_nothing_of_or_from_stale_data():
    closed = replace(LIBRARY, exceptions=(Exceptional(date(2026, 12, 9), date(2026, 12, 9), True),))
    assert not any(t.date() == date(2026, 12, 9) for t in free_times(closed, TUESDAY_11, 30, 7, []))
    # Christmas Eve and Christmas Day (Thursday and Friday): no exception, so no promise.
    days = {t.date() for t in free_times(LIBRARY, datetime(2026, 12, 21, 8, tzinfo=HELSINKI), 30, 7, [])}
    assert date(2026, 12, 22) in days and date(2026, 12, 24) not in days
    from_ptv = replace(LIBRARY, local=False)
    stale = support_of(from_ptv, made=TUESDAY_11.astimezone(timezone.utc) - timedelta(days=40))
    assert free_times(from_ptv, TUESDAY_11, 30, 14, [], stale) == []
    assert free_times(LIBRARY, TUESDAY_11, 30, 14, [], stale)  # the site's own: never stale


def test_hours_past_midnight_give_times_after_midnight():
    night = replace(LIBRARY, weekly=(Weekly(0, 6, time(22), time(1)),))
    times = free_times(night, datetime(2026, 12, 8, 12, tzinfo=HELSINKI), 60, 0, [])
    assert [slot_text(t) for t in times] == ["2026-12-08T22:00", "2026-12-08T23:00", "2026-12-09T00:00"]


def test_the_calendar_code_is_an_event_in_utc_with_its_text_escaped():
    event = calendar_text(at("2026-12-08T11:30"), 30, "Aika; digituki", "Katu 1, Helsinki", "K7F4")
    lines = event.split("\r\n")
    assert "DTSTART:20261208T093000Z" in lines and "DTEND:20261208T100000Z" in lines
    assert "SUMMARY:Aika\\; digituki" in lines and "LOCATION:Katu 1\\, Helsinki" in lines
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"


class Later:
    """A scheduler whose timers the test fires."""

    def __init__(self) -> None:
        self.waiting: list = []

    def call_later(self, _delay, callback):
        entry = [callback]
        self.waiting.append(entry)
        return lambda: entry.clear()

    def fire(self) -> None:
        for entry in self.waiting:
            for callback in entry:
                callback()
        self.waiting = []


def booking_over(link: FakeLink, provider: Provider = LIBRARY, directory=None):
    from kiosk.help import Outbox

    help_ = Help(link, Outbox(directory / "outbox.sqlite"), "k1", lambda: "", post=lambda work: work())
    help_.start()
    later = Later()
    return Booking(help_, support_of(provider), provider.id, 30, 14, later, now=lambda: TUESDAY_11), later


def test_a_booking_asks_the_desk_shows_the_free_times_and_gets_a_code(tmp_path):
    link = FakeLink()
    booking, _later = booking_over(link, directory=tmp_path)
    booking.ask()
    (leaf, asked, qos, _retain), = link.published[-1:]
    assert (leaf, asked["type"], asked["provider"], asked["kiosk"], qos) == ("booking", "slots", "library", "k1", 1)
    assert booking.state == "asking"
    link.deliver({"type": "booking_taken", "id": asked["id"], "taken": [["2026-12-08T11:30", 30], "bad", 7, ["x", 30],
                                                                                ["2026-12-09T10:00", 0]]})
    assert booking.state == "choosing" and booking.free[:2] == ["2026-12-08T12:00", "2026-12-08T12:30"]
    assert len(booking.free) == 8
    booking.choose("2026-12-09T09:00")  # not offered: nothing happens
    assert booking.state == "choosing"
    booking.choose("2026-12-08T12:30")
    assert booking.state == "confirming"
    booking.book("other", "kela", "fi", ["speech"])
    sent = link.published[-1][1]
    assert {k: sent[k] for k in ("type", "starts", "minutes", "topic", "service", "language", "accessibility",
                                 "provider_name")} == {
        "type": "book", "starts": "2026-12-08T12:30", "minutes": 30, "topic": "other", "service": "kela",
        "language": "fi", "accessibility": ["speech"], "provider_name": "Kirjaston digituki"}
    link.deliver({"type": "booking_made", "id": asked["id"], "code": "XXXX", "starts": "2026-12-08T12:30"})
    assert booking.state == "booking"  # an answer to the earlier question, not to this booking
    link.deliver({"type": "booking_made", "id": sent["id"], "code": "K7F4", "starts": "2026-12-08T12:30"})
    assert (booking.state, booking.code) == ("booked", "K7F4")
    assert "DESCRIPTION:K7F4" in booking.slip_event("Aika")
    booking.reset()
    assert booking.left_over() == 0 and booking.code == ""


def test_someone_else_first_is_said_and_the_times_are_asked_again(tmp_path):
    link = FakeLink()
    booking, _later = booking_over(link, directory=tmp_path)
    booking.ask()
    link.deliver({"type": "booking_taken", "id": link.published[-1][1]["id"], "taken": []})
    booking.choose(booking.free[0])
    booking.book("other", "", "fi", [])
    link.deliver({"type": "booking_refused", "id": link.published[-1][1]["id"], "reason": "taken"})
    assert booking.was_taken and booking.state == "asking" and link.published[-1][1]["type"] == "slots"
    link.deliver({"type": "booking_taken", "id": link.published[-1][1]["id"], "taken": [["2026-12-08T11:30", 30]]})
    assert booking.state == "choosing" and "2026-12-08T11:30" not in booking.free


def test_no_desk_no_answer_or_a_refusal_is_said_not_waited_on(tmp_path):
    link = FakeLink(up=False)
    booking, later = booking_over(link, directory=tmp_path)
    booking.ask()
    assert (booking.state, booking.problem) == ("unavailable", "no_desk")
    link.set_up(True)
    booking.ask()
    later.fire()  # ANSWER_S passed without an answer
    assert (booking.state, booking.problem) == ("unavailable", "no_answer")
    booking.ask()
    link.deliver({"type": "booking_taken", "id": link.published[-1][1]["id"], "taken": []})
    booking.choose(booking.free[0])
    booking.book("other", "", "fi", [])
    link.deliver({"type": "booking_refused", "id": link.published[-1][1]["id"], "reason": "invalid"})
    assert (booking.state, booking.problem) == ("unavailable", "refused")
    link.deliver({"type": "booking_taken", "id": "x" * 65, "taken": []})  # malformed: dropped
    assert booking.state == "unavailable"
    # No answer to a booking: Try again sends it under its id, and the desk's first code counts.
    booking.ask()
    link.deliver({"type": "booking_taken", "id": link.published[-1][1]["id"], "taken": []})
    booking.choose(booking.free[0])
    booking.book("other", "", "fi", [])
    sent = link.published[-1][1]
    later.fire()
    assert (booking.state, booking.problem) == ("unavailable", "no_answer")
    booking.try_again()
    assert link.published[-1][1] == sent and booking.state == "booking"
    later.fire()
    link.deliver({"type": "booking_made", "id": sent["id"], "code": "K7F4", "starts": sent["starts"]})
    assert (booking.state, booking.code) == ("booked", "K7F4")  # late, but the person gets it
    # A booking never answered when the person leaves is called off at the desk.
    booking.reset()
    booking.ask()
    link.deliver({"type": "booking_taken", "id": link.published[-1][1]["id"], "taken": []})
    booking.choose(booking.free[0])
    booking.book("other", "", "fi", [])
    sent = link.published[-1][1]
    booking.reset()
    assert link.published[-1][1] == {"type": "cancel", "id": sent["id"], "kiosk": "k1"}
    assert booking.left_over() == 0
    nowhere = Booking(Help(None, None, "k1", lambda: "", post=lambda work: work()), support_of(LIBRARY),
                      "library", 30, 14, later)
    assert not nowhere.offered


# -- the desk's side -------------------------------------------------------------------------------

@pytest.fixture
def bookings(tmp_path):
    from kiosk.desk.bookings import Bookings
    from kiosk.desk.store import Store

    store = Store(str(tmp_path / "desk.sqlite"))
    yield Bookings(store.engine)
    store.close()


def wanted(when: str, **changes) -> dict:
    return {"id": str(uuid.uuid4()), "kiosk": "k1", "provider": "library", "provider_name": "Kirjasto",
            "starts": when, "minutes": 30, "topic": "other", "service": "kela", "language": "fi",
            "accessibility": ["speech"], **changes}


def coming_day(days: int = 1, hour: int = 10) -> str:
    from kiosk.desk.bookings import local_now

    return slot_text((local_now() + timedelta(days=days)).replace(hour=hour, minute=0))


def test_the_desk_books_a_time_once_and_a_resend_gets_the_same_code(bookings):
    from kiosk.desk.bookings import CODE_LETTERS, local_now

    first = wanted(coming_day())
    outcome, code = bookings.book("oodi", "k1", first)
    assert outcome == "made" and len(code) == 4 and set(code) <= set(CODE_LETTERS)
    assert bookings.book("oodi", "k1", first) == ("made", code)  # the kiosk sent it again
    assert bookings.book("oodi", "k2", wanted(coming_day())) == ("refused", "taken")
    assert bookings.book("kallio", "k9", wanted(coming_day()))[0] == "made"  # another site's helpers
    assert bookings.taken("oodi", "library", local_now()) == [[coming_day(), 30]]
    assert bookings.cancel(first["id"], ["kallio"], "Ville") is None  # not their site's
    assert bookings.cancel(first["id"], ["oodi"], "Aino")["cancelled_by"] == "Aino"
    assert bookings.taken("oodi", "library", local_now()) == []
    assert bookings.book("oodi", "k2", wanted(coming_day()))[0] == "made"  # free again


def test_times_of_other_lengths_do_not_overlap_and_a_kiosk_calls_off_only_its_own(bookings):
    first = wanted(coming_day(3), minutes=45)
    assert bookings.book("oodi", "k1", first)[0] == "made"
    half_past = coming_day(3)[:-2] + "30"
    assert bookings.book("oodi", "k2", wanted(half_past)) == ("refused", "taken")  # 10:30 is inside 10:00–10:45
    assert bookings.book("oodi", "k2", wanted(coming_day(3, 11)))[0] == "made"  # 11:00 is free
    assert not bookings.call_off(first["id"], "oodi", "k2")  # another kiosk's
    assert bookings.call_off(first["id"], "oodi", "k1")
    assert bookings.book("oodi", "k2", wanted(half_past))[0] == "made"


def test_two_kiosks_booking_the_same_time_at_once_get_one_booking(bookings):
    results = []
    barrier = threading.Barrier(8)

    def book(n: int) -> None:
        barrier.wait()
        results.append(bookings.book("oodi", f"k{n}", wanted(coming_day(2), kiosk=f"k{n}"))[0])

    threads = [threading.Thread(target=book, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["made"] + ["refused"] * 7


def test_a_kiosk_account_cannot_fill_the_calendar(bookings):
    from kiosk.desk.bookings import MAX_LIVE_PER_KIOSK

    made = [bookings.book("oodi", "k1", wanted(coming_day(1 + n // 8, 10 + n % 8)))[0]
            for n in range(MAX_LIVE_PER_KIOSK + 3)]
    assert made.count("made") == MAX_LIVE_PER_KIOSK and made[-3:] == ["refused"] * 3
    assert bookings.book("oodi", "k1", wanted(coming_day(20)))[1] == "too_many"


@pytest.mark.parametrize("change, needs", [
    ({"starts": "2026-12-08T10:03"}, "five minutes"), ({"starts": "yesterday"}, "five minutes"),
    ({"starts": "2020-01-01T10:00"}, "next 60 days"), ({"minutes": 600}, "a length"),
    ({"minutes": True}, "a length"), ({"provider": "../x"}, "support place"), ({"topic": "<script>"}, "topic"),
    ({"language": "fi\n"}, "language code"), ({"provider_name": "x" * 201}, "place name"),
    ({"accessibility": ["a"] * 11}, "accessibility"), ({"service": "\x00"}, "service id")])
def test_the_desk_refuses_a_booking_outside_the_kiosks_bounds(change, needs):
    from kiosk.desk.bookings import check_booking, local_now

    assert check_booking(wanted(coming_day()), local_now()) == ""
    assert needs in check_booking(wanted(coming_day(), **change), local_now())
