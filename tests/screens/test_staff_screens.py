"""Staff mode on the terminal: the corner gesture, the PIN pad with its lockout, what staff
see and do (a real test page to the real cupsd, speech tests, the default volume, out of
service with a message and back), and the wipe on leaving or when left alone."""

from __future__ import annotations

import pytest

from kiosk.staff import StaffGate

pytestmark = pytest.mark.gui


@pytest.fixture
def staff(fresh_app, monkeypatch):
    app = fresh_app.app
    monkeypatch.setattr(app.staff, "gate", StaffGate(app.kiosk_config.staff.pin_hash))
    yield fresh_app
    if app.staff.active:
        app.staff.out_of_service("")
        app.staff.leave()
    elif app.journey.screen == "staff_pin":
        app.staff.close_pin()
    app.staff.out_of_service("")
    if app.session.state == "out_of_service":
        app.session.state = "ready"
        app.journey.reset()


def hold(gui, x, y, seconds):
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(x, y)
    touch.touch_down()
    gui.wait(seconds)
    touch.touch_up()
    gui.frames()


def type_pin(gui, pin):
    for digit in pin:
        gui.tap(gui.button(digit))
    gui.tap(gui.button("OK"))


def test_the_corners_held_in_turn_open_the_pin_pad_and_a_wrong_pin_is_refused(staff):
    from kivy.core.window import Window

    gui, app = staff, staff.app
    width, height = Window.size
    hold(gui, 10, height - 10, 0.5)  # a short touch in a corner is just a touch
    hold(gui, width - 10, height - 10, 0.5)
    assert app.journey.screen != "staff_pin"
    hold(gui, 10, height - 10, 2.3)
    assert app.journey.screen != "staff_pin" and not app.speech.enabled  # not speech's long press either
    hold(gui, width - 10, height - 10, 2.3)
    assert app.journey.screen == "staff_pin"
    assert "Näppäile henkilökunnan PIN-koodi." in gui.texts()
    type_pin(gui, "9999")
    assert app.journey.screen == "staff_pin" and "Väärä PIN-koodi. Yritä uudelleen." in gui.texts()
    assert "9999" not in " ".join(gui.texts())
    gui.tap(gui.button("Peruuta"))
    assert app.journey.screen != "staff_pin" and not app.staff.active


def test_five_wrong_pins_lock_the_pad(staff):
    gui, app = staff, staff.app
    app.staff.open_pin()
    gui.frames()
    for _ in range(5):
        type_pin(gui, "0000")
    assert "Liian monta väärää PIN-koodia. Yritä uudelleen viiden minuutin kuluttua." in gui.texts()
    type_pin(gui, "1234")  # the right PIN waits too
    assert not app.staff.active and app.journey.screen == "staff_pin"


def test_staff_mode_shows_the_kiosk_prints_a_test_page_tests_speech_and_wipes_on_leaving(staff, cupsd):
    gui, app = staff, staff.app
    gui.tap(gui.ids()["start_button"])  # a person's session is under way...
    app.printing.documents_dir.mkdir(parents=True, exist_ok=True)
    (app.printing.documents_dir / "henkilökohtainen.pdf").write_bytes(b"%PDF-1.4\n")
    from kivy.core.window import Window

    Window.dispatch("on_key_down", 107, 0, "k", ["ctrl", "alt"])  # Ctrl+Alt+K, as the keyboard sends it
    gui.frames()
    assert app.journey.screen == "staff_pin"
    type_pin(gui, "1234")
    assert app.staff.active and app.journey.screen == "staff"
    # ...and staff taking over the terminal wiped it.
    assert app.session.state == "ready" and not (app.printing.documents_dir / "henkilökohtainen.pdf").exists()
    assert app.wipe.receipts()[-1]["reason"] == "staff"
    texts = gui.texts()
    assert "Henkilökunnan tila" in texts
    facts = gui.ids()["facts"].text
    assert "Kioski: demo-01" in facts and "Versio: " in facts and "Tulostin: " in facts
    assert "staff" in gui.ids()["receipts"].text and "pyyhitty" in gui.ids()["receipts"].text
    gui.tap(gui.button("Tulosta testisivu"))
    gui.wait_until(lambda: app.staff.note, 20)
    assert app.staff.note == "Testisivu lähetettiin tulostimelle."
    spoken_before = len(app.speech.speaker.spoken)
    for name in ("Suomi", "Svenska", "English"):
        gui.tap(gui.button(name))
    assert [language for language, _text in app.speech.speaker.spoken[spoken_before:]] == ["fi", "sv", "en"]
    assert not app.speech.enabled  # a test, not speech mode
    volume = app.speech.default_volume
    gui.tap(gui.button("Kovempi alussa"))
    assert app.speech.default_volume == pytest.approx(min(1.0, volume + 0.1))
    gui.tap(gui.button("Hiljaisempi alussa"))
    assert app.speech.default_volume == pytest.approx(volume)
    gui.tap(gui.button("Poistu henkilökunnan tilasta"))
    assert not app.staff.active and app.journey.screen == "welcome" and app.session.state == "ready"


