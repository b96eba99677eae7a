"""A helper sees a kiosk's screen, end to end: the kiosk's help service and screen share
(reading a real Xvfb screen of its own) ↔ the real Mosquitto ↔ the desk ↔ the helper's page
in real Chromium. Nothing leaves the kiosk before Allow; what the page shows is the
kiosk's screen; Stop and the session's end end it within a second; nobody else sees it;
a hostile kiosk account cannot push pictures."""

from __future__ import annotations

import base64
import io
import time
from types import SimpleNamespace

import pytest

from kiosk.devices.screen_capture import XScreenCapture
from kiosk.screen_share import ScreenShare
from kiosk.share_wire import MAX_FRAME_BYTES, TOKEN_CHARS
from testbed.fakes import TimerScheduler
from testbed.desk import StaffBrowser, desk_in_process, kiosk_screen_showing, raw_client, staff_in_chromium, wait_for
from testbed.desk import kiosk as start_kiosk

pytestmark = pytest.mark.gui

SITES = {"oodi": ["oodi-1", "oodi-2"]}
PASSWORD = "correct horse battery"
STAFF = {"Aino": (PASSWORD, ["oodi"], "helper"), "Ville": (PASSWORD, ["oodi"], "helper"),
         "Tilda": (PASSWORD, ["oodi"], "stats_reader"), "Desk 2": (PASSWORD, ["oodi"], "helper")}


@pytest.fixture(autouse=True)
def display(xvfb_display):
    return xvfb_display  # the desk's staff browser's


@pytest.fixture(scope="module")
def kiosk_screen():
    """The kiosk's own X screen, with something on it worth seeing (not the desk's)."""
    with kiosk_screen_showing("Kela: asumistuki, hakemus 2/5", (800, 500), "500x260+120+90", "#d04020") as name:
        capture = XScreenCapture(name, 10**7)
        wait_for(lambda: capture.grab() is not None, 20)
        yield name


def _picture(capture):
    from PIL import ImageGrab

    return ImageGrab.grab(xdisplay=capture.display).convert("RGB")


@pytest.fixture
def desk(broker, tmp_path):
    with desk_in_process(broker, tmp_path, users=STAFF) as started:
        yield started




class Kiosk:
    """oodi-1 on the broker, a person in session: its help service and screen share; what
    it published and how often it read the screen, recorded."""

    def __init__(self, broker, directory, display: str, ask_s: float = 60.0, alive_s: float = 15.0) -> None:
        self.help = start_kiosk(broker, directory, "oodi-1")
        self.sent: list[tuple[str, object]] = []
        publish = self.help.link.publish

        def recorded(leaf, payload, qos=0, retain=False):
            self.sent.append((leaf, payload))
            return publish(leaf, payload, qos, retain)

        self.help.link.publish = recorded
        self.capture = XScreenCapture(display, MAX_FRAME_BYTES - TOKEN_CHARS)
        self.grabs = 0
        grab = self.capture.grab

        def counted():
            self.grabs += 1
            return grab()

        self.capture.grab = counted
        self.share = ScreenShare(self.help, self.capture, lambda: True, TimerScheduler(),
                                 SimpleNamespace(_=lambda text: text), ask_s=ask_s, alive_s=alive_s)
        wait_for(lambda: self.help.connected)
        self.help.publish_status({"session": "active", "language": "fi"})

    def pictures(self) -> list:
        return [payload for leaf, payload in self.sent if leaf == "screen"]

    def stop(self) -> None:
        self.share.reset()
        self.help.stop()


@pytest.fixture
def kiosk(broker, tmp_path, kiosk_screen, desk):
    made = Kiosk(broker, tmp_path, kiosk_screen)
    wait_for(lambda: any(k["kiosk"] == "oodi-1" and k["online"] and k["status"].get("session") == "active"
                         for k in desk.store.kiosks(["oodi"])))
    yield made
    made.stop()


def staff(desk, name: str) -> StaffBrowser:
    browser = StaffBrowser(desk.url)
    assert browser.login(name, PASSWORD) == 200
    return browser


def ask(browser) -> str:
    status, body = browser.answer("/api/share", {"site": "oodi", "kiosk": "oodi-1"})
    assert status == 200, body
    import json

    return json.loads(body)["share"]


def state_of(browser, share_id: str) -> str:
    import json

    status, body = browser.get(f"/api/share/state?id={share_id}")
    return json.loads(body)["state"] if status == 200 else str(status)


