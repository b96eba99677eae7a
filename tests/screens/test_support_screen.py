""""Digital support near you" on the real screens (issue 19): reached from the needs screen,
Help and the screen for people who do not use e-services; each place with what it offers,
where, today's hours and whether it is open now, in fi, sv and en; read aloud on arrival in
speech mode; and from stale details, no "open now" at all. The demo's places
(kiosk/data/support-demo.toml) at a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from kiosk import support as support_data
from kiosk.spoken_text import normalise

pytestmark = pytest.mark.gui
TUESDAY_11 = datetime(2026, 12, 8, 11, 0, tzinfo=support_data.HELSINKI)  # the library's desk is open 10–14
LIBRARY = {"fi": "Esimerkkikirjaston digituki", "sv": "Exempelbibliotekets digistöd",
           "en": "Example Library's digital support"}
WORDS = {  # what the library's block says at TUESDAY_11, and the courses' closed state
    "fi": ["Apua verkkoasiointiin · Laitteita kokeiltavaksi", "Osoite: Esimerkkikatu 1, 00100 Helsinki",
           "Tänään klo 10–14.", "Avoinna nyt, klo 14 asti.", "Suljettu nyt. Avautuu maanantaina klo 17."],
    "sv": ["Hjälp med e-tjänster · Apparater att prova", "Adress: Exempelgatan 1, 00100 Helsingfors",
           "I dag kl. 10–14.", "Öppet nu, till kl. 14.", "Stängt nu. Öppnar på måndag kl. 17."],
    "en": ["Help with e-services · Devices to try", "Address: Esimerkkikatu 1, 00100 Helsinki",
           "Today 10:00–14:00.", "Open now, until 14:00.", "Closed now. Opens on Monday at 17:00."],
}


@pytest.fixture
def at_tuesday_11(monkeypatch):
    monkeypatch.setattr(support_data, "now_utc", lambda: TUESDAY_11.astimezone(timezone.utc))


def block_lines(gui, name: str) -> list[str]:
    block = next(b for b in gui.screen().ids.providers.children if b.heading == name)
    return list(block.lines)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_from_the_needs_screen_to_the_places_that_help(fresh_app, at_tuesday_11, language):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.switch_language(language)
    fresh_app.frames()
    assert app.journey.screen == "needs"
    fresh_app.tap(fresh_app.ids()["support_button"])
    fresh_app.frames()
    assert app.journey.screen == "support"
    lines = block_lines(fresh_app, LIBRARY[language])
    assert [line for line in WORDS[language][:4] if line not in lines] == []
    courses = next(b for b in fresh_app.screen().ids.providers.children if b.heading != LIBRARY[language])
    assert WORDS[language][4] in courses.lines
    texts = fresh_app.texts()
    assert LIBRARY[language] in texts and app.tr._("Digital support near you") in texts
    assert fresh_app.screen().ids.stale_note.hidden and fresh_app.screen().ids.none_note.hidden
    # Public Service Info's number is always there, for a place not listed.
    assert any(app.contact.phone in line for line in fresh_app.screen().ids.public_service_info.lines)


@pytest.mark.parametrize("start", ["help", "nondigital"])
def test_help_and_the_screen_without_e_services_lead_there_too(fresh_app, at_tuesday_11, start):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.journey.go(start)
    fresh_app.frames()
    fresh_app.ids()["support_button"].dispatch("on_release")
    fresh_app.frames()
    assert app.journey.screen == "support" and LIBRARY["fi"] in fresh_app.texts()


def test_the_places_are_read_aloud_on_arrival(speaking, at_tuesday_11):
    app = speaking.app
    before = len(app.devices.speaker.spoken)
    app.journey.go("support")
    wanted = [normalise(text, "fi", app.speech.spoken_forms.get("fi"))
              for text in (LIBRARY["fi"], "Tänään klo 10–14.", "Avoinna nyt, klo 14 asti.")]
    speaking.wait_until(lambda: all(text in speaking.heard_since(before) for text in wanted), 15)
    assert "kello kymmenestä neljääntoista" in speaking.heard_since(before)  # the hours, said as hours


def test_stale_details_say_their_date_and_claim_no_open_now(fresh_app, at_tuesday_11, monkeypatch):
    app = fresh_app.app
    # The demo's places as if from the region's snapshot (the site's own are never stale).
    stale = replace(app.support, made=TUESDAY_11.astimezone(timezone.utc) - timedelta(days=45),
                    providers=tuple(replace(p, local=False) for p in app.support.providers))
    monkeypatch.setattr(app, "support", stale)
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.journey.go("support")
    fresh_app.frames()
    note = fresh_app.screen().ids.stale_note
    assert not note.hidden and "24.10.2026" in note.text
    lines = block_lines(fresh_app, LIBRARY["fi"])
    assert "Tänään klo 10–14." in lines and not any(line.startswith(("Avoinna nyt", "Suljettu nyt")) for line in lines)
    app.journey.go("staff")  # the staff are told why
    fresh_app.frames()
    assert "Digituki: tiedot ovat päivältä 2026-10-24, yli 30 päivää vanhoja. Tuo ne uudelleen." in \
        fresh_app.screen().facts


def test_the_list_printed_on_paper_to_take_home(fresh_app, at_tuesday_11, cupsd):
    """Print this list → the print screen with the slip → Print → the real CUPS queue; the
    printout, read back, has the places in the person's language."""
    from testbed.pdfs import pdf_pages, pdf_text

    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language("sv")
    app.journey.go("support")
    gui.frames()
    gui.tap(gui.ids()["print_list"])
    assert app.journey.screen == "print" and app.printing.document.name == "Digistöd nära dig.pdf"
    printed = gui.print_shown_document(cupsd)
    # cups-pdf passes the job through PostScript and Ghostscript, which keep the glyphs but not
    # which letters non-ASCII ones are ("digistöd" reads back "digist d"): compared on the rest.
    def letters(text: str) -> str:
        return " ".join("".join(c if c.isascii() and c.isalnum() else " " for c in text).split())

    text = letters(pdf_text(printed))
    assert pdf_pages(printed) == 1
    for words in ("Exempelbibliotekets digistöd", "tis–tors kl. 10–14", "Exempelgatan 1, 00100 Helsingfors",
                  "Medborgarrådgivningen (Kansalaisneuvonta)"):
        assert letters(words) in text, words


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_relative_finds_how_to_act_for_someone_else(fresh_app, language):
    """From the needs screen: mandates, never another's bank codes, a child's matters,
    guardianship, what must be done in person; then the step-by-step guide to giving a
    mandate."""
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.switch_language(language)
    fresh_app.frames()
    fresh_app.tap(fresh_app.ids()["on_behalf_button"])
    fresh_app.frames()
    assert app.journey.screen == "on_behalf"
    tr, ids = app.tr, fresh_app.ids()
    english = ["Never with their bank codes", "A Suomi.fi mandate", "Your child's matters",
               "When a mandate is not enough", "What the person must do themselves"]
    headings = [ids[name].heading for name in ("never_codes", "mandate", "children", "guardianship", "in_person")]
    assert headings == [tr._(text) for text in english] and all(h in fresh_app.texts() for h in headings)
    assert (headings == english) is (language == "en")  # translated, every one
    fresh_app.ids()["mandate_guide"].dispatch("on_release")
    fresh_app.frames()
    assert app.journey.screen == "guide" and app.journey.service_id == "suomifi-mandates" and app.journey.guided


