"""Closing time in the real kiosk (issue 22), against a clock the test moves: a person in a
session told 15 and 5 minutes before closing (and hearing it in speech mode), their print job
let finish, their session ended and wiped at closing, the closed screen saying when it opens
again (in the language chosen there, read aloud), the screen off and on at night through a
fake DPMS device, staff mode over the closed screen and back to it, the welcome screen at
opening."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from kiosk.devices.display_power import FakeDisplayPower
from kiosk.opening_hours import Hours
from kiosk.staff import StaffGate
from kiosk.support import HELSINKI, Weekly

pytestmark = pytest.mark.gui
WEEK = (Weekly(0, 4, time(9), time(20)), Weekly(5, 5, time(10), time(16)))  # Mon-Fri 9-20, Sat 10-16


@pytest.fixture
def closing_time(fresh_app, monkeypatch):
    """The running kiosk keeping WEEK by `clock[0]`, its screen's power a fake, nobody at
    the X display unless the test says so (`idle[0]`, milliseconds)."""
    app = fresh_app.app
    closing = app.closing
    clock = [datetime(2026, 12, 8, 19, 40, tzinfo=HELSINKI)]  # a Tuesday evening
    idle: list[int | None] = [None]
    monkeypatch.setattr(app.staff, "gate", StaffGate(app.kiosk_config.staff.pin_hash))
    saved = closing.hours, closing.now, closing.power, closing.idle_ms
    closing.hours, closing.now, closing.power = Hours(WEEK), lambda: clock[0], FakeDisplayPower()
    closing.idle_ms = lambda: idle[0]
    closing.dark = None
    try:
        yield fresh_app, clock, idle
    finally:
        closing.hours, closing.now, closing.power, closing.idle_ms = saved
        closing.stop()
        closing.notice = ""
        app.speech_nav.set_speech(False)
        if app.staff.active:
            app.staff.leave()
        if closing.closed:
            closing.closed = False
            app.flow.lift("closed")
        fresh_app.frames()


def heard(gui, since: int) -> str:
    return gui.heard_since(since)


def tap_in_speech(gui, widget) -> None:
    """In speech mode the first tap says an item, the second chooses it."""
    gui.tap(widget)
    gui.tap(widget)


def test_warned_at_15_and_5_minutes_wiped_at_closing_closed_all_night_and_open_in_the_morning(closing_time, cupsd):
    from kivy.core.window import Window

    gui, clock, idle = closing_time
    app, closing = gui.app, gui.app.closing
    power, speaker = closing.power, app.devices.speaker
    closing.check()
    assert power.calls == ["on"]  # whatever a previous run left: on while open
    assert not closing.notice and app.journey.screen == "welcome"

    # 19:40: a person starts, in English, with speech, and has a document of their own.
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.button("English"))
    app.speech_nav.set_speech(True)
    app.printing.documents_dir.mkdir(parents=True, exist_ok=True)
    (app.printing.documents_dir / "application.pdf").write_bytes(b"%PDF-1.4\n")
    gui.frames()
    assert app.journey.screen == "needs"

    # 19:45: the first notice, over what they were doing, said and shown with the time.
    said = len(speaker.spoken)
    clock[0] = clock[0].replace(minute=45)
    closing.check()
    gui.frames()
    assert app.journey.screen == "closing_soon"
    assert {"This computer closes soon", "In 15 minutes, at 20:00."} <= set(gui.texts())
    gui.wait_until(lambda: "Continue" in heard(gui, said), 10)
    assert "This computer closes soon. In 15 minutes, at 20. Save or print what you need now." in heard(gui, said)
    tap_in_speech(gui, gui.button("Continue"))
    assert app.journey.screen == "needs" and "closing_soon" not in app.journey.history

    # 19:55: the second one.
    said = len(speaker.spoken)
    clock[0] = clock[0].replace(minute=55)
    closing.check()
    gui.frames()
    assert app.journey.screen == "closing_soon" and "In 5 minutes, at 20:00." in gui.texts()
    gui.wait_until(lambda: "In 5 minutes, at 20." in heard(gui, said), 10)

    # 20:00 with the printer still at work on their pages: they are let finish first.
    app.printing.job_state = "printing"
    clock[0] = clock[0].replace(hour=20, minute=0)
    closing.check()
    assert app.session.state == "active" and not app.flow.out_of_service
    app.printing.job_state = "done"  # ... and then the session ends, wiped
    gui.frames()
    assert app.flow.reasons == ["closed"] and app.session.state == "out_of_service"
    assert app.journey.screen == "closed" and not app.speech.enabled
    assert not (app.printing.documents_dir / "application.pdf").exists()
    assert app.wipe.receipts()[-1]["ok"] and app.tr.language == app.kiosk_config.languages.default

    # The closed screen: the default language, each other one a touch away; read aloud.
    gui.tap(gui.button("English"))
    texts = gui.texts()
    assert {"Closed", "Open again tomorrow at 9:00.", "Tuesday: 9:00–20:00", "Saturday: 10:00–16:00",
            "Sunday: closed"} <= set(texts)
    said = len(speaker.spoken)
    gui.tap(gui.button("Read aloud"))
    gui.wait_until(lambda: "Sunday: closed." in heard(gui, said), 10)
    assert "Closed. Open again tomorrow at 9. Opening hours. Tuesday: from 9 to 20." in heard(gui, said)
    app.speech_nav.set_speech(False)
    said = len(speaker.spoken)
    app.speech_nav.headset(True, "default")  # a headset plugged in here turns speech on too
    gui.wait_until(lambda: "Open again tomorrow at 9." in heard(gui, said), 10)
    app.speech_nav.headset(False, "default")
    app.speech_nav.set_speech(False)
    assert power.calls == ["on"]  # the screen stays on for a while after closing

    # 20:10: the screen off. A touch wakes it (the X server's doing): staff mode over it.
    clock[0] = clock[0].replace(minute=10)
    closing.check()
    assert power.calls == ["on", "off"]
    Window.dispatch("on_key_down", 107, 0, "k", ["ctrl", "alt"])
    gui.frames()
    assert app.journey.screen == "staff_pin"
    for digit in "1234":
        gui.tap(gui.button(digit))
    gui.tap(gui.button("OK"))
    assert app.staff.active and app.journey.screen == "staff"
    clock[0] = clock[0].replace(minute=12)
    closing.check()
    assert power.calls == ["on", "off", "on"] and closing.closed
    assert any(fact.startswith(app.tr._("Opening hours: closed, opens at {time}").split("{")[0])
               and "9.12. 09:00" in fact for fact in gui.ids()["facts"].text.split("\n"))
    gui.tap(gui.ids()["leave_staff"])
    assert not app.staff.active and app.journey.screen == "closed" and app.session.state == "out_of_service"

    # Left alone again, off after as long; a touch meanwhile keeps it on.
    idle[0] = 60_000
    clock[0] = clock[0].replace(minute=23)
    closing.check()
    assert power.calls == ["on", "off", "on"]
    idle[0] = 10 * 60_000
    closing.check()
    assert power.calls == ["on", "off", "on", "off"]

    # 8:55 the next morning: the screen on; 9:00 open, wiped once more, the welcome screen.
    clock[0] = datetime(2026, 12, 9, 8, 55, tzinfo=HELSINKI)
    closing.check()
    assert power.calls[-1] == "on" and app.journey.screen == "closed"
    clock[0] = clock[0].replace(hour=9, minute=0)
    closing.check()
    gui.frames()
    assert not app.flow.out_of_service and app.session.state == "ready" and app.journey.screen == "welcome"
    assert closing.closes_at == datetime(2026, 12, 9, 20, 0, tzinfo=HELSINKI) and power.calls.count("on") == 3


def test_one_who_starts_in_the_last_minutes_is_told_on_their_way_and_never_over_the_warning(closing_time):
    gui, clock, _idle = closing_time
    app, closing = gui.app, gui.app.closing
    clock[0] = clock[0].replace(minute=52)
    closing.check()
    assert app.journey.screen == "welcome"  # nobody there to tell
    gui.tap(gui.ids()["start_button"])
    gui.wait_until(lambda: app.journey.screen == "closing_soon", 5)
    assert app.journey.history[-1] == "needs"  # over their first choice, not the welcome screen
    assert app.tr._("At {time}.").format(time="20") in gui.texts()
    gui.tap(gui.button(app.tr._("Continue")))
    app.session.tick(app.session.inactivity_s)  # gone quiet: "Are you still there?"
    assert app.journey.screen == "warning"
    clock[0] = clock[0].replace(minute=55)
    closing.check()
    gui.frames()
    assert app.journey.screen == "warning"  # the answer there comes first
    app.session.extend()
    gui.wait_until(lambda: app.journey.screen == "closing_soon", 5)
    assert app.tr._("In 5 minutes, at {time}.").format(time="20") in gui.texts()
    assert app.journey.history == ["welcome", "needs"]
