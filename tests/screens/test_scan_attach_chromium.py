"""A paper in one hand and a Kela form open on the screen: the person scans the paper from
the e-service's strip, and attaches it with the page's own "Attach a file", through the
kiosk's chooser. Real Chromium (the page on the local test site, tapped through the X
server), the real SANE stack (scanimage, SANE's test backend), the whole app."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kiosk.devices.scanner import SaneScanner
from testbed.chromium import x_tap
from testbed.sane import SaneTestScanner
from tests.screens.conftest import evaluate

pytestmark = pytest.mark.gui


def test_a_paper_scanned_from_the_strip_is_attached_to_the_form(chromium_kiosk, site, tmp_path, monkeypatch):
    gui = chromium_kiosk
    app = gui.app
    app.speech_nav.set_speech(False)
    sane = SaneTestScanner(tmp_path / "sane.d")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(sane.directory))
    scanning = app.scanning
    fake, scanning.scanner = scanning.scanner, SaneScanner(app.devices.processes, scanning.work_dir)
    try:
        scanning.refresh()
        gui.wait_until(lambda: scanning.available and scanning.state == "idle", 30)
        app.errands._open(replace(app.catalog.services[0], url=site.url("/attach.html")))
        gui.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open
                       and evaluate(app, "document.readyState") == "complete", 30)
        gui.frames()
        # The strip's "Scan a paper" (under More when the row is full).
        strip = gui.screen()
        if strip.ids["browser_scan"].parent is strip.ids["more_row"].__self__:
            gui.tap(strip.ids["more_button"])
        gui.tap(strip.ids["browser_scan"])
        assert app.journey.screen == "scan"
        gui.tap(gui.button("Scan"))
        gui.wait_until(lambda: scanning.pages and scanning.state == "idle", 60)
        gui.frames()
        gui.tap(gui.button("Save as a document"))
        gui.wait_until(lambda: scanning.saved, 30)
        name = scanning.saved[0]
        gui.frames()
        gui.tap(gui.button("Back"))
        assert app.journey.screen == "browser"
        gui.frames()
        # The page's own "Attach a file": the kiosk's chooser, with the scan in it.
        gui.wait_until(lambda: evaluate(app, "!!document.getElementById('pdf')"), 20)
        x_tap(lambda expression: evaluate(app, expression), "pdf")
        gui.wait_until(lambda: app.journey.screen == "choose_file", 20)
        gui.frames()
        assert name in gui.texts()
        gui.tap(gui.button("Attach"))
        gui.wait_until(lambda: app.journey.screen == "browser", 20)
        gui.wait_until(lambda: evaluate(app, "JSON.stringify(window.received.pdf || null)") != "null", 20)
        received = json.loads(evaluate(app, "JSON.stringify(window.received.pdf)"))
        pdf = (app.printing.documents_dir / name).read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert received == [{"name": name, "size": len(pdf), "head": pdf[:8].decode("ascii")}]
    finally:
        scanning.scanner = fake
