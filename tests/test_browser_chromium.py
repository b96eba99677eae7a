"""The locked browser with real Chromium on Xvfb, under the kiosk's real managed policy,
against a local test e-service: breakout attempts, crash recovery, the wipe, print and
read aloud. Each breakout attempt is asserted blocked or harmless."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import replace

import pytest

from kiosk.background import Immediate
from kiosk.browser_policy import policy, policy_json
from kiosk.catalog import load_catalog
from kiosk.config import load_config
from kiosk.devices import DeviceError
from kiosk.devices.browser import ChromiumBrowser, Geometry
from kiosk.devices.processes import SessionProcesses
from kiosk.eservices import EServices
from kiosk.wipe import SessionWipe, register_device_steps

pytestmark = pytest.mark.gui
CONFIG = load_config()
CATALOG = load_catalog(CONFIG.catalog_file, CONFIG.languages.offered)


@pytest.fixture(scope="module")
def site(xvfb_display):
    import json

    from testbed.site import InstalledPolicy, TestSite

    served = TestSite().start()
    installed = InstalledPolicy(policy_json(CATALOG, [served.host]))
    served.policy = installed
    served.policy_text = json.dumps(policy(CATALOG, [served.host]))
    yield served
    installed.remove()
    served.stop()


class Kiosk:
    """The e-services service with real Chromium, as the app composes it (reports handled
    on the browser's thread here, as no Kivy loop runs)."""

    def __init__(self, site, tmp_path) -> None:
        self.site = site
        self.run_dir = tmp_path / "run"
        self.wipe = SessionWipe(self.run_dir, tmp_path / "state")
        self.session_dir = self.wipe.prepare()
        self.processes = SessionProcesses(self.run_dir / "session-processes")
        self.browser = ChromiumBrowser(self.processes)
        self.services = EServices(self.browser, CATALOG, self.session_dir, Immediate(), post=lambda work: work(),
                                  geometry=lambda: Geometry(0, 0, 1280, 640), extra_allowed=(site.host,))
        self.downloads: list = []
        self.services.bind(on_download=lambda _s, path: self.downloads.append(path))

    def open(self, path: str = "/index.html") -> None:
        service = replace(CATALOG.services[0], url=self.site.url(path))
        self.services.open_service(service)
        assert self.services.open, self.services.notice
        self.wait_for(lambda: self.services.url == self.site.url(path), 15)
        self.wait_for(lambda: self.evaluate("document.readyState") == "complete", 10)

    def wait_for(self, condition, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "not so in time"
            time.sleep(0.05)

    def evaluate(self, expression: str):
        return self.browser._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                      "awaitPromise": True})["result"].get("value")

    def tap(self, element: str) -> None:
        """A real click (a user gesture, as a finger's) in the middle of an element."""
        box = self.evaluate(f"(() => {{ const e = document.getElementById('{element}');"
                            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.browser._call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                            "button": "left", "clickCount": 1})

    def pages(self) -> list[dict]:
        targets = self.browser._call("Target.getTargets", page=False)["targetInfos"]
        return [t for t in targets if t["type"] == "page"]

    def end(self):
        self.wipe.register_step("browser", self.services.reset)
        register_device_steps(self.wipe, _NoJobs(), self.processes, None)
        return self.wipe.run("end")


class _NoJobs:
    def purge_jobs(self) -> int:
        return 0

    def pending_jobs(self) -> list[int]:
        return []


@pytest.fixture
def kiosk(site, tmp_path):
    made = Kiosk(site, tmp_path)
    yield made
    made.services.reset()
    made.processes.stop_all()


def xdotool(*args: str) -> str:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=20).stdout


def browser_windows() -> list[str]:
    return xdotool("search", "--onlyvisible", "--class", "chromium").split()


