"""The kiosk's screen share (kiosk.screen_share) over the fake link and a fake screen: nothing
read before Allow, pictures only when the screen changed, and every way it ends."""

from __future__ import annotations

import time
import uuid

import pytest

from kiosk.devices.fleet import FakeLink
from kiosk.devices.screen_capture import FakeScreenCapture
from kiosk.help import Help, Outbox
from kiosk.screen_share import ScreenShare

TOKEN = "k" * 43


class Later:
    """A scheduler the test runs by hand."""

    def __init__(self) -> None:
        self.waiting: list = []

    def call_later(self, delay_s, callback):
        self.waiting.append(callback)
        return lambda: callback in self.waiting and self.waiting.remove(callback)


class Words:
    @staticmethod
    def _(text: str) -> str:
        return text


@pytest.fixture
def kiosk(tmp_path):
    link = FakeLink()
    help_ = Help(link, Outbox(tmp_path / "outbox.sqlite"), "oodi-1", lambda: "", post=lambda work: work())
    help_.start()
    screen, later, busy = FakeScreenCapture(), Later(), [True]
    share = ScreenShare(help_, screen, lambda: busy[0], later, Words(), every_s=0.01)
    yield link, screen, later, busy, share
    share.reset()


def ask(link, helper="Aino", token=TOKEN) -> str:
    share_id = str(uuid.uuid4())
    link.deliver({"type": "share_ask", "id": share_id, "token": token, "helper": helper})
    return share_id


def states(link) -> list[str]:
    return [payload["state"] for leaf, payload, *_ in link.published if leaf == "share"]


def pictures(link) -> list[bytes]:
    return [payload for leaf, payload, *_ in link.published if leaf == "screen"]


def wait_for(condition, timeout=5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        time.sleep(0.01)


def test_nothing_is_read_before_allow_and_only_changes_after(kiosk):
    link, screen, _later, _busy, share = kiosk
    ask(link)
    assert share.state == "asking" and screen.grabs == 0 and pictures(link) == []
    share.allow()
    wait_for(lambda: len(pictures(link)) == 1 and screen.grabs >= 3)  # the same screen is not sent again
    screen.paint((200, 10, 10))
    wait_for(lambda: len(pictures(link)) == 2)
    assert all(p.startswith(TOKEN.encode()) for p in pictures(link))
    share.stop()
    share._worker.join(1)
    assert states(link) == ["allowed", "ended"] and share.left_over() == 0


@pytest.mark.parametrize("helper, token", [("Aino<script>", TOKEN), ("Aino", "short"), ("", TOKEN),
                                           ("Aino\u202eoniA", TOKEN), ("A" * 41, TOKEN)])
def test_a_bad_name_or_token_is_not_asked(kiosk, helper, token):
    link, _screen, _later, _busy, share = kiosk
    ask(link, helper, token)
    assert share.state == "" and states(link) == []


def test_busy_nobody_here_no_answer_and_a_lost_link(kiosk):
    link, screen, later, busy, share = kiosk
    busy[0] = False
    ask(link)
    assert states(link) == ["no_session"] and share.state == ""
    busy[0] = True
    ask(link)
    ask(link, helper="Ville")  # a second helper while the first asks
    assert states(link) == ["no_session", "busy"] and share.helper == "Aino"
    later.waiting.pop()()  # 60 s without an answer
    assert states(link)[-1] == "declined" and share.state == "" and screen.grabs == 0
    ask(link)
    share.allow()
    wait_for(lambda: pictures(link))
    link.set_up(False)
    assert share.state == ""
    share._worker.join(1)
    sent = len(pictures(link))
    screen.paint((1, 2, 3))
    assert not share._worker.is_alive() and len(pictures(link)) == sent


def test_the_desks_stop_and_the_wipe_end_it(kiosk):
    link, _screen, _later, _busy, share = kiosk
    share_id = ask(link)
    share.allow()
    link.deliver({"type": "share_stop", "id": str(uuid.uuid4())})  # another share's: no effect
    assert share.state == "sharing"
    link.deliver({"type": "share_stop", "id": share_id})
    assert share.state == "" and states(link)[-1] == "ended"
    ask(link)
    share.allow()
    share.reset()
    assert share.state == "" and share.left_over() == 0


def test_a_repeated_request_does_not_end_the_share_it_repeats(kiosk):
    link, _screen, _later, _busy, share = kiosk
    share_id = str(uuid.uuid4())
    asked = {"type": "share_ask", "id": share_id, "token": TOKEN, "helper": "Aino"}
    link.deliver(asked)
    link.deliver(asked)  # QoS 1: at least once
    assert share.state == "asking" and states(link) == []
    share.allow()
    link.deliver(asked)
    assert share.state == "sharing" and states(link) == ["allowed"]
    share.stop()
    link.deliver(asked)  # late: the person is not asked again for a share that ended
    assert share.state == "" and states(link) == ["allowed", "ended"]
    ask(link)  # a new request is asked as ever
    assert share.state == "asking"


def test_a_share_dropped_with_the_link_is_told_ended_once_it_is_back(kiosk):
    link, _screen, _later, _busy, share = kiosk
    share_id = ask(link)
    share.allow()
    link.set_up(False)
    assert share.state == ""
    link.set_up(True)
    told = [payload for leaf, payload, *_ in link.published if leaf == "share"]
    assert told[-1] == {"type": "share", "id": share_id, "state": "ended"}
    link.set_up(False)
    link.set_up(True)  # told once
    assert states(link) == ["allowed", "ended"]


def test_a_share_ends_without_a_sign_of_the_desk(kiosk):
    link, _screen, later, _busy, share = kiosk
    share_id = ask(link)
    later.waiting.clear()  # the question's 60 s
    share.allow()
    assert len(later.waiting) == 1
    first = later.waiting[0]
    link.deliver({"type": "share_alive", "id": str(uuid.uuid4())})  # another share's: no sign
    assert later.waiting == [first]
    link.deliver({"type": "share_alive", "id": share_id})
    assert len(later.waiting) == 1  # the wait starts again: the old one cancelled
    later.waiting.pop()()  # 15 s without the desk's sign
    assert share.state == "" and states(link) == ["allowed", "ended"]
    share._worker.join(1)
    assert not share._worker.is_alive() and later.waiting == []




def test_the_question_waits_for_the_warning_and_leaves_no_way_back_to_it(kiosk):
    from kiosk.journey import Journey

    link, _screen, later, _busy, share = kiosk
    journey, said = Journey(), []
    share.follow(journey, type("Speech", (), {"say": staticmethod(said.append)}))
    journey.go("needs")
    journey.go("categories")
    journey.go("warning")  # "Are you still there?"
    ask(link)
    assert share.state == "asking" and journey.screen == "warning"  # not over the warning
    later.waiting.clear()  # the question's 60 s
    journey.back()  # "I'm still here"
    assert journey.screen == "categories"
    later.waiting.pop()()  # after the screen change
    assert journey.screen == "share_ask" and journey.history[-1] == "categories"
    share.allow()
    assert journey.screen == "categories" and said == ["Aino from the staff can see your screen"]
    share.stop()

    # The question ends while a staff message covers it: Back never shows it again.
    ask(link)
    assert journey.screen == "share_ask"
    journey.go("help")
    share.decline()
    assert journey.screen == "help" and "share_ask" not in journey.history
    journey.back()
    assert journey.screen == "categories"
    # ... or while the warning covers it.
    ask(link)
    journey.go("warning")
    share.end("session")
    journey.back()
    assert journey.screen == "categories" and "share_ask" not in journey.history