def test_out_of_service_with_a_message_in_every_language_and_back(staff):
    gui, app = staff, staff.app
    app.staff.open_pin()
    gui.frames()
    type_pin(gui, "1234")
    gui.tap(gui.button("Tulostinta korjataan."))
    gui.tap(gui.button("Poistu henkilökunnan tilasta"))
    assert app.journey.screen == "out_of_service"
    texts = gui.texts()
    for text in ("Tulostinta korjataan.", "Skrivaren repareras.", "The printer is being repaired."):
        assert text in texts
    app.staff.open_pin()  # the gesture works on the out-of-service screen too
    gui.frames()
    type_pin(gui, "1234")
    gui.tap(gui.button("Takaisin käyttöön"))
    gui.tap(gui.button("Poistu henkilökunnan tilasta"))
    assert app.journey.screen == "welcome" and app.session.state == "ready" and not app.flow.out_of_service


def test_staff_mode_left_alone_wipes_and_returns_to_the_welcome_screen(staff, monkeypatch):
    gui, app = staff, staff.app
    app.staff.open_pin()
    gui.frames()
    type_pin(gui, "1234")
    assert app.staff.active
    # From now on staff mode is left alone for half a second (the gate's idle limit, as
    # configured); the last touch started it.
    monkeypatch.setattr(app.staff, "gate", StaffGate(app.kiosk_config.staff.pin_hash, idle_s=0.5))
    receipts = len(app.wipe.receipts())
    gui.tap(gui.screen().ids.facts)  # staff touch the screen: the idle limit starts again
    gui.wait_until(lambda: not app.staff.active, 30)
    assert app.journey.screen == "welcome"
    assert len(app.wipe.receipts()) == receipts + 1


def test_staff_test_the_scanner_through_sane(staff, tmp_path, monkeypatch):
    """"Test the scanner" finds it and scans a page (SANE's test backend); a fault is said in
    the words a person would get; nothing scanned is kept."""
    from kiosk.devices.scanner import SaneScanner
    from kiosk.scanning import FAULT_TEXTS
    from testbed.sane import SaneTestScanner

    gui, app = staff, staff.app
    sane = SaneTestScanner(tmp_path / "sane.d")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(sane.directory))
    scanning, tr = app.scanning, app.tr
    fake, scanning.scanner = scanning.scanner, SaneScanner(app.devices.processes, scanning.work_dir)
    try:
        app.staff.open_pin()
        gui.frames()
        type_pin(gui, "1234")
        assert app.journey.screen == "staff"
        gui.tap(gui.ids()["test_scanner"])
        gui.wait_until(lambda: "…" not in app.staff.note, 30)
        assert app.staff.note == tr._("The scanner works: {name}").format(name="Noname frontend-tester")
        sane.configure(fault="jammed")
        gui.tap(gui.ids()["test_scanner"])
        gui.wait_until(lambda: "…" not in app.staff.note, 30)
        assert app.staff.note == tr._(FAULT_TEXTS["jammed"])
        assert not any(p.is_file() for p in scanning.session_dir.parent.joinpath("staff-scan").iterdir())
    finally:
        scanning.scanner = fake
