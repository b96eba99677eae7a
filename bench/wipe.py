"""The `wipe` and `soak` benchmarks.

wipe: End session → the kiosk ready for the next person (state ready and a frame drawn),
      with a session holding a 50 MB download, 200 small files and a held CUPS job,
      against `rm -rf` of the same directory in the same run. Runs inside the real kiosk
      (`python -m bench.wipe wipe CONFIG`) on the virtual display, with a real cupsd.
soak: 1,000 sessions through the real session service and wipe with fake devices;
      resident memory at session 100 against session 1,000.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.probe import resident_kb

WIPE_RUNS = 7
SOAK_SESSIONS = 1000


def fill(directory: Path) -> None:
    (directory / "downloads").mkdir(parents=True, exist_ok=True)
    with (directory / "downloads" / "big.pdf").open("wb") as handle:
        handle.write(os.urandom(1 << 20) * 50)
    cache = directory / "browser" / "Cache"
    cache.mkdir(parents=True, exist_ok=True)
    for number in range(200):
        (cache / f"entry-{number:03d}").write_bytes(os.urandom(2048))


def rm_rf_seconds(scratch: Path) -> float:
    target = scratch / "rm-baseline"
    fill(target)
    os.sync()
    t0 = time.perf_counter()
    subprocess.run(["rm", "-rf", str(target)], check=True)
    return time.perf_counter() - t0


def wipe_in_kiosk(config_file: str, cups_socket: str) -> None:
    """Runs inside a kiosk process; prints one JSON line of measurements."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.cli import build_app
    from testbed.cupsd import CupsServer

    app = build_app(Path(config_file))
    cups = CupsServer(Path(cups_socket).parent)
    cups.socket = cups_socket
    wipes: list[float] = []
    baselines: list[float] = []
    scratch = Path(tempfile.mkdtemp(dir=app.kiosk_config.session.runtime_dir.parent))

    def run_once(_dt=None) -> None:
        if len(wipes) == WIPE_RUNS:
            print(json.dumps({"wipe_s": wipes, "rm_s": baselines, "receipts_ok": all(
                r["ok"] for r in app.wipe.receipts() if r["reason"] == "end")}), flush=True)
            app.stop()
            return
        baselines.append(rm_rf_seconds(scratch))
        app.flow.leave_goodbye()
        app.flow.start_session()
        fill(app.wipe.session_dir)
        cups.hold_job(app.kiosk_config.printing.job_user)
        os.sync()
        started = time.perf_counter()

        def drawn(*_args) -> None:
            Window.unbind(on_flip=drawn)
            wipes.append(time.perf_counter() - started)
            Clock.schedule_once(run_once, 0.1)

        app.flow.end_session()
        assert app.session.state == "ready"
        Window.bind(on_flip=drawn)

    app.bind(on_start=lambda *_: Clock.schedule_once(run_once, 0.5))
    app.run()


def wipe(display: str) -> dict:
    from testbed.config import kiosk_test_config
    from testbed.cupsd import CupsServer

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-wipe-") as scratch:
        cups = CupsServer().start()
        try:
            config = kiosk_test_config(Path(scratch), cups.socket)
            result = subprocess.run([sys.executable, "-m", "bench.wipe", "wipe", str(config), cups.socket],
                                    env=dict(os.environ, DISPLAY=display), capture_output=True, text=True,
                                    timeout=600)
        finally:
            cups.stop()
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"wipe probe failed: {result.stderr[-2000:]}")
    data = json.loads(lines[-1])
    value, baseline = statistics.median(data["wipe_s"]), statistics.median(data["rm_s"])
    return {"name": "wipe", "value": round(value, 4), "unit": "s", "baseline": round(baseline, 4),
            "ratio": round(value / baseline, 3), "target": "median < 1 s and ratio <= 2",
            "runs": WIPE_RUNS, "receipts_ok": data["receipts_ok"],
            "wipe_s": [round(v, 4) for v in data["wipe_s"]], "rm_rf_s": [round(v, 4) for v in data["rm_s"]],
            "detail": "End session -> ready and drawn; 50 MB download, 200 files, a held CUPS job"}


def soak_sessions() -> None:
    """Runs in its own process; prints resident memory after session 100 and session 1,000."""
    from kiosk.config import TimeoutsConfig
    from kiosk.devices.heap import release_free_memory
    from kiosk.devices.printer import FakePrinter
    from kiosk.devices.processes import SessionProcesses
    from kiosk.devices.selections import FakeSelections
    from kiosk.session import Session
    from kiosk.wipe import SessionWipe, register_device_steps

    class NoTimers:
        def call_later(self, _delay, _callback):
            return lambda: None

    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as scratch:
        root = Path(scratch)
        wipe = SessionWipe(root / "run", root / "state")
        printer, selections = FakePrinter(), FakeSelections()
        register_device_steps(wipe, printer, SessionProcesses(root / "run" / "session-processes"), selections)
        session = Session(wipe, TimeoutsConfig(180, 30, 360), NoTimers())
        marks = {}
        for number in range(1, SOAK_SESSIONS + 1):
            session.start()
            for name in ("a.pdf", "b.html", "c.png"):
                (wipe.session_dir / "downloads" / name).write_bytes(b"x" * 4096)
            printer.hold_job()
            selections.owners = ["CLIPBOARD", "PRIMARY"]
            session.activity()
            if not session.end("end").ok:
                raise RuntimeError(f"wipe failed in session {number}")
            if number in (100, SOAK_SESSIONS):
                release_free_memory()
                marks[number] = resident_kb()
        print(json.dumps({"rss_100_kb": marks[100], "rss_last_kb": marks[SOAK_SESSIONS],
                          "receipts": len(wipe.receipts())}), flush=True)


def soak(_display: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.wipe", "soak"], capture_output=True, text=True,
                            timeout=900)
    lines = [l for l in result.stdout.splitlines() if l.startswith("{")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"soak probe failed: {result.stderr[-2000:]}")
    data = json.loads(lines[-1])
    growth = (data["rss_last_kb"] - data["rss_100_kb"]) / 1024
    return {"name": "soak", "value": round(growth, 2), "unit": "MB", "baseline": round(data["rss_100_kb"] / 1024, 1),
            "ratio": round(data["rss_last_kb"] / data["rss_100_kb"], 4), "target": "value < 5 MB",
            "sessions": SOAK_SESSIONS, "receipts": data["receipts"],
            "detail": "resident memory growth from session 100 to session 1000; baseline = RSS at session 100"}


if __name__ == "__main__":
    if sys.argv[1] == "wipe":
        wipe_in_kiosk(sys.argv[2], sys.argv[3])
    else:
        soak_sessions()
