"""IT's operations end to end: kiosks (their help service, the app's desk commands and
kiosk.remote_ops over a fake root helper, reading a real Xvfb screen of their own and
sending real UDP) ↔ the real Mosquitto ↔ the desk ↔ staff over HTTP, and the screenshot's
page in real Chromium. Restart and reboot wait between sessions unless confirmed; a
screenshot only of a kiosk nobody uses, shown once; a log bundle bounded and downloadable;
wake-on-LAN by a kiosk of the site, else the desk; a helper may do none of it; a hostile
kiosk account cannot bring back what another was asked for, nor anything oversized; each
operation is in the audit log."""

from __future__ import annotations

import base64
import gzip
import io
import json
import random
import socket
import time
from types import SimpleNamespace

import pytest

from kiosk.background import Immediate
from kiosk.desk_commands import DeskCommands
from kiosk.devices.roothelper import FakeRootHelper
from kiosk.devices.screen_capture import XScreenCapture
from kiosk.devices.wake import WakeOnLan
from kiosk.desk.operations import SHOWN_KEPT_S
from kiosk.ops_wire import MAX_BUNDLE_BYTES, MAX_PART_BYTES, MAX_PARTS, MAX_PICTURE_BYTES, magic_packet, part
from kiosk.remote_ops import RemoteOperations
from testbed.axe import axe_source
from testbed.desk import (StaffBrowser, desk_in_process, grab_screen, kiosk_screen_showing, raw_client,
                          staff_in_chromium, wait_for)
from testbed.desk import kiosk as start_kiosk
from testbed.fakes import FakeScheduler

pytestmark = pytest.mark.gui

SITES = {"oodi": ["oodi-1", "oodi-2"]}
PASSWORD = "correct horse battery"
STAFF = {"Lauri": (PASSWORD, ["oodi"], "site_lead"), "Hilla": (PASSWORD, ["oodi"], "helper")}
MAC = "00:1b:21:3a:4f:5c"


@pytest.fixture(scope="module")
def kiosk_screen():
    """The kiosk's own X screen, with something on it (not the desk's)."""
    with kiosk_screen_showing("Tervetuloa! Kosketa aloittaaksesi", (640, 400), "420x200+100+80", "#2060c0") as name:
        yield name


grab = grab_screen


@pytest.fixture(scope="module")
def desk(broker, tmp_path_factory):
    """One desk for the module (its database's migrations take a while): each test looks at
    the audit log and operations of its own."""
    with desk_in_process(broker, tmp_path_factory.mktemp("desk"), users=STAFF) as started:
        yield started


@pytest.fixture
def audited(desk):
    """The audit log's commands to oodi-1 since the test began, oldest first: (who, command,
    result)."""
    before = max((e["id"] for e in desk.store.audit_log()), default=0)
    return lambda: [(e["actor"], e["detail"]["command"], e["detail"]["result"])
                    for e in reversed(desk.store.audit_log()) if e["id"] > before and e["action"] == "command"
                    and e["kiosk"] == "oodi-1"]


