"""E-services' pages completed by ear in real Chromium (issue 17): only what a blind person's
swipes and double taps do, through the kiosk's own page navigation (kiosk/screens/page_nav.py),
the page's items read from its accessibility tree (its frames' too, one from another site in
a process of its own), shown to a sighted helper, activated or focused through the protocol,
typed into through the kiosk's typing path; and what the kiosk says of each, in English."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from kivy.event import EventDispatcher
from kivy.properties import StringProperty

from kiosk.devices.page_reader import PageItem
from kiosk.i18n import Translator
from kiosk.screens.page_nav import PageNavigation

pytestmark = pytest.mark.gui
TR = Translator(["en"], "en")


class Speech:
    """What the person hears, in order. Off for the kiosk's own announcements, so that the
    page is read only as the test moves (a new page would be read on the protocol's thread)."""

    enabled = False

    def __init__(self) -> None:
        self.said: list[str] = []

    def stop(self) -> None:
        pass

    def say(self, text: str) -> None:
        if text:
            self.said.append(text)

    then = say


class Journey(EventDispatcher):
    screen = StringProperty("browser")


class ByEar:
    """A person on the browser strip in speech mode: swipes right, double taps, the keyboard."""

    def __init__(self, kiosk) -> None:
        self.kiosk, self.services = kiosk, kiosk.services
        self.speech = Speech()
        self.nav = PageNavigation(SimpleNamespace(speech=self.speech, tr=TR, eservices=self.services,
                                                  journey=Journey()),
                                  root=lambda: None, focus=lambda: None, on_strip=lambda _widget: None)

    @property
    def heard(self) -> list[str]:
        return self.speech.said

    def items(self) -> list[PageItem]:
        found: list = []
        self.services.read_page(found.append)  # the test's runner answers at once
        return found[0]

    def swipe_to(self, role: str, name: str, limit: int = 40) -> str:
        """Swipes right (round the page) until the item is said; what was said of it."""
        for _ in range(limit):
            self.nav.step(1)
            item = self.nav.current
            if item is not None and (item.role, item.name) == (role, name):
                return self.heard[-1]
        raise AssertionError(f"{role} {name!r} never reached; heard {self.heard[-3:]}")

    def double_tap(self) -> str:
        """On the item last said: what is said after it."""
        before = len(self.heard)
        assert self.nav.activate()
        return " ".join(self.heard[before:])

    def type(self, text: str, expected: str) -> None:
        """Keys of the strip's keyboard into the field last said, until it holds `expected`."""
        field = self.nav.current
        for char in text:
            if char == "⌫":
                self.services.press_key("Backspace")
            else:
                self.services.type_text(char)
        self.kiosk.wait_for(lambda: next(i for i in self.items() if i.key == field.key).value == expected, 10)


def test_a_form_with_a_radio_group_completed_by_ear_in_chromium(kiosk):
    kiosk.open("/form-by-ear.html")
    person = ByEar(kiosk)
    items = person.items()
    assert [(i.role, i.name) for i in items] == [
        ("heading", "Apply for a parking permit"), ("link", "Read the instructions"),
        ("textbox", "Registration number"), ("combobox", "Parking zone"), ("option", "Zone A, city centre"),
        ("option", "Zone B, harbour"), ("option", "Zone C, railway station"), ("radio", "One month"),
        ("radio", "Six months"), ("radio", "A year"), ("checkbox", "I live in the zone"),
        ("button", "Send the application")]  # no hidden button
    for _ in items:
        person.nav.step(1)
    assert person.heard == [
        "heading level 1, Apply for a parking permit", "link, Read the instructions",
        "text field, Registration number, required", "drop-down list, Parking zone, Zone A, city centre, 1 of 3",
        "option, Zone A, city centre, selected, 1 of 3", "option, Zone B, harbour, not selected, 2 of 3",
        "option, Zone C, railway station, not selected, 3 of 3",
        "Permit length, radio button, One month, selected, 1 of 3", "radio button, Six months, not selected, 2 of 3",
        "radio button, A year, not selected, 3 of 3", "check box, I live in the zone, not checked",
        "button, Send the application"]

    assert person.double_tap() == "button, Send the application. Enter the registration number."  # sent empty
    assert person.swipe_to("textbox", "Registration number") == (
        "text field, Registration number, required, invalid entry, Enter the registration number.")
    assert person.double_tap() == (
        "text field, Registration number, required, invalid entry, Enter the registration number. "
        "Type with the keyboard below the page, then swipe to go on.")
    assert kiosk.evaluate("document.activeElement.id") == "plate"
    person.type("ABC123", "ABC123")
    person.swipe_to("button", "Send the application")
    assert person.double_tap() == "button, Send the application. The registration number is of the form ABC-123."
    assert kiosk.evaluate("received") is None
    assert person.swipe_to("textbox", "Registration number") == (
        "text field, Registration number, ABC123, required, invalid entry, "
        "The registration number is of the form ABC-123.")
    person.double_tap()  # the caret after "ABC123"
    person.type("⌫⌫⌫-123", "ABC-123")

    assert person.swipe_to("option", "Zone B, harbour") == "option, Zone B, harbour, not selected, 2 of 3"
    assert person.double_tap() == "option, Zone B, harbour, selected, 2 of 3."
    # Coming into the group from the list: its name first; then within it, the place.
    assert person.heard[-4] == "drop-down list, Parking zone, Zone A, city centre, 1 of 3"
    assert person.swipe_to("radio", "Six months") == "radio button, Six months, not selected, 2 of 3"
    assert person.heard[-2] == "Permit length, radio button, One month, selected, 1 of 3"
    assert person.double_tap() == "radio button, Six months, selected, 2 of 3."
    assert kiosk.evaluate("document.querySelector('input[name=length]:checked').value") == "6"
    assert person.swipe_to("radio", "A year") == "radio button, A year, not selected, 3 of 3"
    assert person.swipe_to("checkbox", "I live in the zone") == "check box, I live in the zone, not checked"
    assert person.double_tap() == "check box, I live in the zone, checked."
    person.swipe_to("button", "Send the application")
    assert person.double_tap() == ("button, Send the application. "
                                   "Application received: ABC-123, zone B, 6 months, resident.")
    assert kiosk.evaluate("received") == {"plate": "ABC-123", "zone": "B", "months": 6, "resident": True}
    assert kiosk.evaluate("document.getElementById('plate').getAttribute('aria-invalid')") is None
    print("\n".join(person.heard))  # the transcript (pytest -s shows it)

    # A link is followed: the next page is read from its top.
    person.swipe_to("link", "Read the instructions")
    person.double_tap()
    kiosk.wait_for(lambda: kiosk.services.url == kiosk.site.url("/second.html"), 10)
    kiosk.wait_for(lambda: [(i.role, i.name) for i in person.items()] == [("heading", "Second page")], 10)


def test_frames_of_the_same_site_and_of_another_are_gone_through_by_ear(kiosk, other_site):
    kiosk.open("/framed-by-ear.html")
    person = ByEar(kiosk)
    # The map's frame comes from another site, in a process of its own attached as it came.
    kiosk.wait_for(lambda: [(i.role, i.name) for i in person.items()] == [
        ("heading", "Book an appointment"), ("textbox", "Phone number"), ("button", "Save the number"),
        ("heading", "Service points"), ("textbox", "Search for a place"), ("button", "Kamppi"),
        ("button", "Confirm the booking")], 20)
    items = person.items()
    assert [i.frame for i in items[1:3]] == ["", ""] and items[3].frame == items[5].frame != ""

    assert person.swipe_to("textbox", "Phone number") == "text field, Phone number"
    assert person.double_tap().startswith("text field, Phone number. Type with the keyboard")
    frame = "document.getElementById('contact').contentDocument"
    assert kiosk.evaluate(f"{frame}.activeElement.id") == "phone"
    person.type("040 123", "040 123")
    assert kiosk.evaluate(f"{frame}.getElementById('phone').value") == "040 123"
    person.swipe_to("button", "Save the number")
    assert person.double_tap() == "button, Save the number. Number saved."  # the frame's status, heard

    map_frame = kiosk.browser.in_frame(items[5].frame)

    def in_map(expression: str):
        return map_frame("Runtime.evaluate", {"expression": expression, "returnByValue": True})["result"].get("value")

    assert person.swipe_to("textbox", "Search for a place") == "text field, Search for a place"
    person.double_tap()
    person.type("Kamppi", "Kamppi")
    assert in_map("document.getElementById('place').value") == "Kamppi"
    assert person.swipe_to("button", "Kamppi") == "button, Kamppi, not pressed"
    # After a press, all the page announces is said (news()): the contact frame's status too.
    assert person.double_tap() == "button, Kamppi, pressed. Number saved."
    assert in_map("chosen") == "Kamppi"
    person.swipe_to("button", "Confirm the booking")
    assert person.double_tap() == "button, Confirm the booking. Number saved. Booked. We will call 040 123."
    print("\n".join(person.heard))


def test_a_swipe_to_an_item_far_down_scrolls_it_into_sight(kiosk):
    kiosk.open("/long-by-ear.html")
    person = ByEar(kiosk)
    in_sight = ("(() => {{ const r = document.getElementById('{}').getBoundingClientRect();"
                " return r.top >= 0 && r.bottom <= innerHeight; }})()")
    assert kiosk.evaluate("scrollY") == 0 and not kiosk.evaluate(in_sight.format("accept"))
    assert person.swipe_to("button", "Continue") == "button, Continue"
    kiosk.wait_for(lambda: kiosk.evaluate("scrollY") > 1000 and kiosk.evaluate(in_sight.format("accept")), 10)
    # Shown, not focused: the page hears no focus or blur as the person goes through it.
    assert kiosk.evaluate("document.activeElement === document.body")
    assert person.swipe_to("link", "Print the terms") == "link, Print the terms"
    kiosk.wait_for(lambda: kiosk.evaluate(in_sight.format("top-link")), 10)
    assert kiosk.evaluate("scrollY") < 1000
