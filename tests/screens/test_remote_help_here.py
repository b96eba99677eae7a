"""The site's chat and video help at the kiosk itself (issue 19, [help] open_here in the
demo): chat opens in the locked browser; video is offered only while a camera and a headset
are plugged in, and says what is missing when only the camera is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def at_help(fresh_app):
    app = fresh_app.app
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.journey.go("help")
    fresh_app.frames()
    devices = app.devices
    try:
        yield fresh_app
    finally:
        devices.cameras.unplug()
        devices.headsets.unplug()
        app.speech_nav.set_speech(False)
        fresh_app.frames()


def test_video_is_offered_only_with_a_camera_and_a_headset(at_help):
    gui = at_help
    app, ids = gui.app, gui.ids()
    assert not ids.chat_here.hidden and ids.video_here.hidden and ids.video_needs.hidden
    app.devices.cameras.plug()
    gui.frames()
    assert ids.video_here.hidden and ids.video_needs.text == "Videopuhelua varten pyydä henkilökunnalta kuulokkeet."
    app.devices.headsets.plug()
    gui.frames()
    assert not ids.video_here.hidden and ids.video_needs.hidden
    assert "Videopuhelu auttajan kanssa täällä" in gui.texts()
    app.devices.cameras.unplug()
    gui.frames()
    assert ids.video_here.hidden


def test_chat_opens_here_in_the_locked_browser(at_help):
    gui = at_help
    app = gui.app
    gui.tap(gui.ids()["chat_here"])
    gui.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open, 10)
    assert app.eservices.service_id == "help-chat" and app.devices.browser.url == app.kiosk_config.help.chat_url
    app.errands.leave_service()


def test_video_opens_here_for_a_person_with_the_headset_on(at_help):
    """The headset turns speech on (kiosk/device_watch.py): the first tap says the button,
    the second chooses it."""
    gui = at_help
    app = gui.app
    app.devices.cameras.plug()
    app.devices.headsets.plug()
    gui.frames()
    assert app.speech.enabled
    button = gui.ids()["video_here"]
    gui.tap(button)
    assert app.journey.screen == "help"
    assert "Videopuhelu auttajan kanssa täällä" in app.devices.speaker.spoken[-1][1]
    gui.tap(button)
    gui.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open, 10)
    assert app.eservices.service_id == "help-video" and app.devices.browser.url == app.kiosk_config.help.video_url
    app.errands.leave_service()
