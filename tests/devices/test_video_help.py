"""Video help at the kiosk in real Chromium (issue 19): the camera and the microphone are
the configured video page's alone. The kiosk's own policy (kiosk/browser_policy.py) lets
that origin use them without a prompt and refuses every other page; Chromium's fake capture
device stands in for the camera and headset."""

from __future__ import annotations

import json

import pytest

from kiosk.browser_policy import policy, remote_help
from testbed.chromium import CATALOG, Kiosk

CAPTURE = ("navigator.mediaDevices.getUserMedia({video: true, audio: true}).then("
           "s => { const n = s.getTracks().length; s.getTracks().forEach(t => t.stop()); return 'granted ' + n; },"
           " e => 'refused ' + e.name)")


@pytest.fixture
def video_site(site):
    """The test site as the site's video help (127.0.0.1:port), and the same pages under
    another name (localhost:port) as any other page."""
    port = site.host.rsplit(":", 1)[1]
    help_config = type("Help", (), {"open_here": True, "chat_url": "", "video_url": f"https://{site.host}/video"})
    hosts, origins = remote_help(help_config)
    assert hosts == ["127.0.0.1"] and origins == [f"https://{site.host}"]  # a host allows any port
    allowed = [site.host, f"localhost:{port}"]
    site.policy.write(json.dumps(policy(CATALOG, allowed, [f"http://{site.host}"])))
    yield f"localhost:{port}"
    site.policy.write(site.policy_text)


@pytest.fixture
def camera_kiosk(site, tmp_path):
    made = Kiosk(site, tmp_path)
    made.browser.test_flags = ("--use-fake-device-for-media-stream",)
    yield made
    made.remove()


def test_only_the_video_help_page_may_use_the_camera_and_microphone(camera_kiosk, video_site, site):
    camera_kiosk.open("/index.html")
    assert camera_kiosk.evaluate(CAPTURE) == "granted 2"  # no prompt: a person could not answer one
    other = site.url("/index.html").replace(site.host, video_site)
    camera_kiosk.services.allowed += (video_site,)  # a page the kiosk opens, not the video help
    camera_kiosk.services.open_address("other", other)
    camera_kiosk.wait_for(lambda: camera_kiosk.services.url == other, 15)
    camera_kiosk.wait_for(camera_kiosk.takes_input, 10)
    assert camera_kiosk.evaluate(CAPTURE) == "refused NotAllowedError"


def test_without_video_help_no_page_may(kiosk):
    """The kiosk's usual policy: no page has the camera or the microphone."""
    kiosk.browser.test_flags = ("--use-fake-device-for-media-stream",)
    kiosk.open("/index.html")
    assert kiosk.evaluate(CAPTURE) == "refused NotAllowedError"
