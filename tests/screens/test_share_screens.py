"""A helper asks to see the screen, on the real screens, with the fake fleet link standing in
for the desk and the real Xvfb screen read: nothing is sent before Allow; the banner with
Stop stays on every screen and in the browser's strip; Stop and the session's end end it."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.gui

TOKEN = "T" * 43


def pictures(link) -> list[bytes]:
    return [payload for leaf, payload, *_ in link.published if leaf == "screen"]


def shares(link) -> list[str]:
    return [payload["state"] for leaf, payload, *_ in link.published if leaf == "share"]


def ask(link, helper: str = "Aino") -> str:
    share_id = str(uuid.uuid4())
    link.deliver({"type": "share_ask", "id": share_id, "token": TOKEN, "helper": helper})
    return share_id


def test_help_asked_then_the_helper_sees_the_screen_after_allow_until_stop(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link, speaker = app.devices.link, app.devices.speaker
    link.published.clear()
    app.switch_language("en")
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.bar("help_button"))
    gui.tap(gui.button("Printing"))
    request = next(p for p in reversed(link.published) if p[0] == "help")[1]
    link.acknowledge_all()
    link.deliver({"type": "help_accepted", "id": request["id"], "helper": "Aino"})
    gui.wait_until(lambda: app.help.state == "accepted", 2)
    app.speech_nav.set_speech(True)
    gui.frames()
    heard = len(speaker.spoken)

    ask(link)
    gui.wait_until(lambda: app.journey.screen == "share_ask", 2)
    gui.frames()
    assert "Staff member Aino asks to see your screen. Allow?" in gui.texts()
    gui.wait_until(lambda: "asks to see your screen" in gui.heard_since(heard), 10)
    assert pictures(link) == [] and shares(link) == []  # nothing leaves while the question is on screen

    gui.tap(gui.ids()["share_allow"])
    gui.tap(gui.ids()["share_allow"])  # speech mode: the first tap reads, the second acts
    gui.wait_until(lambda: app.share.state == "sharing", 2)
    gui.frames()
    assert app.journey.screen == "help"  # back where the person was
    assert "Aino from the staff can see your screen" in gui.texts()
    gui.wait_until(lambda: "Aino from the staff can see your screen" in gui.heard_since(heard), 10)
    gui.wait_until(lambda: pictures(link), 5)
    assert shares(link) == ["allowed"]
    assert all(p.startswith(TOKEN.encode()) and p[43:45] == b"\xff\xd8" for p in pictures(link))

    # In the browser's strip too, Stop within reach.
    app.journey.go("browser")
    gui.wait_until(lambda: app.layout.settled(), 5)
    gui.frames()
    banner = gui.screen().ids.share_banner
    assert not banner.hidden and banner.height > 0
    assert "Aino from the staff can see your screen" in gui.texts()
    app.journey.back()
    gui.wait_until(lambda: app.layout.settled(), 5)
    gui.frames()
    banner = gui.bar("share_banner")
    gui.tap(banner.ids.share_stop)  # speech_direct: acts on the first tap
    assert app.share.state == "" and shares(link) == ["allowed", "ended"]
    app.share._worker.join(1)
    sent = len(pictures(link))
    gui.wait(0.6)  # longer than between two pictures
    assert len(pictures(link)) == sent
    gui.frames()
    assert banner.hidden
    app.speech_nav.set_speech(False)


def test_no_and_the_end_of_the_session(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link = app.devices.link
    link.published.clear()
    app.switch_language("en")
    ask(link)  # nobody here: the desk is told so, nothing is shown
    gui.frames()
    assert shares(link) == ["no_session"] and app.journey.screen == "welcome"

    gui.tap(gui.ids()["start_button"])
    ask(link, helper="<b>Aino</b>")  # no plain name: not asked at all
    gui.frames()
    assert app.share.state == "" and shares(link) == ["no_session"]
    ask(link)
    gui.wait_until(lambda: app.journey.screen == "share_ask", 2)
    gui.frames()
    gui.tap(gui.ids()["share_decline"])
    assert shares(link) == ["no_session", "declined"] and pictures(link) == []
    assert app.journey.screen == "needs"

    ask(link)
    gui.wait_until(lambda: app.journey.screen == "share_ask", 2)
    gui.frames()
    gui.tap(gui.ids()["share_allow"])
    gui.wait_until(lambda: pictures(link), 5)
    app.flow.end_session()  # the person ends: the share with it, before the wipe
    assert app.share.state == "" and shares(link)[-1] == "ended"
    assert app.share.left_over() == 0
    app.flow.leave_goodbye()


def test_the_question_waits_for_the_warning_and_never_comes_back_empty(fresh_app):
    gui, app = fresh_app, fresh_app.app
    link = app.devices.link
    link.published.clear()
    app.switch_language("en")
    gui.tap(gui.ids()["start_button"])
    app.session.tick(app.session.inactivity_s)  # as the inactivity timer would
    gui.frames()
    assert app.journey.screen == "warning"

    ask(link)  # asked during "Are you still there?": the question waits
    gui.frames()
    assert app.share.state == "asking" and app.journey.screen == "warning"
    assert "Are you still there?" in gui.texts()
    gui.tap(gui.button("I'm still here"))
    assert app.session.state == "active"
    gui.wait_until(lambda: app.journey.screen == "share_ask", 2)
    gui.frames()
    assert "Staff member Aino asks to see your screen. Allow?" in gui.texts()
    gui.tap(gui.ids()["share_allow"])
    assert app.share.state == "sharing" and app.journey.screen == "needs"
    gui.frames()
    assert not gui.root.top_hidden and gui.bar("back_button").opacity > 0  # the person can go on
    gui.tap(gui.bar("share_banner").ids.share_stop)
    assert app.share.state == "" and shares(link) == ["allowed", "ended"]

    # A staff message covers the question, which then runs out: Back does not show it again.
    ask(link)
    gui.wait_until(lambda: app.journey.screen == "share_ask", 2)
    link.deliver({"type": "message", "text": "I will come to you.", "id": str(uuid.uuid4())})
    gui.wait_until(lambda: app.journey.screen == "help", 2)
    app.share._no_answer()  # its 60 s are over
    assert shares(link)[-1] == "declined"
    gui.frames()
    gui.tap(gui.bar("back_button"))
    gui.frames()
    assert app.journey.screen == "needs"

    # The question's screen, somehow shown with nobody asking, leaves by itself.
    app.journey.go("share_ask")
    gui.wait_until(lambda: app.journey.screen == "needs", 2)
    gui.frames()
    assert "Allow" not in gui.texts()
    app.flow.end_session()
    app.flow.leave_goodbye()
