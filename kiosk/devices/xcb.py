"""The X root window as the browser's warden needs it, through libxcb (ctypes).

XCB rather than Xlib: this connection lives on a worker thread beside SDL's and the idle
probe's Xlib connections, and XCB is thread-safe and reports a refused request as a value.
Xlib reports it to one error handler for the whole process, whose default exits it.
"""

from __future__ import annotations

import ctypes

from kiosk.devices import DeviceError, load_library

SHIFT, LOCK, MOD2, MOD3, MOD5 = 1, 2, 16, 32, 128  # modifier masks
_CW_EVENT_MASK = 0x800
_SUBSTRUCTURE_NOTIFY = 0x80000
_GRAB_MODE_ASYNC = 1


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _ScreenIterator(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint32)), ("rem", ctypes.c_int), ("index", ctypes.c_int)]


class _Event(ctypes.Structure):
    _fields_ = [("response_type", ctypes.c_uint8), ("pad0", ctypes.c_uint8), ("sequence", ctypes.c_uint16),
                ("pad", ctypes.c_uint32 * 7), ("full_sequence", ctypes.c_uint32)]


def _bind(xcb) -> None:
    c, p = ctypes.c_void_p, ctypes.POINTER
    for name, restype, argtypes in (
            ("xcb_connect", c, [ctypes.c_char_p, p(ctypes.c_int)]),
            ("xcb_connection_has_error", ctypes.c_int, [c]),
            ("xcb_get_setup", p(ctypes.c_uint8), [c]),
            ("xcb_setup_roots_iterator", _ScreenIterator, [p(ctypes.c_uint8)]),
            ("xcb_screen_next", None, [p(_ScreenIterator)]),
            ("xcb_get_keyboard_mapping", _Cookie, [c, ctypes.c_uint8, ctypes.c_uint8]),
            ("xcb_get_keyboard_mapping_reply", p(ctypes.c_uint8), [c, _Cookie, c]),
            ("xcb_get_keyboard_mapping_keysyms", p(ctypes.c_uint32), [c]),
            ("xcb_get_keyboard_mapping_keysyms_length", ctypes.c_int, [c]),
            ("xcb_grab_key_checked", _Cookie, [c, ctypes.c_uint8, ctypes.c_uint32, ctypes.c_uint16, ctypes.c_uint8,
                                               ctypes.c_uint8, ctypes.c_uint8]),
            ("xcb_change_window_attributes_checked", _Cookie, [c, ctypes.c_uint32, ctypes.c_uint32,
                                                               p(ctypes.c_uint32)]),
            ("xcb_request_check", c, [c, _Cookie]),
            ("xcb_get_file_descriptor", ctypes.c_int, [c]),
            ("xcb_poll_for_event", p(_Event), [c]),
            ("xcb_flush", ctypes.c_int, [c]),
            ("xcb_disconnect", None, [c])):
        function = getattr(xcb, name)
        function.restype, function.argtypes = restype, argtypes


class XRoot:
    """One XCB connection to the root window of `display`'s screen. Use it from one thread."""

    def __init__(self, display: str) -> None:
        self._xcb = load_library("libxcb.so.1", "xcb")
        self._libc = load_library("libc.so.6", "c")
        if self._xcb is None or self._libc is None:
            raise DeviceError("libxcb is not installed (Debian package 'libxcb1')")
        _bind(self._xcb)
        self._libc.free.argtypes = [ctypes.c_void_p]
        number = ctypes.c_int(0)
        self._c = self._xcb.xcb_connect(display.encode() or None, ctypes.byref(number))
        if not self._c or self._xcb.xcb_connection_has_error(self._c):
            self._c = None  # xcb_disconnect still frees a connection in error; none made here
            raise DeviceError(f"cannot connect to X display {display!r}")
        self._setup = self._xcb.xcb_get_setup(self._c)
        screens = self._xcb.xcb_setup_roots_iterator(self._setup)
        for _ in range(number.value):
            self._xcb.xcb_screen_next(ctypes.byref(screens))
        self.root = int(screens.data[0])  # xcb_screen_t begins with its root window

    def keycodes(self, keysym: int) -> list[int]:
        """Every key that types `keysym` in the server's keyboard map."""
        first, last = self._setup[34], self._setup[35]  # min_keycode, max_keycode of xcb_setup_t
        cookie = self._xcb.xcb_get_keyboard_mapping(self._c, first, last - first + 1)
        reply = self._xcb.xcb_get_keyboard_mapping_reply(self._c, cookie, None)
        if not reply:
            raise DeviceError("the X server did not give its keyboard map")
        try:
            per_key = reply[1]  # keysyms_per_keycode
            syms = self._xcb.xcb_get_keyboard_mapping_keysyms(reply)
            count = self._xcb.xcb_get_keyboard_mapping_keysyms_length(reply)
            return sorted({first + i // per_key for i in range(count) if syms[i] == keysym})
        finally:
            self._libc.free(reply)

    def grab_key(self, keysym: int, modifiers: int, ignored: tuple[int, ...] = (LOCK, MOD2, MOD3, MOD5)) -> None:
        """Keep `modifiers`+`keysym` from every other client, whatever lock or level keys are
        also down. Raises DeviceError if another client holds it."""
        codes = self.keycodes(keysym)
        if not codes:
            raise DeviceError(f"no key types keysym {keysym:#x}")
        extras = {0}
        for mask in ignored:
            extras |= {extra | mask for extra in extras}
        cookies = [self._xcb.xcb_grab_key_checked(self._c, 0, self.root, modifiers | extra, code,
                                                  _GRAB_MODE_ASYNC, _GRAB_MODE_ASYNC)
                   for code in codes for extra in sorted(extras)]
        refused = sum(self._failed(cookie) for cookie in cookies)
        if refused:
            raise DeviceError(f"another X client holds keysym {keysym:#x} with modifiers {modifiers:#x}")

    def watch_toplevels(self) -> None:
        """Events for every window on the root being mapped, moved or resized."""
        mask = (ctypes.c_uint32 * 1)(_SUBSTRUCTURE_NOTIFY)
        if self._failed(self._xcb.xcb_change_window_attributes_checked(self._c, self.root, _CW_EVENT_MASK, mask)):
            raise DeviceError("the X server refused to report its windows")

    def _failed(self, cookie: _Cookie) -> bool:
        error = self._xcb.xcb_request_check(self._c, cookie)
        if error:
            self._libc.free(error)
        return bool(error)

    def fileno(self) -> int:
        return self._xcb.xcb_get_file_descriptor(self._c)

    def events(self) -> list[int]:
        """The kinds of the events that arrived (0 for an error), without waiting."""
        kinds = []
        while True:
            event = self._xcb.xcb_poll_for_event(self._c)
            if not event:
                break
            kinds.append(event.contents.response_type & 0x7F)
            self._libc.free(event)
        if self._xcb.xcb_connection_has_error(self._c):
            raise DeviceError("the connection to the X server broke")
        return kinds

    def close(self) -> None:
        """Disconnecting lets go of the grabs too."""
        if self._c:
            self._xcb.xcb_disconnect(self._c)
            self._c = None
