"""Scanning as a person does it, with a paper in one hand: My documents → Scan a paper →
page by page → saved → printed or attached; and from the e-service's strip. The real
SANE stack (scanimage, SANE's test backend) behind the real screens."""

from __future__ import annotations

import pytest

from kiosk.devices.scanner import SaneScanner
from testbed.pdfs import pdf_pages
from testbed.sane import SaneTestScanner

pytestmark = pytest.mark.gui


@pytest.fixture
def sane_kiosk(fresh_app, tmp_path, monkeypatch):
    """The running kiosk, in English, with SANE's test backend as its scanner."""
    gui, app = fresh_app, fresh_app.app
    sane = SaneTestScanner(tmp_path / "sane.d")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(sane.directory))
    scanning = app.scanning
    fake = scanning.scanner
    scanning.scanner = SaneScanner(app.devices.processes, scanning.work_dir)
    app.switch_language("en")
    scanning.refresh()
    gui.wait_until(lambda: scanning.available and scanning.state == "idle", 30)
    try:
        yield gui, sane
    finally:
        app.flow.end_session()
        app.flow.leave_goodbye()
        scanning.scanner = fake
        scanning.refresh()
        gui.wait_until(lambda: scanning.state == "idle", 30)
        gui.frames()


def scan(gui, button: str) -> None:
    gui.tap(gui.button(button))
    gui.wait_until(lambda: gui.app.scanning.state == "idle", 60)
    gui.frames()


def scanned_today(app) -> int:
    from datetime import date

    counts = app.services.stats.daily(date.today().isoformat())["counts"]
    return sum(n for _hour, counter, value, n in counts if (counter, value) == ("document", "scanned"))


def test_two_pages_scanned_saved_and_printed(sane_kiosk, cupsd):
    gui, _sane = sane_kiosk
    app = gui.app
    counted = scanned_today(app)
    gui.tap(gui.ids()["start_button"])
    # No documents yet: My documents is there, because a paper can be scanned into it.
    gui.tap(gui.bar("documents_button"))
    assert app.journey.screen == "documents"
    gui.tap(gui.button("Scan a paper"))
    assert app.journey.screen == "scan"
    assert any(text.startswith("Lift the scanner's lid.") for text in gui.texts())
    scan(gui, "Scan")
    assert "Page 1 is scanned. Check that it can be read. Then scan the next page, or save." in gui.texts()
    assert gui.ids()["preview"].texture is not None  # the person sees the page
    scan(gui, "Scan the next page")
    assert "Pages scanned: 2" in gui.texts()
    gui.tap(gui.button("Save as a document"))
    gui.wait_until(lambda: app.scanning.saved, 30)
    gui.frames()
    name = app.scanning.saved[0]
    assert name.startswith("Scan ") and name.endswith(".pdf")
    assert scanned_today(app) == counted + 1  # a count, nothing of the paper
    assert f"Saved in My documents: {name}. You can now attach it in the e-service, or print it." in gui.texts()
    gui.tap(gui.button("Back"))
    assert app.journey.screen == "documents"
    gui.wait_until(lambda: app.printing.documents and app.printing.documents[0].pages, 10)
    gui.frames()
    assert name in gui.texts() and "PDF · pages: 2 · " in " ".join(gui.texts())
    assert pdf_pages(app.printing.documents[0].path) == 2
    gui.tap(gui.button("Print"))
    gui.wait_until(lambda: not app.printing.preparing, 20)
    assert app.journey.screen == "print" and app.printing.pages == 2


def test_a_jammed_scanner_is_said_in_plain_words_and_a_retry_works(sane_kiosk):
    gui, sane = sane_kiosk
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.journey.go("documents")
    gui.frames()
    gui.tap(gui.button("Scan a paper"))
    sane.configure(fault="cover_open")
    scan(gui, "Scan")
    assert "The scanner's lid is open. Close the lid and press the button again." in gui.texts()
    assert app.scanning.pages == []
    sane.configure()
    scan(gui, "Scan")
    assert len(app.scanning.pages) == 1
    # Cancel throws the pages away and goes back where the person came from.
    gui.tap(gui.button("Cancel"))
    assert app.journey.screen == "documents" and app.scanning.pages == []
    assert not list(app.scanning.work_dir.glob("*.jpg"))


def test_from_the_e_service_strip_and_back_to_it(sane_kiosk):
    gui, _sane = sane_kiosk
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.journey.go("browser")
    gui.frames()
    strip = gui.screen()
    assert not strip.ids["browser_scan"].hidden
    app.journey.go("scan")  # the strip's button: it may be under "More" at this width
    gui.frames()
    scan(gui, "Scan")
    gui.tap(gui.button("Save as a picture"))
    gui.wait_until(lambda: app.scanning.saved, 30)
    gui.frames()
    assert app.scanning.saved[0].endswith(".jpg")
    gui.tap(gui.button("Back"))
    assert app.journey.screen == "browser"
    gui.wait_until(lambda: any(d.name == app.scanning.saved[0] for d in app.printing.documents), 10)


def test_the_scan_screen_by_ear(sane_kiosk):
    gui, _sane = sane_kiosk
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.speech_nav.set_speech(True)
    try:
        app.journey.go("documents")
        gui.frames()
        mark = len(app.devices.speaker.spoken)
        app.journey.go("scan")
        gui.wait_until(lambda: "Lift the scanner's lid." in gui.heard_since(mark), 20)
        # Touched once, the button is said; touched again, it scans, said as it goes.
        button = gui.button("Scan")
        gui.tap(button)
        mark = len(app.devices.speaker.spoken)
        gui.tap(button)
        gui.wait_until(lambda: "Page 1 is scanned." in gui.heard_since(mark), 30)
        heard = gui.heard_since(mark)
        assert heard.index("Scanning… Keep the lid closed.") < heard.index("Page 1 is scanned.")
        assert "Scan the next page" in heard and "Ready: save the pages as one PDF document" in heard
    finally:
        app.speech_nav.set_speech(False)
