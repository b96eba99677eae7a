"""IT's operations on the kiosk's side (kiosk.remote_ops) through the help service and the
app's desk commands over the fake link, with fake devices: restart and reboot wait for a
moment between sessions, a screenshot only of a kiosk nobody uses, a log bundle that is
bounded and names nobody, magic packets as Wake-on-LAN defines them."""

from __future__ import annotations

import gzip
import socket
from types import SimpleNamespace

import pytest

from kiosk.background import Immediate
from kiosk.desk_commands import DeskCommands
from kiosk.devices import DeviceError
from kiosk.devices.roothelper import FakeRootHelper
from kiosk.devices.screen_capture import FakeScreenCapture
from kiosk.devices.wake import FakeWake, WakeOnLan, wired_mac
from kiosk.help import parse_event
from kiosk.log_bundle import redact
from kiosk.ops_wire import HEADER, MAX_BUNDLE_BYTES, MAX_PART_BYTES, magic_packet, parse_part
from kiosk.remote_ops import RemoteOperations
from testbed.fakes import FakeScheduler
from tests.test_help import make

TOKEN = "T" * 43


class Kiosk:
    """The help service on the fake link, the app's desk commands with IT's operations over
    fakes, and a person (or staff) that the test puts at the kiosk."""

    def __init__(self, tmp_path, runner=None, journal: str = "", **devices) -> None:
        self.help, self.link = make(tmp_path)
        self.session = SimpleNamespace(state="ready")
        self.journey = SimpleNamespace(screen="welcome", go=lambda screen: None, service_id="")
        self.staff = False
        self.restarted = 0
        self.scheduler = FakeScheduler()
        config = SimpleNamespace(problems=(), disabled={"printing": "[printing] queue: no such printer"},
                                 site=SimpleNamespace(kiosk_id="oodi-3"), fleet=SimpleNamespace(site="oodi"),
                                 session=SimpleNamespace(runtime_dir=tmp_path / "run"))
        services = SimpleNamespace(help=self.help, session=self.session, journey=self.journey, config=config,
                                   catalog=SimpleNamespace(problems=()), share=SimpleNamespace(state=""))
        self.helper = devices.get("helper", FakeRootHelper({"journal": {"text": journal}}))
        self.screen = devices.get("screen", FakeScreenCapture())
        self.wake = devices.get("wake", FakeWake())
        self.ops = RemoteOperations(services, lambda: self.staff, self.restart, runner or Immediate(),
                                    self.scheduler, helper=self.helper, screen=self.screen, wake=self.wake)
        busy = SimpleNamespace(busy=lambda: self.session.state in ("active", "warning"))
        # Kept here: Kivy binds the help service's events weakly.
        self.commands = DeskCommands(services, busy, changed=lambda: None, operations=self.ops)

    def restart(self) -> None:
        self.restarted += 1

    def ask(self, command: str, **fields) -> str:
        """The desk's command; the kiosk's reply to it."""
        command_id = f"{command}-{len(self.link.published)}"
        self.link.deliver({"type": command, "id": command_id, **fields})
        replies = [p[1]["result"] for p in self.link.published if p[0] == "replies" and p[1]["id"] == command_id]
        return replies[0] if replies else ""

    def sent(self) -> list[bytes]:
        return [p[1] for p in self.link.published if p[0] == "ops"]


def test_restart_and_reboot_wait_between_sessions_unless_staff_accept_its_end(tmp_path):
    kiosk = Kiosk(tmp_path)
    kiosk.session.state, kiosk.journey.screen = "active", "browser"
    assert kiosk.ask("restart") == "in_session" and kiosk.ask("reboot") == "in_session"
    kiosk.session.state, kiosk.journey.screen = "ready", "goodbye"  # the person still reads their goodbye
    assert kiosk.ask("restart") == "in_session"
    kiosk.journey.screen = "staff_pin"
    assert kiosk.ask("reboot") == "staff_mode"
    kiosk.scheduler.advance(5)
    assert kiosk.restarted == 0 and kiosk.helper.requests == []

    assert kiosk.ask("restart", confirm="end_session") == "done"
    assert kiosk.restarted == 0  # the reply goes out first
    kiosk.scheduler.advance(1.0)
    assert kiosk.restarted == 1
    kiosk.journey.screen = "welcome"
    assert kiosk.ask("reboot") == "done"
    assert kiosk.helper.requests == [{"op": "reboot"}]  # nothing more: the root daemon takes no more

    refusing = Kiosk(tmp_path / "2", helper=FakeRootHelper(refuses={"reboot": "the terminal started 20 s ago"}))
    assert refusing.ask("reboot") == "failed"


