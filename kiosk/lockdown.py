"""Kivy settings that make its window a kiosk. Must run before Kivy opens a window.

Kivy reads `~/.kivy/config.ini` and command-line options by default, and lets Escape
close the app and F1 open a settings panel; none of that belongs on a public terminal.
"""

from __future__ import annotations

import os
import tempfile

from kiosk.config import DisplayConfig


def prepare_environment(kivy_home: str | None = None) -> None:
    """Environment for a Kivy that reads no user config, parses no argv, and logs through Python."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    # SDL would turn SIGTERM into a window-close request, which the kiosk refuses, so
    # 'systemctl stop' would hang; the app handles the signals itself.
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    # Pinned so nothing from a user's home directory changes how the kiosk behaves.
    os.environ["KIVY_HOME"] = kivy_home or os.path.join(tempfile.gettempdir(), "kiosk-kivy-home")


def input_provider(display: DisplayConfig) -> str:
    if display.input == "mouse":
        # Right-click would otherwise leave multitouch-simulation dots on screen.
        return "mouse,disable_multitouch"
    return f"{display.input},{display.input_device}" if display.input_device else display.input


def configure_kivy(display: DisplayConfig) -> None:
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "log_level", "info")
    Config.set("graphics", "fullscreen", "auto" if display.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if display.fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "width", str(display.width))
    Config.set("graphics", "height", str(display.height))
    Config.set("graphics", "show_cursor", "1" if display.show_cursor else "0")
    Config.set("graphics", "multisamples", "0")
    # Exactly one input provider: two (mouse + probesysfs) turn one touch into two.
    for option in Config.options("input"):
        Config.remove_option("input", option)
    Config.set("input", "touch", input_provider(display))
    # No inspector, monitor or other debugging modules.
    for option in Config.options("modules"):
        Config.remove_option("modules", option)
    # Sizes in dp/sp mean the same millimetres on every panel (96 dpi = Kivy's 1.0). Last:
    # touching Metrics can open the window, which must find the settings above in place.
    from kivy.metrics import Metrics

    Metrics.density = display.dpi / 96
