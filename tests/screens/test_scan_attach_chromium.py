"""A paper in one hand and a Kela form open on the screen: the person scans the paper from
the e-service's strip, and attaches it with the page's own "Attach a file", through the
kiosk's chooser. Real Chromium (the page on the local test site, tapped through the X
server), the real SANE stack (scanimage, SANE's test backend), the whole app."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kiosk.devices.scanner import SaneScanner
from testbed.sane import SaneTestScanner
from tests.screens.conftest import evaluate

pytestmark = pytest.mark.gui


def x_tap(gui, element: str) -> None:
    """A finger on the page's element, through the X server (as on the touch screen), once
    the page that has it is there."""
    from testbed.chromium import xdotool

    app = gui.app
    gui.wait_until(lambda: evaluate(app, f"!!document.getElementById('{element}')"), 20)
    x, y = evaluate(app, f"(() => {{ const r = document.getElementById('{element}').getBoundingClientRect();"
                         " return [screenX + r.x + r.width / 2, screenY + outerHeight - innerHeight + r.y + r.height / 2];"
                         " })()")
    xdotool("mousemove", "--sync", str(round(x)), str(round(y)))
    xdotool("click", "1")


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
        x_tap(gui, "pdf")
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
