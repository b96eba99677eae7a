"""Processes started for a session (the browser, later others), stopped by the wipe.

Each is started in a process group of its own, so whatever it spawned dies with it. The
group ids are also written to a file outside the session directory, so a kiosk that
crashed still stops them on its next start.

A process may leave its group (setsid: Chromium's crash handler does, after a double fork
that makes it the kiosk's child). Every session process carries `MARK` in its environment,
so one that left is still found, and its new group becomes one of the session's.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

log = logging.getLogger(__name__)

MARK = "KIOSK_SESSION_PROCESS=1"


class SessionProcesses:
    def __init__(self, registry_file: Path) -> None:
        self.registry_file = registry_file
        self._children: dict[int, subprocess.Popen] = {}
        _become_subreaper()

    def spawn(self, argv: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
        name, value = MARK.split("=")
        process = subprocess.Popen(argv, start_new_session=True, env={**(os.environ if env is None else env),
                                                                      name: value}, **kwargs)
        self._children[process.pid] = process
        self._write(self._groups() | {process.pid})
        return process

    def _groups(self) -> set[int]:
        try:
            text = self.registry_file.read_text()
        except FileNotFoundError:
            return set()
        return {int(line) for line in text.split() if line.isdigit()}

    def _write(self, groups: set[int]) -> None:
        self.registry_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.registry_file.with_suffix(".tmp")
        tmp.write_text("".join(f"{g}\n" for g in sorted(groups)))
        tmp.replace(self.registry_file)

    def alive(self) -> list[int]:
        """Process groups of the session that still have a running process."""
        for child in self._children.values():
            child.poll()  # reap our own children, or they linger as zombies in their group
        table = _processes()  # one look through /proc for both questions: it is most of the cost
        escaped = _escaped(self._groups() | set(self._children), table)
        if escaped:
            log.info("%d session process(es) had left their process group", len(escaped))
            self._write(self._groups() | escaped)
        _reap_orphans(self._groups() | set(self._children), table)
        living = []
        for group in sorted(self._groups() | set(self._children)):
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                continue
            except PermissionError:
                pass  # exists but belongs to someone else: still alive
            living.append(group)
        return living

    def stop_all(self, grace_s: float = 1.0) -> None:
        """SIGTERM every group, then SIGKILL what is left after `grace_s`."""
        groups = self.alive()
        signalled = bool(groups)
        for group in groups:
            _signal_group(group, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while groups and time.monotonic() < deadline:
            time.sleep(0.02)
            groups = self.alive()
        for group in groups:
            _signal_group(group, signal.SIGKILL)
        if groups:
            time.sleep(0.05)
        # Nothing was alive, nothing was signalled: no need to look through /proc again.
        if not signalled or not self.alive():
            self._children.clear()
            self._write(set())


def _become_subreaper() -> None:
    """Orphans of the session's processes (a browser's helpers whose parent died first)
    come to the kiosk, which reaps them: a zombie would keep its process group alive."""
    from kiosk.devices import load_library

    libc = load_library("libc.so.6", "c")
    if libc is not None:
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _processes() -> list[tuple[int, str, int, int]]:
    """(pid, state, parent, group) of every process."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.append((int(entry), fields[0], int(fields[1]), int(fields[2])))
    return found


def _escaped(groups: set[int], table: list[tuple[int, str, int, int]]) -> set[int]:
    """The groups of living session processes outside `groups` (`table`: _processes()).
    Only a child of the kiosk or of a session process can be one: the environments of
    those few are read."""
    inside = {pid for pid, _state, _parent, group in table if group in groups}
    parents = inside | {os.getpid()}
    found = set()
    for pid, state, parent, group in table:
        if state != "Z" and group not in groups and parent in parents:
            try:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    if MARK.encode() in environ.read().split(b"\0"):
                        found.add(group)
            except OSError:
                continue
    return found


def _reap_orphans(groups: set[int], table: list[tuple[int, str, int, int]]) -> None:
    me = os.getpid()
    for pid, state, parent, group in table:
        if state == "Z" and parent == me and group in groups:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except ProcessLookupError:
        pass
    except PermissionError:
        log.error("not allowed to stop process group %d of the session", group)