def test_a_screenshot_only_of_a_kiosk_nobody_uses_and_not_if_someone_came_meanwhile(tmp_path):
    kiosk = Kiosk(tmp_path)
    for state, screen, staff, refused in (("active", "needs", False, "in_session"),
                                          ("warning", "warning", False, "in_session"),
                                          ("ready", "goodbye", False, "in_session"),
                                          ("ready", "staff", True, "staff_mode"),
                                          ("out_of_service", "staff_pin", False, "staff_mode")):
        kiosk.session.state, kiosk.journey.screen, kiosk.staff = state, screen, staff
        assert kiosk.ask("screenshot", token=TOKEN) == refused
    assert kiosk.screen.grabs == 0 and kiosk.sent() == []

    kiosk.session.state, kiosk.journey.screen, kiosk.staff = "out_of_service", "out_of_service", False
    assert kiosk.ask("screenshot", token=TOKEN) == "done"
    assert kiosk.ask("screenshot", token=TOKEN) == "done"  # again, though nothing changed on screen
    kiosk.journey.screen = "closed"  # the site's opening hours: out of service, the closed screen
    assert kiosk.ask("screenshot", token=TOKEN) == "done"
    (token, index, count, picture), _again, _closed = [parse_part(p) for p in kiosk.sent()]
    assert (token, index, count) == (TOKEN, 0, 1) and picture.startswith(b"\xff\xd8")

    class Touched:  # a person touches the screen while it is read
        def run(self, work, done):
            result = work()
            touched.session.state, touched.journey.screen = "active", "needs"
            done(result, None)

    touched = Kiosk(tmp_path / "2", runner=Touched())
    assert touched.ask("screenshot", token=TOKEN) == "in_session" and touched.sent() == []
    broken = Kiosk(tmp_path / "3", screen=SimpleNamespace(reset=lambda: None, grab=lambda: None))
    assert broken.ask("screenshot", token=TOKEN) == "failed" and broken.sent() == []


JOURNAL = "\n".join([
    "2026-03-02T09:14:03+0000 kiosk kiosk[812]: INFO kiosk.eservices: browser: net::ERR_FAILED at "
    "https://asiointi.kela.fi/hakemus/asumistuki?hetu=010190-123A&nimi=Matti#lomake",
    "2026-03-02T09:15:41+0000 kiosk kiosk[812]: WARNING kiosk.printing: cannot read a document's pages: "
    "pdfinfo: /run/kiosk/session-4/downloads/Vuokrasopimus Matti Meikäläinen.pdf is damaged",
    "2026-03-02T09:16:00+0000 kiosk kiosk[812]: ERROR kiosk.usb: USB stick: '/media/kiosk/sdb1/CV_Maija.docx' "
    "cannot be read; owner maija.virtanen@example.fi, account FI21 1234 5600 0007 85, phone 040 123 4567",
    "2026-03-02T09:16:02+0000 kiosk kiosk[812]: INFO kiosk.session: session outcome: done"])


def unpack(parts: list[bytes]) -> str:
    pieces = sorted((parse_part(p) for p in parts), key=lambda part: part[1])
    assert all(len(p) <= MAX_PART_BYTES for p in parts) and [p[1] for p in pieces] == list(range(pieces[0][2]))
    data = b"".join(p[3] for p in pieces)
    assert len(data) <= MAX_BUNDLE_BYTES
    return gzip.decompress(data).decode("utf-8")


