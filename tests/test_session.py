"""The session lifecycle with a fake clock and fake devices (no display)."""

from __future__ import annotations

import pytest

from kiosk.config import TimeoutsConfig
from kiosk.devices.printer import FakePrinter
from kiosk.devices.processes import SessionProcesses
from kiosk.devices.selections import FakeSelections
from kiosk.session import Session
from kiosk.wipe import SessionWipe, register_device_steps
from testbed.fakes import FakeScheduler

TIMEOUTS = TimeoutsConfig(inactivity_s=180, warning_s=30, accessible_inactivity_s=360)


@pytest.fixture
def parts(tmp_path):
    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    printer, selections = FakePrinter(), FakeSelections()
    processes = SessionProcesses(tmp_path / "run" / "session-processes")
    register_device_steps(wipe, printer, processes, selections)
    clock = FakeScheduler()
    slow = {"on": False}
    session = Session(wipe, TIMEOUTS, clock, needs_more_time=lambda: slow["on"])
    ended = []
    session.bind(on_ended=lambda _s, reason, receipt: ended.append((reason, receipt)))
    return session, clock, printer, selections, processes, ended, slow


def test_inactivity_warns_extends_ten_times_then_times_out_and_wipes(parts):
    session, clock, printer, selections, _processes, ended, _slow = parts
    assert session.start()
    (session.wipe.session_dir / "downloads" / "canary.pdf").write_bytes(b"x")
    printer.hold_job()
    selections.owners = ["CLIPBOARD"]
    for _ in range(10):
        clock.advance(179.9)
        assert session.state == "active"
        clock.advance(0.1)
        assert session.state == "warning" and session.remaining == 30
        clock.advance(20)  # at least 20 s to answer
        assert session.state == "warning" and session.remaining == 10
        session.activity()  # one tap
        assert session.state == "active"
    assert session.extensions == 10
    clock.advance(180 + 29.5)
    assert session.state == "warning" and session.remaining == 1
    clock.advance(1)
    assert session.state == "ready"
    assert [(reason, receipt.ok) for reason, receipt in ended] == [("timeout", True)]
    assert not session.wipe.session_dir.exists() and printer.jobs == [] and selections.owners == []


def test_activity_postpones_the_warning(parts):
    session, clock, *_ = parts
    session.start()
    for _ in range(5):
        clock.advance(170)
        session.activity()
    assert session.state == "active"
    clock.advance(180)
    assert session.state == "warning"


def test_longer_timeout_for_speech_or_large_text(parts):
    session, clock, *_rest, slow = parts
    slow["on"] = True
    session.start()
    clock.advance(359)
    assert session.state == "active"
    clock.advance(1)
    assert session.state == "warning"


def test_end_runs_every_step_even_when_one_fails_then_retries_and_closes(parts):
    session, clock, printer, selections, _processes, ended, _slow = parts
    ran = []
    session.wipe.register_step("broken", lambda: 1 / 0)
    session.wipe.register_step("after the broken one", lambda: ran.append(True))
    session.start()
    selections.owners = ["CLIPBOARD"]
    receipt = session.end("end")
    assert session.state == "out_of_service"
    assert receipt.attempt == 2 and not receipt.ok and receipt.failed == ["broken"]
    assert ran == [True, True]  # ran in both attempts, after the failing step
    assert selections.owners == [] and not session.wipe.session_dir.exists()
    assert [s.error for s in receipt.steps if not s.ok] == ["ZeroDivisionError"]
    assert not session.start()  # nobody gets a dirty terminal
    clock.advance(1000)
    assert session.state == "out_of_service"


def test_a_device_that_cannot_be_asked_fails_its_check(parts):
    session, _clock, printer, *_ = parts
    session.start()
    printer.fail_with = "CUPS did not answer"
    receipt = session.end("end")
    assert session.state == "out_of_service"
    assert "print jobs" in receipt.failed and "no session print jobs" in receipt.failed


def test_recover_wipes_leftovers_of_a_crash(parts, tmp_path):
    session, _clock, printer, *_ = parts
    leftover = session.wipe.prepare() / "browser" / "Cookies"
    leftover.write_text("canary")
    printer.hold_job()
    receipt = session.recover()
    assert receipt.ok and receipt.reason == "startup"
    assert not leftover.exists() and printer.jobs == []
    assert session.state == "ready"


def test_recover_on_a_clean_machine_is_quietly_ok(parts):
    session, *_ = parts
    assert session.recover().ok and session.state == "ready"


def test_receipts_are_anonymous_lines(parts):
    session, *_ = parts
    session.start()
    (session.wipe.session_dir / "downloads" / "Matti Meikäläinen 010101-123A.pdf").write_text("x")
    session.end("end")
    receipts = session.wipe.receipts()
    assert len(receipts) == 1
    text = (session.wipe.state_dir / "wipe-receipts.jsonl").read_text()
    assert "Meikäläinen" not in text and "010101" not in text and ".pdf" not in text
    receipt = receipts[0]
    assert receipt["reason"] == "end" and receipt["ok"] is True and receipt["time"].endswith("Z")
    assert {"processes", "print jobs", "x selections", "session directory"} <= {s["name"] for s in receipt["steps"]}
    assert all(set(s) == {"name", "ok", "ms", "error"} for s in receipt["steps"])