class Kiosk:
    """A kiosk on the broker nobody is using (the test seats a person or staff): its help
    service, the app's desk commands with IT's operations over a fake root helper."""

    def __init__(self, broker, directory, kiosk_id: str, display: str = "", journal: str = "",
                 wake_port: int = 9, mac: str = "") -> None:
        self.help = start_kiosk(broker, directory, kiosk_id)
        self.mac = mac
        self.session, self.journey = SimpleNamespace(state="ready"), SimpleNamespace(screen="welcome")
        self.staff, self.restarted = False, 0
        self.scheduler = FakeScheduler()
        self.helper = FakeRootHelper({"journal": {"text": journal}})
        self.screen = XScreenCapture(display, MAX_PICTURE_BYTES) if display else None
        config = SimpleNamespace(problems=(), disabled={}, site=SimpleNamespace(kiosk_id=kiosk_id),
                                 fleet=SimpleNamespace(site="oodi"), session=SimpleNamespace(runtime_dir=directory))
        services = SimpleNamespace(help=self.help, session=self.session, journey=self.journey, config=config,
                                   catalog=SimpleNamespace(problems=()), share=SimpleNamespace(state=""))
        self.ops = RemoteOperations(services, lambda: self.staff, self.restart, Immediate(), self.scheduler,
                                    helper=self.helper, screen=self.screen,
                                    wake=WakeOnLan("127.255.255.255", wake_port, mac=mac or None))
        busy = SimpleNamespace(busy=lambda: self.session.state in ("active", "warning"))
        # Kept here: Kivy binds the help service's events weakly.
        self.commands = DeskCommands(services, busy, changed=lambda: None, operations=self.ops)
        wait_for(lambda: self.help.connected)
        self.status()

    def restart(self) -> None:
        self.restarted += 1

    def status(self, session: str = "ready", screen: str = "welcome") -> None:
        self.session.state, self.journey.screen = session, screen
        self.help.publish_status({"session": session, "screen": screen, **({"mac": self.mac} if self.mac else {})})

    def stop(self) -> None:
        self.help.stop()


@pytest.fixture
def kiosks(broker, tmp_path, desk):
    made: list[Kiosk] = []

    def start(kiosk_id: str, **options) -> Kiosk:
        kiosk = Kiosk(broker, tmp_path, kiosk_id, **options)
        made.append(kiosk)
        wait_for(lambda: seen(desk, kiosk_id, online=True, session="ready"))
        return kiosk

    yield start
    for kiosk in made:
        kiosk.stop()


def seen(desk, kiosk: str, online: bool, **status) -> bool:
    """The desk has the kiosk so: online or not, and these in its status."""
    return any(k["kiosk"] == kiosk and k["online"] == online and all(k["status"].get(key) == value
                                                                     for key, value in status.items())
               for k in desk.store.kiosks(["oodi"]))


def staff(desk, name: str) -> StaffBrowser:
    browser = StaffBrowser(desk.url)
    assert browser.login(name, PASSWORD) == 200
    return browser


def ask(browser: StaffBrowser, path: str, **body) -> tuple[int, dict]:
    status, answer = browser.answer(path, {"site": "oodi", "kiosk": "oodi-1", **body})
    return status, (json.loads(answer) if status == 200 else {"said": answer.decode()})


def test_restart_and_reboot_wait_between_sessions_and_a_helper_may_do_no_operation(desk, kiosks, audited):
    kiosk = kiosks("oodi-1")
    kiosk.status("active", "browser")
    wait_for(lambda: seen(desk, "oodi-1", True, session="active"))
    lauri, hilla = staff(desk, "Lauri"), staff(desk, "Hilla")
    restart = {"command": "restart"}
    assert ask(lauri, "/api/command", **restart)[1] == {"result": "in_session"}
    assert ask(lauri, "/api/command", command="reboot")[1] == {"result": "in_session"}
    kiosk.scheduler.advance(5)
    assert kiosk.restarted == 0 and kiosk.helper.requests == []
    status, said = lauri.answer("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "restart",
                                                 "confirm": "end_session"})
    assert status == 200 and json.loads(said) == {"result": "done"}
    kiosk.scheduler.advance(1.0)
    assert kiosk.restarted == 1

    kiosk.status("ready", "welcome")  # between sessions: no confirmation needed
    assert ask(lauri, "/api/command", command="reboot")[1] == {"result": "done"}
    assert kiosk.helper.requests == [{"op": "reboot"}]
    sent = len(kiosk.helper.requests)
    for path, body in (("/api/command", restart), ("/api/command", {"command": "reboot"}),
                       ("/api/ops/screenshot", {}), ("/api/ops/logs", {"hours": "6"}), ("/api/ops/wake", {})):
        assert ask(hilla, path, **body)[0] == 403, path
    assert kiosk.helper.requests[sent:] == [] and kiosk.restarted == 1
    assert audited() == [("Lauri", "restart", "in_session"), ("Lauri", "reboot", "in_session"),
                         ("Lauri", "restart", "done"), ("Lauri", "reboot", "done")]
    confirmed = [e["detail"] for e in desk.store.audit_log() if e["detail"].get("command") == "restart"]
    assert [d.get("confirm") for d in confirmed] == ["end_session", None]  # newest first


