"""Chromium for the e-services, under the kiosk's control: its launch and attach.

One Chromium per session: a fresh profile in the session directory, the kiosk's managed
policy (installed by provisioning, see kiosk/browser_policy.py), `--app` (no address bar,
no tabs), a window placed above the kiosk's control strip, and the DevTools protocol over
`--remote-debugging-pipe` (no port another process could reach).

What the policy cannot stop, the kiosk does through the protocol: new windows and
downloads are the guard's (browser_guard.py: one worker thread per browser, in the order
of the events); the window is held where the kiosk put it, and Shift+Esc kept from
Chromium (browser_window.py). All that Chromium writes, crash database and temporary
files too, stays in the profile directory (browser_env.py), and its crash handler finds
nowhere to write and does not run.
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
from pathlib import Path

from kiosk.devices import DeviceError, page_reader
from kiosk.devices.browser import Event, Geometry
from kiosk.devices.browser_env import browser_environment
from kiosk.devices.browser_guard import BrowserGuard
from kiosk.devices.browser_window import NEUTER_WINDOW_MOVES, WindowWarden
from kiosk.devices.cdp import CdpError, CdpPipe
from kiosk.devices.downloads import DownloadGate
from kiosk.devices.file_chooser import FileChooser, offered_files, read_chooser
from kiosk.devices.page_reader import PageItem
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


def _signal(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except (ProcessLookupError, PermissionError):
        pass


# After a press, the page's scripts run and its live regions change before it is read again.
SETTLE_S = 0.25
LOAD_WAIT_S = 5.0  # a page still loading is read once it has loaded, or after this long


# What the focus is in, for the strip's keyboard: digits alone, or letters (kiosk/devices/browser.py).
FOCUSED_FIELD = """(() => {
  const e = document.activeElement;
  const typed = ['', 'text', 'search', 'email', 'url', 'tel', 'password', 'number'];
  if (!e || !((e.tagName === 'INPUT' && typed.includes((e.getAttribute('type') || '').toLowerCase()))
              || e.tagName === 'TEXTAREA' || e.isContentEditable)) return null;
  const mode = (e.inputMode || '').toLowerCase(), type = (e.type || '').toLowerCase();
  return ['numeric', 'decimal', 'tel'].includes(mode) || ['number', 'tel'].includes(type) ? 'numeric' : 'text';
})()"""
KEYS = {"Backspace": (8, "Backspace"), "Enter": (13, "Enter"), "Tab": (9, "Tab")}
# Frames from other sites run in processes of their own, each reached in its own session;
# a page cannot make the kiosk keep more of them than this (the rest are said to be unread).
MAX_FRAME_SESSIONS = 64


class ChromiumBrowser:
    """Chromium in a process group of the session (the wipe stops it), driven over the pipe."""

    def __init__(self, processes: SessionProcesses, executable: str = "", test_flags: tuple[str, ...] = ()) -> None:
        """`test_flags`: for tests only (a fake camera); a kiosk never passes any."""
        self.processes = processes
        self.test_flags = test_flags
        # The binary itself, not Debian's wrapper script, which loads extensions and API keys.
        self.executable = executable or next(
            (p for p in ("/usr/lib/chromium/chromium",) if os.access(p, os.X_OK)),
            shutil.which("chromium") or shutil.which("chromium-browser") or "")
        self._process = None
        self._cdp: CdpPipe | None = None
        self._target = ""
        self._session = ""
        self._on_event: Event = lambda kind, value: None
        self._guard: BrowserGuard | None = None  # new windows and downloads: one worker
        self._warden: WindowWarden | None = None
        self._link_folder: Path | None = None  # see browser_environment
        self._zoom = 1.0
        self._closing = False
        # Out-of-process frames (iframes from other sites): frame id -> session, kept by the
        # protocol's reader thread, read by the runner's.
        self._frames: dict[str, str] = {}
        self._frames_lock = threading.Lock()
        self._marked: str | None = None  # the frame whose overlay marks an item ("": the page's)
        self._documents: Path | None = None  # the session's documents: all a page may be given

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
        self._documents = downloads_dir
        profile_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        gate = DownloadGate(profile_dir / "incoming", downloads_dir, self._cancel_download, on_event)
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
                *FLAGS, *self.test_flags, f"--app={url}"]
        if os.geteuid() == 0:
            # Chromium's sandbox refuses root: only tests and the demo run so, never a terminal.
            log.warning("browser runs WITHOUT its sandbox because the kiosk runs as root")
            argv.insert(1, "--no-sandbox")
        self._target = self._session = ""  # nothing is refused before the kiosk holds its page
        with self._frames_lock:
            self._frames.clear()
        self._marked = None
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
        self._guard = BrowserGuard(lambda method, params: self.call(method, params, page=False),
                                   lambda: self._target if self._session else "", gate, on_event)
        self._cdp = CdpPipe(to_browser, from_browser)
        self._cdp.listen(self._on_cdp_event)
        self._cdp.listen(self._guard.event)  # this browser's guard, as its warden below
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
                    # "Attach a file" asks the kiosk (file_chooser.py), never a system dialog.
                    cdp.call("Page.setInterceptFileChooserDialog", {"enabled": True}, session_id=self._session)
                    # Frames from other sites are attached as they come, to be read by ear.
                    cdp.call("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False,
                                                      "flatten": True}, session_id=self._session)
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
        cdp.call("Browser.setDownloadBehavior", {"behavior": "allow", "eventsEnabled": True,
                                                 "downloadPath": str(self._guard.gate.incoming)})
        for extra in pages[1:]:
            self._close_target(extra["targetId"])
        # The first page may have committed before Page.enable: report where it is now.
        url = cdp.call("Page.getFrameTree", session_id=self._session)["frameTree"]["frame"].get("url", "")
        if url and url != "about:blank":
            self._on_event("navigated", url)

    # -- what the kiosk asks ---------------------------------------------------------------

    def call(self, method: str, params: dict | None = None, page: bool = True, timeout_s: float = 10.0) -> dict:
        """One DevTools protocol call, in the kiosk's page (`page`) or to the browser itself; its
        result. What every method here is made of, and how the tests and the testbed evaluate
        script in the page or drive it as a person would. Raises DeviceError."""
        return self._send(method, params, self._session if page else None, timeout_s)

    def _send(self, method: str, params: dict | None, session: str | None, timeout_s: float = 10.0) -> dict:
        if self._cdp is None:
            raise DeviceError("the browser is not open")
        try:
            return self._cdp.call(method, params, session, timeout_s=timeout_s)
        except CdpError as error:
            raise DeviceError(str(error)) from None

    def in_frame(self, frame: str):
        """A `call` in the session of the out-of-process frame `frame` (its frame id), or None
        if there is no such frame attached; "" is the page's own process (`call`)."""
        if not frame:
            return self.call
        with self._frames_lock:
            session = self._frames.get(frame)
        if session is None:
            return None

        def call(method: str, params: dict | None = None, timeout_s: float = 10.0) -> dict:
            return self._send(method, params, session, timeout_s)
        return call

    def _item_call(self, item: PageItem):
        call = self.in_frame(item.frame)
        if call is None:
            raise DeviceError("that item is no longer on the page")  # its frame went away
        return call

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def back(self) -> None:
        history = self.call("Page.getNavigationHistory")
        index = history["currentIndex"]
        if index > 0:
            self.call("Page.navigateToHistoryEntry", {"entryId": history["entries"][index - 1]["id"]})

    def page_text(self) -> str:
        result = self.call("Runtime.evaluate", {"expression": "document.body ? document.body.innerText : ''",
                                                "returnByValue": True})
        return str(result.get("result", {}).get("value") or "")

    def print_to_pdf(self, target: Path) -> Path:
        result = self.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True},
                           timeout_s=60.0)
        target.write_bytes(base64.b64decode(result["data"]))
        return target

    def set_zoom(self, factor: float) -> None:
        self._zoom = factor
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        self.call("Emulation.setPageScaleFactor", {"pageScaleFactor": 1.0})
        self.call("Runtime.evaluate", {"expression": f"document.documentElement.style.zoom = '{self._zoom:g}'"})

    def type_text(self, text: str) -> None:
        self.call("Input.insertText", {"text": text})

    def focused_field(self) -> str | None:
        return self.call("Runtime.evaluate", {"expression": FOCUSED_FIELD, "returnByValue": True},
                         timeout_s=2.0)["result"].get("value")

    def press_key(self, key: str) -> None:
        code, name = KEYS[key]
        # A key with text goes down as "keyDown" (it then types, and Enter sends a form, as
        # Puppeteer does it); one without, as "rawKeyDown".
        text = "\r" if key == "Enter" else ""
        for kind in ("keyDown" if text else "rawKeyDown", "keyUp"):
            params = {"type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code,
                      "nativeVirtualKeyCode": code}
            if text and kind == "keyDown":
                params["text"] = params["unmodifiedText"] = text
            self.call("Input.dispatchKeyEvent", params)

    # -- the page by ear (page_reader.py) ------------------------------------------------------

    def page_items(self) -> list[PageItem]:
        deadline = time.monotonic() + LOAD_WAIT_S
        while time.monotonic() < deadline and self.call("Runtime.evaluate", {
                "expression": "document.readyState", "returnByValue": True})["result"].get("value") != "complete":
            time.sleep(0.05)
        return page_reader.read_items(self.call, self._frame_sessions)

    def activate_item(self, item: PageItem) -> str:
        done = page_reader.activate(self._item_call(item), item)
        time.sleep(SETTLE_S)
        return done

    def focus_item(self, item: PageItem) -> str:
        # Typing then goes on through the page's session: Chromium hands it to the focused
        # field, in whichever frame that is.
        return page_reader.focus(self._item_call(item), item)

    def show_item(self, item: PageItem | None) -> None:
        if self._marked is not None and (item is None or self._marked != item.frame):
            call = self.in_frame(self._marked)  # the mark leaves the frame it was in
            try:
                if call is not None:
                    page_reader.unmark(call)
            except DeviceError:
                pass  # that frame, or its mark, is gone
            self._marked = None
        if item is None:
            return
        call = self._item_call(item)
        # Each time: cheap when they already are, and a session may have been replaced.
        call("DOM.enable")
        call("Overlay.enable")
        page_reader.show(call, item)
        self._marked = item.frame

    def page_alerts(self) -> list[str]:
        return page_reader.alerts(self.call, self._frame_sessions)

    def _frame_sessions(self, frame: str):
        return self.in_frame(frame) if frame else None

    def set_geometry(self, geometry: Geometry) -> None:
        if self._warden is None or not self.running:
            raise DeviceError("the browser is not open")
        self._warden.hold(geometry)  # the warden alone moves the window: it cannot fight the kiosk

    def _bounds(self) -> Geometry | str | None:
        """Where the window is; its state if that is not "normal" (maximised...)."""
        if not self._target:
            return None
        bounds = self.call("Browser.getWindowForTarget", {"targetId": self._target}, page=False,
                           timeout_s=2.0)["bounds"]
        if bounds.get("windowState", "normal") != "normal":
            return bounds["windowState"]
        return Geometry(bounds["left"], bounds["top"], bounds["width"], bounds["height"])

    def _place(self, geometry: Geometry) -> None:
        found = self.call("Browser.getWindowForTarget", {"targetId": self._target}, page=False)
        if found["bounds"].get("windowState", "normal") != "normal":  # such a window takes no bounds
            self.call("Browser.setWindowBounds", {"windowId": found["windowId"], "bounds": {
                "windowState": "normal"}}, page=False)
        self.call("Browser.setWindowBounds", {"windowId": found["windowId"], "bounds": {
            "left": geometry.x, "top": geometry.y, "width": geometry.width, "height": geometry.height}},
            page=False)

    def close(self, quick: bool = False) -> None:
        self._closing = True
        if self._guard is not None:
            self._guard.stop()
            self._guard = None
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
            if self._zoom != 1.0 and self._guard is not None:  # a new document has the page's zoom
                self._guard.later(self._apply_zoom)
        elif method == "Page.fileChooserOpened" and self._guard is not None:
            self._guard.later(lambda: self._chooser_opened(params, session))
        elif method == "Target.attachedToTarget":
            self._frame_attached(params, session)
        elif method == "Target.detachedFromTarget":
            gone = params.get("sessionId")
            with self._frames_lock:
                for frame in [f for f, s in self._frames.items() if s == gone]:
                    del self._frames[frame]

    def _frame_attached(self, params: dict, parent: str | None) -> None:
        """A frame from another site attached under the page (or under such a frame): kept to
        be read, and its own frames from other sites attached in turn (by the guard's worker,
        as this reader thread cannot wait for an answer)."""
        info, child = params.get("targetInfo") or {}, params.get("sessionId")
        if info.get("type") != "iframe" or not isinstance(child, str) or not isinstance(info.get("targetId"), str):
            return
        with self._frames_lock:
            ours = parent == self._session or parent in self._frames.values()
            if not ours or len(self._frames) >= MAX_FRAME_SESSIONS:
                return
            self._frames[info["targetId"]] = child
        if self._guard is not None:
            self._guard.later(lambda: self._watch_frame(child))

    def _watch_frame(self, child: str) -> None:
        self._send("Page.enable", None, child)
        self._send("Page.setInterceptFileChooserDialog", {"enabled": True}, child)
        self._send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True},
                   child)

    def _chooser_opened(self, params: dict, session: str | None) -> None:
        """On the guard's worker: the page's input read, and reported as "file_chooser"."""
        with self._frames_lock:
            frame = "" if session == self._session else next(
                (f for f, s in self._frames.items() if s == session), None)
        call = self.in_frame(frame) if frame is not None else None
        if call is None:
            return
        chooser = read_chooser(call, params, frame)
        if chooser is not None:
            self._on_event("file_chooser", chooser)

    def choose_files(self, chooser: FileChooser, paths: list[Path]) -> None:
        files = offered_files(paths, self._documents, chooser) if self._documents else []
        if not files:
            raise DeviceError("the browser is not open")
        call = self.in_frame(chooser.frame)
        if call is None:
            raise DeviceError("the page that asked for a file is gone")
        call("DOM.setFileInputFiles", {"files": files, "backendNodeId": chooser.node})

    def _close_target(self, target: str) -> None:
        try:
            if self._cdp is not None:
                self._cdp.call("Target.closeTarget", {"targetId": target})
        except CdpError:
            pass

    def _cancel_download(self, guid: str) -> None:
        self.call("Browser.cancelDownload", {"guid": guid}, page=False)
