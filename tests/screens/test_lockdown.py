"""The Kivy window is a kiosk: no way out to a desktop, one input provider, actions on release."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.config import DEMO_FILE, load_config
from kiosk.lockdown import input_provider
from kiosk.screens import SCREENS
from kiosk.screens.walk import touchables

pytestmark = pytest.mark.gui
SCREENS_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "screens"


def test_close_requests_are_refused(fresh_app):
    from kivy.core.window import Window

    assert Window.dispatch("on_request_close") is True
    assert fresh_app.app.root.get_root_window() is Window


def test_escape_and_f1_do_nothing(fresh_app):
    from kivy.base import EventLoop
    from kivy.core.window import Window

    for key in (27, 282):  # Escape, F1
        Window.dispatch("on_key_down", key, 0, None, [])
        Window.dispatch("on_keyboard", key, 0, None, [])
        Window.dispatch("on_key_up", key, 0)
        fresh_app.frames()
    assert EventLoop.status == "started"
    assert fresh_app.app._app_settings is None  # no settings panel was opened
    assert fresh_app.app.journey.screen == "welcome"


def test_exactly_one_input_provider():
    from kivy.config import Config

    assert Config.items("input") == [("touch", input_provider(load_config(DEMO_FILE).display))]
    assert Config.getint("kivy", "exit_on_escape") == 0
    assert Config.items("modules") == []


def test_actions_fire_on_release_not_on_touch_down(fresh_app):
    touch = fresh_app.press(fresh_app.ids()["start_button"])
    assert fresh_app.app.journey.screen == "welcome"
    touch.touch_up()
    fresh_app.frames()
    assert fresh_app.app.journey.screen == "needs"


def test_no_screen_acts_on_press():
    offenders = []
    for path in SCREENS_DIR.glob("*.*"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bon_press\b|on_touch_down\s*:", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("look", ["normal", "large"])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_touch_targets_are_at_least_44px_at_96dpi_on_every_screen(fresh_app, look, language):
    from kivy.metrics import dp

    from kiosk.screenshots import set_look, stage

    app = fresh_app.app
    minimum = 44 * app.kiosk_config.display.dpi / 96
    small = []
    for name in SCREENS:
        if name == "out_of_service":
            continue
        set_look(app, look)
        app.switch_language(language)
        stage(app, name)
        fresh_app.frames()
        buttons = touchables(app.root)
        assert buttons or name == "out_of_service", name
        small += [f"{name}: '{getattr(b, 'text', '') or getattr(b, 'title', '')}' {b.width:.0f}x{b.height:.0f}"
                  for b in buttons if min(b.width, b.height) < minimum or min(b.width, b.height) < dp(44)]
    assert small == []
