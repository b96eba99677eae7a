"""An e-service's form completed by ear in real Chromium (issue 17): only what a blind
person's swipes and double taps do, the page's items read from its accessibility tree,
activated or focused through the protocol, typed into through the kiosk's typing path, and
what the kiosk says of each (kiosk/screens/page_nav.py's words, in English)."""

from __future__ import annotations

import pytest

from kiosk.devices.page_reader import Outcome, PageItem
from kiosk.i18n import Translator
from kiosk.screens.page_nav import describe_item, outcome_words

pytestmark = pytest.mark.gui
TR = Translator(["en"], "en")


class ByEar:
    """What a person hears and does: the page's items, a double tap on one, the keyboard."""

    def __init__(self, kiosk) -> None:
        self.kiosk, self.services = kiosk, kiosk.services
        self.heard: list[str] = []

    def items(self) -> list[PageItem]:
        found: list = []
        self.services.read_page(found.append)  # the test's runner answers at once
        return found[0]

    def swipe_to(self, role: str, name: str) -> PageItem:
        item = next(i for i in self.items() if i.role == role and i.name == name)
        self.heard.append(describe_item(item, TR))
        return item

    def double_tap(self, item: PageItem) -> Outcome:
        outcomes: list[Outcome] = []
        self.services.activate(item, outcomes.append)
        outcome = outcomes[0]
        assert not outcome.failed
        self.heard.append(" ".join(t for t in outcome_words(item, outcome, TR) if t))
        return outcome

    def type(self, text: str, field: PageItem, expected: str) -> None:
        """Keys of the strip's keyboard, until the field holds what was typed."""
        for char in text:
            if char == "⌫":
                self.services.press_key("Backspace")
            else:
                self.services.type_text(char)
        self.kiosk.wait_for(lambda: next(i for i in self.items() if i.node == field.node).value == expected, 10)


def test_a_form_completed_by_ear_in_chromium(kiosk):
    kiosk.open("/form-by-ear.html")
    person = ByEar(kiosk)
    items = person.items()
    assert [(i.role, i.name) for i in items] == [
        ("heading", "Apply for a parking permit"), ("link", "Read the instructions"),
        ("textbox", "Registration number"), ("combobox", "Parking zone"), ("option", "Zone A, city centre"),
        ("option", "Zone B, harbour"), ("option", "Zone C, railway station"),
        ("checkbox", "I live in the zone"), ("button", "Send the application")]  # no hidden button
    person.heard += [describe_item(item, TR) for item in items]
    assert person.heard == [
        "heading level 1, Apply for a parking permit", "link, Read the instructions",
        "text field, Registration number, required", "drop-down list, Parking zone, Zone A, city centre",
        "option, Zone A, city centre, selected, 1 of 3", "option, Zone B, harbour, not selected, 2 of 3",
        "option, Zone C, railway station, not selected, 3 of 3", "check box, I live in the zone, not checked",
        "button, Send the application"]

    send = items[-1]
    outcome = person.double_tap(send)  # sent empty
    assert outcome.alerts == ("Enter the registration number.",)
    field = person.swipe_to("textbox", "Registration number")
    assert person.heard[-1] == ("text field, Registration number, required, invalid entry, "
                                "Enter the registration number.")
    person.double_tap(field)  # focused for the keyboard
    assert kiosk.evaluate("document.activeElement.id") == "plate"
    person.type("ABC123", field, "ABC123")
    outcome = person.double_tap(person.swipe_to("button", "Send the application"))
    assert outcome.alerts == ("The registration number is of the form ABC-123.",)
    assert outcome.item(field.node).invalid and outcome.item(field.node).value == "ABC123"
    assert kiosk.evaluate("received") is None

    person.double_tap(person.swipe_to("textbox", "Registration number"))  # the caret after "ABC123"
    person.type("⌫⌫⌫-123", field, "ABC-123")
    outcome = person.double_tap(person.swipe_to("option", "Zone B, harbour"))
    assert next(i for i in outcome.items if i.role == "combobox").value == "Zone B, harbour"
    assert outcome.alerts == ()
    outcome = person.double_tap(person.swipe_to("checkbox", "I live in the zone"))
    assert outcome.item(items[7].node).checked == "true"
    outcome = person.double_tap(person.swipe_to("button", "Send the application"))
    assert outcome.alerts == ("Application received: ABC-123, zone B, resident.",)
    assert not outcome.item(field.node).invalid
    assert kiosk.evaluate("received") == {"plate": "ABC-123", "zone": "B", "resident": True}
    assert kiosk.evaluate("document.getElementById('plate').getAttribute('aria-invalid')") is None
    print("\n".join(person.heard))  # the transcript (pytest -s shows it)
    assert person.heard[9:] == [
        "button, Send the application. Enter the registration number.",
        "text field, Registration number, required, invalid entry, Enter the registration number.",
        "text field, Registration number, required, invalid entry, Enter the registration number. "
        "Type with the keyboard below the page, then swipe to go on.",
        "button, Send the application",
        "button, Send the application. The registration number is of the form ABC-123.",
        "text field, Registration number, ABC123, required, invalid entry, "
        "The registration number is of the form ABC-123.",
        "text field, Registration number, ABC123, required, invalid entry, "
        "The registration number is of the form ABC-123. Type with the keyboard below the page, then swipe to go on.",
        "option, Zone B, harbour, not selected, 2 of 3",
        "option, Zone B, harbour, selected, 2 of 3.",
        "check box, I live in the zone, not checked",
        "check box, I live in the zone, checked.",
        "button, Send the application",
        "button, Send the application. Application received: ABC-123, zone B, resident.",
    ]

    # A link is followed: the next page is read from its top.
    link = person.swipe_to("link", "Read the instructions")
    person.double_tap(link)
    kiosk.wait_for(lambda: kiosk.services.url == kiosk.site.url("/second.html"), 10)
    kiosk.wait_for(lambda: [(i.role, i.name) for i in person.items()] == [("heading", "Second page")], 10)
