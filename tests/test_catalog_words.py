"""The catalogue in languages it does not write itself: from catalog.po, complete or left out."""

import tomllib

import pytest

from kiosk.catalog import load_catalog
from kiosk.catalog_words import TEMPLATE, fill_languages, messages, translations
from kiosk.config import PACKAGED_CATALOG, load_config, offer_only
from kiosk.languages import LOCALE_DIR
from kiosk.po import read_po, write_po

PACKAGED = tomllib.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))
OWN = ("fi", "sv", "en")


def shouted(locale_dir, language="ru", leave_out=()):
    """A catalog.po whose 'translation' is the English in capitals (the guide's button words
    stay inside its steps, as check_scenario asks), without the texts in `leave_out`."""
    found = messages(PACKAGED)
    target = locale_dir / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    write_po(target / "catalog.po", language, found,
             {m: m.upper() for m in found if m not in leave_out})
    return found


def test_the_template_is_the_packaged_catalogues_english():
    """`python -m kiosk.catalog_words update` was run after the catalogue last changed."""
    assert [e.msgid for e in read_po(TEMPLATE) if e.msgid] == list(messages(PACKAGED))
    assert len(messages(PACKAGED)) > 250  # guides, categories and practice pages


@pytest.mark.parametrize("po", sorted(LOCALE_DIR.glob("*/LC_MESSAGES/catalog.po")), ids=lambda p: p.parts[-3])
def test_every_packaged_translation_covers_the_whole_catalogue(po):
    language = po.parts[-3]
    catalog = load_catalog(PACKAGED_CATALOG, (*OWN, language))
    assert catalog.left_out == () and catalog.problems == ()
    assert all(language in service.texts for service in catalog.services)


def test_a_complete_translation_gives_every_guide_and_practice_page(tmp_path):
    shouted(tmp_path)
    catalog = load_catalog(PACKAGED_CATALOG, (*OWN, "ru"), locale_dir=tmp_path)
    assert catalog.problems == () and catalog.languages == (*OWN, "ru") and catalog.left_out == ()
    kela = catalog.service("kela")
    assert kela.in_("ru").steps == tuple(step.upper() for step in kela.in_("en").steps)
    assert kela.in_("ru").plain is None  # a plain guide is its own language's, never carried over
    assert catalog.category("money").title.in_("ru") == "MONEY AND BENEFITS"
    assert all(page.heading.in_("ru") == page.heading.in_("en").upper() for page in kela.practice if page.heading)
    assert all(choice.in_("ru") == choice.in_("en").upper() for page in kela.practice for choice in page.choices)


def test_one_missing_text_leaves_the_language_out_with_a_note(tmp_path):
    step = PACKAGED["service"][0]["en"]["steps"][2]
    shouted(tmp_path, leave_out={step})
    catalog = load_catalog(PACKAGED_CATALOG, (*OWN, "ru"), locale_dir=tmp_path)
    assert catalog.problems == () and catalog.languages == OWN
    assert catalog.left_out == ("'ru' (Русский) is not offered: 1 of the catalogue's texts have no "
                                "translation in kiosk/locale/ru/LC_MESSAGES/catalog.po",)
    assert all("ru" not in service.texts for service in catalog.services)


def test_a_stale_translation_no_longer_matches(tmp_path):
    """The English changed after the translation: the old one is not shown for the new text."""
    found = shouted(tmp_path)
    assert translations("ru", tmp_path)[next(iter(found))] == next(iter(found)).upper()
    data = tomllib.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))
    data["service"][0]["en"]["title"] = "Kela: a new title"
    assert fill_languages(data, ("en", "ru"), tmp_path) == (("en",), (
        "'ru' (Русский) is not offered: 1 of the catalogue's texts have no translation in "
        "kiosk/locale/ru/LC_MESSAGES/catalog.po",))


def test_a_language_the_file_writes_itself_is_not_filled(tmp_path):
    """Missing Swedish in the file stays the file's problem, said where it is."""
    shouted(tmp_path, "sv")
    data = tomllib.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))
    del data["service"][0]["sv"]
    assert fill_languages(data, OWN, tmp_path) == (OWN, ())
    assert "sv" not in data["service"][0]


def test_no_translation_at_all_leaves_the_language_out(tmp_path):
    catalog = load_catalog(PACKAGED_CATALOG, (*OWN, "uk"), locale_dir=tmp_path)
    assert catalog.languages == OWN and catalog.problems == ()
    assert catalog.left_out[0].startswith("'uk' (Українська) is not offered: ")


def test_the_kiosk_offers_only_the_languages_the_catalogue_covers(tmp_path):
    config = load_config(None)
    left = offer_only(config, ("fi", "en"), ("'sv' ... is not offered",))
    assert left.languages.offered == ("fi", "en") and left.languages.default == "fi"
    assert left.languages_left_out[-1] == "'sv' ... is not offered"
    assert offer_only(config, ("sv",), ()).languages.default == "sv"
    assert offer_only(config, (), ()) is config  # none covered: the catalogue's problems say why


def test_a_broken_catalogue_or_translation_is_reported_never_raised(tmp_path):
    """Tables that are not tables are the catalogue reader's to report; a catalog.po that
    cannot be read leaves its language out and says why; an empty English text (a route's
    phone_name with advice) needs no translation."""
    for broken in ("service = 1\n", "category = 5\nservice = true\n", "[[service]]\nen = 3\n"):
        path = tmp_path / "broken.toml"
        path.write_text('[identification]\ndomains = ["x.fi"]\n' + broken, encoding="utf-8")
        catalog = load_catalog(path, (*OWN, "ru"))
        assert catalog.problems  # said, not raised
    target = tmp_path / "uk" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "catalog.po").write_bytes(b'msgid "Taxes"\nmsgstr "\xff\xfe"\n')
    catalog = load_catalog(PACKAGED_CATALOG, (*OWN, "uk"), locale_dir=tmp_path)
    assert catalog.languages == OWN and "cannot be read" in catalog.left_out[0]
    data = tomllib.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))
    data["service"][0]["en"]["phone_name"] = ""
    shouted(tmp_path, "ru")
    assert fill_languages(data, ("en", "ru"), tmp_path) == (("en", "ru"), ())
    assert data["service"][0]["ru"]["phone_name"] == ""


def test_update_never_empties_a_translation_it_cannot_read(tmp_path):
    from kiosk.catalog_words import update
    from kiosk.po import PoError

    found = shouted(tmp_path, "ru")
    po = tmp_path / "ru" / "LC_MESSAGES" / "catalog.po"
    po.write_text(po.read_text(encoding="utf-8") + 'msgstr[0] "x"\n', encoding="utf-8")
    before = po.read_bytes()
    with pytest.raises(PoError):
        update(PACKAGED_CATALOG, tmp_path)
    assert po.read_bytes() == before
    po.write_bytes(before.replace(b'msgstr[0] "x"\n', b""))
    assert update(PACKAGED_CATALOG, tmp_path) == [] and len(translations("ru", tmp_path)) == len(found)
