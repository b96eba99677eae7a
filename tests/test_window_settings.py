"""The Kivy settings a terminal gets (the GUI tests check the running window)."""

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.lockdown import configure_kivy, input_provider


@pytest.fixture(autouse=True)
def kivy_settings_restored():
    """These tests change Kivy's process-wide settings; the GUI tests share the process."""
    from kivy.config import Config
    from kivy.metrics import Metrics

    density = Metrics.density
    saved = {section: dict(Config.items(section)) for section in ("graphics", "input", "kivy")}
    yield
    Metrics.density = density
    for section, values in saved.items():
        for option in Config.options(section):
            if option not in values:
                Config.remove_option(section, option)
        for option, value in values.items():
            Config.set(section, option, value)


def test_terminal_window_is_fullscreen_borderless_with_one_touch_provider():
    from kivy.config import Config

    display = load_config(system_file=Path("/nonexistent")).display  # the packaged defaults: a terminal
    assert display.fullscreen and not display.show_cursor
    configure_kivy(display)
    assert Config.get("graphics", "fullscreen") == "auto"
    assert Config.get("graphics", "borderless") == "1"
    assert Config.get("graphics", "show_cursor") == "0"
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert Config.items("input") == [("touch", "mouse,disable_multitouch")]
    multitouch = replace(display, input="mtdev", input_device="/dev/input/event3")
    configure_kivy(multitouch)
    assert Config.items("input") == [("touch", "mtdev,/dev/input/event3")]
    assert input_provider(replace(display, input="hidinput", input_device="")) == "hidinput"


def test_sizes_follow_the_panel_density():
    from kivy.metrics import Metrics, dp

    display = load_config(system_file=Path("/nonexistent")).display
    configure_kivy(replace(display, dpi=144))
    assert Metrics.density == 1.5 and dp(44) == 66
