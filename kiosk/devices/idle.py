"""How long the X display has been without input (XScreenSaver extension, libXss).

The browser is another program: its touches and keys never reach the kiosk's window. The
X server sees them all, so the kiosk asks it how long nobody has touched anything.
"""

from __future__ import annotations

import ctypes
import logging

from kiosk.devices import load_library

log = logging.getLogger(__name__)


class _Info(ctypes.Structure):
    _fields_ = [("window", ctypes.c_ulong), ("state", ctypes.c_int), ("kind", ctypes.c_int),
                ("til_or_since", ctypes.c_ulong), ("idle", ctypes.c_ulong), ("event_mask", ctypes.c_ulong)]


class XIdle:
    """Built with the other devices at start; connects to X only when first asked (the
    kiosk asks once a browser is open), so start-up opens no second X connection."""

    def __init__(self, display: str) -> None:
        self._name = display
        self._opened = False
        self._display = self._info = None

    def _open(self) -> None:
        self._opened = True
        self._x11 = load_library("libX11.so.6", "X11")
        self._xss = load_library("libXss.so.1", "Xss")
        self._display = None
        if self._x11 is None or self._xss is None:
            log.warning("libX11 or libXss missing: browser activity will not extend the session")
            return
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self._x11.XDefaultRootWindow.restype = ctypes.c_ulong
        self._xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_Info)
        self._xss.XScreenSaverQueryInfo.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(_Info)]
        self._display = self._x11.XOpenDisplay(self._name.encode())
        self._info = self._xss.XScreenSaverAllocInfo() if self._display else None

    def idle_ms(self) -> int | None:
        """Milliseconds since the last input anywhere on the display; None if unknown."""
        if not self._opened:
            self._open()
        if not self._display or not self._info:
            return None
        root = self._x11.XDefaultRootWindow(self._display)
        if not self._xss.XScreenSaverQueryInfo(self._display, root, self._info):
            return None
        return int(self._info.contents.idle)
