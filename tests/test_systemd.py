"""The systemd notify protocol against a real datagram socket, and the units as systemd reads them."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.devices.systemd import Systemd

UNITS = Path(__file__).resolve().parent.parent / "systemd"


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


@pytest.mark.parametrize("unit", sorted(p.name for p in UNITS.glob("*.service")) + ["kiosk-reboot.timer"])
def test_units_pass_systemd_analyze_verify_without_a_word(unit, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (Debian package 'systemd')")
    # Verify warns (exit 0) on unknown keys: any output at all is a failure. The programs the
    # unit starts are stood in for by files of the same name (only their paths differ).
    stand_ins = {}
    for binary in ("/opt/kiosk/venv/bin/kiosk", "/usr/bin/xinit"):
        path = tmp_path / binary.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
        stand_ins[binary] = str(path)
    for path in UNITS.glob("*"):  # the unit and those it names
        text = path.read_text()
        for binary, stand_in in stand_ins.items():
            text = text.replace(binary, stand_in)
        (tmp_path / path.name).write_text(text)
    result = subprocess.run([analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and output == "", output


@pytest.mark.gui
def test_the_kiosk_says_ready_keeps_the_watchdog_fed_and_says_stopping(xvfb_display, tmp_path):
    import os
    import signal
    import sys

    from kiosk.config import DEMO_FILE

    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(60)
        env = dict(os.environ, DISPLAY=xvfb_display, XDG_RUNTIME_DIR=str(tmp_path / "run"),
                   XDG_STATE_HOME=str(tmp_path / "state"), NOTIFY_SOCKET=str(path), WATCHDOG_USEC="3000000")
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(DEMO_FILE)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   cwd=Path(__file__).resolve().parent.parent)
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