def test_a_log_bundle_has_versions_problems_and_the_journal_and_names_nobody(tmp_path):
    kiosk = Kiosk(tmp_path, journal=JOURNAL)
    assert kiosk.ask("log_bundle", token=TOKEN, hours=6) == "done"
    assert kiosk.helper.requests == [{"op": "journal", "hours": 6}]
    text = unpack(kiosk.sent())
    assert "Log bundle of kiosk oodi-3 (site oodi), the last 6 h" in text and "\nkiosk " in text
    assert "printing disabled: [printing] queue: no such printer" in text
    assert "https://asiointi.kela.fi/…" in text and "session outcome: done" in text
    for personal in ("hakemus", "010190-123A", "Matti", "Meikäläinen", "Maija", "virtanen", "1234 5600",
                     "040 123", "session-4"):
        assert personal not in text, personal
    assert "/run/kiosk/…" in text and "/media/kiosk/…" in text and "<e-mail>" in text
    assert redact("kiosk[4194303]: 2026-03-02T09:16:02+0200 ok") == "kiosk[4194303]: 2026-03-02T09:16:02+0200 ok"

    for hours in (b"0", b"25", b"true", b'"6"', b"6.0"):
        assert parse_event(b'{"type": "log_bundle", "id": "x", "token": "%s", "hours": %s}'
                           % (TOKEN.encode(), hours)) is None
    assert kiosk.ask("log_bundle", token=TOKEN, hours=2) == "failed"  # not one the desk offers


def test_a_journal_too_large_for_a_bundle_keeps_its_newest_lines(tmp_path):
    import base64
    import random

    noise = base64.b64encode(random.Random(7).randbytes(15_000 * 90)).decode()  # compresses to 3/4 at best
    lines = [f"2026-03-02T09:{n // 60 % 60:02d}:{n % 60:02d} kiosk[812]: {noise[n * 120:(n + 1) * 120]}"
             for n in range(15_000)]  # 2 MiB, as much as the root daemon gives
    kiosk = Kiosk(tmp_path, journal="\n".join(lines + ["the very last line"]))
    assert kiosk.ask("log_bundle", token=TOKEN, hours=24) == "done"
    text = unpack(kiosk.sent())
    assert text.endswith("the very last line") and "older bytes left out]" in text
    assert "== Versions ==" in text  # the head is never what is left out
    no_helper = Kiosk(tmp_path / "2", helper=None)
    assert no_helper.ask("log_bundle", token=TOKEN, hours=1) == "done"
    assert "no root helper on this kiosk" in unpack(no_helper.sent())


def test_wake_on_lan_sends_magic_packets_for_network_cards_only_and_not_too_often(tmp_path):
    packet = magic_packet("00:1b:21:3a:4f:5c")
    assert len(packet) == 102 and packet[:6] == b"\xff" * 6 and packet[6:] == bytes.fromhex("001b213a4f5c") * 16
    for bad in ("01:00:5e:00:00:01", "00:00:00:00:00:00", "00:1B:21:3A:4F:5C", "00:1b:21:3a:4f", "ff:ff:ff:ff:ff:ff"):
        with pytest.raises(ValueError):
            magic_packet(bad)

    kiosk = Kiosk(tmp_path)
    kiosk.session.state, kiosk.journey.screen = "active", "browser"  # a person's session is no matter
    assert kiosk.ask("wake", mac="00:1b:21:3a:4f:5c") == "done"
    assert kiosk.ask("wake", mac="01:00:5e:00:00:01") == "failed"
    assert kiosk.ask("wake", mac=kiosk.wake.mac) == "failed"  # itself: it is awake
    assert [kiosk.ask("wake", mac="00:1b:21:3a:4f:5d") for _ in range(10)].count("done") == 9
    assert kiosk.wake.sent == ["00:1b:21:3a:4f:5c"] + ["00:1b:21:3a:4f:5d"] * 9
    failing = Kiosk(tmp_path / "2", wake=FakeWake(fails="network is unreachable"))
    assert failing.ask("wake", mac="00:1b:21:3a:4f:5c") == "failed"

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("", 0))  # a broadcast reaches a socket bound to every address
        listener.settimeout(5)
        WakeOnLan("127.255.255.255", listener.getsockname()[1]).send("00:1b:21:3a:4f:5c")
        assert listener.recvfrom(200)[0] == packet
    with pytest.raises(DeviceError, match="not a network card"):
        WakeOnLan().send("nonsense")


