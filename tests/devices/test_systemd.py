"""The systemd notify protocol against a real datagram socket, and the units as systemd reads them."""

from __future__ import annotations

import shutil
import re
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.devices.systemd import Systemd

UNITS = Path(__file__).resolve().parents[2] / "systemd"


def test_ready_watchdog_and_status_reach_the_notify_socket(tmp_path):
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(2)
        notify = Systemd({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000"})
        assert notify.enabled and notify.watchdog_s == 30.0
        assert notify.ready("waiting for the next person")
        assert server.recv(4096) == b"READY=1\nSTATUS=waiting for the next person"
        assert notify.alive() and server.recv(4096) == b"WATCHDOG=1"
        assert notify.stopping() and server.recv(4096) == b"STOPPING=1"


def test_without_systemd_nothing_is_sent_and_a_watchdog_for_another_process_is_ignored():
    assert not Systemd({}).enabled and not Systemd({}).ready()
    assert Systemd({"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}).watchdog_s == 0
    assert not Systemd({"NOTIFY_SOCKET": "/nonexistent/socket"}).ready()  # logged, not raised


UNIT_FILES = sorted(p.name for p in UNITS.glob("*.service")) + ["kiosk-helper.socket", "kiosk-reboot.timer"]
# `systemd-analyze security --offline=true` exposure (0 = locked down, 10 = wide open), as
# measured when the hardening was written; a change that weakens a unit fails here. The
# kiosk runs X and Chromium (namespaces for its sandbox, a JIT); the helper needs the host's
# mount namespace to mount sticks the kiosk can see.
EXPOSURE = {"kiosk.service": 4.5, "kiosk-x.service": 3.7, "kiosk-desk.service": 1.3, "kiosk-helper@.service": 4.0,
            "kiosk-reboot.service": 1.4}


def analyze(*argv: str) -> str:
    program = shutil.which("systemd-analyze")
    if program is None:
        pytest.fail("systemd-analyze is missing (Debian package 'systemd')")
    result = subprocess.run([program, *argv], capture_output=True, text=True, timeout=60)
    return (result.stdout + result.stderr).strip(), result.returncode


@pytest.fixture
def units(tmp_path) -> Path:
    """The units with the programs they start stood in for by files of the same name."""
    stand_ins = {}
    for binary in ("/opt/kiosk/venv/bin/kiosk", "/opt/kiosk/venv/bin/kiosk-desk", "/opt/kiosk/venv/bin/python",
                   "/usr/bin/Xorg"):
        path = tmp_path / binary.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
        stand_ins[binary] = str(path)
    for path in UNITS.glob("kiosk*.*"):
        text = path.read_text()
        for binary, stand_in in sorted(stand_ins.items(), key=lambda item: -len(item[0])):
            text = re.sub(rf"{re.escape(binary)}(?=\s)", stand_in, text)
        (tmp_path / path.name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("unit", UNIT_FILES)
def test_units_pass_systemd_analyze_verify_without_a_word(unit, units):
    # Verify warns (exit 0) on unknown keys: any output at all is a failure.
    output, code = analyze("verify", str(units / unit))
    assert code == 0 and output == "", output


@pytest.mark.parametrize("unit", sorted(EXPOSURE))
def test_units_are_no_more_exposed_than_recorded(unit, units):
    output, _code = analyze("security", "--offline=true", str(units / unit))
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", output)
    assert found, output
    assert float(found.group(1)) <= EXPOSURE[unit], output
    if unit == "kiosk.service":  # what makes it a locked-down session, whatever the score
        for setting in ("CapabilityBoundingSet=", "NoNewPrivileges=", "RestrictSUIDSGID="):
            assert re.search(rf"✓ {setting}", output), setting


def test_the_tmpfiles_are_valid(tmp_path):
    tmpfiles = shutil.which("systemd-tmpfiles")
    assert tmpfiles, "systemd-tmpfiles is missing (Debian package 'systemd')"
    result = subprocess.run([tmpfiles, "--create", "--root", str(tmp_path), str(UNITS / "kiosk-tmpfiles.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    media = tmp_path / "media" / "kiosk"
    assert media.is_dir() and (media.stat().st_mode & 0o777) == 0o755


def kiosk_under_notify(display: str, tmp_path: Path, *argv: str) -> tuple[socket.socket, subprocess.Popen]:
    """A kiosk process (python ARGV...) with a notify socket and a 3 s watchdog, as systemd starts it."""
    import os
    import sys

    path = tmp_path / "notify"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(60)
    env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=str(tmp_path / "run"),
               XDG_STATE_HOME=str(tmp_path / "state"), NOTIFY_SOCKET=str(path), WATCHDOG_USEC="3000000")
    process = subprocess.Popen([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
    return server, process


@pytest.mark.gui
def test_the_kiosk_says_ready_keeps_the_watchdog_fed_and_says_stopping(xvfb_display, tmp_path):
    import signal

    from kiosk.config import DEMO_FILE

    server, process = kiosk_under_notify(xvfb_display, tmp_path, "-m", "kiosk", "run", "--config", str(DEMO_FILE))
    with server:
        try:
            messages = [server.recv(4096).decode()]
            assert messages[0].startswith("READY=1\nSTATUS=waiting for the next person"), messages
            server.settimeout(5)
            while (message := server.recv(4096)) != b"WATCHDOG=1":  # every second, with a 3 s watchdog
                assert message.startswith(b"STATUS="), message
            process.send_signal(signal.SIGTERM)
            rest = []
            while b"STOPPING=1" not in rest:
                rest.append(server.recv(4096))
            assert process.wait(timeout=15) == 0
        finally:
            if process.poll() is None:
                process.kill()


FREEZING_KIOSK = """
import sys, time
import kiosk.app
from kivy.clock import Clock
started = kiosk.app.KioskApp.on_start
def on_start(self):
    started(self)
    Clock.schedule_once(lambda _dt: time.sleep(7), 4)  # the main loop hangs for 7 s
kiosk.app.KioskApp.on_start = on_start
from kiosk.cli import main
sys.exit(main(["run", "--config", sys.argv[1]]))
"""


@pytest.mark.gui
def test_a_frozen_main_loop_stops_the_watchdog_pings(xvfb_display, tmp_path):
    """The pings come from the Kivy clock, not from a thread that would outlive a hung UI:
    while the main loop is blocked, the process lives but systemd hears nothing."""
    import time

    from kiosk.config import DEMO_FILE

    server, process = kiosk_under_notify(xvfb_display, tmp_path, "-c", FREEZING_KIOSK, str(DEMO_FILE))
    with server:
        try:
            assert server.recv(4096).startswith(b"READY=1")
            pings = []
            server.settimeout(12)
            end = time.monotonic() + 16
            while time.monotonic() < end:
                if server.recv(4096) == b"WATCHDOG=1":
                    pings.append(time.monotonic())
            gaps = [later - earlier for earlier, later in zip(pings, pings[1:])]
            assert max(gaps) > 3.0, gaps  # longer than WatchdogSec: systemd would restart it
            assert sorted(gaps)[len(gaps) // 2] < 1.5, gaps  # otherwise a ping a second
            assert process.poll() is None  # alive all along, only its main loop was stuck
        finally:
            process.kill()
            process.wait(timeout=15)
