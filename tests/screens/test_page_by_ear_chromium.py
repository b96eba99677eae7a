"""A blind person completes a real e-service form in real Chromium from the kiosk's own
screens (issue 17): swipes and double taps on the strip, and the strip's on-screen keyboard
tapped key by key; nothing typed for them. The kiosk here is the whole app (its speech
navigation, its browser strip, its e-services service on its own runner), with Chromium in
the place of the fake browser, on the local test site (testbed/site/form-by-ear.html)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.spoken_text import normalise
from tests.screens.conftest import evaluate

pytestmark = pytest.mark.gui


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


def test_a_password_with_a_capital_a_digit_and_a_symbol_typed_key_by_key(chromium_kiosk, site):
    """The strip's keyboard is complete for a real password: Shift for one capital, Caps Lock
    for several, the symbols layer for digits and "!", the numbers layer for a postal code;
    every key tapped, nothing typed for the person."""
    gui = chromium_kiosk
    app, speaker = gui.app, gui.app.devices.speaker

    def value(element: str) -> str:
        return evaluate(app, f"document.getElementById('{element}').value")

    def tap(*keys: str) -> None:
        for key in keys:
            gui.tap(gui.button(key))

    def click(element: str) -> None:
        """A finger on the page's field: a real click, which Chromium takes as a user's."""
        x, y = evaluate(app, f"(() => {{ const r = document.getElementById('{element}').getBoundingClientRect();"
                             " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            app.eservices.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                                    "clickCount": 1})
        gui.wait_until(lambda: evaluate(app, "document.activeElement.id") == element, 10)

    assert app.flow.begin_session()
    app.errands._open(replace(app.catalog.services[0], url=site.url("/password.html")))
    gui.wait_until(lambda: app.journey.screen == "browser" and app.eservices.open, 30)
    gui.wait_until(lambda: evaluate(app, "document.readyState === 'complete' && "
                                         "performance.getEntriesByName('first-contentful-paint').length > 0"), 30)
    screen = gui.screen()
    app.speech_nav.set_speech(False)  # a sighted person: taps on the page and the keys
    click("pw")
    gui.tap(gui.ids()["keyboard_button"])
    gui.wait_until(app.window_settled, 10)
    gui.frames()
    shift = next(key for key in screen.ids.key_rows.walk() if getattr(key, "text", "") == "ABC")
    gui.tap(shift)  # once: the next letter only
    assert screen.shift == "once" and gui.button("K") is not None
    tap("K", "i", "s", "s", "a")
    assert screen.shift == "off"
    gui.tap(shift)
    gui.tap(shift)  # again: Caps Lock
    assert screen.shift == "lock"
    tap("Ö", "Å")
    gui.tap(shift)
    tap("?123")
    assert screen.layer == "symbols"
    tap("7", "!", "€")
    gui.wait_until(lambda: value("pw") == "KissaÖÅ7!€", 20)
    # A field for digits: the keyboard turns to the large digits by itself (a symbol layer
    # chosen on the password field is left for the person until the field changes).
    click("code")
    gui.wait_until(lambda: screen.layer == "numbers", 10)
    gui.frames()
    tap("0", "0", "1", "0", "0")
    gui.wait_until(lambda: value("code") == "00100", 20)
    click("pw")  # back in a text field: the letters again
    gui.wait_until(lambda: screen.layer == "letters", 10)
    gui.frames()
    assert gui.button("q") is not None
