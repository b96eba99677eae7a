"""The screen's power: off at night while the place is closed, on again before it opens,
through the X server's DPMS extension (libXext, ctypes).

The kiosk's X session keeps DPMS off, so that an idle welcome screen never goes dark while
the place is open. To turn the screen off, DPMS is enabled and the monitor forced off; any
touch or key then wakes it (the X server does that itself), so staff still reach staff mode
at night. Turning it on forces the monitor on and, if the kiosk enabled DPMS, disables it
again. Xlib reports a refused request to one error handler for the whole process, whose
default exits it: so nothing is asked that the server could refuse (the extension and the
monitor's capability are asked first, and the level is forced only with DPMS enabled).
"""

from __future__ import annotations

import ctypes
from typing import Protocol

from kiosk.devices import DeviceError, load_library

DPMS_ON, DPMS_OFF = 0, 3


class DisplayPower(Protocol):
    def off(self) -> None:
        """The screen off (it wakes at a touch). Raises DeviceError."""

    def on(self) -> None:
        """The screen on. Raises DeviceError."""


class XDisplayPower:
    """DPMS on X display `display`, connected when first used (never before the first frame)."""

    def __init__(self, display: str) -> None:
        self.display_name = display
        self._x = self._ext = self._display = None
        self._enabled_here = False  # DPMS was off until the kiosk turned the screen off

    def _connect(self):
        if self._display is not None:
            return self._x, self._ext, self._display
        x = load_library("libX11.so.6", "X11")
        ext = load_library("libXext.so.6", "Xext")
        if x is None or ext is None:
            raise DeviceError("libX11 or libXext is not installed (Debian packages 'libx11-6', 'libxext6'): "
                              "the screen stays on at night")
        _bind(x, ext)
        display = x.XOpenDisplay(self.display_name.encode())
        if not display:
            raise DeviceError(f"cannot open X display {self.display_name!r}: the screen stays on at night")
        event, error = ctypes.c_int(), ctypes.c_int()
        if not ext.DPMSQueryExtension(display, ctypes.byref(event), ctypes.byref(error)):
            x.XCloseDisplay(display)
            raise DeviceError(f"the X server of {self.display_name} has no DPMS extension: "
                              "the screen stays on at night")
        if not ext.DPMSCapable(display):
            x.XCloseDisplay(display)
            raise DeviceError("the monitor cannot be turned off by DPMS: the screen stays on at night")
        self._x, self._ext, self._display = x, ext, display
        return x, ext, display

    def _enabled(self) -> bool:
        _x, ext, display = self._connect()
        level, state = ctypes.c_ushort(), ctypes.c_ubyte()
        if not ext.DPMSInfo(display, ctypes.byref(level), ctypes.byref(state)):
            raise DeviceError("the X server did not say its DPMS state")
        return bool(state.value)

    def off(self) -> None:
        x, ext, display = self._connect()
        if not self._enabled():
            ext.DPMSEnable(display)
            x.XSync(display, False)
            self._enabled_here = True
            if not self._enabled():
                raise DeviceError("the X server did not enable DPMS: the screen stays on")
        ext.DPMSForceLevel(display, DPMS_OFF)
        x.XSync(display, False)

    def on(self) -> None:
        x, ext, display = self._connect()
        if self._enabled():  # DPMS off: the monitor is on already
            ext.DPMSForceLevel(display, DPMS_ON)
            if self._enabled_here:
                ext.DPMSDisable(display)
                self._enabled_here = False
            x.XSync(display, False)


def _bind(x, ext) -> None:
    p = ctypes.c_void_p
    x.XOpenDisplay.restype, x.XOpenDisplay.argtypes = p, [ctypes.c_char_p]
    x.XCloseDisplay.argtypes = [p]
    x.XSync.argtypes = [p, ctypes.c_int]
    for name, args in (("DPMSQueryExtension", [p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]),
                       ("DPMSCapable", [p]), ("DPMSEnable", [p]), ("DPMSDisable", [p]),
                       ("DPMSForceLevel", [p, ctypes.c_ushort]),
                       ("DPMSInfo", [p, ctypes.POINTER(ctypes.c_ushort), ctypes.POINTER(ctypes.c_ubyte)])):
        function = getattr(ext, name)
        function.restype, function.argtypes = ctypes.c_int, args


class FakeDisplayPower:
    """Records what it was asked ("off", "on"); fails with `fails_with` when set."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fails_with = ""

    def off(self) -> None:
        self._call("off")

    def on(self) -> None:
        self._call("on")

    def _call(self, what: str) -> None:
        if self.fails_with:
            raise DeviceError(self.fails_with)
        self.calls.append(what)
