"""A service without e-services (issue 19, level 4), on the real screens: from "I can't use
e-services" to one service's route, with the authority's phone service and hours or Public
Service Info, the nearest office with today's hours (the demo's made-up Kela office),
what to bring; in fi, sv and en; spoken on arrival; printed to the real CUPS queue."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk import support as support_data
from kiosk.spoken_text import normalise

pytestmark = pytest.mark.gui
TUESDAY_11 = datetime(2026, 12, 8, 11, 0, tzinfo=support_data.HELSINKI)
MIGRI = {"fi": ("Maahanmuuttoviraston asiakaspalvelu: 0295 419 600", "Avoinna ma–pe klo 8.30–15.30."),
         "sv": ("Migrationsverkets kundtjänst: 0295 419 600", "Öppet mån–fre kl. 8.30–15.30."),
         "en": ("The Finnish Immigration Service's customer service: 0295 419 600", "Open Mon–Fri 8:30–15:30.")}
KELA_OFFICE = {"fi": "Kelan palvelupiste (esimerkki)", "sv": "FPA:s serviceställe (exempel)",
               "en": "Kela service point (example)"}


@pytest.fixture
def at_tuesday_11(monkeypatch):
    monkeypatch.setattr(support_data, "now_utc", lambda: TUESDAY_11.astimezone(timezone.utc))


def to_route(gui, service_id: str, language: str) -> None:
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language(language)
    gui.frames()
    app.journey.go("nondigital")
    gui.frames()
    title = app.catalog.service(service_id).in_(language).title
    (button,) = [b for b in gui.screen().ids.services.children if b.text == title]
    gui.tap(button)
    gui.frames()
    assert app.journey.screen == "route"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_permit_by_phone_or_at_the_office_and_kela_with_its_nearest_office(fresh_app, at_tuesday_11, language):
    gui, app = fresh_app, fresh_app.app
    to_route(gui, "enter-finland", language)
    screen = gui.screen()
    assert list(screen.ids.phone.lines[:2]) == list(MIGRI[language])
    assert list(screen.ids.bring.lines) == list(app.catalog.service("enter-finland").in_(language).bring)
    assert "7.12.2026" in screen.ids.other.text  # when the number was checked
    assert not screen.ids.no_office.hidden  # no Migri office in the demo's area: the staff say
    app.journey.back()
    gui.frames()
    title = app.catalog.service("kela").in_(language).title
    gui.tap(next(b for b in gui.screen().ids.services.children if b.text == title))
    gui.frames()
    screen = gui.screen()
    assert app.contact.phone in screen.ids.phone.lines[0]  # Public Service Info finds the topic's number
    (office,) = screen.ids.offices.children
    assert office.heading == KELA_OFFICE[language]
    assert app.tr._("Today {hours}.").format(hours=("klo 9–16" if language == "fi" else "kl. 9–16"
                                                     if language == "sv" else "9:00–16:00")) in office.lines
    assert app.tr._("You can also start the matter by talking, on the phone or at the office: ask them to write it down.") \
        in screen.ids.other.text


def test_the_office_is_no_digital_support_place(fresh_app, at_tuesday_11):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    app.journey.go("support")
    gui.frames()
    assert KELA_OFFICE["fi"] not in gui.texts()


def test_the_route_is_read_aloud_on_arrival(speaking, at_tuesday_11):
    gui, app = speaking, speaking.app
    app.journey.go("nondigital")
    gui.frames()
    before = len(app.devices.speaker.spoken)
    app.journey.service_id = "enter-finland"
    app.journey.go("route")
    wanted = [normalise(text, "fi", app.speech.spoken_forms.get("fi")) for text in MIGRI["fi"]]
    gui.wait_until(lambda: all(text in gui.heard_since(before) for text in wanted), 15)
    assert "nolla kaksi yhdeksän viisi" in gui.heard_since(before)  # the number digit by digit


def test_the_route_printed_to_take_along(fresh_app, at_tuesday_11, cupsd):
    from testbed.pdfs import pdf_pages, pdf_text

    gui, app = fresh_app, fresh_app.app
    to_route(gui, "police-permits", "en")
    gui.tap(gui.ids()["print_route"])
    assert app.journey.screen == "print"
    printed = gui.print_shown_document(cupsd)
    text = " ".join(pdf_text(printed).split())
    assert pdf_pages(printed) == 1
    # cups-pdf's PostScript pass keeps non-ASCII glyphs but not which letters they are (the
    # dash in "Mon–Fri"): the hours are compared around it.
    for words in ("The police's national advice and appointment line: 0295 419 800", "Open Mon", "Fri 8:00", "16:15.",
                  "What to bring", "An ID or your old passport.", "Number checked on 7.12.2026."):
        assert words in text, words
