"""Chromium for the e-services, under the kiosk's control.

One Chromium per session: a fresh profile in the session directory, the kiosk's managed
policy (installed by provisioning, see kiosk/browser_policy.py), `--app` (no address bar,
no tabs), a window placed above the kiosk's control strip, and the DevTools protocol over
`--remote-debugging-pipe` (no port another process could reach).

What the policy cannot stop, the kiosk does through the protocol: a new window (Ctrl+N,
a popup) is closed at once, and a popup's address opens in the page's own window if it is
allowed; downloads land in the profile and reach the session's documents only once their
content is known to be no program or archive (kiosk/devices/downloads.py). The window is
held where the kiosk put it, and Shift+Esc kept from Chromium (browser_window.py). All
that Chromium writes, crash database and temporary files too, stays in the profile
directory (browser_env.py), and its crash handler finds nowhere to write and does not run.

Events reach the kiosk through `on_event(kind, value)` on the protocol's reader thread
(the service hops to the Kivy thread): "navigated" (url), "download" (path),
"refused_download" (file name), "popup_refused" (url), "closed" (None).
"""

from __future__ import annotations

import base64
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urlsplit

from kiosk.devices import DeviceError
from kiosk.devices.browser_env import browser_environment
from kiosk.devices.browser_window import NEUTER_WINDOW_MOVES, WindowWarden
from kiosk.devices.cdp import CdpError, CdpPipe
from kiosk.devices.downloads import DownloadGate
from kiosk.devices.processes import SessionProcesses

log = logging.getLogger(__name__)

START_TIMEOUT_S = 20.0
# Flags for a closed network and a kiosk: no sign-in, sync, background traffic, first-run
# pages, crash bubbles or translation offers. Crashpad's handler starts despite
# --disable-breakpad; --disable-crashpad-for-testing stops it but crashes Chromium 156's
# network service ("FD ownership violation"): the environment denies it a database instead.
FLAGS = ("--no-first-run", "--no-default-browser-check", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--noerrdialogs",
         "--disable-session-crashed-bubble", "--disable-features=Translate,MediaRouter,DownloadBubble",
         "--password-store=basic", "--disable-breakpad", "--deny-permission-prompts",
         "--autoplay-policy=user-gesture-required")

Event = Callable[[str, object], None]


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int


class Browser(Protocol):
    def open(self, url: str, profile_dir: Path, downloads_dir: Path, geometry: Geometry, on_event: Event) -> None:
        """Start the browser on `url`. Raises DeviceError."""

    def navigate(self, url: str) -> None: ...

    def back(self) -> None: ...

    def page_text(self) -> str: ...

    def print_to_pdf(self, target: Path) -> Path: ...

    def set_zoom(self, factor: float) -> None: ...

    def type_text(self, text: str) -> None: ...

    def press_key(self, key: str) -> None:
        """"Backspace", "Enter" or "Tab"."""

    def set_geometry(self, geometry: Geometry) -> None: ...

    def close(self, quick: bool = False) -> None:
        """Close the browser; `quick` (the wipe): stop its processes without asking it first."""

    @property
    def running(self) -> bool: ...


