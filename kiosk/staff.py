"""Staff mode's gate: the PIN, checked against [staff] pin_hash, with a lockout.

Five wrong PINs lock the pad for five minutes. Every attempt is logged (accepted, wrong,
refused while locked) but never its digits. The clock is injected so tests need not wait.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable

from kiosk.config import pin_matches

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT_S = 300.0
IDLE_S = 120.0  # staff mode left alone this long: wiped, back to the welcome screen
# The corners held in turn to open staff mode (a finger held this long in each, the second
# within GESTURE_GAP_S of the first), and their size.
CORNER_HOLD_S = 2.0
GESTURE_GAP_S = 5.0
CORNER_PX = 96
SETTINGS_FILE = "staff-settings.json"


class StaffGate:
    def __init__(self, pin_hash: str, clock: Callable[[], float] = time.monotonic, idle_s: float = IDLE_S) -> None:
        self.pin_hash = pin_hash
        self.clock = clock
        self.idle_s = idle_s  # staff mode left alone this long is left (and the kiosk wiped)
        self.failures = 0
        self._locked_until = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.pin_hash)

    def locked_for(self) -> float:
        """Seconds until the pad takes PINs again (0 = it does now)."""
        return max(0.0, self._locked_until - self.clock())

    def try_pin(self, pin: str) -> str:
        """"ok", "wrong", "locked" (wait locked_for()) or "unset" (no PIN configured)."""
        if not self.enabled:
            log.warning("staff PIN attempt: no PIN is configured ([staff] pin_hash)")
            return "unset"
        if self.locked_for() > 0:
            log.warning("staff PIN attempt while locked (%d s left)", int(self.locked_for()))
            return "locked"
        if pin.isdigit() and pin_matches(pin, self.pin_hash):
            self.failures = 0
            log.info("staff PIN accepted: staff mode opened")
            return "ok"
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            self.failures = 0
            self._locked_until = self.clock() + LOCKOUT_S
            log.warning("staff PIN wrong %d times: the pad is locked for %d minutes", MAX_FAILURES, LOCKOUT_S // 60)
            return "locked"
        log.warning("staff PIN wrong (%d of %d before the lockout)", self.failures, MAX_FAILURES)
        return "wrong"


def in_corner(x: float, y: float, width: float, height: float) -> str:
    """"left" or "right" for a touch in a top corner of the window, else ""."""
    if y < height - CORNER_PX:
        return ""
    if x < CORNER_PX:
        return "left"
    if x > width - CORNER_PX:
        return "right"
    return ""


def load_settings(state_dir: Path) -> dict:
    """What staff set on the terminal and the kiosk keeps across restarts (default volume)."""
    try:
        data = json.loads((state_dir / SETTINGS_FILE).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_settings(state_dir: Path, settings: dict) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SETTINGS_FILE
    path.with_suffix(".tmp").write_text(json.dumps(settings))
    path.with_suffix(".tmp").replace(path)
