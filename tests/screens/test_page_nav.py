"""Speech mode inside the e-service (kiosk/screens/page_nav.py) without a window: the words
said for page items in each language, as the speech engine gets them, and the navigation's
moves over the fake browser (what is said, what is shown to a sighted helper)."""

from __future__ import annotations

import pytest
from kivy.event import EventDispatcher
from kivy.properties import StringProperty

from kiosk.devices.browser import FakeBrowser, FakePage, Geometry
from kiosk.devices.page_reader import PageItem
from kiosk.i18n import Translator
from kiosk.screens.page_nav import PageNavigation, describe_item, enters_group
from kiosk.spoken_text import normalise

MONTH = PageItem(66, "radio", "One month", checked="true", position=1, set_size=3, group="Permit length")
HALF = PageItem(67, "radio", "Six months", checked="false", position=2, set_size=3, group="Permit length")
ZONE = PageItem(3, "combobox", "Parking zone", "Zone B, harbour", expanded=False, position=2, set_size=3)
MAP = PageItem(6, "frame", "Map of the service points")


@pytest.mark.parametrize("language, words", [
    ("en", ["Permit length, radio button, One month, selected, 1 of 3",
            "radio button, Six months, not selected, 2 of 3",
            "drop-down list, Parking zone, Zone B, harbour, 2 of 3",
            "Map of the service points. This part of the page cannot be read aloud."]),
    ("fi", ["Permit length, valintanappi, One month, valittu, yksi kolmesta",
            "valintanappi, Six months, ei valittu, kaksi kolmesta",
            "pudotusvalikko, Parking zone, Zone B, harbour, kaksi kolmesta",
            "Map of the service points. Tätä sivun osaa ei voi lukea ääneen."]),
    ("sv", ["Permit length, radioknapp, One month, vald, 1 av 3",
            "radioknapp, Six months, inte vald, 2 av 3",
            "rullgardinslista, Parking zone, Zone B, harbour, 2 av 3",
            "Map of the service points. Den här delen av sidan kan inte läsas upp."]),
])
def test_a_radio_buttons_group_state_and_place_and_an_unread_frame_in_words_the_engine_reads(language, words):
    # "n/N" in Finnish is said as words ("kaksi kolmesta"); espeak reads "2 av 3" and "2 of 3" as written.
    tr = Translator(["fi", "sv", "en"], language)
    said = [describe_item(MONTH, tr, entering=True), describe_item(HALF, tr), describe_item(ZONE, tr),
            describe_item(MAP, tr)]
    assert [normalise(text, language) for text in said] == words


def test_a_group_is_named_when_a_move_comes_into_it_not_within_it_nor_from_its_list_box():
    listbox = PageItem(9, "listbox", "Years")
    option = PageItem(10, "option", "2026", position=1, set_size=2, group="Years")
    assert enters_group(MONTH, None) and enters_group(MONTH, ZONE) and not enters_group(HALF, MONTH)
    assert not enters_group(option, listbox) and not enters_group(ZONE, MONTH)


class Page(FakePage):
    """The fake form with a radio group and a frame that could not be read after its field."""

    def items(self) -> list[PageItem]:
        heading, link, field, box, send = super().items()
        return [heading, link, field, MONTH, HALF, MAP, box, send]


class Speech:
    enabled = False  # nothing is announced on its own: the test moves

    def __init__(self) -> None:
        self.said: list[str] = []

    def stop(self) -> None:
        pass

    def say(self, text: str) -> None:
        self.said.append(text)

    then = say


class Journey(EventDispatcher):
    screen = StringProperty("browser")


class Services:
    def __init__(self, browser, tmp_path) -> None:
        from kiosk.background import Immediate
        from kiosk.eservices import EServices
        from testbed.chromium import CATALOG

        self.speech, self.journey, self.tr = Speech(), Journey(), Translator(["en"], "en")
        self.eservices = EServices(browser, CATALOG, tmp_path, Immediate(), post=lambda work: work(),
                                   geometry=lambda: Geometry(0, 0, 800, 600))


class Ring:
    """The strip's focus ring, with one button on it."""

    def __init__(self) -> None:
        self.button, self.focused = object(), None

    def items(self) -> list:
        return [self.button]

    def focus(self, widget) -> None:
        self.focused = widget

    def clear(self) -> None:
        self.focused = None


def test_each_move_shows_the_item_said_a_frame_is_not_pressed_and_the_strip_takes_the_mark_away(tmp_path):
    browser = FakeBrowser()
    browser.page = Page()
    services, ring, landed = Services(browser, tmp_path), Ring(), []
    nav = PageNavigation(services, root=lambda: None, focus=lambda: ring, on_strip=landed.append)
    for _ in range(6):
        nav.step(1)
    assert services.speech.said[3:] == ["Permit length, radio button, One month, selected, 1 of 3",
                                        "radio button, Six months, not selected, 2 of 3",
                                        "Map of the service points. This part of the page cannot be read aloud."]
    assert [item.name for item in browser.shown] == [
        "Hae pysäköintitunnusta", "Lue ohjeet", "Rekisterinumero", "One month", "Six months",
        "Map of the service points"]
    assert nav.activate() and browser.page.activated == []  # nothing in the frame to press
    assert services.speech.said[-1] == services.speech.said[-2]
    nav.step(-1)
    nav.activate()  # Six months
    assert browser.page.activated == ["Six months"]
    for _ in range(4):
        nav.step(1)  # the frame, the check box, Send, and on to the strip
    assert landed == [ring.button] and browser.shown[-1] is None
