"""A kiosk killed in the middle of a session wipes the leftovers before it shows anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[1]


def wait_for(predicate, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_sigkill_mid_session_then_restart_wipes_before_the_first_frame(xvfb_display, cupsd, tmp_path):
    from testbed.config import kiosk_test_config

    config = kiosk_test_config(tmp_path, cupsd.socket)
    env = dict(os.environ, DISPLAY=xvfb_display)
    session_dir = tmp_path / "run" / "session"

    def start(log: Path) -> subprocess.Popen:
        handle = log.open("w")
        return subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)],
                                stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    first_log = tmp_path / "first.log"
    kiosk = start(first_log)
    try:
        wait_for(lambda: "Start application main loop" in first_log.read_text(), "the kiosk to start")
        time.sleep(1)
        # A person touches "Touch to start" in the middle of the screen.
        subprocess.run(["xdotool", "mousemove", "640", "400", "click", "1"], env=env, check=True, timeout=10)
        wait_for(session_dir.exists, "the session directory")
        (session_dir / "downloads" / "paatos.pdf").write_bytes(b"%PDF canary")
        job = cupsd.hold_job("kiosk-test")
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
    assert session_dir.exists() and job in cupsd.jobs()  # the crash left them behind

    second_log = tmp_path / "second.log"
    kiosk = start(second_log)
    try:
        wait_for(lambda: "Start application main loop" in second_log.read_text(), "the restarted kiosk")
        log = second_log.read_text()
        assert not session_dir.exists() and job not in cupsd.jobs()
        assert log.index("wiped the leftovers of a previous run (ok)") < log.index("Start application main loop")
        receipts = [json.loads(line) for line in (tmp_path / "state" / "wipe-receipts.jsonl").read_text().splitlines()]
        assert receipts[-1]["reason"] == "startup" and receipts[-1]["ok"]
        assert "Traceback" not in log
    finally:
        kiosk.terminate()
        kiosk.wait(timeout=10)
