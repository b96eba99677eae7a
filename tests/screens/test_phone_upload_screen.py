""""From my phone" on the real screens: My documents → From my phone → a QR code carrying the
link → the desk (the fleet link's pretend one, as in the demo) delivers a file → it is listed
in My documents. The real desk, broker and a phone in Chromium: tests/desk/test_desk_phone_upload.py."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from testbed.pdfs import make_pdf

pytestmark = pytest.mark.gui


class FakeDesk:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def __call__(self, url: str, token: str, max_bytes: int) -> bytes:
        return self.files[url.rsplit("/", 1)[1]]


def test_from_my_phone_a_code_then_the_file_in_my_documents(fresh_app, tmp_path):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language("en")
    app.journey.go("documents")
    gui.frames()
    assert "You have no documents yet." in " ".join(gui.texts())
    gui.tap(gui.button("From my phone"))
    assert app.journey.screen == "phone_upload"
    gui.wait_until(lambda: app.phone_upload.state == "ready", 10)
    gui.frames()
    qr = gui.ids()["qr"]
    assert qr.data == app.phone_upload.url and qr.data.startswith("https://desk.kirjasto.example.fi/u/")
    assert qr.texture is not None and not qr.hidden and len(qr.data) < 80
    shown = " ".join(gui.texts())
    assert "Point your phone's camera at the code." in shown and "Your file appears in My documents" in shown
    assert "kiosk" not in shown.lower() and "session" not in shown.lower()
    sent = [p for leaf, p, _q, _r in app.devices.link.published if leaf == "upload"][-1]
    assert sent["type"] == "link" and sent["language"] == "en"
    # Back from Help: the same code, not another of the few links the desk gives a kiosk.
    asked = len([p for leaf, p, _q, _r in app.devices.link.published if leaf == "upload"])
    app.journey.go("help")
    gui.frames()
    app.journey.go("phone_upload")
    gui.frames()
    assert len([p for leaf, p, _q, _r in app.devices.link.published if leaf == "upload"]) == asked
    assert gui.ids()["qr"].data == qr.data and app.phone_upload.state == "ready"

    # The person sends a file from their phone; the desk announces it, the kiosk fetches it.
    make_pdf(tmp_path / "rent.pdf", 2, "Vuokrasopimus sivu {n}")
    data, file_id = (tmp_path / "rent.pdf").read_bytes(), str(uuid.uuid4())
    fetch, app.phone_upload.fetch = app.phone_upload.fetch, FakeDesk({file_id: data})
    try:
        app.devices.link.deliver({"type": "upload_ready", "id": file_id, "name": "Vuokrasopimus.pdf", "kind": "pdf",
                                  "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "fetch": "F" * 32})
        gui.wait_until(lambda: app.phone_upload.received == 1, 10)
        gui.frames()
        assert "Files received: 1. You find them in My documents." in gui.texts()
        gui.tap(gui.ids()["back_button"])
        assert app.journey.screen == "documents"
        gui.wait_until(lambda: [d.name for d in app.printing.documents] == ["Vuokrasopimus.pdf"], 10)
        gui.frames()
        assert "Vuokrasopimus.pdf" in gui.texts()
    finally:
        app.phone_upload.fetch = fetch
    app.flow.end_session()
    gui.frames()
    assert app.phone_upload.url == "" and app.phone_upload.received == 0
    assert [p for leaf, p, _q, _r in app.devices.link.published if leaf == "upload"][-1] == {"type": "end",
                                                                                            "kiosk": app.help.kiosk_id}


def test_from_my_phone_by_ear(speaking):
    """By swipes and double taps: From my phone is found on My documents and the screen's
    steps are heard, then Back to My documents."""
    from tests.screens.test_speech_screens import heard_since, swipe_until

    app, speaker = speaking.app, speaking.app.devices.speaker
    app.switch_language("en")
    app.journey.go("documents")
    speaking.frames()
    swipe_until(speaking, "Send a file from your phone")
    before = len(speaker.spoken)
    speaking.double_tap()
    assert app.journey.screen == "phone_upload"
    speaking.wait_until(lambda: "Point your phone's camera at the code" in heard_since(speaking, before), 15)
    swipe_until(speaking, "Back to my documents")
    speaking.double_tap()
    assert app.journey.screen == "documents"


def test_the_code_ready_and_a_file_arrived_are_heard(speaking, tmp_path):
    """Speech mode: the screen is read while the code is still coming; once the desk
    answers, the steps are read again, and again with "Files received: 1" when a file came."""
    app, speaker = speaking.app, speaking.app.devices.speaker
    link = app.devices.link
    app.switch_language("en")
    app.journey.go("documents")
    speaking.frames()
    link.desk = False  # the desk answers when the test says
    try:
        app.journey.go("phone_upload")
        speaking.wait_until(lambda: "The code works for 10 minutes" in speaking.heard_since(0), 15)
        assert "Getting a code…" in speaking.heard_since(0)
        mark = len(speaker.spoken)
        asked = [p for leaf, p, _q, _r in link.published if leaf == "upload"][-1]
        link.deliver({"type": "upload_link", "id": asked["id"], "token": "demo-0042-phone-link"})
        speaking.wait_until(lambda: "Point your phone's camera at the code" in speaking.heard_since(mark), 15)
        assert "Getting a code" not in speaking.heard_since(mark)
    finally:
        link.desk = True
    make_pdf(tmp_path / "rent.pdf", 1, "Vuokrasopimus {n}")
    data, file_id = (tmp_path / "rent.pdf").read_bytes(), str(uuid.uuid4())
    fetch, app.phone_upload.fetch = app.phone_upload.fetch, FakeDesk({file_id: data})
    try:
        mark = len(speaker.spoken)
        link.deliver({"type": "upload_ready", "id": file_id, "name": "rent.pdf", "kind": "pdf", "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(), "fetch": "F" * 32})
        speaking.wait_until(lambda: "Files received: 1. You find them in My documents." in
                            speaking.heard_since(mark), 15)
    finally:
        app.phone_upload.fetch = fetch
