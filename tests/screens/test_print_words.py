"""What the print screens say about pages, sheets and the print limit, in every language:
one and many apart, and already in the form speech says (the normaliser leaves it be)."""

from __future__ import annotations

import pytest

from kiosk.i18n import Translator
from kiosk.screens.print_words import pages_on_sheets, print_button_text, quota_left_text
from kiosk.spoken_text import normalise

SAID = {
    "fi": [(pages_on_sheets, (4, 2), "4 sivua, 2 paperiarkkia"),
           (pages_on_sheets, (2, 1), "2 sivua, yksi paperiarkki"),
           (pages_on_sheets, (1, 1), "Yksi sivu, yksi paperiarkki"),
           (print_button_text, (1,), "Tulosta yksi sivu"),
           (print_button_text, (12,), "Tulosta 12 sivua"),
           (quota_left_text, (1,), "Voit vielä tulostaa yhden sivun."),
           (quota_left_text, (30,), "Voit vielä tulostaa 30 sivua."),
           (quota_left_text, (0,), "Et voi tulostaa enempää sivuja.")],
    "sv": [(pages_on_sheets, (4, 2), "4 sidor på 2 pappersark"),
           (pages_on_sheets, (1, 1), "En sida på ett pappersark"),
           (print_button_text, (1,), "Skriv ut en sida"),
           (quota_left_text, (1,), "Du kan skriva ut en sida till.")],
    "en": [(pages_on_sheets, (4, 2), "4 pages on 2 sheets of paper"),
           (pages_on_sheets, (2, 1), "2 pages on one sheet of paper"),
           (pages_on_sheets, (1, 1), "One page on one sheet of paper"),
           (print_button_text, (1,), "Print one page"),
           (quota_left_text, (2,), "You can still print 2 pages.")],
}


@pytest.mark.parametrize("language, words, args, text",
                         [(language, *row) for language, rows in SAID.items() for row in rows])
def test_counts_of_pages_and_sheets_read_and_speak_right(language, words, args, text):
    tr = Translator(["fi", "sv", "en"], language)
    assert words(tr, *args) == text
    assert normalise(text, language) == text
