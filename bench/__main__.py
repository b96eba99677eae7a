"""Runner: `python -m bench [NAME ...]`; with no names, every benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from bench.browser import browser_open, browser_wipe
from bench.common import compared
from bench.fleet import desk_fanin, desk_fanin_postgres, help_latency
from bench.printing import preview, print_
from bench.scan import scan_to_document
from bench.speech import speech, speech_screen, speech_stop
from bench.stats import stats_rollup
from bench.wipe import soak, wipe
from kiosk.devices.xvfb import VirtualDisplay

STARTUP_RUNS = 7
MEMORY_RUNS = 3
TIMEOUT_S = 120


def probe(subject: str, metric: str, display: str) -> tuple[float, str]:
    """Run one probe process; (seconds from spawn to its marker line, that line)."""
    env = dict(os.environ, DISPLAY=display)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.probe", subject, metric], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    marker = ""
    for line in process.stdout:
        if line.startswith(("first-frame", "rss ")):
            marker = line.strip()
            elapsed = time.perf_counter() - started
            break
    process.wait(timeout=TIMEOUT_S)
    if not marker:
        raise RuntimeError(f"probe {subject} {metric} exited {process.returncode} without a result")
    return elapsed, marker


def startup(display: str) -> dict:
    kiosk, bare = [], []
    for _ in range(STARTUP_RUNS):  # alternate, so drift in machine load hits both alike
        bare.append(probe("bare", "startup", display)[0])
        kiosk.append(probe("kiosk", "startup", display)[0])
    return compared("startup", kiosk, bare, "s", 3, "ratio <= 1.5",
                    kiosk_s=[round(v, 3) for v in kiosk], bare_s=[round(v, 3) for v in bare])


def memory(display: str) -> dict:
    kiosk, bare = [], []
    for _ in range(MEMORY_RUNS):
        bare.append(int(probe("bare", "memory", display)[1].split()[1]) / 1024)
        kiosk.append(int(probe("kiosk", "memory", display)[1].split()[1]) / 1024)
    return compared("memory", kiosk, bare, "MB", 1, "ratio <= 1.3",
                    detail="resident memory, idle after visiting every screen once")


BENCHMARKS = {"startup": startup, "memory": memory, "wipe": wipe, "soak": soak, "speech": speech,
              "speech_stop": speech_stop, "speech_screen": speech_screen, "print": print_, "preview": preview,
              "browser_open": browser_open, "browser_wipe": browser_wipe, "help_latency": help_latency,
              "desk_fanin": desk_fanin, "desk_fanin_postgres": desk_fanin_postgres, "stats_rollup": stats_rollup,
              "scan_to_document": scan_to_document}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark: {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch, VirtualDisplay() as display:
        # The probes' session files and wipe receipts go here, not to the machine's own places.
        os.environ["XDG_RUNTIME_DIR"] = os.path.join(scratch, "run")
        os.environ["XDG_STATE_HOME"] = os.path.join(scratch, "state")
        for name in names or list(BENCHMARKS):
            print(json.dumps(BENCHMARKS[name](display)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