def _signal(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except (ProcessLookupError, PermissionError):
        pass


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


KEYS = {"Backspace": (8, "Backspace"), "Enter": (13, "Enter"), "Tab": (9, "Tab")}


class ChromiumBrowser:
    """Chromium in a process group of the session (the wipe stops it), driven over the pipe."""

    def __init__(self, processes: SessionProcesses, executable: str = "") -> None:
        self.processes = processes
        # The binary itself, not Debian's wrapper script, which loads extensions and API keys.
        self.executable = executable or next(
            (p for p in ("/usr/lib/chromium/chromium",) if os.access(p, os.X_OK)),
            shutil.which("chromium") or shutil.which("chromium-browser") or "")
        self._process = None
        self._cdp: CdpPipe | None = None
        self._target = ""
        self._session = ""
        self._on_event: Event = lambda kind, value: None
        self._downloads: DownloadGate | None = None
        self._warden: WindowWarden | None = None
        self._link_folder: Path | None = None  # see browser_environment
        self._zoom = 1.0
        self._closing = False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None and self._cdp is not None \
            and not self._cdp.closed

    def open(self, url: str, profile_dir: Path, downloads_dir: Path, geometry: Geometry, on_event: Event) -> None:
        if not self.executable:
            raise DeviceError("Chromium is not installed (Debian package 'chromium')")
        self.close()
        self._closing = False
        self._on_event = on_event
        profile_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._downloads = DownloadGate(profile_dir / "incoming", downloads_dir, self._cancel_download, on_event)
        env, self._link_folder = browser_environment(profile_dir / "home")
        child_read, to_browser = os.pipe()
        from_browser, child_write = os.pipe()
        # Above 10, so that moving them to 3 and 4 in the child cannot overwrite one another.
        to_read = fcntl.fcntl(child_read, fcntl.F_DUPFD, 10)
        to_write = fcntl.fcntl(child_write, fcntl.F_DUPFD, 10)
        os.close(child_read)
        os.close(child_write)

        def descriptors() -> None:  # in the child: the protocol's fds 3 and 4
            os.dup2(to_read, 3)
            os.dup2(to_write, 4)

        argv = [self.executable, "--remote-debugging-pipe", f"--user-data-dir={profile_dir}",
                f"--window-position={geometry.x},{geometry.y}", f"--window-size={geometry.width},{geometry.height}",
                *FLAGS, f"--app={url}"]
        if os.geteuid() == 0:
            # Chromium's sandbox refuses root: only tests and the demo run so, never a terminal.
            log.warning("browser runs WITHOUT its sandbox because the kiosk runs as root")
            argv.insert(1, "--no-sandbox")
        self._target = self._session = ""  # nothing is refused before the kiosk holds its page
        # Before the window appears: Shift+Esc is the kiosk's from the first moment.
        self._warden = WindowWarden(os.environ.get("DISPLAY", ""), self._bounds, self._place)
        self._warden.start(geometry)
        try:
            self._process = self.processes.spawn(argv, env=env, pass_fds=(3, 4), preexec_fn=descriptors,
                                                 stdin=open(os.devnull), stdout=open(os.devnull, "w"),
                                                 stderr=open(profile_dir / "chromium.log", "w"))
        finally:
            os.close(to_read)
            os.close(to_write)
        self._cdp = CdpPipe(to_browser, from_browser)
        self._cdp.listen(self._on_cdp_event)
        self._cdp.on_close(self._warden.stop)  # this browser's warden: nothing to hold once it is gone
        self._cdp.on_close(self._on_gone)
        try:
            self._attach()
        except CdpError as error:
            self.close()
            raise DeviceError(f"Chromium did not take the kiosk's control: {error}") from None

    def _attach(self) -> None:
        """Attach to the page. At start Chromium may still replace its first page target,
        so a target or session that vanished under us is looked for again."""
        cdp = self._cdp
        cdp.call("Target.setDiscoverTargets", {"discover": True})
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                pages = [t for t in cdp.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
                if pages:
                    self._target = pages[0]["targetId"]
                    # Refused ("Not allowed") under DeveloperToolsAvailability = 2.
                    self._session = cdp.call("Target.attachToTarget",
                                             {"targetId": self._target, "flatten": True})["sessionId"]
                    cdp.call("Page.enable", session_id=self._session)
                    cdp.call("Page.addScriptToEvaluateOnNewDocument", {"source": NEUTER_WINDOW_MOVES},
                             session_id=self._session)
                    cdp.call("Runtime.evaluate", {"expression": NEUTER_WINDOW_MOVES}, session_id=self._session)
                    break
            except CdpError as error:
                if cdp.closed or not any(m in str(error) for m in ("not found", "No target")):
                    raise
            if time.monotonic() > deadline:
                raise CdpError("no page to attach to after start")
            time.sleep(0.1)
        cdp.call("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(self._downloads.incoming),
                                                 "eventsEnabled": True})
        for extra in pages[1:]:
            self._close_target(extra["targetId"])
        # The first page may have committed before Page.enable: report where it is now.
        url = cdp.call("Page.getFrameTree", session_id=self._session)["frameTree"]["frame"].get("url", "")
        if url and url != "about:blank":
            self._on_event("navigated", url)

    # -- what the kiosk asks ---------------------------------------------------------------

    def _call(self, method: str, params: dict | None = None, page: bool = True, timeout_s: float = 10.0) -> dict:
        if self._cdp is None:
            raise DeviceError("the browser is not open")
        try:
            return self._cdp.call(method, params, self._session if page else None, timeout_s=timeout_s)
        except CdpError as error:
            raise DeviceError(str(error)) from None

    def navigate(self, url: str) -> None:
        self._call("Page.navigate", {"url": url})

    def back(self) -> None:
        history = self._call("Page.getNavigationHistory")
        index = history["currentIndex"]
        if index > 0:
            self._call("Page.navigateToHistoryEntry", {"entryId": history["entries"][index - 1]["id"]})

    def page_text(self) -> str:
        result = self._call("Runtime.evaluate", {"expression": "document.body ? document.body.innerText : ''",
                                                 "returnByValue": True})
        return str(result.get("result", {}).get("value") or "")

    def print_to_pdf(self, target: Path) -> Path:
        result = self._call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True},
                            timeout_s=60.0)
        target.write_bytes(base64.b64decode(result["data"]))
        return target

    def set_zoom(self, factor: float) -> None:
        self._zoom = factor
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        self._call("Emulation.setPageScaleFactor", {"pageScaleFactor": 1.0})
        self._call("Runtime.evaluate", {"expression": f"document.documentElement.style.zoom = '{self._zoom:g}'"})

    def type_text(self, text: str) -> None:
        self._call("Input.insertText", {"text": text})

    def press_key(self, key: str) -> None:
        code, name = KEYS[key]
        for kind in ("rawKeyDown", "keyUp"):
            params = {"type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code,
                      "nativeVirtualKeyCode": code}
            if key == "Enter" and kind == "rawKeyDown":
                params["text"] = "\r"
            self._call("Input.dispatchKeyEvent", params)

    def set_geometry(self, geometry: Geometry) -> None:
        if self._warden is None or not self.running:
            raise DeviceError("the browser is not open")
        self._warden.hold(geometry)  # the warden alone moves the window: it cannot fight the kiosk

    def _bounds(self) -> Geometry | str | None:
        """Where the window is; its state if that is not "normal" (maximised...)."""
        if not self._target:
            return None
        bounds = self._call("Browser.getWindowForTarget", {"targetId": self._target}, page=False,
                            timeout_s=2.0)["bounds"]
        if bounds.get("windowState", "normal") != "normal":
            return bounds["windowState"]
        return Geometry(bounds["left"], bounds["top"], bounds["width"], bounds["height"])

    def _place(self, geometry: Geometry) -> None:
        found = self._call("Browser.getWindowForTarget", {"targetId": self._target}, page=False)
        if found["bounds"].get("windowState", "normal") != "normal":  # such a window takes no bounds
            self._call("Browser.setWindowBounds", {"windowId": found["windowId"], "bounds": {
                "windowState": "normal"}}, page=False)
        self._call("Browser.setWindowBounds", {"windowId": found["windowId"], "bounds": {
            "left": geometry.x, "top": geometry.y, "width": geometry.width, "height": geometry.height}},
            page=False)

    def close(self, quick: bool = False) -> None:
        self._closing = True
        if self._warden is not None:
            self._warden.stop()
            self._warden = None
        if not quick and self._cdp is not None and not self._cdp.closed:
            try:
                self._cdp.call("Browser.close", timeout_s=2.0)
            except CdpError:
                pass
        process, self._process = self._process, None
        if process is not None:
            if quick:  # for the wipe: its profile is deleted next, nothing to save
                _signal(process.pid, signal.SIGKILL)
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                _signal(process.pid, signal.SIGKILL)
                process.wait(timeout=3)
            deadline = time.monotonic() + (1.0 if quick else 0.0)
            # alive() also reaps what is left and finds helpers that left the group.
            while (groups := self.processes.alive()) and time.monotonic() < deadline:
                for group in groups:  # the wipe stops every session process next anyway
                    _signal(group, signal.SIGKILL)
                time.sleep(0.01)
        if self._cdp is not None:
            self._cdp.close()
            self._cdp = None
        self._downloads = None
        if self._link_folder is not None:
            shutil.rmtree(self._link_folder, ignore_errors=True)
            self._link_folder = None

    # -- what the browser reports (reader thread) ----------------------------------------

    def _on_gone(self) -> None:
        if not self._closing:
            log.warning("the browser went away")
            self._on_event("closed", None)

    def _on_cdp_event(self, method: str, params: dict, session: str | None) -> None:
        if method == "Page.frameNavigated" and session == self._session and not params["frame"].get("parentId"):
            self._on_event("navigated", params["frame"].get("url", ""))
            if self._zoom != 1.0:
                threading.Thread(target=self._rezoom, daemon=True).start()
        elif method == "Target.targetCreated":
            info = params["targetInfo"]
            if info["type"] == "page" and self._session and info["targetId"] != self._target:
                threading.Thread(target=self._refuse_window, args=(info,), daemon=True).start()
        elif method.startswith("Browser.download") and self._downloads is not None:
            self._downloads.event(method, params)

    def _rezoom(self) -> None:
        try:
            self._apply_zoom()
        except DeviceError:
            pass

    def _refuse_window(self, info: dict) -> None:
        """A new window: closed at once; a popup of the page opens in the page instead."""
        opener = info.get("openerId") == self._target
        url = info.get("url", "")
        deadline = time.monotonic() + 2.0
        while opener and url in ("", "about:blank") and time.monotonic() < deadline:
            time.sleep(0.05)  # a popup names its address a moment after it appears
            try:
                targets = self._cdp.call("Target.getTargets")["targetInfos"] if self._cdp else []
            except CdpError:
                break
            url = next((t["url"] for t in targets if t["targetId"] == info["targetId"]), "")
        self._close_target(info["targetId"])
        if opener and url.startswith(("https://", "http://")):
            self._on_event("popup", url)
        else:
            self._on_event("popup_refused", url)

    def _close_target(self, target: str) -> None:
        try:
            if self._cdp is not None:
                self._cdp.call("Target.closeTarget", {"targetId": target})
        except CdpError:
            pass

    def _cancel_download(self, guid: str) -> None:
        self._call("Browser.cancelDownload", {"guid": guid}, page=False)