def test_the_kiosk_controls_chromium_under_its_policy_and_not_under_devtools_availability_2(site, tmp_path):
    # The devtools trap: availability 2 also refuses the kiosk's own protocol connection.
    import json

    strict = json.loads(site.policy_text)
    strict["DeveloperToolsAvailability"] = 2
    site.policy.write(json.dumps(strict))
    browser = ChromiumBrowser(SessionProcesses(tmp_path / "processes"))
    try:
        with pytest.raises(DeviceError, match="did not take the kiosk.s control"):
            browser.open(site.url(), tmp_path / "profile", tmp_path / "downloads", Geometry(0, 0, 800, 600),
                         lambda *_: None)
    finally:
        browser.close(quick=True)
        site.policy.write(site.policy_text)
    browser = ChromiumBrowser(SessionProcesses(tmp_path / "processes2"))
    try:
        browser.open(site.url(), tmp_path / "profile2", tmp_path / "downloads", Geometry(0, 0, 800, 600),
                     lambda *_: None)
        deadline = time.monotonic() + 10
        while "Apply for housing allowance" not in browser.page_text():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        browser.close(quick=True)


@pytest.mark.parametrize("address", [
    "https://example.com/", "file:///etc/passwd", "chrome://settings", "view-source:{site}/index.html",
    "chrome://version", "devtools://devtools/bundled/inspector.html",
])
def test_addresses_outside_the_allowlist_are_blocked(kiosk, address):
    kiosk.open()
    kiosk.browser.navigate(address.format(site=kiosk.site.url("").rstrip("/")))
    time.sleep(0.8)
    text = kiosk.evaluate("document.body ? document.body.innerText : ''") or ""
    assert "root:x:0:0" not in text and "Apply for housing allowance" not in text or address.startswith("https")
    href = kiosk.evaluate("location.href")
    assert href.startswith("chrome-error://") or href == kiosk.site.url(), href


def test_javascript_urls_and_links_out_stay_on_the_allowed_page(kiosk):
    kiosk.open()
    kiosk.evaluate("document.getElementById('file').click()")
    time.sleep(0.8)
    assert "root:x:0:0" not in (kiosk.evaluate("document.body.innerText") or "")
    kiosk.open()
    kiosk.browser.navigate("javascript:document.body.innerHTML='<p>hijacked</p>'")
    time.sleep(0.5)
    assert "Apply for housing allowance" in kiosk.browser.page_text()


def test_popups_open_in_the_same_window(kiosk):
    kiosk.open()
    for element in ("blank", "popup"):  # target=_blank, and window.open() on a tap
        kiosk.tap(element)
        try:
            kiosk.wait_for(lambda: kiosk.services.url == kiosk.site.url("/second.html"), 10)
        except AssertionError:
            raise AssertionError(f"{element}: {kiosk.services.notice} {kiosk.services.url} {kiosk.pages()}")
        kiosk.wait_for(lambda: len(kiosk.pages()) == 1, 5)
        assert len(browser_windows()) == 1
        kiosk.browser.navigate(kiosk.site.url())
        kiosk.wait_for(lambda: kiosk.services.url == kiosk.site.url(), 10)


def test_executables_and_archives_are_refused_and_a_pdf_download_lands_in_the_session(kiosk):
    kiosk.open()
    downloads = kiosk.session_dir / "downloads"
    for link in ("sh", "exe"):
        kiosk.evaluate(f"document.getElementById('{link}').click()")
        kiosk.wait_for(lambda: kiosk.services.notice == "download_refused", 10)
        kiosk.services.clear_notice()
    kiosk.evaluate("document.getElementById('pdf').click()")
    kiosk.wait_for(lambda: kiosk.downloads, 10)
    time.sleep(0.5)
    assert sorted(p.name for p in downloads.iterdir()) == ["decision.pdf"]
    assert kiosk.downloads == [downloads / "decision.pdf"]


