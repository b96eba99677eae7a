"""Real Chromium driven as the kiosk drives it, for the browser tests (tests/devices): the
e-services service over ChromiumBrowser with a real session wipe, and what a test does in
the page as a person would (tap, type after the first paint)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from kiosk.background import Immediate
from kiosk.catalog import load_catalog
from kiosk.config import load_config
from kiosk.devices.browser import ChromiumBrowser, Geometry
from kiosk.devices.processes import SessionProcesses
from kiosk.eservices import EServices
from kiosk.wipe import SessionWipe, register_device_steps

CONFIG = load_config()
CATALOG = load_catalog(CONFIG.catalog_file, CONFIG.languages.offered)


class Kiosk:
    """The e-services service with real Chromium, as the app composes it (reports handled
    on the browser's thread here, as no Kivy loop runs)."""

    def __init__(self, site, tmp_path, geometry=lambda: Geometry(0, 0, 1280, 640)) -> None:
        self.site = site
        # As short as a terminal's /run/kiosk: Chromium's socket path has room for 107 bytes.
        self.run_dir = Path(tempfile.mkdtemp(prefix="kiosk-", dir="/tmp"))
        self.wipe = SessionWipe(self.run_dir, tmp_path / "state")
        self.session_dir = self.wipe.prepare()
        self.processes = SessionProcesses(self.run_dir / "session-processes")
        self.browser = ChromiumBrowser(self.processes)
        self.services = EServices(self.browser, CATALOG, self.session_dir, Immediate(), post=lambda work: work(),
                                  geometry=geometry, extra_allowed=(site.host,))
        self.downloads: list = []
        self.services.bind(on_download=lambda _s, path: self.downloads.append(path))

    def open(self, path: str = "/index.html") -> None:
        from dataclasses import replace

        service = replace(CATALOG.services[0], url=self.site.url(path))
        self.services.open_service(service)
        assert self.services.open, self.services.notice
        self.wait_for(lambda: self.services.url == self.site.url(path), 15)
        self.wait_for(self.takes_input, 10)

    def wait_for(self, condition, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "not so in time"
            time.sleep(0.05)

    def takes_input(self, element: str = "") -> bool:
        """The page has loaded and been painted (and has `element`). Chromium drops a click,
        a key or typed text that reaches a document before its first paint, as a person
        cannot have meant what they could not see: the protocol call or the X event
        succeeds and the page never sees it. Loaded is not painted, least of all on a busy
        machine, so what a test does as a person would waits for the paint."""
        return bool(self.evaluate("document.readyState === 'complete'"
                                  " && performance.getEntriesByName('first-contentful-paint').length > 0"
                                  + (f" && !!document.getElementById('{element}')" if element else "")))

    def evaluate(self, expression: str):
        return self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                     "awaitPromise": True})["result"].get("value")

    def tap(self, element: str) -> None:
        """A real click (a user gesture, as a finger's) in the middle of an element, once the
        page that has it takes input (see `takes_input`)."""
        self.wait_for(lambda: self.takes_input(element), 20)
        box = self.evaluate(f"(() => {{ const e = document.getElementById('{element}');"
                            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                           "button": "left", "clickCount": 1})

    def x_tap(self, element: str) -> None:
        """A real tap through the X server in the middle of an element (under Chromium's own
        title bar), once the page that has it takes input (see `takes_input`)."""
        self.wait_for(lambda: self.takes_input(element), 20)
        x_tap(self.evaluate, element)

    def pages(self) -> list[dict]:
        targets = self.browser.call("Target.getTargets", page=False)["targetInfos"]
        return [t for t in targets if t["type"] == "page"]

    def end(self):
        self.wipe.register_step("browser", self.services.reset)
        register_device_steps(self.wipe, NoJobs(), self.processes, None)
        return self.wipe.run("end")

    def remove(self) -> None:
        self.services.reset()
        self.processes.stop_all()
        shutil.rmtree(self.run_dir, ignore_errors=True)


class NoJobs:
    def purge_jobs(self) -> int:
        return 0

    def pending_jobs(self) -> list[int]:
        return []


def x_tap(evaluate, element: str) -> None:
    """A tap through the X server in the middle of the page's `element`, under Chromium's
    own title bar; `evaluate(expression)` runs script in that page."""
    x, y = evaluate(f"(() => {{ const r = document.getElementById('{element}').getBoundingClientRect();"
                    " return [screenX + r.x + r.width / 2,"
                    " screenY + outerHeight - innerHeight + r.y + r.height / 2]; })()")
    xdotool("mousemove", "--sync", str(round(x)), str(round(y)))
    xdotool("click", "1")


def xdotool(*args: str) -> str:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=20).stdout
