"""Devices plugged in during a session, through the fake udev monitor and the real app:
a real stick (exFAT image on a loop device) mounted by the real root helper code, a printer,
an ID-card reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.devices.hotplug import CARD_READER, PRINTER, STORAGE
from kiosk.devices.pdf import inspect
from kiosk.devices.roothelper import InProcessHelper
from kiosk.root_daemon import RootDaemon
from kiosk.screens.walk import touchables
from kiosk.usb import list_files

pytestmark = pytest.mark.gui


@pytest.fixture
def with_sticks(fresh_app, stick, tmp_path):
    """The kiosk with a root helper that accepts the test stick; the policy as given."""
    app = fresh_app.app
    config = tmp_path / "kiosk.toml"
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    helper = RootDaemon(kiosk_user="nobody", config_file=config, media=tmp_path / "media",
                        usb_check=lambda device: device == stick, home=tmp_path / "home", temp_dirs=(tmp_path / "tmp",))
    saved = app.usb.helper, app.usb.policy, app.usb.writable_here

    def policy(value: str) -> RootDaemon:
        config.write_text(f'[devices]\nusb_storage = "{value}"\n')
        app.usb.helper, app.usb.policy, app.usb.writable_here = InProcessHelper(helper), value, value == "allowed"
        return helper

    yield fresh_app, policy
    app.usb.forget()
    app.usb.helper, app.usb.policy, app.usb.writable_here = saved
    helper.unmount_all()


def plug(gui, kind, key, node="", label=""):
    gui.app.devices.monitor.plug(kind, key, node, label)
    gui.frames()


def test_a_stick_at_the_welcome_screen_starts_a_session_lists_its_pdf_and_prints_it(with_sticks, stick):
    gui, policy = with_sticks
    app = gui.app
    policy("read-only")
    plug(gui, STORAGE, "/devices/usb/stick", stick, "STICK")
    gui.wait_until(lambda: app.usb.state == "ready", 10)
    gui.frames()
    assert app.session.state == "active" and app.journey.screen == "stick"
    texts = gui.texts()
    assert "Muistitikku" in texts and "Tulostettavat tiedostot" in texts and "lomake.pdf" in texts
    assert "run.sh" not in texts
    assert "Tältä tietokoneelta ei voi tallentaa asiakirjoja muistitikulle." in texts
    gui.tap(row_of(gui, "lomake.pdf").ids["print_button"])
    gui.wait_until(lambda: app.journey.screen == "print", 10)
    assert app.printing.document.name == "lomake.pdf"
    assert (app.printing.documents_dir / "lomake.pdf").exists()  # a copy, wiped with the session
    app.journey.go("stick")
    gui.frames()
    gui.tap(gui.button("Irrota tikku turvallisesti"))
    gui.wait_until(lambda: app.usb.state == "removable", 10)
    gui.frames()
    assert "Voit nyt irrottaa muistitikun." in gui.texts()
    app.devices.monitor.unplug("/devices/usb/stick")
    gui.frames()
    assert app.usb.state == "none"


def row_of(gui, name: str):
    """The stick screen's row of the file `name`."""
    return next(row for row in gui.ids()["grid"].children if row.file.name == name)


def test_a_picture_on_the_stick_is_printed_as_a_one_page_document(with_sticks, stick):
    gui, policy = with_sticks
    app = gui.app
    policy("read-only")
    plug(gui, STORAGE, "/devices/usb/stick", stick, "STICK")
    gui.wait_until(lambda: app.usb.state == "ready", 10)
    gui.frames()
    assert "kuva.jpg" in gui.texts() and any(text.startswith("JPG · ") for text in gui.texts())
    button = row_of(gui, "kuva.jpg").ids["print_button"]
    assert button in touchables(app.root) and button.text == "Tulosta"
    gui.tap(button)
    gui.wait_until(lambda: app.journey.screen == "print", 30)
    gui.wait_until(lambda: not app.printing.preparing, 10)
    gui.frames()
    document = app.printing.document
    assert document.name == "kuva.pdf" and document.pages == 1 and not app.printing.problem
    assert inspect(document.path).page_mm == pytest.approx((297, 210), abs=0.5)  # wider than tall: landscape
    assert len(app.printing.previews) == 1
    assert app.printing.reason == "" and gui.button("Tulosta yksi sivu")
    assert [p.name for p in app.printing.documents_dir.iterdir()] == ["kuva.pdf"]  # not the picture itself