def test_a_screenshot_is_refused_in_a_session_and_shown_once_when_nobody_is_there(desk, kiosks, kiosk_screen,
                                                                                 audited, xvfb_display, tmp_path):
    from PIL import Image, ImageChops, ImageStat

    kiosk = kiosks("oodi-1", display=kiosk_screen)
    grabs = []
    grab_once = kiosk.screen.grab
    kiosk.screen.grab = lambda: grabs.append(1) or grab_once()
    lauri = staff(desk, "Lauri")
    kiosk.status("active", "needs")
    assert ask(lauri, "/api/ops/screenshot")[1] == {"result": "in_session"}
    kiosk.status("out_of_service", "staff_pin")  # the PIN pad over the out-of-service screen
    assert ask(lauri, "/api/ops/screenshot")[1] == {"result": "staff_mode"}
    assert grabs == [] and screenshots(desk) == []  # nothing read, nothing kept

    kiosk.status("ready", "welcome")
    wait_for(lambda: seen(desk, "oodi-1", True, session="ready"))
    with staff_in_chromium(desk.url, tmp_path, "Lauri", PASSWORD) as page:
        wait_for(lambda: page.settled("#kiosk-oodi--oodi-1-screenshot"))
        page.click("#kiosk-oodi--oodi-1-screenshot")
        page.wait("location.pathname === '/ops/screenshot' && screenshot.complete && screenshot.naturalWidth > 0")
        shown = page.js("""(() => { const c = document.createElement('canvas');
            c.width = screenshot.naturalWidth; c.height = screenshot.naturalHeight;
            c.getContext('2d').drawImage(screenshot, 0, 0); return c.toDataURL('image/png'); })()""")
        assert "shown once and not kept" in page.js("document.body.innerText")
        assert page.axe(axe_source()) == []
        assert not any("Content Security Policy" in line for line in page.console), page.console
    seen_picture = Image.open(io.BytesIO(base64.b64decode(shown.split(",", 1)[1]))).convert("RGB")
    real = grab(kiosk_screen)
    assert seen_picture.size == real.size == (640, 400)
    assert max(ImageStat.Stat(ImageChops.difference(seen_picture, real)).mean) < 6  # JPEG's loss only
    assert seen_picture.getpixel((300, 150))[2] > 150  # the blue window, where it is on the kiosk

    (operation,) = screenshots(desk)
    assert operation.state == "shown"  # in memory while its page shows it, then gone
    ops = desk.board.ops
    ops.clock = lambda: time.monotonic() + SHOWN_KEPT_S + 1
    try:
        assert lauri.get(f"/ops/screenshot.jpg?id={operation.id}")[0] == 404
        assert operation.data is None and screenshots(desk) == []
    finally:
        ops.clock = time.monotonic
    assert staff(desk, "Hilla").get(f"/ops/screenshot?id={operation.id}")[0] == 403
    assert audited() == [("Lauri", "screenshot", "in_session"), ("Lauri", "screenshot", "staff_mode"),
                         ("Lauri", "screenshot", "done")]


def screenshots(desk) -> list:
    return [o for o in desk.board.ops._all.values() if o.kind == "screenshot"]


