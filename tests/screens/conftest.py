"""A real KioskApp in a real Kivy window on Xvfb, driven with simulated touches.

An App cannot run twice in one process, so one app serves the whole GUI test session and
every test starts from a freshly ended session (`fresh_app`).
"""

from __future__ import annotations

import json

import pytest

from kiosk.catalog import load_catalog
from kiosk.languages import available_languages
from kiosk.config import load_config

SETTLE_FRAMES = 4


class Driver:
    """Frames and touches for tests: `tap(widget)` presses and releases it like a finger."""

    def __init__(self, app) -> None:
        from kivy.base import EventLoop

        self.app = app
        self.loop = EventLoop

    def frames(self, count: int = SETTLE_FRAMES) -> None:
        for _ in range(count):
            self.loop.idle()

    def wait(self, seconds: float) -> None:
        """Let real time pass, frames running (for what the kiosk does after a delay)."""
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.frames(1)
            time.sleep(0.01)

    def wait_until(self, condition, timeout: float) -> None:
        import time

        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"still not so after {timeout} s")
            self.frames(1)
            time.sleep(0.01)

    def heard_since(self, index: int) -> str:
        """Everything said since the speaker's transcript had `index` utterances, as one text."""
        return " ".join(text for _language, text in self.app.devices.speaker.spoken[index:])

    def print_shown_document(self, cupsd):
        """On the print screen: the preview made, Print tapped, the job done; the one PDF the
        real CUPS queue wrote for it."""
        before = set(cupsd.pdf_dir.glob("*.pdf"))
        self.wait_until(lambda: not self.app.printing.preparing, 30)
        self.frames()
        self.tap(self.ids()["print_button"])
        self.wait_until(lambda: self.app.printing.job_state == "done", 30)
        self.wait_until(lambda: set(cupsd.pdf_dir.glob("*.pdf")) - before, 30)
        (printed,) = set(cupsd.pdf_dir.glob("*.pdf")) - before
        return printed

    def press(self, widget):
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.scrollview import ScrollView

        # A person scrolls to a button before touching it.
        parent = widget.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                parent.scroll_to(widget, padding=10, animate=False)
                self.frames()
                break
            parent = parent.parent
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames()
        return touch

    def tap(self, widget) -> None:
        touch = self.press(widget)
        touch.touch_up()
        self.frames()

    def _title_point(self) -> tuple[float, float]:
        """Somewhere on the screen that is not a button: its title, or on the browser strip
        (which has none) the first point from the top that no button covers."""
        from kivy.core.window import Window

        from kiosk.screens.spoken import TITLE_STYLES
        from kiosk.screens.walk import touchables, visible_widgets
        from kiosk.staff import CORNER_PX

        title = next((w for w in visible_widgets(self.screen()) if getattr(w, "style", "") in TITLE_STYLES), None)
        if title is not None:
            return title.to_window(*title.center)
        buttons = touchables(self.app.root)
        for y in range(int(Window.height) - 2, 0, -4):
            for x in range(CORNER_PX + 8, int(Window.width) - CORNER_PX - 208, 16):  # room to swipe right
                if not any(b.collide_point(*b.to_widget(x, y)) for b in buttons):
                    return x, y
        raise AssertionError(f"no free point on screen {self.app.journey.screen}")

    def swipe(self, direction: int) -> None:
        """A finger drawn sideways across the screen's title: right (1) or left (-1)."""
        from kivy.tests.common import UnitTestTouch

        x, y = self._title_point()
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_move(x + direction * 200, y + 5)
        touch.touch_up()
        self.frames()

    def double_tap(self) -> None:
        """Two quick taps on the screen's title (Kivy marks the second a double tap)."""
        from kivy.tests.common import UnitTestTouch

        x, y = self._title_point()
        touch = UnitTestTouch(x, y)
        touch.is_double_tap = True
        touch.touch_down()
        touch.touch_up()
        self.frames()

    @property
    def root(self):
        return self.app.root

    def screen(self):
        return self.app.root.ids.manager.current_screen

    def ids(self):
        return self.screen().ids

    def bar(self, name: str):
        return self.app.root.ids[name]

    def texts(self) -> list[str]:
        from kiosk.screens.walk import visible_texts

        return visible_texts(self.app.root)

    def button(self, text: str):
        """The visible, touchable widget whose text (or title) is `text`."""
        from kiosk.screens.walk import touchables

        for widget in touchables(self.app.root):
            if getattr(widget, "text", None) == text or getattr(widget, "title", None) == text:
                return widget
        raise AssertionError(f"no touchable '{text}' on screen {self.app.journey.screen}; "
                             f"visible: {self.texts()}")


