"""A blind person completes a real e-service form in real Chromium from the kiosk's own
screens (issue 17): swipes and double taps on the strip, and the strip's on-screen keyboard
tapped key by key; nothing typed for them. The kiosk here is the whole app (its speech
navigation, its browser strip, its e-services service on its own runner), with Chromium in
the place of the fake browser, on the local test site (testbed/site/form-by-ear.html)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.devices.browser import ChromiumBrowser
from kiosk.devices.processes import SessionProcesses
from kiosk.spoken_text import normalise

pytestmark = pytest.mark.gui


@pytest.fixture
def chromium_kiosk(fresh_app, site, tmp_path):
    """The running kiosk with real Chromium for one test, speech on, in English."""
    app = fresh_app.app
    services = app.eservices
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


def evaluate(app, expression: str):
    return app.eservices.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})[
        "result"].get("value")


def test_a_real_form_by_ear_with_the_strips_keys_in_chromium(chromium_kiosk, site):
    gui = chromium_kiosk
    app, speaker = gui.app, gui.app.devices.speaker

    def said(text: str) -> str:
        return normalise(text, "en", app.speech.spoken_forms.get("en"))

    def heard_since(index: int) -> str:
        return " ".join(text for _language, text in speaker.spoken[index:])

    def hear(act, *parts: str, timeout: float = 20) -> str:
        """Do `act`; what is said after it, once every part has been."""
        before = len(speaker.spoken)
        act()
        try:
            gui.wait_until(lambda: all(said(p) in heard_since(before) for p in parts), timeout)
        except AssertionError:
            raise AssertionError(f"{parts} not heard; heard {speaker.spoken[before - 3:]}") from None
        return heard_since(before)

    def swipe_to(part: str, direction: int = 1, limit: int = 40) -> str:
        """Swipes (right, or left) until `part` is said; what was said of that item."""
        for _ in range(limit):
            before = len(speaker.spoken)
            gui.swipe(direction)
            gui.wait_until(lambda: len(speaker.spoken) > before, 20)  # the page's item, read off the loop
            for _language, text in speaker.spoken[before:]:
                if said(part) in text:
                    return text
        raise AssertionError(f"'{part}' never said; last: {speaker.spoken[-3:]}")

    def keys(text: str) -> None:
        """The strip's keys, tapped one by one; each is said as it is typed."""
        for key in text:
            hear(lambda: gui.tap(gui.button("Erase" if key == "⌫" else key)), *(() if key == "⌫" else (key,)))

    def field_value() -> str:
        return evaluate(app, "document.getElementById('plate').value")

    service = app.catalog.services[0]
    assert app.flow.begin_session()
    hear(lambda: app.errands._open(replace(service, url=site.url("/form-by-ear.html"))),
         "Swipe right", timeout=60)
    assert app.journey.screen == "browser" and app.eservices.open

    assert swipe_to("text field, Registration number") == said("text field, Registration number, required")
    assert hear(gui.double_tap, "Type with the keyboard") == said(
        "text field, Registration number, required. Type with the keyboard below the page, then swipe to go on.")
    gui.wait_until(lambda: gui.screen().keyboard and app.window_settled(), 10)  # the strip grown, the page moved up
    gui.frames()
    assert evaluate(app, "document.activeElement.id") == "plate"
    keys("abc123")
    gui.wait_until(lambda: field_value() == "abc123", 20)  # typed on the browser's runner

    assert swipe_to("button, Send the application") == said("button, Send the application")
    assert hear(gui.double_tap, "of the form") == said(
        "button, Send the application. The registration number is of the form ABC-123.")
    assert evaluate(app, "window.received") is None
    # Back round to the field: its mistake is told with it; put right with Erase and the keys.
    assert swipe_to("text field, Registration number", -1) == said(
        "text field, Registration number, abc123, required, invalid entry, "
        "The registration number is of the form ABC-123.")
    hear(gui.double_tap, "Type with the keyboard")
    keys("⌫⌫⌫-123")
    gui.wait_until(lambda: field_value() == "abc-123", 20)

    assert swipe_to("option, Zone B, harbour") == said("option, Zone B, harbour, not selected, 2 of 3")
    assert hear(gui.double_tap, "selected") == said("option, Zone B, harbour, selected, 2 of 3.")
    assert swipe_to("radio button, Six months") == said("radio button, Six months, not selected, 2 of 3")
    assert hear(gui.double_tap, "selected") == said("radio button, Six months, selected, 2 of 3.")
    assert swipe_to("check box, I live in the zone") == said("check box, I live in the zone, not checked")
    assert hear(gui.double_tap, "checked") == said("check box, I live in the zone, checked.")
    swipe_to("button, Send the application")
    assert hear(gui.double_tap, "received") == said(
        "button, Send the application. Application received: ABC-123, zone B, 6 months, resident.")
    assert evaluate(app, "window.received") == {"plate": "ABC-123", "zone": "B", "months": 6, "resident": True}

    # Then the strip's own End session, reached by swiping on past the page, and the goodbye.
    swipe_to("End and erase", -1)
    gui.double_tap()
    gui.wait_until(lambda: app.journey.screen == "end_session", 10)
