"""The staff desk for tests, the demo and the benchmarks: in this process (a DeskLink, the
board and the web server on loopback) or as a `kiosk-desk run` process; a staff member's
browser without a browser (cookies kept, the CSRF token read from the page); kiosks on
the real broker."""

from __future__ import annotations

import http.cookiejar
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from testbed.config import free_port


def start_desk(broker, site: str, directory: Path, user: str, password: str, desk_lines: str = "",
               log: Path | None = None, **popen) -> tuple[subprocess.Popen, str]:
    """The desk of `site` on `broker` with one staff login, as its unit runs it; returns
    the process and its address. `desk_lines`: more of [desk]; `log`: its stderr there;
    `popen`: for the process (e.g. a preexec_fn setting its limits)."""
    (directory / "desk-password").write_text(broker.password(f"desk-{site}"))
    port = free_port()
    config = directory / "desk.toml"
    config.write_text(
        f'[broker]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{broker.ca_file}"\n'
        f'username = "desk-{site}"\npassword_file = "{directory / "desk-password"}"\n'
        f'[desk]\nsites = ["{site}"]\nport = {port}\ndatabase = "{directory / "desk.sqlite"}"\n{desk_lines}')
    subprocess.run([sys.executable, "-m", "kiosk.desk", "add-user", user, "--sites", site, "--config", str(config)],
                   input=password + "\n", text=True, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "kiosk.desk", "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL,
                               stderr=open(log, "w") if log is not None else subprocess.DEVNULL, **popen)
    return process, f"http://127.0.0.1:{port}"


