"""Adapters to things outside the process. Plain Python, no Kivy."""

from __future__ import annotations

import subprocess


class DeviceError(RuntimeError):
    """A device could not be used; the message says what a person can do about it."""


def load_library(soname: str, name: str):
    """A C library by its versioned file name, else as ctypes finds it (slower: it asks
    ldconfig); None if it is not there."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(name)
    try:
        return ctypes.CDLL(found) if found else None
    except OSError:
        return None


def terminate(process: subprocess.Popen | None, timeout_s: float = 10) -> None:
    """Stop a helper process: SIGTERM, then SIGKILL if it does not go in time."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)
