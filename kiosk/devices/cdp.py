"""A thin client of the Chrome DevTools Protocol over `--remote-debugging-pipe`.

Chromium reads NUL-terminated JSON messages on its fd 3 and writes them on its fd 4. No
port is opened, so no other local process can drive the browser. One reader thread turns
replies into finished calls and events into callbacks (called on that thread: keep them
short, hand work elsewhere). `call()` may be used from any thread; it blocks until the
reply or a time limit.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 10.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a page printed to PDF comes back base64-encoded


class CdpError(RuntimeError):
    """The browser answered a call with an error, went away, or did not answer in time."""


class CdpPipe:
    def __init__(self, to_browser: int, from_browser: int) -> None:
        self._out = to_browser
        self._in = from_browser
        self._next_id = 0
        self._pending: dict[int, tuple[threading.Event, list]] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str, dict, str | None], None]] = []
        self._on_close: list[Callable[[], None]] = []
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="cdp-reader", daemon=True)
        self._reader.start()

    def listen(self, listener: Callable[[str, dict, str | None], None]) -> None:
        """`listener(method, params, session_id)` for every event."""
        self._listeners.append(listener)

    def on_close(self, callback: Callable[[], None]) -> None:
        self._on_close.append(callback)

    def call(self, method: str, params: dict | None = None, session_id: str | None = None,
             timeout_s: float = CALL_TIMEOUT_S) -> dict:
        if self.closed:
            raise CdpError(f"{method}: the browser is gone")
        with self._lock:
            self._next_id += 1
            number = self._next_id
            done = threading.Event()
            box: list = []
            self._pending[number] = (done, box)
            message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
            if session_id:
                message["sessionId"] = session_id
            data = json.dumps(message).encode() + b"\0"
            try:
                while data:
                    written = os.write(self._out, data)
                    data = data[written:]
            except OSError as error:
                self._pending.pop(number, None)
                raise CdpError(f"{method}: cannot write to the browser: {error}") from None
        if not done.wait(timeout_s):
            self._pending.pop(number, None)
            raise CdpError(f"{method}: no answer within {timeout_s:g} s")
        reply = box[0]
        if "error" in reply:
            error = reply["error"]
            raise CdpError(f"{method}: {error.get('message', error) if isinstance(error, dict) else error}")
        return reply.get("result", {})

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                while b"\0" in buffer:
                    raw, buffer = buffer.split(b"\0", 1)
                    self._dispatch(raw)
                if len(buffer) > MAX_MESSAGE_BYTES:
                    log.error("browser sent a message over %d bytes: dropped", MAX_MESSAGE_BYTES)
                    buffer = b""
        except OSError as error:
            log.warning("reading from the browser failed: %s", error)
        finally:
            self._close()

    def _dispatch(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("browser sent something that is not JSON: dropped")
            return
        if not isinstance(message, dict):  # a bare number or list would kill this reader
            log.warning("browser sent JSON that is no message: dropped")
            return
        if "id" in message:
            waiting = self._pending.pop(message["id"], None)
            if waiting is not None:
                waiting[1].append(message)
                waiting[0].set()
            return
        method = message.get("method", "")
        for listener in list(self._listeners):
            try:
                listener(method, message.get("params", {}), message.get("sessionId"))
            except Exception:  # a listener's bug must not stop the reader
                log.exception("browser event %s", method)

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for done, box in list(self._pending.values()):
            box.append({"error": {"message": "the browser is gone"}})
            done.set()
        self._pending.clear()
        for callback in self._on_close:
            try:
                callback()
            except Exception:
                log.exception("browser close callback")

    def close(self) -> None:
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
