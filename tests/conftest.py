"""Shared test set-up: Kivy reads no user configuration, and one Xvfb serves every GUI test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import lockdown

ROOT = Path(__file__).resolve().parent.parent
lockdown.prepare_environment(kivy_home=str(ROOT / "build" / "kivy-home"))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def xvfb_display():
    """A virtual X display for the whole test run (started once, stopped at the end)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed: run 'make test', which installs it (Debian package xvfb)")
    read, write_end = os.pipe()
    process = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x800x24",
                                "-nolisten", "tcp", "-noreset"], pass_fds=(write_end,),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read) as handle:
        number = handle.readline().strip()
    if not number:
        process.kill()
        pytest.fail("Xvfb did not start")
    display = f":{number}"
    os.environ["DISPLAY"] = display
    yield display
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def kiosk_cli(xvfb_display):
    """Run the installed `kiosk` command as IT would, on the virtual display."""

    def run(*args: str, timeout: float = 240, **kwargs) -> subprocess.CompletedProcess:
        env = dict(os.environ, DISPLAY=xvfb_display)
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=ROOT, **kwargs)

    return run