def noise_journal() -> str:
    """2 MiB of journal (as much as the root helper gives) that will not pack into a bundle."""
    noise = base64.b64encode(random.Random(3).randbytes(12_500 * 90)).decode()
    return "\n".join([f"2026-03-02T08:{n // 60 % 60:02d}:{n % 60:02d} kiosk[812]: {noise[n * 120:(n + 1) * 120]}"
                      for n in range(12_500)] + [
        "2026-03-02T09:15:41 kiosk[812]: WARNING kiosk.printing: pdfinfo: "
        "/run/kiosk/session-4/downloads/Vuokrasopimus Matti Meikäläinen.pdf is damaged",
        "2026-03-02T09:16:02 kiosk[812]: INFO kiosk.session: session outcome: done"])


def test_a_log_bundle_arrives_in_parts_bounded_and_is_downloadable_for_a_while(desk, kiosks, audited):
    kiosk = kiosks("oodi-1", journal=noise_journal())
    parts = []
    publish = kiosk.help.link.publish
    kiosk.help.link.publish = lambda leaf, payload, qos=0, retain=False: (
        parts.append(payload) if leaf == "ops" else None) or publish(leaf, payload, qos, retain)
    lauri = staff(desk, "Lauri")
    status, answer = ask(lauri, "/api/ops/logs", hours="24")
    assert status == 200 and answer["result"] == "done" and answer["hours"] == 24, answer
    assert kiosk.helper.requests == [{"op": "journal", "hours": 24}]
    assert 1 < len(parts) <= MAX_PARTS and all(len(p) <= MAX_PART_BYTES for p in parts)
    assert answer["size"] <= MAX_BUNDLE_BYTES
    assert ask(lauri, "/api/ops/logs", hours="1000")[0] == 400

    bundle = desk.board.ops.latest_bundle("oodi", "oodi-1")
    assert f'href="/ops/logs?id={bundle.id}"' in lauri.get("/")[1].decode()  # on the kiosk's card
    status, text = lauri.get(f"/ops/logs?id={bundle.id}")
    text = text.decode()
    assert status == 200 and text.startswith("Log bundle of kiosk oodi-1 (site oodi), the last 24 h")
    assert text.endswith("session outcome: done") and "older bytes left out]" in text
    assert "Matti" not in text and "/run/kiosk/… is damaged" in text
    assert staff(desk, "Hilla").get(f"/ops/logs?id={bundle.id}")[0] == 403
    assert audited() == [("Lauri", "log_bundle", "done")]
    assert [e["actor"] for e in desk.store.audit_log() if e["action"] == "log_bundle_downloaded"][:1] == ["Lauri"]


def test_wake_on_lan_is_sent_by_a_kiosk_of_the_site_else_by_the_desk(desk, kiosks, audited):
    listeners = []
    for _ in range(2):  # what a kiosk of the site broadcasts, and what the desk does
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.bind(("", 0))
        listener.settimeout(5)
        listeners.append(listener)
    at_kiosk, at_desk = listeners
    try:
        desk.board.ops.wake_to = ("127.255.255.255", at_desk.getsockname()[1])
        desk.board.ops.wake_again_s = 0
        asleep = kiosks("oodi-1", mac=MAC)
        neighbour = kiosks("oodi-2", wake_port=at_kiosk.getsockname()[1], mac="00:1b:21:3a:4f:5d")
        lauri = staff(desk, "Lauri")
        assert ask(lauri, "/api/ops/wake")[0] == 409  # online: it is awake
        asleep.stop()
        wait_for(lambda: seen(desk, "oodi-1", False, mac=MAC))
        assert 'id="kiosk-oodi--oodi-1-wake"' in lauri.get("/")[1].decode()

        assert ask(lauri, "/api/ops/wake")[1] == {"result": "done", "via": "oodi-2"}
        packet, sender = at_kiosk.recvfrom(200)
        assert packet == magic_packet(MAC) == b"\xff" * 6 + bytes.fromhex("001b213a4f5c") * 16
        neighbour.stop()
        wait_for(lambda: seen(desk, "oodi-2", False))
        assert ask(lauri, "/api/ops/wake")[1] == {"result": "sent_by_desk", "via": "desk"}
        assert at_desk.recvfrom(200)[0] == magic_packet(MAC)
        desk.board.ops.wake_again_s = 60
        assert ask(lauri, "/api/ops/wake")[0] == 429  # pressed again at once
        assert audited() == [("Lauri", "wake", "done"), ("Lauri", "wake", "sent_by_desk")]
    finally:
        desk.board.ops.wake_again_s = 0
        for listener in listeners:
            listener.close()


