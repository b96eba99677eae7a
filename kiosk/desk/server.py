"""The desk's HTTP server: uvicorn in a thread of the desk process, with the bounds a
server on a library's network needs.

uvicorn closes a connection that idles between requests (`timeout_keep_alive`), but not
one that never sends a whole request, headers or body: a few dozen silent sockets would
hold every file descriptor the desk has and lock staff out. `BoundedH11Protocol` gives
every request a deadline to arrive in; nothing in uvicorn or Starlette does (hence
written here)."""

from __future__ import annotations

import logging
import threading
import time

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

KEEP_ALIVE_S = 5
HEADERS_S = 10.0
MAX_CONNECTIONS = 1000  # beyond this uvicorn answers 503 at once (the unit allows 8192 files)
# Out of file descriptors, asyncio (3.11) tries accept() once per backlog entry, each
# failure logged with its traceback, and again every second: a short backlog keeps that
# from spinning; the log says it once a minute.
BACKLOG = 64
# A file from a person's phone (kiosk/desk/upload_web.py) is up to 15 MB over the
# library's Wi-Fi: its body gets this long to arrive (the page bounds how many at once).
SLOW_BODY_PATHS = ("/u/",)
SLOW_BODY_S = 120.0


class OncePerMinute(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._last = -60.0

    def filter(self, record: logging.LogRecord) -> bool:
        if "out of system resource" not in record.getMessage():
            return True
        now = time.monotonic()
        if now - self._last < 60.0:
            return False
        self._last = now
        return True


def bounded_protocol(headers_s: float) -> type[H11Protocol]:
    class BoundedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._slow_body = False
            self._deadline = self.loop.call_later(headers_s, self._too_slow)

        def _too_slow(self) -> None:
            # A request still being answered (a page's event stream) is not idle; one whose
            # body has not all arrived by now is (a body that never ends holds a slot).
            if self.cycle is not None and self.conn.their_state is h11.SEND_BODY \
                    and self.cycle.scope["path"].startswith(SLOW_BODY_PATHS) and not self._slow_body:
                self._slow_body = True
                self._deadline = self.loop.call_later(max(0.0, SLOW_BODY_S - headers_s), self._too_slow)
                return
            if self.cycle is None or self.cycle.response_complete or self.conn.their_state is h11.SEND_BODY:
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._slow_body = False
            self._deadline.cancel()
            self._deadline = self.loop.call_later(headers_s, self._too_slow)

        def connection_lost(self, exc) -> None:
            self._deadline.cancel()
            super().connection_lost(exc)

    return BoundedH11Protocol


ACCEPT_FAILURES = OncePerMinute()


class Server:
    """`app` served on `bind`:`port` (0: any free port) until `shutdown`."""

    def __init__(self, app, bind: str, port: int, headers_s: float = HEADERS_S,
                 trusted_proxy: str = "127.0.0.1", before_shutdown=lambda: None) -> None:
        self._before_shutdown = before_shutdown
        config = uvicorn.Config(app, host=bind, port=port, http=bounded_protocol(headers_s), ws="none",
                                lifespan="off", access_log=False, log_level="warning",
                                timeout_keep_alive=KEEP_ALIVE_S, limit_concurrency=MAX_CONNECTIONS,
                                timeout_graceful_shutdown=1, backlog=BACKLOG,
                                # X-Forwarded-Proto/For only from the site's HTTPS proxy.
                                proxy_headers=True, forwarded_allow_ips=trusted_proxy)
        self._server = uvicorn.Server(config)
        logging.getLogger("asyncio").addFilter(ACCEPT_FAILURES)
        self._thread = threading.Thread(target=self._server.run, name="desk-web", daemon=True)

    def start(self) -> "Server":
        self._thread.start()
        while not self._server.started:  # uvicorn offers a flag to poll, no event to wait on
            if not self._thread.is_alive():
                raise OSError("the desk's web server did not start (is the port in use?)")
            time.sleep(0.02)
        return self

    @property
    def port(self) -> int:
        return self._server.servers[0].sockets[0].getsockname()[1]

    def shutdown(self) -> None:
        self._before_shutdown()  # open responses (event streams) end, so nothing is cut off
        self._server.should_exit = True
        self._thread.join(10)
