""""Book a time with a helper" on the real screens (issue 19): from "Digital support near
you" to a booked time with its code, in fi, sv and en; by ear; someone else first; the slip
printed to the real CUPS queue and read back; and from the goodbye to the support places.
The desk here is the fleet link's pretend one (kiosk/devices/fleet.py, as in the demo);
the real desk and broker are in tests/desk/test_fleet_mosquitto.py."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk import support as support_data
from kiosk.spoken_text import normalise

pytestmark = pytest.mark.gui
TUESDAY_11 = datetime(2026, 12, 8, 11, 0, tzinfo=support_data.HELSINKI)  # the library's desk is open 10–14
FIRST = {"fi": "tiistai 8.12.2026 klo 11.30", "sv": "tisdag 8.12.2026 kl. 11.30", "en": "Tuesday 8.12.2026 at 11:30"}


@pytest.fixture
def at_tuesday_11(monkeypatch, fresh_app):
    monkeypatch.setattr(support_data, "now_utc", lambda: TUESDAY_11.astimezone(timezone.utc))
    fresh_app.app.devices.link.booked.clear()  # the pretend desk forgets earlier tests' times
    yield


def to_booking(gui, language: str = "fi") -> None:
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language(language)
    gui.frames()
    gui.tap(gui.ids()["support_button"])
    gui.frames()
    gui.tap(gui.ids()["book_time"])
    gui.wait_until(lambda: app.booking.state == "choosing", 15)
    gui.frames()


def time_buttons(gui) -> list:
    return list(reversed(gui.screen().ids.times.children))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_from_the_support_places_to_a_booked_time_with_its_code(fresh_app, at_tuesday_11, language):
    gui, app = fresh_app, fresh_app.app
    to_booking(gui, language)
    assert app.journey.screen == "booking"
    texts = gui.texts()
    assert app.tr._("Choose a time that suits you:") in texts
    assert any(app.tr._("A helper has {minutes} minutes for you.").format(minutes=30) in t for t in texts)
    buttons = time_buttons(gui)
    assert len(buttons) == 8 and buttons[0].text == FIRST[language]
    gui.tap(buttons[0])
    gui.frames()
    assert app.booking.state == "confirming"
    assert app.tr._("Book {when}?").format(when=FIRST[language]) in gui.texts()
    gui.tap(gui.ids()["book_button"])
    gui.wait_until(lambda: app.booking.state == "booked", 15)
    gui.frames()
    code = app.booking.code
    status = gui.screen().ids.status.text
    assert FIRST[language] in status and " ".join(code) in status
    assert not gui.ids()["print_slip"].hidden
    # What the desk was sent: the time, the place and what the help is about, nothing of who.
    sent = [p for leaf, p, _q, _r in app.devices.link.published if leaf == "booking" and p["type"] == "book"][-1]
    assert set(sent) == {"type", "id", "kiosk", "provider", "provider_name", "starts", "minutes", "topic", "service",
                         "language", "accessibility"}
    assert (sent["starts"], sent["language"]) == ("2026-12-08T11:30", language)


def test_choosing_another_time_and_someone_else_first(fresh_app, at_tuesday_11):
    gui, app = fresh_app, fresh_app.app
    to_booking(gui, "en")
    gui.tap(time_buttons(gui)[1])
    gui.frames()
    gui.tap(gui.ids()["other_time"])
    gui.frames()
    assert app.booking.state == "choosing" and len(time_buttons(gui)) == 8
    gui.tap(time_buttons(gui)[0])
    app.devices.link.booked["2026-12-08T11:30"] = "X001"  # another kiosk's person, a moment sooner
    gui.tap(gui.ids()["book_button"])
    gui.wait_until(lambda: app.booking.state == "choosing", 15)
    gui.frames()
    assert gui.screen().ids.status.text.startswith("Someone else booked that time just now.")
    assert time_buttons(gui)[0].text == "Tuesday 8.12.2026 at 12:00"


def test_a_booking_by_ear(speaking, at_tuesday_11):
    """Speech mode: the free times are read when the desk has answered, the question before
    booking, and the code letter by letter."""
    gui, app = speaking, speaking.app
    app.journey.go("support")
    gui.frames()
    before = len(app.devices.speaker.spoken)
    gui.ids()["book_time"].dispatch("on_release")
    said = [normalise(t, "fi", app.speech.spoken_forms.get("fi")) for t in (
        "Valitse sinulle sopiva aika:", FIRST["fi"])]
    gui.wait_until(lambda: all(t in gui.heard_since(before) for t in said), 15)
    gui.ids()["times"].children[-1].dispatch("on_release")
    gui.wait_until(lambda: "Varataanko" in gui.heard_since(before), 15)
    gui.ids()["book_button"].dispatch("on_release")
    gui.wait_until(lambda: app.booking.state == "booked", 15)
    gui.wait_until(lambda: " ".join(app.booking.code) in gui.heard_since(before), 15)


def test_the_booking_printed_on_a_slip_with_its_code(fresh_app, at_tuesday_11, cupsd):
    from testbed.pdfs import pdf_pages, pdf_text

    gui, app = fresh_app, fresh_app.app
    to_booking(gui, "en")
    gui.tap(time_buttons(gui)[0])
    gui.tap(gui.ids()["book_button"])
    gui.wait_until(lambda: app.booking.state == "booked", 15)
    gui.frames()
    gui.tap(gui.ids()["print_slip"])
    assert app.journey.screen == "print" and app.printing.document.name == "Your time with a helper.pdf"
    printed = gui.print_shown_document(cupsd)
    text = " ".join(pdf_text(printed).split())
    assert pdf_pages(printed) == 1
    for words in ("Your time with a helper", FIRST["en"], f"Booking code: {app.booking.code}",
                  "Esimerkkikatu 1, 00100 Helsinki", "A helper has 30 minutes for you."):
        assert words in text, words
    # The end of the session forgets the booking on the kiosk (it lives on the desk).
    app.flow.end_session()
    gui.frames()
    assert app.booking.left_over() == 0


def test_no_desk_answer_is_said_and_can_be_tried_again(fresh_app, at_tuesday_11, monkeypatch):
    gui, app = fresh_app, fresh_app.app
    link = app.devices.link
    monkeypatch.setattr(link, "desk", False)  # the desk is down: nothing answers
    monkeypatch.setattr("kiosk.booking.ANSWER_S", 0.2)
    gui.tap(gui.ids()["start_button"])
    app.journey.go("support")
    gui.frames()
    gui.tap(gui.ids()["book_time"])
    gui.wait_until(lambda: app.booking.state == "unavailable", 15)
    gui.frames()
    assert gui.screen().ids.status.text.startswith("Ajan varaaminen ei onnistu juuri nyt.")
    monkeypatch.setattr(link, "desk", True)
    gui.tap(gui.ids()["try_again"])
    gui.wait_until(lambda: app.booking.state == "choosing", 15)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_from_the_goodbye_to_the_support_places_in_the_persons_language(fresh_app, language):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language(language)
    app.look.set_text_scale(1.5)
    app.flow.end_session()
    gui.wait_until(lambda: app.journey.screen == "goodbye", 15)
    gui.frames()
    gui.tap(gui.ids()["support_link"])
    gui.frames()
    assert app.journey.screen == "support" and app.session.state == "active"
    assert app.tr.language == language and app.look.text_scale == 1.5
    assert app.tr._("Digital support near you") in gui.texts()
    app.journey.back()
    assert app.journey.screen == "needs"
    app.flow.end_session()  # and that session ends like any other: back to the defaults after
    gui.wait_until(lambda: app.journey.screen == "goodbye", 15)
    app.flow.leave_goodbye()
    gui.frames()
    assert app.look.text_scale == 1.0 and app.tr.language == app.kiosk_config.languages.default