def jpeg(width: int, height: int, noise: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    (Image.effect_noise((width, height), 80).convert("RGB") if noise else Image.new("RGB", (width, height))).save(
        out, "JPEG", quality=95)
    return out.getvalue()


def test_a_hostile_kiosk_cannot_bring_back_what_another_was_asked_for_nor_anything_oversized(desk, broker):
    ops = desk.board.ops  # oodi-2 has sent no parts in this module: its rate limit allows all these
    shot = ops.ask("screenshot", "oodi", "oodi-2", "Lauri")
    hostile, thief = raw_client(broker, "oodi-2"), raw_client(broker, "oodi-1")
    try:
        def delivered(client, kiosk: str, *payloads: bytes) -> None:
            """Published on the kiosk's own `ops` topic (and whatever else), then a status the
            desk is seen to have: everything before it reached the desk too."""
            marker = f"m{random.randrange(10**9)}"
            for topic, payload in payloads:
                client.publish(topic, payload, qos=1).wait_for_publish(5)
            client.publish(f"kiosk/oodi/{kiosk}/status", json.dumps({"session": "ready", "screen": marker}), qos=1)
            wait_for(lambda: any(k["kiosk"] == kiosk and k["status"].get("screen") == marker
                                 for k in desk.store.kiosks(["oodi"])))

        good = part(shot.token, 0, 1, jpeg(64, 40))
        # Another kiosk's account, with the token: on its own topic there is no such
        # operation; on the asked kiosk's, the broker refuses it.
        delivered(thief, "oodi-1", ("kiosk/oodi/oodi-1/ops", good), ("kiosk/oodi/oodi-2/ops", good))
        assert shot.state == "waiting"
        # The asked kiosk itself: a part past the bound (the broker takes it: it is under
        # 128 KiB), one with a wrong token, then a picture that is no screen's.
        delivered(hostile, "oodi-2", ("kiosk/oodi/oodi-2/ops", part(shot.token, 0, 1, jpeg(400, 300, True) * 2)
                                      [:MAX_PART_BYTES + 1]),
                  ("kiosk/oodi/oodi-2/ops", part("A" * 43, 0, 1, jpeg(64, 40))))
        assert shot.state == "waiting"
        delivered(hostile, "oodi-2", ("kiosk/oodi/oodi-2/ops", part(shot.token, 0, 1, jpeg(9000, 8))))
        assert shot.state == "refused" and shot.data is None

        # Log bundles: more than their bound in parts, a bomb, and no text.
        too_much, bomb, binary = (ops.ask("log_bundle", "oodi", "oodi-2", "Lauri", 6) for _ in range(3))
        chunk = random.Random(5).randbytes(MAX_PART_BYTES - 45)
        delivered(hostile, "oodi-2", *(("kiosk/oodi/oodi-2/ops", part(too_much.token, n, MAX_PARTS, chunk))
                                       for n in range(MAX_PARTS)),
                  ("kiosk/oodi/oodi-2/ops", part(bomb.token, 0, 1, gzip.compress(b"\0" * (64 * 1024 * 1024)))),
                  ("kiosk/oodi/oodi-2/ops", part(binary.token, 0, 1, gzip.compress(b"\xff\xfe\x00" * 1000))))
        assert [o.state for o in (too_much, bomb, binary)] == ["refused"] * 3
        assert ops.latest_bundle("oodi", "oodi-2") not in (too_much, bomb, binary)
    finally:
        hostile.disconnect()
        thief.disconnect()
