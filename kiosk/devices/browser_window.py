"""The browser's window held where the kiosk put it, and the one key that opens a window
the kiosk could not close.

An `--app` window obeys a page's `moveTo`/`resizeTo`: a page could cover the kiosk's strip
(Back, Home, Help, End session) and, as its touches keep the session alive, stay there.
The kiosk neuters those calls in every document (`NEUTER_WINDOW_MOVES`), but a page runs
before the kiosk has attached, and Chromium may change its bounds on its own; so the warden
puts the window back whenever the X server says a toplevel window was mapped, moved or
resized, and every `CHECK_S` besides.

Shift+Esc opens Chromium's Task Manager: no page target, Escape does not close it, no
policy turns it off, and with no window manager it stays. The warden holds a passive grab
of it on the root window while the browser runs, so the X server gives it to the kiosk,
which drops it.

One worker thread per browser, whatever the number of events: the X connection is its own.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from typing import Callable

from kiosk.devices import DeviceError
from kiosk.devices.xcb import SHIFT, XRoot

log = logging.getLogger(__name__)

CHECK_S = 1.0
ESCAPE = 0xFF1B  # keysym
# Run in every document before its own scripts, and in the first one once the kiosk holds it.
NEUTER_WINDOW_MOVES = """(() => { for (const name of ["moveTo", "moveBy", "resizeTo", "resizeBy"])
  Object.defineProperty(window, name, {value: function () {}, writable: false, configurable: false}); })();"""


class WindowWarden:
    """`bounds()` says where the window is (None if unknown: not yet attached); `place(g)`
    puts it at `g`. Both are the browser's protocol calls and may raise DeviceError."""

    def __init__(self, display: str, bounds: Callable[[], object], place: Callable[[object], None]) -> None:
        self.display = display
        self._bounds = bounds
        self._place = place
        self._target = None
        self._lock = threading.Lock()
        self._stopping = False
        self._closed = False
        self._ready = threading.Event()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)  # a full pipe already says "look"
        self._thread = threading.Thread(target=self._run, name="browser-window", daemon=True)

    def start(self, geometry) -> None:
        """Holds `geometry`; returns once Shift+Esc is the kiosk's (or could not be)."""
        self._target = geometry
        self._thread.start()
        self._ready.wait(2.0)

    def hold(self, geometry) -> None:
        """The kiosk's own move: the window goes there now and is kept there."""
        with self._lock:
            self._target = geometry
        self._wake()

    def stop(self) -> None:
        self._stopping = True
        self._wake()

    def _wake(self) -> None:
        with self._lock:  # never into a closed descriptor: its number may be another's by now
            if not self._closed:
                try:
                    os.write(self._wake_write, b"w")
                except BlockingIOError:
                    pass

    def _run(self) -> None:
        root = None
        try:
            root = XRoot(self.display)
            root.grab_key(ESCAPE, SHIFT)
            root.watch_toplevels()
        except DeviceError as error:
            log.error("browser window: %s; Shift+Esc may open the Task Manager, the window is "
                      "checked every %g s only", error, CHECK_S)
        finally:
            self._ready.set()
        try:
            while not self._stopping:
                watched = [self._wake_read] + ([root.fileno()] if root else [])
                readable, _, _ = select.select(watched, [], [], CHECK_S)
                if self._wake_read in readable:
                    os.read(self._wake_read, 4096)
                if root is not None:
                    try:
                        root.events()  # grabbed keys are dropped; any event is a reason to look
                    except DeviceError as error:
                        log.error("browser window: %s", error)
                        root.close()
                        root = None
                if not self._stopping:
                    self._keep()
        finally:
            if root is not None:
                root.close()
            with self._lock:
                self._closed = True
                os.close(self._wake_read)
                os.close(self._wake_write)

    def _keep(self) -> None:
        with self._lock:
            target = self._target
        try:
            where = self._bounds()
            if where is not None and where != target:
                log.warning("the browser window was at %s: put back at %s", where, target)
                self._place(target)
        except DeviceError as error:
            log.debug("browser window not checked: %s", error)