def start_region_desk(broker, directory: Path, sites: list[str], broker_user: str, database: str,
                      log: Path | None = None, desk_lines: str = "", start: bool = True) -> tuple:
    """A `kiosk-desk run` process serving many `sites` on `broker` as `broker_user`, its
    data in `database` (a SQLite file or a PostgreSQL URL); returns the process, its
    address and its desk.toml (for `kiosk-desk add-user ... --config`). With `start`
    False, a function that starts it in place of the process (add users first)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "desk-password").write_text(broker.password(broker_user))
    port = free_port()
    key = "database_url" if "://" in database else "database"
    config = directory / "desk.toml"
    config.write_text(
        f'[broker]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{broker.ca_file}"\n'
        f'username = "{broker_user}"\npassword_file = "{directory / "desk-password"}"\n'
        f'[desk]\nsites = {json.dumps(sites)}\nport = {port}\n{key} = "{database}"\n{desk_lines}')

    def launch() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "kiosk.desk", "run", "--config", str(config)],
                                stdout=subprocess.DEVNULL,
                                stderr=open(log, "w") if log is not None else subprocess.DEVNULL)

    return (launch() if start else launch), f"http://127.0.0.1:{port}", config


def start_desk_on(database_url: str, directory: Path, site: str = "oodi", log: Path | None = None,
                  ) -> tuple[subprocess.Popen, str, Path]:
    """A `kiosk-desk run` process of `site` on a shared database, with no broker to reach
    (its kiosks' side is not what it is for); returns the process, its address and its
    desk.toml (for `kiosk-desk add-user ... --config`)."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = directory / "desk.toml"
    config.write_text(f'[broker]\nhost = "127.0.0.1"\nport = {free_port()}\ntls = false\n'
                      f'[desk]\nsites = ["{site}"]\nport = {port}\ndatabase_url = "{database_url}"\n')
    process = subprocess.Popen([sys.executable, "-m", "kiosk.desk", "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL,
                               stderr=open(log, "w") if log is not None else subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}", config


def desk_command(config: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """`kiosk-desk ARGS --config CONFIG`, with `password` on its standard input."""
    return subprocess.run([sys.executable, "-m", "kiosk.desk", *args, "--config", str(config)],
                          input=(password + "\n") if password is not None else "", text=True, capture_output=True,
                          timeout=120)


def claim_in_rounds(database: str, helper: str, request_ids: list[str], barrier, answers) -> None:
    """One desk process's helper accepting each request the moment the other does (a
    multiprocessing barrier before each): (request id, helper, claimed, who has it) for each."""
    from kiosk.desk.store import Store

    store = Store(database)
    try:
        for request_id in request_ids:
            barrier.wait(60)
            request = store.accept(request_id, helper)
            answers.put((request_id, helper, request["claimed"], request["helper"]))
    finally:
        store.close()


def wait_for(condition, timeout=10.0, kiosks=()):
    """Until `condition`; the kiosks' resend timer (the app's Clock) runs meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        for help_ in kiosks:
            help_.resend_pending()
        time.sleep(0.05)


@contextmanager
def desk_in_process(broker, directory: Path, site: str = "oodi", users: dict | None = None, rollout_key=None,
                    **bounds):
    """The desk of `site` on `broker`, in this process: .store, .link, .board, .url.
    `users`: name -> (password, sites) or (password, sites, role); a site lead unless a
    role is given (who may do everything a site's staff may). `rollout_key`: its signing
    key for releases. `bounds`: the web server's (headers_s)."""
    from kiosk.desk.board import DeskApp
    from kiosk.desk.link import BrokerSettings, DeskLink
    from kiosk.desk.store import Store
    from kiosk.desk.web import serve

    store = Store(str(directory / f"desk-{site}.sqlite"))
    for name, (password, sites, *role) in (users or {}).items():
        store.add_user(name, password, sites, role[0] if role else "site_lead")
    link = DeskLink(BrokerSettings("127.0.0.1", broker.port, f"desk-{site}", broker.password(f"desk-{site}"), True,
                                   str(broker.ca_file)), [site], store)
    board = DeskApp(store, link, rollout_key=rollout_key)
    link.on_change = board.notify
    link.start()
    server = serve(board, "127.0.0.1", 0, **bounds)
    try:
        wait_for(lambda: link.connected)
        yield SimpleNamespace(store=store, link=link, board=board, url=f"http://127.0.0.1:{server.port}")
    finally:
        server.shutdown()
        link.stop()


def kiosk(broker, directory: Path, kiosk_id: str = "oodi-1", site: str = "oodi", password: str | None = None):
    """A kiosk's help service on the broker, started (the caller stops it)."""
    from kiosk.devices.fleet import LinkSettings, MqttLink
    from kiosk.help import Help, Outbox

    link = MqttLink(LinkSettings("127.0.0.1", broker.port, site, kiosk_id, kiosk_id,
                                 password or broker.password(kiosk_id), True, str(broker.ca_file)))
    help_ = Help(link, Outbox(directory / f"{kiosk_id}-outbox.sqlite"), kiosk_id, lambda: "Floor 2",
                 post=lambda work: work())
    help_.start()
    return help_


def raw_client(broker, user: str, client_id: str = "", on_message=None):
    """A bare MQTT client logged in as `user` (a kiosk account in an attacker's hands),
    connected and looping; the caller disconnects it."""
    import paho.mqtt.client as mqtt

    connected = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"raw-{user}")
    client.username_pw_set(user, broker.password(user))
    client.tls_set(ca_certs=str(broker.ca_file))
    client.on_connect = lambda *args: connected.append(args[3])
    if on_message is not None:
        client.on_message = on_message
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    wait_for(lambda: connected)
    assert not connected[0].is_failure, connected[0]
    return client


class StaffBrowser:
    """A staff member's browser: cookies kept, the CSRF token read from the page."""

    def __init__(self, base: str, timeout: float | None = None) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def login(self, name: str, password: str) -> int:
        data = urllib.parse.urlencode({"name": name, "password": password}).encode()
        try:
            response = self.opener.open(self.base + "/login", data, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, TimeoutError):
            return 0  # no answer
        page = response.read().decode()
        self.csrf = page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]
        return response.status

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            response = self.opener.open(self.base + path)
            return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def state(self) -> dict:
        """The board's state, read as strictly as a browser's JSON.parse reads it."""
        status, body = self.get("/api/state")
        assert status == 200, status
        return json.loads(body, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))

    def post(self, path: str, body: dict | bytes, csrf: bool = True) -> int:
        return self.answer(path, body, csrf)[0]

    def answer(self, path: str, body: dict | bytes, csrf: bool = True) -> tuple[int, bytes]:
        """POST as the board's script does: (status, body)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, method="POST",
                                         headers={"Content-Type": "application/json",
                                                  **({"X-CSRF-Token": self.csrf} if csrf else {})})
        try:
            with self.opener.open(request) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


class StaffPage:
    """A desk page in real Chromium as a staff member works it: real clicks and keys
    (user gestures, focus), typed text, and what the page logged (console messages,
    uncaught exceptions, refused content: a CSP violation is logged there)."""

    KEYS = {"Tab": 9, "Enter": 13, "Escape": 27, "ArrowDown": 40, "ArrowUp": 38, " ": 32}

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.console: list[str] = []
        browser._cdp.listen(self._event)  # the protocol pipe's events, as the browser module gets them
        for domain in ("Runtime.enable", "Log.enable"):
            browser.call(domain)

    def _event(self, method: str, params: dict, _session) -> None:
        if method == "Runtime.consoleAPICalled":
            self.console.append(f"console.{params.get('type')}: " + " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.console.append("exception: " + str(details.get("exception", {}).get("description")
                                                    or details.get("text")))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.console.append(f"log.{entry.get('level')}: {entry.get('text')}")

    def js(self, script: str):
        answer = self.browser.call("Runtime.evaluate", {"expression": script, "returnByValue": True,
                                                         "awaitPromise": True}, timeout_s=60)
        if "exceptionDetails" in answer:
            raise AssertionError(f"{script[:200]}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait(self, script: str, timeout: float = 20.0) -> None:
        """Until `script` is true (a page still loading counts as not yet)."""
        wait_for(lambda: self.js(f"(() => {{ try {{ return !!({script}); }} catch (e) {{ return false; }} }})()"),
                 timeout)

    def goto(self, path: str) -> None:
        self.browser.call("Page.navigate", {"url": self.base + path})
        self.wait(f"location.pathname === {json.dumps(path.split('?')[0])} && document.readyState === 'complete'"
                  " && performance.getEntriesByName('first-contentful-paint').length > 0")

    def click(self, selector: str) -> None:
        """A real click in the middle of the element (a user gesture)."""
        self.wait(f"!!document.querySelector({json.dumps(selector)})")
        x, y = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                       " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                       " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                           "clickCount": 1})

    def key(self, key: str, shift: bool = False) -> None:
        """A real key press (Tab, Enter, Escape, arrows, space), with Shift if asked."""
        text = {"Enter": "\r", " ": " "}.get(key, "")
        common = {"key": key, "code": "Space" if key == " " else key, "windowsVirtualKeyCode": self.KEYS[key],
                  "modifiers": 8 if shift else 0}
        self.browser.call("Input.dispatchKeyEvent", {"type": "keyDown" if text else "rawKeyDown", "text": text,
                                                     **common})
        self.browser.call("Input.dispatchKeyEvent", {"type": "keyUp", **common})

    def type(self, text: str) -> None:
        self.browser.call("Input.insertText", {"text": text})

    def settled(self, selector: str) -> bool:
        """The element is there and htmx has taken it in (it does so as a swap settles):
        a person cannot click in the 20 ms before, a test can."""
        return bool(self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                            " return !!e && !e.closest('.htmx-added'); })()"))

    def focused(self) -> str:
        """The focused element: its id, or its tag if it has none ("BODY": focus was lost)."""
        return self.js("document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ''")

    def axe(self, source: str) -> list[dict]:
        """axe-core's violations on the page as it is now (every rule axe runs by default)."""
        if not self.js("typeof window.axe === 'object'"):
            self.browser.call("Runtime.evaluate", {"expression": source}, timeout_s=60)
        return self.js("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => "
                       "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))")


@contextmanager
def staff_in_chromium(url: str, directory: Path, name: str, password: str, language: str = ""):
    """A staff member logged in to the desk in real Chromium (`language`: chosen on the
    login page first); yields a `StaffPage` on the board."""
    from kiosk.devices.browser import ChromiumBrowser, Geometry
    from kiosk.devices.processes import SessionProcesses

    browser = ChromiumBrowser(SessionProcesses(directory / "processes"))
    try:
        browser.open(url + "/login", directory / "profile", directory / "downloads", Geometry(0, 0, 1200, 800),
                     lambda *_: None)
        staff = StaffPage(browser, url)
        staff.wait("document.readyState === 'complete' && !!document.forms[0]")
        if language:
            browser.call("Page.navigate", {"url": f"{url}/language?to={language}&next=/login"})
            staff.wait(f"location.pathname === '/login' && document.documentElement.lang === '{language}'"
                       " && document.readyState === 'complete'")
        staff.js(f"document.querySelector('[name=name]').value = {json.dumps(name)};"
                 f"document.querySelector('[name=password]').value = {json.dumps(password)};"
                 "document.forms[0].submit()")
        staff.wait("location.pathname === '/' && !!document.getElementById('queue-list')"
                   " && typeof htmx === 'object' && document.readyState === 'complete'"
                   " && document.getElementById('stream').dataset.state === 'live'")  # its first update in
        yield staff
    finally:
        browser.close(quick=True)


@contextmanager
def board_in_chromium(url: str, directory: Path, name: str, password: str):
    """A staff member logged in to the desk's board in real Chromium; yields `page(js)`,
    the value of a script evaluated in the page."""
    with staff_in_chromium(url, directory, name, password) as staff:
        yield staff.js


def grab_screen(display: str):
    """The whole X screen `display` as an RGB picture."""
    from PIL import ImageGrab

    return ImageGrab.grab(xdisplay=display).convert("RGB")


@contextmanager
def kiosk_screen_showing(text: str, size: tuple[int, int], window: str, background: str):
    """A kiosk's own X screen (not the desk's browser's) with a window saying `text` at
    `window` ("WxH+X+Y") on `background`, once it is drawn; yields the display's name."""
    import shutil

    from kiosk.devices.xvfb import VirtualDisplay

    if shutil.which("xmessage") is None:
        raise AssertionError("xmessage is not installed (Debian package 'x11-utils')")
    display = VirtualDisplay(*size)
    name = display.start()
    shown = subprocess.Popen(["xmessage", "-display", name, "-geometry", window, "-bg", background, "-fg", "#ffffff",
                              "-center", text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: grab_screen(name).getpixel((300, 150)) != (0, 0, 0), 20)
        yield name
    finally:
        shown.terminate()
        shown.wait()
        display.stop()