def test_a_picture_that_cannot_be_printed_says_why_on_its_row(fresh_app, tmp_path):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    folder = tmp_path / "stick"
    folder.mkdir()
    (folder / "rikki.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    app.usb.files = list_files(folder)  # as the service lists a stick it has mounted
    app.usb.state = "ready"
    app.journey.go("stick")
    gui.frames()
    app.speech_nav.set_speech(True)
    try:
        gui.tap(row_of(gui, "rikki.png").ids["print_button"])
        gui.tap(row_of(gui, "rikki.png").ids["print_button"])  # in speech mode, the second tap presses
        gui.wait_until(lambda: app.usb.refused == "damaged", 30)
        gui.frames()
        words = ("Tätä kuvaa ei voi tulostaa: tiedosto on vioittunut tai se ei ole kuva. "
                 "Muistitikullesi ei tehty muutoksia. Yritä tallentaa kuva uudelleen.")
        assert app.journey.screen == "stick" and words in gui.texts()
        assert row_of(gui, "rikki.png").ids["print_button"] not in touchables(app.root)
        assert app.devices.speaker.spoken[-1] == ("fi", words)
        assert not app.printing.documents_dir.exists() or list(app.printing.documents_dir.iterdir()) == []
    finally:
        app.speech_nav.set_speech(False)
        app.usb.forget()


def test_saving_documents_where_allowed_and_the_wipe_takes_the_stick_away(with_sticks, stick):
    gui, policy = with_sticks
    app = gui.app
    helper = policy("allowed")
    gui.tap(gui.ids()["start_button"])
    app.printing.documents_dir.mkdir(parents=True, exist_ok=True)
    (app.printing.documents_dir / "päätös.pdf").write_bytes(b"%PDF-1.4 decision\n")
    app.printing.refresh_documents()
    plug(gui, STORAGE, "/devices/usb/stick", stick, "STICK")
    gui.wait_until(lambda: app.usb.state == "ready", 10)
    gui.frames()
    gui.tap(gui.button("Tallenna asiakirjani tikulle"))
    gui.wait_until(lambda: app.usb.state == "removable", 10)
    gui.frames()
    assert "Asiakirjasi tallennettiin muistitikulle. Voit nyt irrottaa sen." in gui.texts()
    assert helper.mounts() == {}
    helper.mount(stick, write=False)
    assert (helper.media / Path(stick).name / "päätös.pdf").read_bytes() == b"%PDF-1.4 decision\n"
    helper.unmount(stick)
    # The person walks away with the stick still in: the wipe forgets it.
    plug(gui, STORAGE, "/devices/usb/stick2", stick, "STICK")
    gui.wait_until(lambda: app.usb.state == "ready", 10)
    app.flow.end_session()
    app.flow.leave_goodbye()
    gui.frames()
    assert app.usb.state == "none" and app.usb.files == []
    assert helper.mounts() == {}  # the root helper's part of the wipe unmounted it
    steps = {step["name"]: step["ok"] for step in app.wipe.receipts()[-1]["steps"]}
    assert steps["root helper"] and steps["memory stick"]


def test_a_stick_where_sticks_are_blocked_is_explained(with_sticks, stick):
    gui, policy = with_sticks
    policy("blocked")
    plug(gui, STORAGE, "/devices/usb/stick", stick, "STICK")
    gui.frames()
    assert gui.app.journey.screen == "stick"
    assert ("Tällä tietokoneella ei voi käyttää muistitikkuja. Ota tikkusi pois. "
            "Henkilökunta voi auttaa tiedostosi tulostamisessa.") in gui.texts()
    assert gui.app.usb.state == "blocked"


def test_a_printer_plugged_in_is_read_again_and_a_card_reader_adds_the_id_card_to_the_guide(fresh_app, monkeypatch):
    gui, app = fresh_app, fresh_app.app
    reads = []
    monkeypatch.setattr(app.printing, "refresh_printer", lambda: reads.append(1))
    plug(gui, PRINTER, "/devices/usb/printer", label="HP LaserJet")
    assert reads == [1] and app.journey.screen == "welcome"  # no session for a printer
    gui.tap(gui.ids()["start_button"])
    app.journey.choose_service("kela")
    app.journey.go("guide")
    gui.frames()
    assert "Voit käyttää täällä myös henkilökorttiasi:" not in gui.texts()
    plug(gui, CARD_READER, "/devices/usb/reader")
    assert "Voit käyttää täällä myös henkilökorttiasi:" in gui.texts()
    app.devices.monitor.unplug("/devices/usb/reader")
    gui.frames()
    assert "Voit käyttää täällä myös henkilökorttiasi:" not in gui.texts()
