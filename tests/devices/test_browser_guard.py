"""The browser's guard against new windows and downloads: one worker, events in order."""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.devices import DeviceError, browser_guard
from kiosk.devices.browser_guard import BrowserGuard
from kiosk.devices.downloads import DownloadGate

PAGE = "page-1"


class Recorder:
    """The browser's side: its protocol calls and its reports, with the thread of each."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str]] = []
        self.reports: list[tuple[str, object]] = []
        self.done = threading.Event()

    def call(self, method: str, params: dict) -> dict:
        self.calls.append((method, params, threading.current_thread().name))
        if method == "Browser.cancelDownload":
            raise DeviceError("already finished")  # the guard goes on
        return {}

    def report(self, kind: str, value) -> None:
        self.reports.append((kind, value))

    def wait_for(self, condition, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "not so in time"
            time.sleep(0.01)


@pytest.fixture
def guarded(tmp_path):
    recorder = Recorder()
    gate = DownloadGate(tmp_path / "incoming", tmp_path / "documents",
                        lambda guid: recorder.call("Browser.cancelDownload", {"guid": guid}), recorder.report)
    page = {"target": PAGE}
    guard = BrowserGuard(recorder.call, lambda: page["target"], gate, recorder.report)
    yield guard, recorder, page
    guard.stop()


def created(target: str, url: str = "", opener: str = "") -> dict:
    return {"targetInfo": {"targetId": target, "type": "page", "url": url, "openerId": opener}}


def test_a_thousand_new_windows_are_closed_in_order_by_one_worker(guarded):
    guard, recorder, _page = guarded
    threads = threading.active_count()
    for number in range(1000):
        guard.event("Target.targetCreated", created(f"w{number}", "chrome://newtab/"))
        assert threading.active_count() == threads
    recorder.wait_for(lambda: len(recorder.reports) == 1000)
    assert [params["targetId"] for _m, params, _t in recorder.calls] == [f"w{n}" for n in range(1000)]
    assert {thread for _m, _p, thread in recorder.calls} == {"browser-guard"}
    assert set(recorder.reports) == {("popup_refused", "chrome://newtab/")}


def test_a_popup_opens_its_address_in_the_page_once_it_names_it(guarded):
    guard, recorder, _page = guarded
    guard.event("Target.targetCreated", created("p1", opener=PAGE))
    guard.event("Target.targetCreated", created("w1", "chrome://newtab/"))  # not held up by the popup
    recorder.wait_for(lambda: recorder.reports == [("popup_refused", "chrome://newtab/")])
    guard.event("Target.targetInfoChanged", created("p1", "https://www.kela.fi/", opener=PAGE))
    recorder.wait_for(lambda: len(recorder.reports) == 2)
    assert recorder.reports[1] == ("popup", "https://www.kela.fi/")
    assert [params["targetId"] for _m, params, _t in recorder.calls] == ["w1", "p1"]


def test_a_popup_that_names_no_address_in_time_is_closed_and_refused(guarded, monkeypatch):
    monkeypatch.setattr(browser_guard, "POPUP_URL_S", 0.1)
    guard, recorder, _page = guarded
    guard.event("Target.targetCreated", created("p1", "about:blank", opener=PAGE))
    recorder.wait_for(lambda: recorder.reports == [("popup_refused", "")])
    assert [params["targetId"] for _m, params, _t in recorder.calls] == ["p1"]


def test_the_page_itself_and_windows_before_the_kiosk_holds_it_are_left_alone(guarded):
    guard, recorder, page = guarded
    guard.event("Target.targetCreated", created(PAGE, "https://www.kela.fi/"))
    guard.event("Target.targetInfoChanged", created(PAGE, "https://www.kela.fi/2"))
    page["target"] = ""  # starting: attaching closes the other pages itself
    guard.event("Target.targetCreated", created("w1", "chrome://newtab/"))
    guard.later(lambda: recorder.done.set())
    recorder.wait_for(recorder.done.is_set)
    assert recorder.calls == [] and recorder.reports == []


def test_a_program_is_cancelled_on_the_worker_and_a_document_follows_it_in_order(guarded):
    guard, recorder, _page = guarded
    guard.event("Browser.downloadWillBegin", {"guid": "1", "suggestedFilename": "setup.exe"})
    guard.event("Browser.downloadWillBegin", {"guid": "2", "suggestedFilename": "decision.pdf"})
    (guard.gate.incoming / "decision.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    guard.event("Browser.downloadProgress", {"guid": "2", "state": "completed",
                                             "filePath": str(guard.gate.incoming / "decision.pdf")})
    recorder.wait_for(lambda: len(recorder.reports) == 2)
    assert recorder.calls == [("Browser.cancelDownload", {"guid": "1"}, "browser-guard")]
    assert recorder.reports == [("refused_download", "setup.exe"),
                                ("download", guard.gate.documents / "decision.pdf")]


def test_nothing_is_done_once_stopped(guarded):
    guard, recorder, _page = guarded
    started = threading.Event()
    release = threading.Event()
    guard.later(lambda: (started.set(), release.wait(5)))
    started.wait(5)
    guard.event("Target.targetCreated", created("w1", "chrome://newtab/"))
    guard.stop()
    release.set()
    time.sleep(0.1)
    assert recorder.calls == [] and recorder.reports == []