def test_nothing_leaves_the_kiosk_while_the_question_is_on_screen_nor_after_no(desk, kiosk):
    aino = staff(desk, "Aino")
    share_id = ask(aino)
    wait_for(lambda: kiosk.share.state == "asking")
    assert kiosk.share.helper == "Aino"
    wait_for(lambda: state_of(aino, share_id) == "asking")  # the desk has had time to hear anything sent
    kiosk.share.decline()
    wait_for(lambda: state_of(aino, share_id) == "declined", 5)
    assert kiosk.pictures() == [] and kiosk.grabs == 0
    assert [payload["state"] for leaf, payload in kiosk.sent if leaf == "share"] == ["declined"]
    entries = [(e["actor"], e["action"], e["kiosk"]) for e in desk.store.audit_log()]
    assert ("Aino", "share_asked", "oodi-1") in entries and ("Aino", "share_refused", "oodi-1") in entries


def test_no_answer_in_time_tells_the_desk_declined(broker, desk, tmp_path, kiosk_screen):
    quick = Kiosk(broker, tmp_path, kiosk_screen, ask_s=0.5)
    try:
        aino = staff(desk, "Aino")
        wait_for(lambda: any(k["kiosk"] == "oodi-1" and k["status"].get("session") == "active"
                             for k in desk.store.kiosks(["oodi"])))
        share_id = ask(aino)
        wait_for(lambda: state_of(aino, share_id) == "declined", 10)
        assert quick.share.state == "" and quick.pictures() == []
    finally:
        quick.stop()


def test_a_share_lasts_while_the_desk_gives_signs_and_ends_without_them(broker, desk, tmp_path, kiosk_screen):
    quick = Kiosk(broker, tmp_path, kiosk_screen, alive_s=1.5)
    try:
        wait_for(lambda: any(k["kiosk"] == "oodi-1" and k["online"] and k["status"].get("session") == "active"
                             for k in desk.store.kiosks(["oodi"])))
        desk.board.shares.alive_every_s = 0.3
        aino = staff(desk, "Aino")
        share_id = ask(aino)
        wait_for(lambda: quick.share.state == "asking")
        quick.share.allow()
        wait_for(lambda: state_of(aino, share_id) == "live")
        live = time.monotonic()
        # Three times longer than the kiosk waits for a sign, the page asking all along: still live.
        wait_for(lambda: state_of(aino, share_id) != "live" or time.monotonic() - live > 3 * 1.5, 20)
        assert quick.share.state == "sharing" and state_of(aino, share_id) == "live"
        # The desk falls silent (as one that restarted would): the kiosk ends it, and says so.
        desk.board.shares.alive_every_s = 3600
        silent = time.monotonic()
        wait_for(lambda: state_of(aino, share_id) == "ended", 10)
        assert quick.share.state == "" and time.monotonic() - silent < 1.5 + 2
    finally:
        quick.stop()


def test_the_helper_sees_the_persons_real_screen_and_stop_ends_it_within_a_second(desk, kiosk, tmp_path,
                                                                                   kiosk_screen):
    from PIL import Image, ImageChops, ImageStat

    with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD) as page:
        page.click("#kiosk-oodi--oodi-1-share")
        page.wait("location.pathname === '/share' && document.getElementById('share').dataset.state === 'asking'")
        assert "Waiting for the person to allow it" in page.js("document.getElementById('share-state').innerText")
        wait_for(lambda: kiosk.share.state == "asking")
        kiosk.share.allow()
        page.wait("document.getElementById('share').dataset.state === 'live' && !picture.hidden"
                  " && picture.complete && picture.naturalWidth > 0")
        shown = page.js("""(() => { const c = document.createElement('canvas');
            c.width = picture.naturalWidth; c.height = picture.naturalHeight;
            c.getContext('2d').drawImage(picture, 0, 0); return c.toDataURL('image/png'); })()""")
        seen = Image.open(io.BytesIO(base64.b64decode(shown.split(",", 1)[1]))).convert("RGB")
        real = _picture(SimpleNamespace(display=kiosk_screen))
        assert seen.size == real.size
        difference = ImageStat.Stat(ImageChops.difference(seen, real)).mean
        assert max(difference) < 6, difference  # JPEG's loss only
        assert seen.getpixel((300, 150))[0] > 150  # the red message window, where it is on the kiosk
        assert not any("Content Security Policy" in line for line in page.console), page.console

        kiosk.share.stop()  # the person presses Stop
        stopped = time.monotonic()
        page.wait("document.getElementById('share').dataset.state === 'ended'", 5)
        assert time.monotonic() - stopped < 1.5  # the page asks every 0.25 s; CDP polling adds a little
        assert "Seeing the screen has ended." in page.js("document.getElementById('share-state').innerText")
        assert page.js("picture.hidden && document.getElementById('share-stop').hidden")
        sent = len(kiosk.pictures())
        kiosk.share._worker.join(1)
        assert not kiosk.share._worker.is_alive()
        assert len(kiosk.pictures()) == sent
    assert desk.board.shares._all and all(s.frame is None for s in desk.board.shares._all.values())
    actions = [e["action"] for e in desk.store.audit_log() if e["kiosk"] == "oodi-1"]
    assert {"share_asked", "share_started", "share_ended"} <= set(actions)