def test_the_wired_card_is_found_among_wireless_virtual_and_loopback_ones(tmp_path):
    def card(name: str, address: str, kind: str = "1", device: bool = True, wireless: bool = False,
             state: str = "up") -> None:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "address").write_text(address + "\n")
        (folder / "type").write_text(kind + "\n")
        (folder / "operstate").write_text(state + "\n")
        if device:
            (folder / "device").mkdir()
        if wireless:
            (folder / "wireless").mkdir()

    card("lo", "00:00:00:00:00:00", kind="772", device=False)
    card("docker0", "02:42:ac:11:00:01", device=False)
    card("wlp2s0", "a4:c3:f0:11:22:33", wireless=True)
    card("enp1s0", "00:1b:21:3a:4f:5c", state="down")
    assert wired_mac(tmp_path) == "00:1b:21:3a:4f:5c"
    card("eno1", "00:1b:21:3a:4f:60")
    assert wired_mac(tmp_path) == "00:1b:21:3a:4f:60"  # the one with a link
    assert wired_mac(tmp_path / "none") is None
    assert HEADER == 45


def test_the_status_carries_the_wired_cards_address_and_the_desk_keeps_only_a_cards(tmp_path):
    from kiosk.desk.link import clean_status
    from kiosk.desk_commands import StatusReporter

    kiosk = Kiosk(tmp_path)
    services = SimpleNamespace(
        config=SimpleNamespace(site=SimpleNamespace(kiosk_id="oodi-3")), session=kiosk.session,
        journey=kiosk.journey, tr=SimpleNamespace(language="fi"), help=kiosk.help,
        printing=SimpleNamespace(printer=None), devices=SimpleNamespace(wake=FakeWake("00:1b:21:3a:4f:5c")),
        rollout=None)
    reporter = StatusReporter(services, SimpleNamespace(out_of_service=False), lambda: [])
    assert reporter.status()["mac"] == "00:1b:21:3a:4f:5c"
    services.devices.wake.mac = None
    assert "mac" not in reporter.status()
    assert clean_status({"mac": "00:1b:21:3a:4f:5c"})["mac"] == "00:1b:21:3a:4f:5c"
    for hostile in ("ff:ff:ff:ff:ff:ff", "<script>", "00:1b:21:3a:4f:5c\n", 5, ["00:1b:21:3a:4f:5c"]):
        assert "mac" not in clean_status({"mac": hostile})


def test_the_desk_keeps_what_operations_bring_for_a_bounded_time():
    import gzip as gz

    from kiosk.desk import operations
    from kiosk.desk.operations import Operations
    from kiosk.ops_wire import part

    now = [0.0]
    notified = []
    ops = Operations(lambda: notified.append(1), clock=lambda: now[0])
    late = ops.ask("screenshot", "oodi", "oodi-1", "Lauri")
    now[0] = operations.WAITING_S + 1
    ops.sweep()
    assert late.state == "refused" and ops.of(late.id) is None  # nothing came in time
    assert ops.handle("oodi", "oodi-1", part(late.token, 0, 1, b"\xff\xd8...")) == "ignored"

    bundles = []
    for n in range(operations.MAX_BUNDLES + 2):
        bundle = ops.ask("log_bundle", "oodi", "oodi-1", "Lauri", 6)
        assert ops.handle("oodi", "oodi-1", part(bundle.token, 0, 1, gz.compress(f"bundle {n}".encode()))) \
            == "complete"
        bundles.append(bundle)
    ops.sweep()
    assert ops.bundle(bundles[0].id, ["oodi"]) is None and ops.bundle(bundles[1].id, ["oodi"]) is None
    assert ops.bundle(bundles[-1].id, ["oodi"])[1] == f"bundle {operations.MAX_BUNDLES + 1}"
    assert ops.bundle(bundles[-1].id, ["kallio"]) is None  # another site's staff: none
    assert ops.latest_bundle("oodi", "oodi-1") is bundles[-1]
    now[0] += operations.BUNDLE_KEPT_S + 1
    ops.sweep()
    assert ops.latest_bundle("oodi", "oodi-1") is None and ops._all == {}
