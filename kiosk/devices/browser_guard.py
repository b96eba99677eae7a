"""The browser's guard against new windows and downloads, on one worker thread.

The protocol's reader thread may not wait for a reply (replies arrive on that same
thread), so what an event asks of the browser is done elsewhere: by one worker per
browser, which takes the events from a queue in the order they came, whatever their
number. There is no thread per event, so a page that opens a thousand windows or starts a
thousand downloads costs a queue, not a thousand threads, and the kiosk sees the results
in the order the page caused them.

A new window (Ctrl+N, a link to `_blank`, `window.open`) is closed at once. A popup of the
kiosk's page names its address a moment after it appears (Target.targetInfoChanged): it
is given `POPUP_URL_S` to do so, while the worker goes on with other events, then closed,
and its address reported as "popup" (the service opens it in the page's own window if it
is allowed) or, if it named none, "popup_refused". Downloads go through the
`DownloadGate` (downloads.py) on this worker, so its refusals may call the browser.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from kiosk.devices import DeviceError
from kiosk.devices.downloads import DownloadGate

log = logging.getLogger(__name__)

POPUP_URL_S = 2.0
BLANK = ("", "about:blank")
_STOP = object()


class BrowserGuard:
    """`call(method, params)` is a protocol call to the browser (raises DeviceError);
    `page()` the kiosk's page target ("" while the kiosk does not hold it: at start,
    attaching closes the other pages itself); `report(kind, value)` says "popup" or
    "popup_refused" (the url), and the gate's "download" and "refused_download"."""

    def __init__(self, call: Callable[[str, dict], dict], page: Callable[[], str], gate: DownloadGate,
                 report: Callable[[str, object], None]) -> None:
        self.gate = gate
        self._call = call
        self._page = page
        self._report = report
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._waiting: dict[str, float] = {}  # popups of the page yet to name their address: deadline
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="browser-guard", daemon=True)
        self._thread.start()

    # -- on the reader thread: only a look and a put ------------------------------------

    def event(self, method: str, params: dict, _session: str | None = None) -> None:
        """A protocol event (a CdpPipe listener): what the guard acts on is queued."""
        if method.startswith("Browser.download"):
            self._queue.put((method, params, ""))
        elif method in ("Target.targetCreated", "Target.targetInfoChanged", "Target.targetDestroyed"):
            info, page = params.get("targetInfo", params), self._page()  # destroyed: a bare targetId
            if page and info.get("type", "page") == "page" and info.get("targetId") != page:
                self._queue.put((method, params, page))

    def later(self, work: Callable[[], object]) -> None:
        """Other protocol calls an event asks for, in order with the rest (DeviceError is ignored)."""
        self._queue.put((work, None, ""))

    def stop(self) -> None:
        """Nothing more is done, whatever is still queued: the browser is going."""
        self._stopping = True
        self._queue.put(_STOP)

    # -- on the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            wait = min(self._waiting.values()) - time.monotonic() if self._waiting else None
            try:
                item = self._queue.get(timeout=max(0.0, wait) if wait is not None else None)
            except queue.Empty:
                item = None
            if item is _STOP or self._stopping:
                return
            try:
                if item is not None:
                    self._handle(*item)
                now = time.monotonic()
                for target in [t for t, deadline in self._waiting.items() if deadline <= now]:
                    del self._waiting[target]
                    self._close(target, "", opener=True)  # it named no address in time
            except Exception:  # a bug here must not leave the browser unguarded from now on
                log.exception("browser guard")

    def _handle(self, what, params: dict | None, page: str) -> None:
        if callable(what):
            try:
                what()
            except DeviceError as error:
                log.debug("browser: %s", error)
        elif what.startswith("Browser.download"):
            self.gate.event(what, params)
        elif what == "Target.targetCreated":
            info = params["targetInfo"]
            opener = info.get("openerId") == page
            if opener and info.get("url", "") in BLANK:
                self._waiting[info["targetId"]] = time.monotonic() + POPUP_URL_S
            else:
                self._close(info["targetId"], info.get("url", ""), opener)
        elif what == "Target.targetInfoChanged":
            info = params["targetInfo"]
            if info["targetId"] in self._waiting and info.get("url", "") not in BLANK:
                del self._waiting[info["targetId"]]
                self._close(info["targetId"], info["url"], opener=True)
        elif params.get("targetId") in self._waiting:  # destroyed before it named an address
            del self._waiting[params["targetId"]]
            self._report("popup_refused", "")

    def _close(self, target: str, url: str, opener: bool) -> None:
        """A new window: closed; a popup of the page's address opens in the page instead."""
        try:
            self._call("Target.closeTarget", {"targetId": target})
        except DeviceError:
            pass
        if opener and url.startswith(("https://", "http://")):
            self._report("popup", url)
        else:
            self._report("popup_refused", url)
