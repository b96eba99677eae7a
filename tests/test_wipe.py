"""The wipe against real files and processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from kiosk.devices.processes import SessionProcesses
from kiosk.wipe import SessionWipe


def test_read_only_files_and_directories_are_removed(tmp_path):
    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    session = wipe.prepare()
    locked = session / "downloads" / "locked"
    locked.mkdir()
    (locked / "file.pdf").write_text("x")
    os.chmod(locked / "file.pdf", 0o400)
    os.chmod(locked, 0o500)
    assert wipe.run("end").ok
    assert not session.exists()


def test_a_file_that_cannot_be_deleted_fails_the_wipe(tmp_path):
    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    session = wipe.prepare()
    stuck = session / "downloads"
    (stuck / "cannot-go.pdf").write_text("x")
    # An immutable directory: not even root may delete what is in it.
    result = subprocess.run(["chattr", "+i", str(stuck)], capture_output=True, text=True)
    assert result.returncode == 0, f"chattr is needed for this test: {result.stderr}"
    try:
        receipt = wipe.run("end")
        assert not receipt.ok
        assert receipt.failed == ["session directory", "session directory gone"]
        assert next(c for c in receipt.checks if c.name == "session directory gone").left >= 2
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)


def test_session_processes_and_their_children_are_stopped(tmp_path):
    processes = SessionProcesses(tmp_path / "run" / "session-processes")
    # A process that ignores SIGTERM and has a child of its own.
    parent = processes.spawn([sys.executable, "-c",
                              "import signal, subprocess, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                              "subprocess.Popen(['sleep', '300']); time.sleep(300)"])
    assert processes.alive() == [parent.pid]
    processes.stop_all(grace_s=0.3)
    assert processes.alive() == []
    assert parent.poll() is not None
    assert (tmp_path / "run" / "session-processes").read_text() == ""


# A session process that double-forks a child into a session of its own, as Chromium
# starts its crash handler: the child is the kiosk's (its subreaper) and in no known group.
ESCAPE = """
import os, sys, time
if os.fork() == 0:
    if os.fork() == 0:
        os.setsid()
        os.write(1, b"%d\\n" % os.getpid())
        sys.stdin.read()  # until the test closes its end
        os._exit(0)
    os._exit(0)
time.sleep(300)
"""


def escapee(processes: SessionProcesses):
    parent = processes.spawn([sys.executable, "-c", ESCAPE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    child = int(parent.stdout.readline())
    assert os.getpgid(child) not in (parent.pid, os.getpgid(0))
    return parent, child


def state_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def test_a_session_process_that_left_its_group_is_still_stopped(tmp_path):
    processes = SessionProcesses(tmp_path / "run" / "session-processes")
    parent, child = escapee(processes)
    assert sorted(processes.alive()) == sorted({parent.pid, child})
    processes.stop_all(grace_s=0.3)
    assert processes.alive() == [] and state_of(child) == "gone"  # killed, and reaped: no zombie


def test_a_session_process_that_left_its_group_is_reaped_when_it_exits(tmp_path):
    processes = SessionProcesses(tmp_path / "run" / "session-processes")
    parent, child = escapee(processes)
    assert child in processes.alive()  # seen while it runs
    parent.stdin.close()  # the escapee exits and waits, a zombie, for its parent: the kiosk
    deadline = time.monotonic() + 10
    while state_of(child) not in ("Z", "gone") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert state_of(child) == "Z"
    processes.alive()
    assert state_of(child) == "gone"
    processes.stop_all(grace_s=0.3)


def test_processes_of_a_crashed_kiosk_are_found_from_the_registry(tmp_path):
    registry = tmp_path / "session-processes"
    orphan = subprocess.Popen(["sleep", "300"], start_new_session=True)
    registry.write_text(f"{orphan.pid}\n")
    processes = SessionProcesses(registry)  # a new kiosk process, knowing nothing in memory
    assert processes.alive() == [orphan.pid]
    processes.stop_all(grace_s=0.5)
    orphan.wait(timeout=5)
    assert processes.alive() == []


@pytest.mark.parametrize("reason", ["cli"])
def test_kiosk_wipe_verify_command(tmp_path, reason, cupsd):
    from testbed.config import kiosk_test_config

    config = kiosk_test_config(tmp_path, cupsd.socket)
    session = tmp_path / "run" / "session" / "downloads"
    session.mkdir(parents=True)
    (session / "left.pdf").write_text("x")
    job = cupsd.hold_job("kiosk-test")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = subprocess.run([sys.executable, "-m", "kiosk", "wipe", "--verify", "--config", str(config)],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "run" / "session").exists() and job not in cupsd.jobs()
    assert '"reason": "' + reason + '"' in result.stdout and "clean" in result.stderr
    # A CUPS that cannot be reached: the wipe says so and fails.
    broken = kiosk_test_config(tmp_path, "/nonexistent/cups.sock")
    result = subprocess.run([sys.executable, "-m", "kiosk", "wipe", "--verify", "--config", str(broken)],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1 and "NOT CLEAN: print jobs, no session print jobs" in result.stderr


def test_an_undeletable_file_keeps_the_kiosk_out_of_service(tmp_path):
    from kiosk.config import TimeoutsConfig
    from kiosk.session import Session

    class NoTimers:
        def call_later(self, _delay, _callback):
            return lambda: None

    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    session = Session(wipe, TimeoutsConfig(180, 30, 360), NoTimers())
    session.start()
    stuck = wipe.session_dir / "downloads"
    (stuck / "kept.pdf").write_text("x")
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    try:
        receipt = session.end("end")
        assert session.state == "out_of_service" and receipt.attempt == 2
        assert not session.start()
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
    assert [r["attempt"] for r in wipe.receipts()] == [1, 2]
