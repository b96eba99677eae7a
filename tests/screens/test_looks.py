"""Large text and high contrast on every screen: nothing clipped at 200 %, big enough to read."""

from __future__ import annotations

import pytest

from kiosk.screens import SCREENS
from kiosk.screens.walk import visible_widgets

pytestmark = pytest.mark.gui


def clipped(root, window_width: float) -> list[str]:
    from kivy.uix.label import Label

    found = []
    for widget in visible_widgets(root):
        if not isinstance(widget, Label) or not widget.text.strip():
            continue
        tw, th = widget.texture_size
        x, _y = widget.to_window(widget.x, widget.y)
        if tw > widget.width + 1 or th > widget.height + 1:
            found.append(f"'{widget.text[:40]}' text {tw:.0f}x{th:.0f} in {widget.width:.0f}x{widget.height:.0f}")
        elif x < -1 or x + widget.width > window_width + 1:
            found.append(f"'{widget.text[:40]}' outside the window ({x:.0f}..{x + widget.width:.0f})")
    return found


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_nothing_is_clipped_or_overflows_at_200_percent(fresh_app, language):
    from kivy.core.window import Window

    from kiosk.screenshots import set_look, stage

    app = fresh_app.app
    problems = []
    for name in SCREENS:
        set_look(app, "large")
        app.switch_language(language)
        stage(app, name)
        fresh_app.frames(6)
        problems += [f"{name}: {p}" for p in clipped(app.root, Window.width)]
    app.look.reset()
    assert problems == []


def test_capital_h_is_at_least_6_1_mm_at_the_largest_size(fresh_app):
    """EN 301 549 5.1.4: 0.7 degrees of visual angle at 500 mm is 6.1 mm."""
    from kivy.core.text import Label as CoreLabel
    from kivy.metrics import sp

    app = fresh_app.app
    app.look.set_text_scale(2.0)
    try:
        body = sp(24)  # the smallest text the kiosk shows (KioskLabel body)
        label = CoreLabel(text="H", font_size=body)
        label.refresh()
        pixels = label.texture.pixels
        width, height = label.texture.size
        rows = [y for y in range(height) if any(pixels[(y * width + x) * 4 + 3] > 128 for x in range(width))]
        cap_px = max(rows) - min(rows) + 1
        mm = cap_px / app.kiosk_config.display.dpi * 25.4
        assert mm >= 6.1, f"H is {cap_px} px = {mm:.1f} mm at {app.kiosk_config.display.dpi} dpi"
    finally:
        app.look.reset()


def test_controls_low_puts_every_control_in_the_lower_part(fresh_app):
    """EN 301 549 8.3: with `controls_low`, Back and Home join the bottom bar's controls."""
    from dataclasses import replace

    from kiosk.screens.root import KioskRoot

    app = fresh_app.app
    normal = app.kiosk_config
    app.kiosk_config = replace(normal, display=replace(normal.display, controls_low=True))
    try:
        root = KioskRoot(size=(1280, 800))
        app.flow.start_session()
        app.journey.go("help")
        for _ in range(3):  # bars size themselves from their buttons, then the root places them
            for bar in (root.ids.top_bar, root.ids.bottom_bar):
                bar.do_layout()
            root.do_layout()
        top, manager, bottom = root.ids.top_bar, root.ids.manager, root.ids.bottom_bar
        assert bottom.y < top.y < manager.y  # the screen above, every control below it
        assert top.top <= root.height / 2
        for button in (root.ids.back_button, root.ids.home_button, root.ids.help_button):
            assert button.to_window(*button.pos)[1] < root.height / 2
    finally:
        app.kiosk_config = normal
