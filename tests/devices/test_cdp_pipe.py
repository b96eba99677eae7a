"""CdpPipe against a fake browser on the other end of a pair of pipes."""

from __future__ import annotations

import json
import os
import threading

import pytest

from kiosk.devices.cdp import CdpError, CdpPipe

DEADLINE_S = 30.0  # a safety net: each wait ends as soon as its event comes, loaded or not


class FakeBrowser:
    """The browser's side of `--remote-debugging-pipe`: reads NUL-terminated requests,
    records them, and answers as `answer(browser, request)` says (None: no answer)."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.requests: list[dict] = []
        self.received = threading.Condition()
        self._read, self.to_browser = os.pipe()
        self.from_browser, self._write = os.pipe()
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-browser")
        self._thread.start()

    def pipe(self) -> CdpPipe:
        return CdpPipe(self.to_browser, self.from_browser)

    def send(self, message: dict | bytes) -> None:
        data = message if isinstance(message, bytes) else json.dumps(message).encode() + b"\0"
        with self._write_lock:
            os.write(self._write, data)

    def hang_up(self) -> None:
        """The browser exits: its end of the pipe it writes on closes."""
        with self._write_lock:
            if self._write is not None:
                os.close(self._write)
                self._write = None

    def wait_for_requests(self, count: int) -> list[dict]:
        with self.received:
            assert self.received.wait_for(lambda: len(self.requests) >= count, DEADLINE_S), self.requests
            return list(self.requests)

    def _serve(self) -> None:
        buffer = b""
        while chunk := os.read(self._read, 1 << 16):
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                request = json.loads(raw)
                with self.received:
                    self.requests.append(request)
                    self.received.notify_all()
                reply = self.answer(self, request)
                if reply is not None:
                    self.send(reply)
        os.close(self._read)


def echo(_browser, request):
    return {"id": request["id"], "result": {"method": request["method"], "params": request["params"]}}


@pytest.fixture
def browser_with():
    made: list[tuple[FakeBrowser, CdpPipe]] = []

    def start(answer=echo) -> tuple[FakeBrowser, CdpPipe]:
        browser = FakeBrowser(answer)
        pipe = browser.pipe()
        made.append((browser, pipe))
        return browser, pipe

    yield start
    for browser, pipe in made:
        browser.hang_up()
        pipe.close()


def test_a_call_gets_its_own_result_and_says_what_it_asked(browser_with):
    browser, cdp = browser_with()
    assert cdp.call("Page.navigate", {"url": "https://example.org/"}, session_id="S1") == {
        "method": "Page.navigate", "params": {"url": "https://example.org/"}}
    assert cdp.call("Target.getTargets") == {"method": "Target.getTargets", "params": {}}
    first, second = browser.wait_for_requests(2)
    assert first["sessionId"] == "S1" and "sessionId" not in second
    assert first["id"] != second["id"]


def test_replies_out_of_order_reach_the_call_that_asked(browser_with):
    held: list[dict] = []

    def answer_both_in_reverse(browser, request):
        held.append(request)
        if len(held) == 2:
            for waiting in reversed(held):
                browser.send({"id": waiting["id"], "result": {"for": waiting["params"]["n"]}})
        return None

    _browser, cdp = browser_with(answer_both_in_reverse)
    results: dict[int, dict] = {}

    def ask(n: int) -> None:
        results[n] = cdp.call("Runtime.evaluate", {"n": n})

    threads = [threading.Thread(target=ask, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    assert results == {1: {"for": 1}, 2: {"for": 2}}


def test_an_error_reply_raises_with_the_browsers_message(browser_with):
    _browser, cdp = browser_with(
        lambda _b, r: {"id": r["id"], "error": {"code": -32000, "message": "No target with given id"}})
    with pytest.raises(CdpError, match=r"^Target.attachToTarget: No target with given id$"):
        cdp.call("Target.attachToTarget", {"targetId": "nope"})
    assert not cdp.closed


def test_events_reach_every_listener_with_their_session(browser_with):
    browser, cdp = browser_with()
    seen: list[tuple] = []
    arrived = threading.Event()

    def failing_listener(method, params, session_id):
        raise RuntimeError("a listener's bug")

    def listener(method, params, session_id):
        seen.append((method, params, session_id))
        if len(seen) == 2:
            arrived.set()

    cdp.listen(failing_listener)
    cdp.listen(listener)
    browser.send({"method": "Page.loadEventFired", "params": {"timestamp": 1.5}, "sessionId": "S7"})
    browser.send({"method": "Target.targetCreated", "params": {"targetInfo": {"type": "page"}}})
    assert arrived.wait(DEADLINE_S)
    assert seen == [("Page.loadEventFired", {"timestamp": 1.5}, "S7"),
                    ("Target.targetCreated", {"targetInfo": {"type": "page"}}, None)]
    assert cdp.call("Browser.getVersion")["method"] == "Browser.getVersion"  # the reader lives on


def test_a_call_without_an_answer_times_out_and_a_late_answer_harms_nobody(browser_with):
    late: list[dict] = []

    def ignore_the_slow_one(_browser, request):
        if request["method"] == "Slow.call":
            late.append(request)
            return None
        return echo(_browser, request)

    browser, cdp = browser_with(ignore_the_slow_one)
    with pytest.raises(CdpError, match=r"^Slow.call: no answer within 0.2 s$"):
        cdp.call("Slow.call", timeout_s=0.2)
    browser.send({"id": late[0]["id"], "result": {"too": "late"}})
    assert cdp.call("Fast.call", {"x": 1}) == {"method": "Fast.call", "params": {"x": 1}}
    assert not cdp.closed


def test_the_browser_going_away_fails_waiting_calls_and_is_told(browser_with):
    def hang_up_instead(browser, request):
        if request["method"] == "Browser.close":
            browser.hang_up()
            return None
        return echo(browser, request)

    _browser, cdp = browser_with(hang_up_instead)
    closed = threading.Event()
    cdp.on_close(lambda: 1 / 0)  # one callback's bug does not stop the others
    cdp.on_close(closed.set)
    with pytest.raises(CdpError, match="the browser is gone"):
        cdp.call("Browser.close", timeout_s=DEADLINE_S)
    assert closed.wait(DEADLINE_S)
    assert cdp.closed
    with pytest.raises(CdpError, match=r"^Page.reload: the browser is gone$"):
        cdp.call("Page.reload")


def test_something_that_is_not_json_is_dropped_and_reading_goes_on(browser_with):
    def garbage_first(browser, request):
        browser.send(b"<html>not json\0")
        browser.send(b"\xff\xfe\0")
        return echo(browser, request)

    _browser, cdp = browser_with(garbage_first)
    assert cdp.call("DOM.enable") == {"method": "DOM.enable", "params": {}}
    assert not cdp.closed


def test_a_reply_written_in_pieces_and_an_event_sharing_its_write_are_both_understood(browser_with):
    def split(browser, request):
        data = json.dumps({"id": request["id"], "result": {"ok": True}}).encode() + b"\0"
        event = json.dumps({"method": "Log.entryAdded", "params": {}}).encode() + b"\0"
        browser.send(data[:5])
        browser.send(data[5:] + event)
        return None

    _browser, cdp = browser_with(split)
    events = threading.Event()
    cdp.listen(lambda method, params, session: method == "Log.entryAdded" and events.set())
    assert cdp.call("Log.enable") == {"ok": True}
    assert events.wait(DEADLINE_S)


@pytest.mark.parametrize("message", [b"42\0", b"[1, 2]\0", b'"text"\0'], ids=["number", "array", "string"])
def test_json_that_is_not_an_object_is_dropped_and_reading_goes_on(browser_with, message):
    def not_an_object_first(browser, request):
        browser.send(message)
        return echo(browser, request)

    _browser, cdp = browser_with(not_an_object_first)
    assert cdp.call("DOM.enable", timeout_s=DEADLINE_S) == {"method": "DOM.enable", "params": {}}
    assert not cdp.closed
