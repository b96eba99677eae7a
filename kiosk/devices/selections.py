"""The X selections (clipboard and primary): what one person copied must not be pasted by
the next. Kivy's own clipboard goes through SDL; these are read and cleared with xsel."""

from __future__ import annotations

import shutil
import subprocess
from typing import Protocol

from kiosk.devices import DeviceError

SELECTIONS = ("--clipboard", "--primary", "--secondary")


class Selections(Protocol):
    def clear(self) -> None:
        """Empty every selection. Raises DeviceError."""

    def contents(self) -> list[str]:
        """The non-empty selections' contents (empty when all are clear). Raises DeviceError."""


class XSelections:
    def __init__(self, display: str) -> None:
        self.display = display

    def _xsel(self, *args: str) -> str:
        xsel = shutil.which("xsel")
        if xsel is None:
            raise DeviceError("xsel is not installed (Debian package 'xsel'): the clipboard cannot be cleared")
        try:
            result = subprocess.run([xsel, "--display", self.display, *args], capture_output=True,
                                    timeout=3, check=False)
        except subprocess.TimeoutExpired:
            raise DeviceError(f"xsel {' '.join(args)} did not finish on display {self.display}") from None
        if result.returncode != 0:
            raise DeviceError(f"xsel {' '.join(args)} failed on display {self.display}: "
                              + result.stderr.decode(errors="replace").strip())
        return result.stdout.decode(errors="replace")

    def clear(self) -> None:
        for selection in SELECTIONS:
            self._xsel(selection, "--clear")

    def contents(self) -> list[str]:
        return [text for text in (self._xsel(s, "--output") for s in SELECTIONS) if text]


class FakeSelections:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def clear(self) -> None:
        self.texts = []

    def contents(self) -> list[str]:
        return [t for t in self.texts if t]