class FakeBrowser:
    """A browser in memory for unit tests and the laptop demo: records what it was asked,
    and tests make it report navigations, downloads and a crash. `started` cleared keeps
    `open()` waiting, as a real browser takes a while to start, until it is set again."""

    def __init__(self) -> None:
        self.url = ""
        self.opened: list[str] = []
        self.typed: list[str] = []
        self.keys: list[str] = []
        self.zoom = 1.0
        self.text = "Fake page text."
        self.geometry: Geometry | None = None
        self.fail_with = ""
        self.started = threading.Event()
        self.started.set()
        self._on_event: Event = lambda kind, value: None
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def open(self, url: str, profile_dir: Path, downloads_dir: Path, geometry: Geometry, on_event: Event) -> None:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        self.started.wait(30)
        profile_dir.mkdir(parents=True, exist_ok=True)
        self._on_event = on_event
        self._running = True
        self.geometry = geometry
        self.opened.append(url)
        self.navigate(url)

    def navigate(self, url: str) -> None:
        self.url = url
        self._on_event("navigated", url)

    def back(self) -> None:
        pass

    def page_text(self) -> str:
        return self.text

    def print_to_pdf(self, target: Path) -> Path:
        from kiosk.devices.pdf import write_text_pdf

        return write_text_pdf(target, [self.text[:60] or " "])

    def set_zoom(self, factor: float) -> None:
        self.zoom = factor

    def type_text(self, text: str) -> None:
        self.typed.append(text)

    def press_key(self, key: str) -> None:
        self.keys.append(key)

    def set_geometry(self, geometry: Geometry) -> None:
        self.geometry = geometry

    def close(self, quick: bool = False) -> None:
        self._running = False

    def crash(self) -> None:
        self._running = False
        self._on_event("closed", None)

    def report(self, kind: str, value) -> None:
        self._on_event(kind, value)
