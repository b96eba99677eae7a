"""The X selections (CLIPBOARD, PRIMARY, SECONDARY): what one person copied must not be
pasted by the next. Kivy's clipboard is the X CLIPBOARD selection through SDL.

A selection's content lives in the client that owns it, so clearing a selection is giving
it no owner, and a selection with no owner is empty. Done in-process: one xsel process per
selection would cost the wipe a tenth of a second.
"""

from __future__ import annotations

from typing import Protocol

from kiosk.devices import DeviceError, load_library

SELECTIONS = ("CLIPBOARD", "PRIMARY", "SECONDARY")


class Selections(Protocol):
    def clear(self) -> None:
        """Empty every selection. Raises DeviceError."""

    def owned(self) -> list[str]:
        """The selections that still have content (an owner). Raises DeviceError."""


class XSelections:
    """Through libX11 (ctypes): already loaded by SDL, and far cheaper than a Python X client
    at start-up, where the wipe runs before the first frame."""

    def __init__(self, display: str) -> None:
        self.display_name = display
        self._x = None
        self._display = None

    def _connect(self):
        if self._display is None:
            x = _libx11()
            display = x.XOpenDisplay(self.display_name.encode())
            if not display:
                raise DeviceError(f"cannot open X display {self.display_name}")
            self._x, self._display = x, display
        return self._x, self._display

    def _atoms(self) -> list[tuple[str, int]]:
        x, display = self._connect()
        return [(name, x.XInternAtom(display, name.encode(), False)) for name in SELECTIONS]

    def clear(self) -> None:
        x, display = self._connect()
        for _name, atom in self._atoms():
            x.XSetSelectionOwner(display, atom, NONE, CURRENT_TIME)
        x.XSync(display, False)

    def owned(self) -> list[str]:
        x, display = self._connect()
        return [name for name, atom in self._atoms() if x.XGetSelectionOwner(display, atom) != NONE]


NONE = 0
CURRENT_TIME = 0


def _libx11():
    import ctypes

    x = load_library("libX11.so.6", "X11")
    if x is None:
        raise DeviceError("libX11 is not installed (Debian package 'libx11-6')")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x.XSetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    x.XGetSelectionOwner.restype = ctypes.c_ulong
    x.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return x


class FakeSelections:
    """Selections in memory: `owners` is what holds content now."""

    def __init__(self) -> None:
        self.owners: list[str] = []

    def clear(self) -> None:
        self.owners = []

    def owned(self) -> list[str]:
        return list(self.owners)