def test_acting_for_someone_else_is_read_aloud_and_found_from_the_screen_without_e_services(fresh_app):
    app, speaker = fresh_app.app, fresh_app.app.devices.speaker
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.journey.go("nondigital")
    fresh_app.frames()
    app.speech_nav.set_speech(True)
    try:
        before = len(speaker.spoken)
        fresh_app.ids()["on_behalf_button"].dispatch("on_release")

        def heard() -> str:
            return " ".join(text for _language, text in speaker.spoken[before:])

        fresh_app.wait_until(lambda: "Ei koskaan hänen pankkitunnuksillaan" in heard()
                             and "edunvalvoja" in heard(), 15)
        assert app.journey.screen == "on_behalf"
    finally:
        app.speech_nav.set_speech(False)


def test_open_now_follows_the_clock_while_the_screen_stays(fresh_app, at_tuesday_11, monkeypatch):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.journey.go("support")
    fresh_app.frames()
    screen = fresh_app.screen()
    assert "Avoinna nyt, klo 14 asti." in block_lines(fresh_app, LIBRARY["fi"])
    before = screen.ids.providers.children[0]
    screen._tick(60)  # a minute on, nothing changed: nothing rebuilt under a listening person
    assert screen.ids.providers.children[0] is before
    monkeypatch.setattr(support_data, "now_utc", lambda: (TUESDAY_11 + timedelta(hours=3, minutes=1)).astimezone(
        timezone.utc))
    screen._tick(60)
    lines = block_lines(fresh_app, LIBRARY["fi"])
    assert "Avoinna nyt, klo 14 asti." not in lines and "Suljettu nyt. Avautuu huomenna klo 10." in lines
