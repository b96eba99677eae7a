"""The scanner, through SANE: `scanimage` finds it and scans one page at a time.

`scanimage` (sane-utils) runs as a child process of the session rather than python-sane in
the kiosk's own process: a backend that hangs on a USB read, or crashes, then takes only
its child with it, and the wipe stops it with the session's other processes. Its exit
status is the SANE status of the failure, which says what a person can do about it
(`FAULTS`). Every file it and its backend write stays in the folder it is given (TMPDIR
too), which is in the session's folder, so the wipe removes it.

`FakeScanner` is for unit tests and the laptop demo: it draws a page, and can be told to
fail as a scanner does.
"""

from __future__ import annotations

import logging
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)

# SANE_Status values (sane/sane.h), which scanimage exits with, and what they mean to a
# person. Everything else is "failed".
FAULTS = {3: "busy", 6: "jammed", 7: "no_paper", 8: "cover_open"}
# sane_strstatus()'s words for them, as scanimage prints a failed read ("sane_read: ...").
STATUS_WORDS = {3: b"Device busy", 6: b"Document feeder jammed", 7: b"Document feeder out of documents",
                8: b"Scanner cover is open"}
CANCEL_GRACE_S = 3.0     # after a failed read, for the backend to end the scan
POLL_S = 0.05
LIST_TIMEOUT_S = 30.0    # scanimage -L probes USB and the network backends
SCAN_TIMEOUT_S = 180.0   # a slow A4 colour page at 300 dpi takes under a minute
MAX_PAGE_BYTES = 40 * 1024 * 1024
LETTER_DEVICE = re.compile(r"[A-Za-z0-9_.:/@+=,-]{1,200}")  # a SANE device name, never an option


def _ended_within(process: subprocess.Popen, pidfd: int | None, timeout_s: float) -> bool:
    """Whether `process` ended within `timeout_s`, known the moment it ends. The process's
    pidfd becomes readable when it exits; Popen.wait(timeout) instead sleeps 1, 2, 4, 8, 16 ms
    between looks, which found a 20 ms page about 12 ms late."""
    if pidfd is None:
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pass
    else:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.poll(timeout_s * 1000)
    return process.poll() is not None


def _pidfd(process: subprocess.Popen) -> int | None:
    try:
        return os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # Linux before 5.3: Popen's own polling
        return None


def _read_all(file, limit: int = 1 << 20) -> bytes:
    """What is in `file` so far, without moving the offset the child writes at."""
    return os.pread(file.fileno(), limit, 0)


