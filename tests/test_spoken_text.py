"""What speech gives espeak-ng: written text in its spoken form (kiosk/spoken_text.py), the
catalogue's own spoken forms, and the speech service sending every utterance through them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from kiosk.devices.speaker import MAX_UTTERANCE_CHARS, FakeSpeaker
from kiosk.speech import Speech
from kiosk.number_words import ELATIVE, FI_NUMBERS, ILLATIVE, fi_number
from kiosk.spoken_text import MAX_INPUT_CHARS, SpokenForms, normalise

KANSALAISNEUVONTA = {"fi": "nolla kaksi yhdeksän viisi, nolla nolla nolla",
                     "sv": "noll två nio fem, noll noll noll",
                     "en": "zero two nine five, zero zero zero"}

WRITTEN_SPOKEN = {
    "fi": [
        # phone numbers, digit by digit in their groups
        ("Kansalaisneuvonta (0295 000) kertoo", f"Kansalaisneuvonta ({KANSALAISNEUVONTA['fi']}) kertoo"),
        ("020 692 207", "nolla kaksi nolla, kuusi yhdeksän kaksi, kaksi nolla seitsemän"),
        ("040-123 4567", "nolla neljä nolla, yksi kaksi kolme, neljä viisi kuusi seitsemän"),
        ("+358 29 5000", "plus kolme viisi kahdeksan, kaksi yhdeksän, viisi nolla nolla nolla"),
        ("Soita 112.", "Soita yksi yksi kaksi."),
        ("Päivystysapu 116 117", "Päivystysapu yksi yksi kuusi, yksi yksi seitsemän"),
        ("puh. 0295 000", f"puhelin {KANSALAISNEUVONTA['fi']}"),
        # times and opening hours
        ("klo 9–16", "kello yhdeksästä kuuteentoista"),
        ("Klo 8.30", "Kello kahdeksan kolmekymmentä"),
        ("klo 8.30–16.15", "kello kahdeksasta kolmestakymmenestä kuuteentoista viiteentoista"),
        ("klo 8.05", "kello kahdeksan nolla viisi"),
        ("ma–pe 9–16", "maanantaista perjantaihin kello yhdeksästä kuuteentoista"),
        ("ma–pe klo 9–16", "maanantaista perjantaihin kello yhdeksästä kuuteentoista"),
        ("la klo 10-14", "lauantaina kello kymmenestä neljääntoista"),
        ("ma-pe", "maanantaista perjantaihin"),
        # n of N, dates
        ("Vaihe 1/4", "Vaihe yksi neljästä"),
        ("painike, Osaan itse, 2/12", "painike, Osaan itse, kaksi kahdestatoista"),
        ("1.12.2026 alkaen", "ensimmäinen joulukuuta 2026 alkaen"),
        # euro amounts
        ("0,40 €", "40 senttiä"),
        ("0.40 €", "40 senttiä"),
        ("€0.40", "40 senttiä"),
        ("2 €", "2 euroa"),
        ("1,50 €", "1 euro 50 senttiä"),
        ("Tulostus maksaa 0,01 € sivu", "Tulostus maksaa 1 sentti sivu"),
        ("10 000 €", "10000 euroa"),
        # abbreviations
        ("esim. vuokrasopimus", "esimerkiksi vuokrasopimus"),
        ("Esim. näin", "Esimerkiksi näin"),
        ("n. 5 minuuttia", "noin 5 minuuttia"),
        ("ks. ohje", "katso ohje"),
        ("klo", "kello"),
        # left alone: years, counts, amounts without a currency, postcodes, addresses
        ("vuonna 2026", "vuonna 2026"),
        ("Tulosta 12 sivua", "Tulosta 12 sivua"),
        ("9 vaihtoehtoa", "9 vaihtoehtoa"),
        ("112 €", "112 euroa"),
        ("00100 Helsinki", "00100 Helsinki"),
        ("PIN1", "PIN1"),
        ("24/7", "24/7"),
        ("1/12/2026", "1/12/2026"),
        ("2026-01-05", "2026-01-05"),
        ("la 10", "la 10"),
        ("https://www.kela.fi/asiointi/1/4", "https://www.kela.fi/asiointi/1/4"),
        ("kela.fi/2026 ja vero.fi-sivulla", "kela.fi/2026 ja vero.fi-sivulla"),
        ("osoitteessa kela.fi/soita-kelaan.", "osoitteessa kela.fi/soita-kelaan."),
        ("neuvonta.0295@kela.fi", "neuvonta.0295@kela.fi"),
    ],
    "sv": [
        ("Medborgarrådgivningen (0295 000) ger", f"Medborgarrådgivningen ({KANSALAISNEUVONTA['sv']}) ger"),
        ("tfn 020 692 207", "telefon noll två noll, sex nio två, två noll sju"),
        ("Ring 112.", "Ring ett ett två."),
        ("kl. 9–16", "klockan nio till sexton"),
        ("kl. 8.30", "klockan åtta trettio"),
        ("kl 8.05", "klockan åtta noll fem"),
        ("mån–fre 9–16", "måndag till fredag klockan nio till sexton"),
        ("mån–fre kl. 9–16", "måndag till fredag klockan nio till sexton"),
        ("lör kl. 10–14", "lördag klockan tio till fjorton"),
        ("mån-fre", "måndag till fredag"),
        ("1/4", "ett av fyra"),
        ("1.12.2026", "första december 2026"),
        ("0,40 €", "40 cent"),
        ("2 €", "2 euro"),
        ("1,50 €", "1 euro 50 cent"),
        ("t.ex. hyresavtal", "till exempel hyresavtal"),
        ("ca 5 minuter", "cirka 5 minuter"),
        ("bl.a. blanketter", "bland annat blanketter"),
        ("år 2026", "år 2026"),
        ("Skriv ut 12 sidor", "Skriv ut 12 sidor"),
        ("Steg 1 av 4", "Steg 1 av 4"),
        ("www.vero.fi/1/4", "www.vero.fi/1/4"),
        ("info@fpa.fi", "info@fpa.fi"),
    ],
    "en": [
        ("Public Service Info (0295 000) gives", f"Public Service Info ({KANSALAISNEUVONTA['en']}) gives"),
        ("tel. 116 117", "telephone one one six, one one seven"),
        ("Mon–Fri 9–16", "Monday to Friday from 9 to 16"),
        ("9am–4pm", "from 9 am to 4 pm"),
        ("Open from 9am–4pm", "Open from 9 am to 4 pm"),
        ("8:30–16:00", "from 8:30 to 16"),
        ("In 5 minutes, at 20:00.", "In 5 minutes, at 20."),  # espeak-ng: "twenty zero zero"
        ("Open again tomorrow at 9:30.", "Open again tomorrow at 9:30."),
        ("a 10:00:00 timer", "a 10:00:00 timer"),
        ("Mon-Fri", "Monday to Friday"),
        ("Mon–Fri 9am–4pm", "Monday to Friday from 9 am to 4 pm"),
        ("1/4", "one of four"),
        ("1.12.2026", "1st December 2026"),
        ("€0.40", "40 cents"),
        ("2 €", "2 euros"),
        ("1,50 €", "1 euro 50 cents"),
        ("1 €", "1 euro"),
        ("e.g. a lease", "for example a lease"),
        ("approx. 5 minutes", "approximately 5 minutes"),
        ("in 2026", "in 2026"),
        ("pages 9–16", "pages 9–16"),
        ("Print 12 pages", "Print 12 pages"),
        ("The sun sets", "The sun sets"),
        ("https://www.suomi.fi/1/4", "https://www.suomi.fi/1/4"),
        ("info@kela.fi", "info@kela.fi"),
    ],
    # A language without rules: said as written.
    "se": [("0295 000 klo 9–16, 1/4", "0295 000 klo 9–16, 1/4")],
}
ROWS = [(language, written, spoken) for language, rows in WRITTEN_SPOKEN.items() for written, spoken in rows]


@pytest.mark.parametrize("language, written, spoken", ROWS)
def test_written_text_in_its_spoken_form(language, written, spoken):
    assert normalise(written, language) == spoken
    assert normalise(spoken, language) == spoken  # said once is said: nothing is rewritten twice


def test_finnish_numbers_in_the_cases_a_clock_needs():
    assert [fi_number(n) for n in range(25)] == [forms[0] for forms in FI_NUMBERS]
    assert (fi_number(9, ELATIVE), fi_number(16, ILLATIVE)) == ("yhdeksästä", "kuuteentoista")
    assert fi_number(25, ELATIVE) == "kahdestakymmenestäviidestä"
    assert fi_number(59, ILLATIVE) == "viiteenkymmeneenyhdeksään"
    assert fi_number(245, ELATIVE) == "kahdestasadastaneljästäkymmenestäviidestä"


def test_regional_language_codes_and_overlong_texts():
    assert normalise("klo 9–16", "fi_FI") == "kello yhdeksästä kuuteentoista"
    assert normalise("1/4", "en-GB") == "one of four"
    long = "Soita 0295 000. " * (MAX_INPUT_CHARS // 16 + 1)
    assert normalise(long, "fi") == long  # beyond the bound: as written, never slow


def test_a_catalogues_spoken_forms_come_first_and_are_final():
    forms = SpokenForms({"0295 000": "Kansalaisneuvonnan numero", "OmaKela": "Oma Kela", "Kela": "Keela"})
    assert normalise("Soita 0295 000 tai käytä OmaKelaa, OmaKela tai Kela 1/4", "fi", forms) == (
        "Soita Kansalaisneuvonnan numero tai käytä OmaKelaa, Oma Kela tai Keela yksi neljästä")
    assert normalise("Kelan", "fi", forms) == "Kelan"  # whole words only
    assert normalise("klo 9", "se", SpokenForms({"klo": "kello"})) == "kello 9"  # in any language
    digits = SpokenForms({"numero": "0295 000"})
    assert normalise("numero", "fi", digits) == "0295 000"  # said as given


def test_the_speaker_gets_the_spoken_form_and_repeat_the_written_one():
    speaker = FakeSpeaker()
    speech = Speech(speaker, 0.8, spoken_forms={"sv": {"FPA": "F P A"}})
    speech.enabled = True
    speech.set_language("fi")
    assert speech.say("Soita 0295 000, klo 9–16.")
    assert speaker.spoken[-1] == ("fi", f"Soita {KANSALAISNEUVONTA['fi']}, kello yhdeksästä kuuteentoista.")
    assert speech.last == "Soita 0295 000, klo 9–16."  # the written text
    speaker.spoken.clear()
    assert speech.repeat() and speaker.spoken == [("fi", f"Soita {KANSALAISNEUVONTA['fi']}, "
                                                         "kello yhdeksästä kuuteentoista.")]
    speech.set_language("sv")
    speech.say("FPA, kl. 9–16")
    assert speaker.spoken[-1] == ("sv", "F P A, klockan nio till sexton")
    assert speech.test("1/4", "en") and speaker.spoken[-1] == ("en", "one of four")
    speech.set_language("se")  # no voice: the Finnish one reads Sámi text as written
    speech.say("0295 000")
    assert speaker.spoken[-1] == ("fi", "0295 000")


def test_a_spoken_form_too_long_for_the_engine_is_said_as_written():
    speaker = FakeSpeaker()
    speech = Speech(speaker, 0.8)
    speech.enabled = True
    speech.set_language("fi")
    numbers = ", ".join(["040 123 4567"] * 25)  # 348 characters: one utterance, spoken 1,600
    assert len(normalise(numbers, "fi")) > MAX_UTTERANCE_CHARS
    assert speech.say(numbers) and speaker.spoken[-1] == ("fi", numbers)


# ---------------------------------------------------------------------------------------
# The real engine: the normalised Kansalaisneuvonta number has all seven digits.

# Each digit word's phonemes (espeak-ng -x, stress marks removed), as a stem that holds
# however the word ends next to its neighbours.
DIGIT_STEMS = {
    "fi": {"noll": 4, "kaks": 1, "yhdeks": 1, "vi:s": 1},
    "sv": {"nOl": 4, "tvo:": 1, "ni:": 1, "fEm": 1},
    "en": {"zi@roU": 4, "tu:": 1, "naIn": 1, "faIv": 1},
}


def phonemes(text: str, language: str) -> str:
    if shutil.which("espeak-ng") is None:  # no hardware reason to skip: the set-up is broken
        pytest.fail("espeak-ng is missing (tools/debian-packages.txt; 'make test' installs it)")
    out = subprocess.run(["espeak-ng", "-v", language, "-q", "-x", text], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    return re.sub(r"[',]", "", out)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_espeak_says_every_digit_of_the_spoken_phone_number(language):
    said = phonemes(normalise("Kansalaisneuvonta (0295 000)", language), language)
    assert {stem: said.count(stem) for stem in DIGIT_STEMS[language]} == DIGIT_STEMS[language], said


@pytest.mark.parametrize("language, said", [
    ("ru", "Шаг 3 из 6. Звоните 0 2 9 5, 0 0 0, 0 1 1 или плюс 3 5 8, 4 0, 1 2 3, 4 5 6 7 пн–пт от 9 до 16:30, 10.12–14.12, стр. 4–2."),
    ("uk", "Шаг 3 з 6. Звоните 0 2 9 5, 0 0 0, 0 1 1 или плюс 3 5 8, 4 0, 1 2 3, 4 5 6 7 пн–пт від 9 до 16:30, 10.12–14.12, стр. 4–2."),
    ("et", "Шаг 3, kokku 6. Звоните 0 2 9 5, 0 0 0, 0 1 1 или pluss 3 5 8, 4 0, 1 2 3, 4 5 6 7 пн–пт 9 kuni 16:30, 10.12–14.12, стр. 4–2."),
    ("ar", "Шаг 3 من 6. Звоните 0 2 9 5, 0 0 0, 0 1 1 или زائد 3 5 8, 4 0, 1 2 3, 4 5 6 7 пн–пт من 9 إلى 16:30, 10.12–14.12, стр. 4–2."),
])
def test_languages_whose_voice_reads_numbers_get_phones_steps_and_hours(language, said):
    """The voice says numbers in its own words and cases; what it would misread is rewritten:
    a phone number as digits ("plus" in the language), "3/6" as "3 of 6", a span in words
    that fit hours and other spans alike. Not a span of dates, nor a backward one."""
    assert normalise("Шаг 3/6. Звоните 0295 000 011 или +358 40 123 4567 пн–пт 9–16:30, 10.12–14.12, стр. 4–2.",
                     language) == said
