"""The wipe between people: every trace of a session is removed, then verified.

Services that hold a person's state register a named step (undo it) and, where it can be
observed, a named check (say what is left, or nothing). `SessionWipe.run()` runs every
step even if one fails, deletes the session directory, runs every check, and appends an
anonymous receipt: times, step and check names, ok or not, error types. Never a file
name, a URL or anything a person typed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from kiosk.devices import DeviceError
from kiosk.devices.browser_env import CrashReports

log = logging.getLogger(__name__)

SESSION_SUBDIRS = ("downloads", "print", "browser", "scan")
RECEIPTS_FILE = "wipe-receipts.jsonl"
RECEIPTS_KEPT = 5000


@dataclass
class StepResult:
    name: str
    ok: bool
    ms: float
    error: str = ""  # an exception type, never its message (it may name a person's file)


@dataclass
class CheckResult:
    name: str
    ok: bool
    left: int = 0  # how many things were found left behind


@dataclass
class Receipt:
    time: str
    reason: str
    attempt: int
    ok: bool = True
    total_ms: float = 0.0
    steps: list[StepResult] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [s.name for s in self.steps if not s.ok] + [c.name for c in self.checks if not c.ok]


class SessionWipe:
    """Owns the session directory, and runs the registered steps and checks."""

    def __init__(self, runtime_dir: Path, state_dir: Path) -> None:
        self.session_dir = runtime_dir / "session"
        self.state_dir = state_dir
        self._steps: list[tuple[str, Callable[[], object]]] = []
        self._checks: list[tuple[str, Callable[[], int]]] = []
        self.register_check("session directory gone", self._directory_left)

    def register_step(self, name: str, step: Callable[[], object]) -> None:
        """`step()` undoes what a service holds; raising marks the step failed."""
        self._steps.append((name, step))

    def register_check(self, name: str, check: Callable[[], int]) -> None:
        """`check()` returns how many things of the session are left (0 = clean); raising fails it."""
        self._checks.append((name, check))

    def prepare(self) -> Path:
        """A fresh, private session directory for the next person."""
        self.session_dir.parent.mkdir(parents=True, exist_ok=True)
        self.session_dir.mkdir(mode=0o700)
        for name in SESSION_SUBDIRS:
            (self.session_dir / name).mkdir(mode=0o700)
        return self.session_dir

    def warn_if_on_disk(self) -> None:
        """Files deleted from a disk may be recovered from it; a session belongs on tmpfs."""
        kind = filesystem_type(self.session_dir.parent)
        if kind not in ("tmpfs", "ramfs", ""):
            log.warning("session files are kept in %s, on %s, not tmpfs: deleted files could be "
                        "recovered from the disk (use systemd's RuntimeDirectory= or a tmpfs)",
                        self.session_dir.parent, kind)

    def has_leftovers(self) -> bool:
        return self.session_dir.exists()

    def run(self, reason: str, attempt: int = 1) -> Receipt:
        started = time.perf_counter()
        receipt = Receipt(time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                          reason=reason, attempt=attempt)
        for name, step in self._steps + [("session directory", self._remove_directory)]:
            t0 = time.perf_counter()
            try:
                step()
                result = StepResult(name, True, _ms(t0))
            except Exception as error:  # every step runs, whatever the one before did
                result = StepResult(name, False, _ms(t0), type(error).__name__)
                # A device's message is the kiosk's own words; others may name a person's file.
                log.error("wipe step '%s' failed: %s", name,
                          error if isinstance(error, DeviceError) else type(error).__name__)
            receipt.steps.append(result)
        for name, check in self._checks:
            try:
                left = int(check())
                receipt.checks.append(CheckResult(name, left == 0, left))
            except Exception as error:
                receipt.checks.append(CheckResult(name, False, -1))
                log.error("wipe check '%s' could not be made: %s", name,
                          error if isinstance(error, DeviceError) else type(error).__name__)
        for result in receipt.checks:
            if not result.ok and result.left > 0:
                log.error("wipe check '%s' failed: %d left", result.name, result.left)
        receipt.ok = not receipt.failed
        receipt.total_ms = _ms(started)
        self._write_receipt(receipt)
        return receipt

    def _remove_directory(self) -> None:
        if not self.session_dir.exists():
            return
        # A person's download may be read-only; the kiosk owns it all the same.
        shutil.rmtree(self.session_dir, onerror=_make_writable_and_retry)

    def _directory_left(self) -> int:
        if not self.session_dir.exists():
            return 0
        return sum(1 for _ in self.session_dir.rglob("*")) + 1

    def _write_receipt(self, receipt: Receipt) -> None:
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            path = self.state_dir / RECEIPTS_FILE
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(receipt), separators=(",", ":")) + "\n")
            if path.stat().st_size > RECEIPTS_KEPT * 2000:
                lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[-RECEIPTS_KEPT:]
                path.write_text("".join(lines), encoding="utf-8")
        except OSError as error:
            log.error("cannot write the wipe receipt in %s: %s", self.state_dir, error)

    def receipts(self) -> list[dict]:
        path = self.state_dir / RECEIPTS_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def filesystem_type(path: Path) -> str:
    """The type of the file system `path` is on, from /proc/mounts ("" if unknown)."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return ""
    path = path.resolve() if path.exists() else path.parent.resolve()
    best, kind = "", ""
    for fields in mounts:
        point = fields[1].replace("\\040", " ")
        if (str(path) == point or str(path).startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def _make_writable_and_retry(function, path, _exc_info) -> None:
    parent = os.path.dirname(path)
    os.chmod(parent, stat.S_IRWXU)
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, stat.S_IRWXU)
    function(path)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


def register_device_steps(wipe: SessionWipe, printer, processes, selections, crash_reports=None) -> None:
    """The wipe steps and checks of the devices a session can leave something in.

    `selections` may be None where there is no X display (the command-line wipe).
    `crash_reports`: where Chromium keeps crash dumps by default (the kiosk's environment's
    `CrashReports` if None). The kiosk's browser makes none (kiosk/devices/browser_env.py);
    a dump there would be a memory image of someone's session that outlived the wipe.
    """
    crash_reports = crash_reports or CrashReports()
    wipe.register_step("processes", processes.stop_all)
    wipe.register_check("no session processes", lambda: len(processes.alive()))
    wipe.register_step("browser crash reports", crash_reports.remove)
    wipe.register_check("no browser crash reports", lambda: len(crash_reports.reports()))
    wipe.register_step("print jobs", printer.purge_jobs)
    wipe.register_check("no session print jobs", lambda: len(printer.pending_jobs()))
    if selections is not None:
        wipe.register_step("x selections", selections.clear)
        wipe.register_check("x selections empty", lambda: len(selections.owned()))