@pytest.mark.parametrize("keys", [
    "F12", "ctrl+shift+i", "ctrl+shift+j", "ctrl+shift+c", "ctrl+u", "ctrl+n", "ctrl+t", "ctrl+o", "ctrl+p",
    "ctrl+s", "alt+F4", "alt+Tab", "ctrl+l", "F11", "ctrl+shift+n", "ctrl+h", "ctrl+j",
])
def test_keyboard_shortcuts_open_nothing(kiosk, keys):
    kiosk.open()
    kiosk.wait_for(browser_windows, 15)  # mapped a moment after the page loads, on a busy machine
    window = browser_windows()[0]
    xdotool("windowactivate", "--sync", window)
    xdotool("key", "--window", window, keys)
    xdotool("keyup", "ctrl", "shift", "alt", "super")  # nothing held down for the next test
    time.sleep(1.0)

    def settled() -> bool:
        # One page, ours, at the allowed address, in one window the size the kiosk gave it
        # (a shortcut that closes the window gets it reopened there).
        if not (kiosk.services.open and kiosk.browser.running):
            return False
        pages = kiosk.pages()
        return len(pages) == 1 and pages[0]["url"] == kiosk.site.url() and len(browser_windows()) == 1

    kiosk.wait_for(settled, 15)
    geometry = xdotool("getwindowgeometry", browser_windows()[0])
    assert "1280x640" in geometry, geometry


def test_closing_the_window_with_ctrl_w_reopens_it_at_the_last_allowed_address(kiosk):
    kiosk.open("/second.html")
    window = browser_windows()[0]
    xdotool("windowactivate", "--sync", window)
    xdotool("key", "--window", window, "ctrl+w")
    xdotool("keyup", "ctrl", "w")  # the window is gone before the keys are let go
    kiosk.wait_for(lambda: kiosk.services.notice == "reopened", 5)
    kiosk.wait_for(lambda: kiosk.services.open and kiosk.browser.running, 15)
    kiosk.wait_for(lambda: "You came here from the first page" in kiosk.browser.page_text(), 10)


def test_a_crashed_browser_is_noticed_within_2_s_and_reopened_then_given_up(kiosk):
    import signal

    kiosk.open()
    os.killpg(kiosk.browser._process.pid, signal.SIGKILL)
    started = time.monotonic()
    kiosk.wait_for(lambda: kiosk.services.notice == "reopened", 5)
    assert time.monotonic() - started < 2.0
    kiosk.wait_for(lambda: kiosk.services.open, 15)
    gone = []
    kiosk.services.bind(on_gone=lambda *_: gone.append(True))
    os.killpg(kiosk.browser._process.pid, signal.SIGKILL)  # again, at once: the catalogue and an apology
    kiosk.wait_for(lambda: gone, 5)
    assert kiosk.services.notice == "crashed" and not kiosk.services.open


def test_dragging_a_file_address_into_the_page_does_not_open_it(kiosk):
    kiosk.open()
    # What a drop of a file: URL does: the page is asked to go there.
    kiosk.evaluate("""(() => { const data = new DataTransfer(); data.setData('text/uri-list', 'file:///etc/passwd');
        document.body.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true})); })()""")
    kiosk.browser.navigate("file:///etc/passwd")
    time.sleep(0.8)
    assert "root:x:0:0" not in (kiosk.evaluate("document.body.innerText") or "")


def test_the_wipe_leaves_no_process_no_profile_and_nothing_for_the_next_person(kiosk, site, tmp_path):
    kiosk.open("/storage.html")
    kiosk.wait_for(lambda: kiosk.evaluate("document.getElementById('found').textContent") != "checking", 10)
    assert kiosk.evaluate("document.getElementById('found').textContent") == "nothing"
    kiosk.evaluate("document.body.innerHTML += '<a id=d href=/files/decision.pdf download>d</a>'; "
                   "document.getElementById('d').click()")
    kiosk.wait_for(lambda: kiosk.downloads, 10)
    started = time.perf_counter()
    receipt = kiosk.end()
    took = time.perf_counter() - started
    assert receipt.ok, receipt
    assert kiosk.processes.alive() == [] and not kiosk.session_dir.exists()
    assert took < 1.0, f"the wipe with an open browser took {took:.2f} s"
    # The next person, on the same site: nothing of the last one.
    kiosk.wipe.prepare()
    kiosk.open("/storage.html")
    kiosk.wait_for(lambda: kiosk.evaluate("document.getElementById('found').textContent") != "checking", 10)
    assert kiosk.evaluate("document.getElementById('found').textContent") == "nothing"