class ScanError(DeviceError):
    """A scan that did not happen: `kind` is one of "none", "busy", "jammed", "no_paper",
    "cover_open", "failed"."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class ScannerInfo:
    device: str          # SANE's name, e.g. "epson2:libusb:001:004"
    name: str            # vendor and model, for staff


@dataclass
class ScanSettings:
    resolution: int = 200     # dpi: sharp enough for any attachment, small enough to send
    colour: bool = True


class Scanner(Protocol):
    def find(self) -> list[ScannerInfo]:
        """The scanners there are now (none: an empty list). Raises DeviceError when SANE
        itself is missing."""

    def scan(self, device: str, target: Path, settings: ScanSettings) -> Path:
        """One page as a JPEG at `target`. Raises ScanError."""


@dataclass
class _Capabilities:
    resolutions: tuple[int, ...] = ()           # a list the device offers
    resolution_range: tuple[int, int] | None = None
    modes: tuple[str, ...] = ()
    width_mm: float = 0.0                        # the whole glass
    height_mm: float = 0.0


OPTION = re.compile(r"^\s+(--resolution|--mode|-x|-y)\s+(\S+)")


def parse_capabilities(help_text: str) -> _Capabilities:
    """What `scanimage -d DEVICE -A` says a device can do: resolutions, modes, glass size."""
    found = _Capabilities()
    for line in help_text.splitlines():
        match = OPTION.match(line)
        if not match:
            continue
        option, value = match.groups()
        value = value.removesuffix("dpi").removesuffix("mm")
        if option == "--mode":
            found.modes = tuple(value.split("|"))
        elif option == "--resolution":
            if ".." in value:
                low, _, high = value.partition("..")
                found.resolution_range = (int(float(low)), int(float(high)))
            else:
                found.resolutions = tuple(int(float(v)) for v in value.split("|") if v.replace(".", "").isdigit())
        elif ".." in value:
            size = float(value.partition("..")[2])
            if option == "-x":
                found.width_mm = size
            else:
                found.height_mm = size
    return found


def nearest_resolution(capabilities: _Capabilities, wanted: int) -> int:
    if capabilities.resolutions:
        return min(capabilities.resolutions, key=lambda r: (abs(r - wanted), -r))
    if capabilities.resolution_range:
        low, high = capabilities.resolution_range
        return max(low, min(high, wanted))
    return wanted


@dataclass
class SaneScanner:
    """SANE's scanners through `scanimage`, started in the session's process group."""

    processes: object | None = None    # SessionProcesses: the wipe stops a scan left running
    work_dir: Path | None = None       # TMPDIR of the backend; set by the scanning service
    executable: str = field(default_factory=lambda: shutil.which("scanimage") or "")
    _capabilities: dict[str, _Capabilities] = field(default_factory=dict)

    def _run(self, argv: list[str], timeout_s: float, session: bool = False) -> tuple[int, str]:
        """scanimage with `argv`: (its exit status, its output). `session`: a scan, in the
        session's process group (the wipe stops it); finding scanners is not (a wipe that
        stopped it would make the scanner seem gone)."""
        if not self.executable:
            raise DeviceError("SANE is not installed (Debian package 'sane-utils')")
        env = dict(os.environ)
        if self.work_dir is not None:
            env["TMPDIR"] = str(self.work_dir)
        spawn = self.processes.spawn if session and self.processes is not None else subprocess.Popen
        # Its output into files, and the wait on scanimage alone: a backend's reader process
        # (SANE's test backend forks one, as do many) may outlive it holding a pipe open,
        # and waiting for the pipe's end would wait for that process.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = spawn([self.executable, *argv], env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            pidfd = _pidfd(process)  # before anything reaps it: its exit wakes the wait below
            try:
                deadline, failed_at = time.monotonic() + timeout_s, None
                while not _ended_within(process, pidfd, POLL_S):
                    now = time.monotonic()
                    if failed_at is None and b"sane_read: " in _read_all(err):
                        failed_at = now  # the page failed: what is left is the backend's cancel
                    if now > deadline or (failed_at is not None and now > failed_at + CANCEL_GRACE_S):
                        # A backend may hang in its cancel after a failed read (SANE's test
                        # backend does, now and then, joining its reader thread): the fault is
                        # known already.
                        process.kill()
                        process.wait()
                        if failed_at is None:
                            raise ScanError("failed", f"no answer within {timeout_s:g} s")
                        break
            finally:
                if pidfd is not None:
                    os.close(pidfd)
            output, errors = _read_all(out), _read_all(err)
        status = process.returncode
        if failed_at is not None and status < 0:  # killed in its cancel: the status it printed
            status = next((code for code, words in STATUS_WORDS.items() if words in errors), 9)
        if status:
            log.info("scanimage %s: status %d: %s", argv[:2], status, errors.decode("utf-8", "replace").strip()[-300:])
        return status, output.decode("utf-8", "replace")

    def find(self) -> list[ScannerInfo]:
        status, text = self._run(["--formatted-device-list=%d\t%v %m%n"], LIST_TIMEOUT_S)
        if status:
            return []
        found = []
        for line in text.splitlines():
            device, _, name = line.partition("\t")
            if LETTER_DEVICE.fullmatch(device):
                found.append(ScannerInfo(device, name.strip()[:120]))
        return found

    def capabilities(self, device: str) -> _Capabilities:
        if device not in self._capabilities:
            status, text = self._run(["-d", device, "-A"], LIST_TIMEOUT_S)
            if status:
                raise ScanError(FAULTS.get(status, "none"), f"options of {device}")
            self._capabilities[device] = parse_capabilities(text)
        return self._capabilities[device]

    def scan(self, device: str, target: Path, settings: ScanSettings) -> Path:
        if not LETTER_DEVICE.fullmatch(device):
            raise ScanError("none", "no such scanner")
        capabilities = self.capabilities(device)
        argv = ["-d", device, "--format=jpeg", f"--resolution={nearest_resolution(capabilities, settings.resolution)}"]
        mode = next((m for m in (("Color", "Colour") if settings.colour else ("Gray", "Grey"))
                     if m in capabilities.modes), "")
        if mode:
            argv.append(f"--mode={mode}")
        # The whole glass: A4 fits on every flatbed; where a backend's default is smaller
        # (SANE's test backend's is 80 x 100 mm), it is asked for all of it.
        if capabilities.width_mm and capabilities.height_mm:
            argv += ["-x", f"{min(capabilities.width_mm, 216):g}", "-y", f"{min(capabilities.height_mm, 297):g}"]
        partial = target.with_name(target.name + ".part")
        try:
            # Into a file of its own (-o): written to a pipe, a failed read ends in SIGPIPE
            # and exit status 0 instead of the fault's.
            status, _ = self._run([*argv, "-o", str(partial)], SCAN_TIMEOUT_S, session=True)
            if status:
                raise ScanError(FAULTS.get(status, "failed"), f"status {status}")
            size = partial.stat().st_size
            if not size or size > MAX_PAGE_BYTES:
                raise ScanError("failed", f"{size} bytes")
            partial.replace(target)
            return target
        finally:
            partial.unlink(missing_ok=True)


class FakeScanner:
    """A scanner in memory: `pages` scanned so far; `fail_with` a ScanError kind to fail
    with next; `present` False = none plugged in."""

    def __init__(self) -> None:
        self.present = True
        self.fail_with = ""
        self.scanned = 0

    def find(self) -> list[ScannerInfo]:
        return [ScannerInfo("fake:0", "Pretend scanner")] if self.present else []

    def scan(self, device: str, target: Path, settings: ScanSettings) -> Path:
        if not self.present:
            raise ScanError("none")
        if self.fail_with:
            kind, self.fail_with = self.fail_with, ""
            raise ScanError(kind)
        from PIL import Image, ImageDraw

        self.scanned += 1
        page = Image.new("RGB", (settings.resolution * 210 // 254, settings.resolution * 297 // 254), "white")
        draw = ImageDraw.Draw(page)
        for line in range(12):
            y = page.height // 8 + line * page.height // 20
            draw.rectangle((page.width // 10, y, page.width * (6 + line % 3) // 10, y + page.height // 80),
                           fill=(40, 40, 40))
        draw.text((page.width // 10, page.height // 16), f"Page {self.scanned}", fill="black")
        page.save(target, "JPEG", quality=80, dpi=(settings.resolution, settings.resolution))
        return target