def test_the_end_of_the_session_ends_it_and_the_helper_may_stop_too(desk, kiosk):
    aino = staff(desk, "Aino")
    share_id = ask(aino)
    wait_for(lambda: kiosk.share.state == "asking")
    kiosk.share.allow()
    wait_for(lambda: state_of(aino, share_id) == "live" and desk.board.shares._all[share_id].frame is not None)
    kiosk.share.reset()  # the wipe's step
    ended = time.monotonic()
    wait_for(lambda: state_of(aino, share_id) == "ended", 5)
    assert time.monotonic() - ended < 1.0

    again = ask(aino)
    wait_for(lambda: kiosk.share.state == "asking")
    kiosk.share.allow()
    wait_for(lambda: state_of(aino, again) == "live")
    assert aino.post("/api/share/stop", {"id": again}) == 200
    wait_for(lambda: kiosk.share.state == "", 1.0)  # the kiosk stops at once


def test_a_second_helper_and_a_role_without_it_are_refused(desk, kiosk):
    aino, ville, tilda = staff(desk, "Aino"), staff(desk, "Ville"), staff(desk, "Tilda")
    share_id = ask(aino)
    wait_for(lambda: kiosk.share.state == "asking")
    assert ville.answer("/api/share", {"site": "oodi", "kiosk": "oodi-1"})[0] == 409
    assert ville.get(f"/api/share/state?id={share_id}")[0] == 404
    assert ville.get(f"/share/frame?id={share_id}")[0] == 404
    assert ville.get(f"/share?id={share_id}")[0] == 404
    assert ville.post("/api/share/stop", {"id": share_id}) == 404
    assert tilda.answer("/api/share", {"site": "oodi", "kiosk": "oodi-1"})[0] == 403
    share = desk.board.shares._all[share_id]
    aino.post("/api/share/stop", {"id": share_id})
    wait_for(lambda: share.state == "ended")
    status, said = staff(desk, "Desk 2").answer("/api/share", {"site": "oodi", "kiosk": "oodi-1"})
    assert status == 409 and b"Your name cannot be shown to the person" in said  # the kiosk shows plain names only


def test_a_hostile_kiosk_account_cannot_push_pictures(broker, desk, kiosk):
    from PIL import Image

    aino = staff(desk, "Aino")
    share_id = ask(aino)
    wait_for(lambda: kiosk.share.state == "asking")
    kiosk.share.allow()
    share = desk.board.shares._all[share_id]
    wait_for(lambda: share.frame_no >= 1)
    kiosk.share.end("test", tell=False)  # the kiosk sends no more; the share stays live at the desk
    seen = share.frame_no
    token = share.token.encode()
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 255, 0)).save(out, "JPEG")
    forged = out.getvalue()

    # Another kiosk's account: its own topic has no share; the share's kiosk's topic is not its to write.
    thief = raw_client(broker, "oodi-2")
    try:
        thief.publish("kiosk/oodi/oodi-2/screen", token + forged, qos=1).wait_for_publish(5)
        thief.publish("kiosk/oodi/oodi-1/screen", token + forged, qos=1).wait_for_publish(5)
        thief.publish("kiosk/oodi/oodi-2/status", b'{"session": "ready", "language": "sv"}', qos=1)
        wait_for(lambda: any(k["kiosk"] == "oodi-2" and k["status"].get("language") == "sv"
                             for k in desk.store.kiosks(["oodi"])))
    finally:
        thief.disconnect()
    # The right kiosk with a wrong token, a picture that is no JPEG, and one too large.
    link = desk.link
    assert link.handle("kiosk/oodi/oodi-1/screen", b"A" * TOKEN_CHARS + forged) == "ignored"
    assert link.handle("kiosk/oodi/oodi-1/screen", token + b"\xff\xd8" + b"\x00" * 500 + b"\xff\xd9") == "ignored"
    assert link.handle("kiosk/oodi/oodi-1/screen", token + b"\xff\xd8" + b"\x00" * MAX_FRAME_BYTES + b"\xff\xd9") \
        == "ignored"
    huge = io.BytesIO()
    Image.new("RGB", (9000, 10), (0, 0, 0)).save(huge, "JPEG")
    assert link.handle("kiosk/oodi/oodi-1/screen", token + huge.getvalue()) == "ignored"
    assert share.frame_no == seen
    assert link.handle("kiosk/oodi/oodi-1/screen", token + forged) == "frame"  # the path itself works
    assert share.frame_no == seen + 1