def test_print_this_page_makes_a_real_job_and_read_aloud_gets_the_page_text(kiosk, cupsd):
    from kiosk.devices.printer import CupsPrinter
    from kiosk.printing import Printing
    from testbed.cupsd import PDF_PRINTER
    from testbed.fakes import FakeScheduler
    from testbed.pdfs import pdf_pages, pdf_text

    kiosk.open()
    kiosk.wait_for(lambda: "Apply" in kiosk.browser.page_text(), 10)
    texts = []
    kiosk.services.page_text(texts.append)
    assert "Apply for housing allowance here." in texts[0]
    pages = []
    kiosk.services.print_page(pages.append)
    assert "Apply for housing allowance" in pdf_text(pages[0])
    printer = CupsPrinter(cupsd.socket, "kiosk-browser-test", PDF_PRINTER)
    scheduler = FakeScheduler()
    try:
        printing = Printing(printer, CONFIG.printing, kiosk.session_dir, Immediate(), scheduler)
        printing.refresh_documents()
        printing.choose(next(d for d in printing.documents if d.path == pages[0]))
        assert printing.confirm(), printing.reason
        job = printing._job
        deadline = time.monotonic() + 30
        while printing.job_state != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
            scheduler.advance(1)
        while cupsd.printed(job) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        # The printer's copy has the page (its text is outlines after ghostscript).
        assert pdf_pages(cupsd.printed(job)) == pdf_pages(pages[0]) == 1
    finally:
        printer.close()


def test_typing_from_the_on_screen_keyboard_reaches_the_page(kiosk):
    kiosk.open()
    kiosk.evaluate("const field = document.getElementById('name'); field.value = ''; field.focus()")
    kiosk.services.type_text("Äänekoski ö@")
    kiosk.services.press_key("Backspace")
    # Only what the kiosk typed (the shared test display must not type into the page); the
    # keys go through the browser's worker thread, so the page gets them a moment later.
    kiosk.wait_for(lambda: kiosk.evaluate("document.getElementById('name').value") == "Äänekoski ö", 10)


def test_logging_in_is_noticed_from_the_address(kiosk):
    kiosk.services._handle("navigated", "https://tunnistus.suomi.fi/sso/login")
    assert kiosk.services.identifying
    kiosk.services._handle("navigated", "https://www.kela.fi/asiointi")
    assert not kiosk.services.identifying


def test_practice_mode_rehearses_a_login_and_an_application_marked_practice_throughout(kiosk, site):
    import json

    from kiosk.practice import PracticeService

    practice = PracticeService().start()
    allowed = json.loads(site.policy_text)
    allowed["URLAllowlist"].append(practice.host)
    site.policy.write(json.dumps(allowed))
    try:
        kiosk.services.allowed += (practice.host,)
        service = replace(CATALOG.services[0], url=practice.url("fi"))
        kiosk.services.open_service(service)
        kiosk.wait_for(lambda: kiosk.services.open and "Harjoittele asiointia" in kiosk.browser.page_text(), 30)
        for element in ("bank",):
            kiosk.tap(element)
        kiosk.wait_for(lambda: "Kirjaudu Harjoituspankkiin" in kiosk.browser.page_text(), 20)
        kiosk.evaluate("document.querySelector('[name=user]').focus()")
        kiosk.services.type_text("harjoitus")
        kiosk.wait_for(lambda: kiosk.evaluate("document.querySelector('[name=user]').value") == "harjoitus", 10)
        kiosk.evaluate("document.querySelector('form').submit()")
        kiosk.wait_for(lambda: "Maija Harjoittelija" in kiosk.browser.page_text(), 10)
        kiosk.tap("continue")
        kiosk.wait_for(lambda: "Hakemus harjoitusetuudesta" in kiosk.browser.page_text(), 10)
        kiosk.tap("send")
        kiosk.wait_for(lambda: "Mitään ei lähetetty" in kiosk.browser.page_text(), 10)
        assert "HARJOITUS" in kiosk.browser.page_text()
    finally:
        practice.stop()
        site.policy.write(site.policy_text)
