"""A local test e-service on loopback, and the browser policy that allows it."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

SITE = Path(__file__).parent / "site"
POLICY_DIR = Path("/etc/chromium/policies/managed")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args) -> None:
        pass


class TestSite:
    """`testbed/site` served on 127.0.0.1 on a free port, in a thread."""

    def __init__(self) -> None:
        handler = functools.partial(_Quiet, directory=str(SITE))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/index.html") -> str:
        return f"http://{self.host}{path}"

    def start(self) -> "TestSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class InstalledPolicy:
    """A Chromium managed policy file in /etc/chromium/policies/managed (root only), named
    after this process and removed again by `remove()`."""

    def __init__(self, text: str) -> None:
        self.path = POLICY_DIR / f"kiosk-test-{os.getpid()}.json"
        self.write(text)

    def write(self, text: str) -> None:
        POLICY_DIR.mkdir(parents=True, exist_ok=True)
        self.path.write_text(text, encoding="utf-8")

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
