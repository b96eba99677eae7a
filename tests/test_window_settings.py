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

    display = load_config(config_dir=Path("/nonexistent")).display  # the packaged defaults: a terminal
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

    display = load_config(config_dir=Path("/nonexistent")).display
    configure_kivy(replace(display, dpi=144))
    assert Metrics.density == 1.5 and dp(44) == 66


def test_importing_the_screens_opens_no_window():
    """The window is made with the kiosk's size only after configure_kivy; a screen module
    that opened it at import (Kivy's dp() asks the window for its density) would leave a
    kiosk, or every GUI test after a module importing a screen, in an 800 px window."""
    import os
    import subprocess
    import sys

    code = ("import pkgutil, importlib, sys, kiosk.screens\n"
            "for m in pkgutil.iter_modules(kiosk.screens.__path__):\n"
            "    importlib.import_module('kiosk.screens.' + m.name)\n"
            "import kiosk.app\n"
            "print('window' if 'kivy.core.window' in sys.modules else 'none')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "KIVY_NO_ARGS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "none"
