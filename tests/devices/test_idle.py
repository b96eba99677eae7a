"""XIdle: the X display's idle time, read from a real Xvfb and reset by real input."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kiosk.devices.idle import XIdle

DEADLINE_S = 10.0


def wait_for(condition, what: str):
    """The first true value of `condition()`, polled until a deadline."""
    deadline = time.monotonic() + DEADLINE_S
    pause = threading.Event()
    while (value := condition()) is None or value is False:
        assert time.monotonic() < deadline, f"not within {DEADLINE_S:g} s: {what}"
        pause.wait(0.05)
    return value


def move_pointer(display: str, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True, timeout=10,
                   env=dict(os.environ, DISPLAY=display))


@pytest.mark.gui
def test_idle_time_grows_while_nobody_touches_anything(xvfb_display):
    idle = XIdle(xvfb_display)
    first = idle.idle_ms()
    assert isinstance(first, int) and first >= 0
    later = wait_for(lambda: (value := idle.idle_ms()) is not None and value >= first + 300 and value,
                     "the idle time to grow by 300 ms")
    assert later >= first + 300


@pytest.mark.gui
def test_input_on_the_display_resets_the_idle_time(xvfb_display):
    idle = XIdle(xvfb_display)
    move_pointer(xvfb_display, 10, 10)
    before = wait_for(lambda: (value := idle.idle_ms()) is not None and value >= 1000 and value,
                      "a second without input")
    move_pointer(xvfb_display, 300, 200)
    after = idle.idle_ms()
    assert after is not None and after < before
    assert after < 1000


def unused_display() -> str:
    """A display number no X server listens on here (by path or abstract socket)."""
    listening = Path("/proc/net/unix").read_text()
    number = next(n for n in range(4711, 4800) if f"/tmp/.X11-unix/X{n}" not in listening
                  and not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{number}"


@pytest.mark.parametrize("display", [unused_display(), "no display at all"])
def test_a_display_that_cannot_be_reached_gives_none(display):
    idle = XIdle(display)
    assert idle.idle_ms() is None
    assert idle.idle_ms() is None