@pytest.fixture(scope="session")
def gui(xvfb_display, cupsd, tmp_path_factory):
    from kiosk import lockdown

    from testbed.config import kiosk_test_config

    from testbed.cupsd import PDF_PRINTER

    config = load_config(kiosk_test_config(tmp_path_factory.mktemp("kiosk"), cupsd.socket,
                                           f'queue = "{PDF_PRINTER}"\n'))
    assert config.problems == ()
    lockdown.configure_kivy(config.display)
    # Every language the package has: a test may offer more than the site's three.
    catalog = load_catalog(config.catalog_file, (*config.languages.offered, *(code for code in available_languages()
                                                                              if code not in config.languages.offered)))

    from kivy.base import runTouchApp, stopTouchApp

    from kiosk.app import KioskApp
    from kiosk.compose import build_services

    app = KioskApp(build_services(config, catalog))
    app.run_embedded()
    runTouchApp(embedded=True)
    driver = Driver(app)
    driver.frames(10)
    yield driver
    app.stop()
    stopTouchApp()


@pytest.fixture
def fresh_app(gui):
    """The kiosk as the next person finds it: the previous session ended and wiped."""
    app = gui.app
    if app.session.state == "ready":
        app.flow.start_session()
    app.flow.end_session()
    app.flow.leave_goodbye()
    gui.frames()
    assert app.session.state == "ready" and app.journey.screen == "welcome"
    return gui


@pytest.fixture
def speaking(fresh_app):
    """A session with speech on (as a blind person turns it on), its transcript empty."""
    app = fresh_app.app
    speaker = app.devices.speaker
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.speech_nav.set_speech(True)
    fresh_app.frames()  # the bar shows speech's own buttons
    speaker.spoken.clear()
    yield fresh_app
    app.speech_nav.set_speech(False)


@pytest.fixture
def chromium_kiosk(fresh_app, site, tmp_path):
    """The running kiosk with real Chromium for one test, speech on, in English."""
    app = fresh_app.app
    services = app.eservices
    from kiosk.devices.browser import ChromiumBrowser
    from kiosk.devices.processes import SessionProcesses

    fake, allowed = services.browser, services.allowed
    chromium = ChromiumBrowser(SessionProcesses(tmp_path / "session-processes"))
    services.browser, services.allowed = chromium, allowed + (site.host,)
    app.switch_language("en")
    fresh_app.tap(fresh_app.ids()["start_button"])
    app.speech_nav.set_speech(True)
    try:
        yield fresh_app
    finally:
        app.speech_nav.set_speech(False)
        app.flow.end_session()  # closes the browser, as at every session's end
        app.flow.leave_goodbye()
        fresh_app.wait_until(lambda: not services.open, 20)
        chromium.close()
        services.browser, services.allowed = fake, allowed
        fresh_app.frames()


@pytest.fixture
def practising(chromium_kiosk, site):
    """The kiosk with real Chromium, speech off, its practice site (practice and lessons)
    allowed by the browser's policy."""
    gui = chromium_kiosk
    app = gui.app
    app.speech_nav.set_speech(False)
    gui.wait_until(lambda: app.errands.practice is not None, 20)  # started after the first frame
    allowed = json.loads(site.policy_text)
    allowed["URLAllowlist"].append(app.errands.practice.host)
    site.policy.write(json.dumps(allowed))
    try:
        yield gui
    finally:
        site.policy.write(site.policy_text)


def evaluate(app, expression: str):
    return app.eservices.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})[
        "result"].get("value")
