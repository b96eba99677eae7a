"""Sessions on the real screens: start, warning, extend, end, wipe with real CUPS and X."""

from __future__ import annotations

import subprocess

import pytest

pytestmark = pytest.mark.gui


def start(gui) -> None:
    gui.tap(gui.ids()["start_button"])
    assert gui.app.session.state == "active" and gui.app.journey.screen == "needs"


def test_first_touch_starts_a_session_with_a_private_directory(fresh_app):
    app = fresh_app.app
    assert app.session.state == "ready" and not app.wipe.session_dir.exists()
    start(fresh_app)
    assert app.wipe.session_dir.is_dir()
    assert oct(app.wipe.session_dir.stat().st_mode & 0o777) == "0o700"


def test_a_language_choice_on_the_welcome_screen_starts_a_session(fresh_app):
    app = fresh_app.app
    fresh_app.tap(fresh_app.button("Svenska"))
    assert app.session.state == "active" and app.journey.screen == "welcome"
    # Walking away now still ends in a wipe: the next person gets Finnish again.
    app.session.tick(app.session.inactivity_s)  # as if nobody touched anything for the whole wait
    app.session.tick(app.session.remaining)  # and through the countdown
    assert app.session.state == "ready" and app.journey.screen == "goodbye" and app.tr.language == "sv"
    app.flow.leave_goodbye()  # its 20 s are over
    assert app.tr.language == "fi"


def test_warning_takes_the_tap_that_extends(fresh_app):
    app = fresh_app.app
    start(fresh_app)
    fresh_app.tap(fresh_app.button("Osaan itse"))
    app.session.tick(app.session.inactivity_s)  # as the inactivity timer would
    fresh_app.frames()
    assert app.session.state == "warning" and app.journey.screen == "warning"
    assert "Oletko vielä siellä?" in fresh_app.texts()
    assert "30 sekuntia jäljellä. Sitten kaikki, mitä teit täällä, pyyhitään." in fresh_app.texts()
    app.session.tick(app.session.remaining - 1)
    fresh_app.frames()
    assert "Yksi sekunti jäljellä. Sitten kaikki, mitä teit täällä, pyyhitään." in fresh_app.texts()
    # A tap where a category card would be: it continues, and presses nothing else.
    fresh_app.tap(fresh_app.button("Olen vielä täällä"))
    assert app.session.state == "active" and app.session.extensions == 1
    assert app.journey.screen == "categories"


def test_canaries_everywhere_are_gone_after_the_wipe(fresh_app, cupsd):
    from kivy.core.clipboard import Clipboard

    app = fresh_app.app
    user = app.kiosk_config.printing.job_user
    start(fresh_app)
    session_dir = app.wipe.session_dir
    (session_dir / "downloads" / "verotuspaatos-010101-123A.pdf").write_bytes(b"%PDF canary")
    for number in range(20):
        (session_dir / "browser" / f"cookie-{number}").write_text("canary")
    job = cupsd.hold_job(user)
    other = cupsd.hold_job("staff-test")  # not the kiosk's: must survive
    Clipboard.copy("010101-123A")
    subprocess.run(["xsel", "--primary", "--input"], input=b"Matti", check=True, timeout=5)
    # xsel hands the selection to a child it forks: it may own it a moment later.
    fresh_app.wait_until(lambda: set(app.devices.selections.owned()) == {"CLIPBOARD", "PRIMARY"}, 5)
    sleeper = app.devices.processes.spawn(["sleep", "300"])
    fresh_app.tap(fresh_app.bar("accessibility_button"))
    fresh_app.tap(fresh_app.button("Suurin teksti"))
    fresh_app.tap(fresh_app.button("Suomi · Svenska · English"))  # at large text, one chooser
    fresh_app.tap(fresh_app.button("English"))

    receipt = app.session.end("end")
    assert receipt.ok, receipt
    assert not session_dir.exists()
    assert cupsd.jobs(user) == [] and job not in cupsd.jobs() and other in cupsd.jobs()
    assert Clipboard.paste() == "" and app.devices.selections.owned() == []
    assert subprocess.run(["xsel", "--primary", "--output"], capture_output=True, timeout=5).stdout == b""
    assert sleeper.poll() is not None
    app.flow.leave_goodbye()  # shown as the person had it; then the next person's defaults
    assert app.tr.language == "fi" and app.look.text_scale == 1.0
    assert {c.name for c in receipt.checks if c.ok} >= {
        "session directory gone", "no session processes", "no session print jobs", "x selections empty",
        "clipboard empty", "settings at defaults", "screen back at start"}
    written = (app.wipe.state_dir / "wipe-receipts.jsonl").read_text()
    for secret in ("010101-123A", "verotuspaatos", "cookie", "canary"):
        assert secret not in written
    cupsd_jobs_left = [j for j in cupsd.jobs() if j != other]
    assert cupsd_jobs_left == []


def test_failing_wipe_keeps_the_kiosk_out_of_service(fresh_app):
    app = fresh_app.app
    start(fresh_app)
    real = app.devices.printer.server
    app.devices.printer.use_server("/nonexistent/cups.sock")
    try:
        receipt = app.session.end("end")
        fresh_app.frames()
        assert not receipt.ok and receipt.attempt == 2  # tried once more
        assert app.session.state == "out_of_service"
        assert app.journey.screen == "out_of_service"
        assert "Tämä tietokone on pois käytöstä" in fresh_app.texts()
        assert fresh_app.bar("help_button").disabled  # nothing to press: not a desktop either
        assert app.flow.reasons == ["wipe"] and app.flow.out_of_service
    finally:
        app.devices.printer.use_server(real)
    # Staff (or the desk) lift it: wiped once more, this time cleanly, and ready.
    app.flow.lift("wipe")
    fresh_app.frames()
    assert app.session.state == "ready" and app.journey.screen == "welcome" and not app.flow.out_of_service
    assert app.wipe.receipts()[-1]["ok"]
