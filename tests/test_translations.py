"""Every user-visible string is translated into every language the package offers."""

import gettext
import re
from pathlib import Path

import pytest

from kiosk.languages import LOCALE_DIR, available_languages
from kiosk.po import compile_all, extract, read_po, source_files

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
MESSAGES = extract(source_files(PACKAGE))


def test_the_three_required_languages_are_there():
    assert {"fi", "sv", "en"} <= set(available_languages())
    assert len(MESSAGES) > 50


@pytest.mark.parametrize("language", available_languages())
def test_every_string_has_a_translation(language):
    entries = {e.msgid: e for e in read_po(LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po") if e.msgid}
    missing = [m for m in MESSAGES if m not in entries or not entries[m].msgstr.strip()]
    fuzzy = [m for m, e in entries.items() if e.fuzzy]
    assert missing == [] and fuzzy == []
    for msgid, entry in entries.items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", entry.msgstr)), msgid


@pytest.mark.parametrize("language", [code for code in available_languages() if code != "en"])
def test_translations_are_not_just_english(language):
    entries = {e.msgid: e.msgstr for e in read_po(LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po")}
    same = [m for m in MESSAGES if entries.get(m) == m and len(m) > 12 and m not in SAME_AS_ENGLISH.get(language, ())
            and m != "Aa {percent}%"]  # the text size button's symbol, in every language
    assert same == []


# Words that are written as in English: Estonian's printer is a "printer".
SAME_AS_ENGLISH = {"et": ("Printer: {state}",)}


def test_compiled_catalogues_read_back_with_gettext(tmp_path):
    for language in available_languages():
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        (target / "kiosk.po").write_bytes((LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po").read_bytes())
    compiled = compile_all(tmp_path)
    assert len(compiled) == len(available_languages())
    fi = gettext.translation("kiosk", tmp_path, languages=["fi"])
    assert fi.gettext("Touch to start") == "Kosketa aloittaaksesi"
    assert fi.gettext("Step {n} of {total}").format(n=2, total=5) == "Vaihe 2/5"
    sv = gettext.translation("kiosk", tmp_path, languages=["sv"])
    assert sv.gettext("End and erase") == "Avsluta och radera"


def test_extraction_finds_strings_in_kv_and_python(tmp_path):
    kv = tmp_path / "a.kv"
    kv.write_text('    text: app.tr._("Hello \\"you\\"")\n')
    py = tmp_path / "b.py"
    py.write_text('x = app.tr._("One") + N_("Two")\ny = _("not marked for the kiosk")\n')
    assert list(extract([kv, py])) == ['Hello "you"', "One", "Two"]


def test_no_user_visible_literal_in_screens():
    """Text shown to a person goes through the translator (or comes from data), never a literal."""
    literal = re.compile(r'^\s*(text|title|summary|heading|lines)\s*:\s*\[?\s*"[A-Za-z]')
    offenders = []
    for path in sorted((PACKAGE / "screens").glob("*.kv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if literal.match(line) and "app.tr._(" not in line:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    for path in sorted((PACKAGE / "screens").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r'\b(text|title|summary|heading)\s*=\s*f?"[A-Za-z]', line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


# Words a citizen should not meet: the computer has one plain name in each language, and
# "session" is said as what happens ("everything you did here is erased"). Staff mode's own
# screens may speak of the kiosk.
JARGON = {"fi": r"\bkiosk|\bpääte|\bistun", "sv": r"\bkiosk|\bsession", "en": r"\bkiosk|\bsession"}
STAFF_FILES = ("screens/staff", "staff", "enrol_app")  # staff mode's screens and service, and the enrolment screen (for IT), under kiosk/


def staff_only(places: list[str]) -> bool:
    return all(str(Path(place.rsplit(":", 1)[0]).resolve().relative_to(PACKAGE)).startswith(STAFF_FILES)
               for place in places)


@pytest.mark.parametrize("language", sorted(JARGON))
def test_citizens_screens_use_one_plain_name_and_no_jargon(language):
    entries = {e.msgid: e.msgstr for e in read_po(LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po") if e.msgid}
    found = [(msgid, entries.get(msgid, "")) for msgid, places in MESSAGES.items()
             if not staff_only(places) and re.search(JARGON[language], entries.get(msgid, ""), re.IGNORECASE)]
    assert found == []
    assert any(staff_only(places) and re.search(JARGON[language], entries.get(msgid, ""), re.IGNORECASE)
               for msgid, places in MESSAGES.items())  # the staff's own words are there, and passed over
