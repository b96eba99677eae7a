import tomllib
from pathlib import Path

import pytest

from kiosk.config import DEFAULTS_FILE, DEMO_FILE, PACKAGED_CATALOG, SECTIONS, hash_pin, load_config, pin_matches
from kiosk.config_keys import declared

NO_SYSTEM = Path("/nonexistent")  # a configuration directory with no kiosk.toml and no kiosk.d


def load(tmp_path, text, config_dir=None):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, config_dir=config_dir or NO_SYSTEM)


def test_packaged_defaults_and_demo_are_valid():
    for extra in (None, DEMO_FILE):
        config = load_config(extra, config_dir=NO_SYSTEM)
        assert config.problems == ()
        assert config.usable
    demo = load_config(DEMO_FILE, config_dir=NO_SYSTEM)
    assert demo.site.kiosk_id == "demo-01"
    assert demo.devices.printer == "fake"
    assert demo.catalog_file == PACKAGED_CATALOG
    assert demo.languages.offered == ("fi", "sv", "en", "ru", "uk", "et", "se", "ar", "so")
    assert demo.languages_left_out == ()  # every one complete
    assert demo.help.phone == "0295 000"


def test_layers_override_key_by_key(tmp_path):
    etc = tmp_path / "etc"
    (etc / "kiosk.d").mkdir(parents=True)
    (etc / "kiosk.toml").write_text('[site]\nkiosk_id = "oodi-03"\n[timeouts]\ninactivity_s = 240\nwarning_s = 40\n')
    (etc / "kiosk.d" / "50-provisioning.toml").write_text("[timeouts]\ninactivity_s = 300\n")
    (etc / "kiosk.d" / "90-local.toml").write_text("[timeouts]\ninactivity_s = 320\n")
    config = load(tmp_path, "[timeouts]\nwarning_s = 45\n", config_dir=etc)
    assert config.problems == ()
    assert config.site.kiosk_id == "oodi-03"
    assert (config.timeouts.inactivity_s, config.timeouts.warning_s) == (320, 45)
    assert config.files == (str(DEFAULTS_FILE), str(etc / "kiosk.toml"), str(etc / "kiosk.d" / "50-provisioning.toml"),
                            str(etc / "kiosk.d" / "90-local.toml"), str(tmp_path / "site.toml"))


def test_every_error_is_reported_with_file_line_and_hint(tmp_path):
    config = load(tmp_path, """\
[site]
kiosk_id = "Oodi 3"
nmae = "Oodi"

[timeouts]
warning_s = 5
inactivity_s = "long"

[languages]
offered = ["fi", "de"]
""")
    found = {p.key: p for p in config.problems}
    assert set(found) == {"site.kiosk_id", "site.nmae", "timeouts.warning_s", "timeouts.inactivity_s",
                          "languages.offered[1]"}
    assert found["site.kiosk_id"].line == 2
    assert found["site.nmae"].message == "unknown key (did you mean 'name'?)"
    assert found["site.nmae"].line == 3
    assert "between 20 and 300" in found["timeouts.warning_s"].message
    assert found["timeouts.inactivity_s"].line == 7
    assert "'de' has no translation" in found["languages.offered[1]"].message
    assert all(p.file.endswith("site.toml") for p in config.problems)
    assert not config.usable
    # Usable values remain, so the out-of-service screen can still be drawn.
    assert config.timeouts.warning_s == 30 and config.languages.offered == ("fi",)


def test_misspelt_section_is_found(tmp_path):
    config = load(tmp_path, "[timeout]\ninactivity_s = 100\n")
    assert [(p.key, p.line, p.message) for p in config.problems] == [
        ("timeout", 1, "unknown key (did you mean 'timeouts'?)")]
    assert not config.usable  # the site meant to set something the kiosk would ignore


def test_broken_feature_section_disables_only_that_feature(tmp_path):
    config = load(tmp_path, '[devices]\nprinter = "hp"\n[help]\nchat_url = "http://x.fi"\n')
    assert config.usable
    assert "printer" in config.disabled["devices"] and "'hp' is not one of cups, fake, none" in config.disabled["devices"]
    assert "chat_url" in config.disabled["help"]
    assert config.devices.printer == "cups" and config.help.chat_url == "https://www.kansalaisneuvonta.fi"


def test_core_problem_makes_the_kiosk_unusable(tmp_path):
    config = load(tmp_path, '[display]\ndpi = "high"\n')
    assert not config.usable
    assert [p.key for p in config.core_problems] == ["display.dpi"]


def test_a_file_refused_for_its_limits_keeps_the_kiosk_out_of_service(tmp_path):
    """The whole file is left out, so the problem is the file's, even when the value that
    broke a limit is in a feature section: the kiosk must not run on the defaults alone."""
    config = load(tmp_path, '[site]\nkiosk_id = "oodi-7"\n\n[printing]\nprinter_place = "' + "x" * 5000 + '"\n')
    assert not config.usable
    assert [str(p) for p in config.core_problems] == [
        f"{tmp_path / 'site.toml'}:5: printing.printer_place: a text of 5,000 characters; texts have at most 4,096"]
    assert config.site.kiosk_id != "oodi-7"  # nothing of the refused file was used


def test_localized_text_must_cover_every_offered_language(tmp_path):
    config = load(tmp_path, '[site]\nname = { fi = "Kirjasto", en = "Library" }\n')
    assert [(p.key, p.message) for p in config.problems] == [
        ("site.name", "has no text for sv (every offered language needs one)")]
    config = load(tmp_path, '[site]\nname = "Oodi"\n')
    assert config.problems == () and config.site.name.in_("sv") == "Oodi"


def test_language_default_must_be_offered(tmp_path):
    config = load(tmp_path, '[languages]\noffered = ["sv", "en"]\ndefault = "fi"\n')
    assert [p.key for p in config.problems] == ["languages.default"]
    assert config.languages.default == "sv"


def test_catalog_path_is_relative_to_the_file_that_names_it(tmp_path):
    (tmp_path / "cat.toml").write_text("")
    config = load(tmp_path, '[catalog]\nfile = "cat.toml"\n')
    assert config.catalog_file == tmp_path / "cat.toml"
    config = load(tmp_path, '[catalog]\nfile = "missing.toml"\n')
    assert [p.key for p in config.problems] == ["catalog.file"] and not config.usable


def test_pin_hash_round_trip_and_validation(tmp_path):
    pin_hash = hash_pin("482913", salt=bytes(range(16)), iterations=10_000)
    assert pin_matches("482913", pin_hash)
    assert not pin_matches("482914", pin_hash)
    config = load(tmp_path, f'[staff]\npin_hash = "{pin_hash}"\n')
    assert config.problems == () and config.staff.pin_hash == pin_hash
    config = load(tmp_path, '[staff]\npin_hash = "1234"\n')
    assert config.usable and "staff" in config.disabled


@pytest.mark.parametrize("text", ['[display]\ninput = "probesysfs"\n', '[display]\ninput = "mtdev"\ninput_device = "event3"\n'])
def test_only_one_known_input_provider(tmp_path, text):
    config = load(tmp_path, text)
    assert [p.key.split(".")[0] for p in config.problems] == ["display"]


def test_every_key_is_declared_once_and_documented_in_the_packaged_defaults():
    """A key declared but not in defaults.toml would be missing on every kiosk; one in
    defaults.toml but not declared would be an unknown key."""
    documented = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    # Read by hand: paths (_catalog_file, _support), rows of hours (_hours).
    assert set(documented) == set(SECTIONS) | {"catalog", "support", "hours"}
    for section, cls in SECTIONS.items():
        assert list(declared(cls)) == list(documented[section]), section
    assert list(documented["support"]) == ["snapshot", "local_file", "max_age_days", "book_with", "book_minutes",
                                           "book_days"]
    assert list(documented["hours"]) == ["place", "weekly", "exception", "screen_off", "screen_off_after_min",
                                         "screen_on_before_min"]


def test_the_support_files_are_paths_relative_to_their_file_and_checked(tmp_path):
    (tmp_path / "support.local.toml").write_text("", encoding="utf-8")
    config = load(tmp_path, '[support]\nlocal_file = "support.local.toml"\nsnapshot = "missing.toml"\n'
                            'max_age_days = 0\n')
    assert config.support.local_file == tmp_path / "support.local.toml"
    assert {p.key: p.line for p in config.problems} == {"support.snapshot": 3, "support.max_age_days": 4}
    assert config.support.max_age_days == 30 and "support" in config.disabled and config.usable


def test_booking_keys_are_bounded_and_book_with_must_name_a_place(tmp_path, capsys):
    config = load(tmp_path, '[support]\nbook_with = "Not An Id"\nbook_minutes = 25\nbook_days = 90\n')
    assert {p.key for p in config.problems} == {"support.book_with", "support.book_minutes", "support.book_days"}
    assert (config.support.book_minutes, config.support.book_days) == (30, 14)
    from kiosk.cli import support_problems


    demo = load_config(DEMO_FILE)
    assert demo.support.book_with == "example-library" and support_problems(demo) == []
    from dataclasses import replace

    elsewhere = replace(demo, support=replace(demo.support, book_with="nowhere"))
    assert any("book_with: 'nowhere' is no place" in str(p) for p in support_problems(elsewhere))


def test_every_declared_key_is_checked_and_named_with_its_file_and_line(tmp_path):
    wrong = {"string": "12", "localized": "12", "strings": "12", "number": '"many"', "boolean": '"yes"'}
    lines, expected = [], {}
    for section, cls in SECTIONS.items():
        lines.append(f"[{section}]")
        for name, key in declared(cls).items():
            lines.append(f"{name} = {wrong[key.getter]}")
            expected[f"{section}.{name}"] = len(lines)
    config = load(tmp_path, "\n".join(lines) + "\n")
    assert {p.key: p.line for p in config.problems} == expected
    assert {p.file for p in config.problems} == {str(tmp_path / "site.toml")}
    assert config.timeouts.inactivity_s == 180  # every wrong value fell back to the packaged one


def test_an_unknown_key_in_any_section_gets_a_did_you_mean(tmp_path):
    first = {section: next(iter(declared(cls))) for section, cls in SECTIONS.items()}
    config = load(tmp_path, "".join(f"[{section}]\n{key[:-1]}x = 1\n" for section, key in first.items()))
    assert {p.key: (p.line, p.message) for p in config.problems} == {
        f"{section}.{key[:-1]}x": (2 * n + 2, f"unknown key (did you mean '{key}'?)")
        for n, (section, key) in enumerate(first.items())}


def test_a_key_named_for_its_unit_declares_that_unit():
    """The unit is what range errors say ("must be between 20 and 300 seconds")."""
    units = {"_s": "seconds", "_pages": "pages", "_mb": "megabytes", "_cents": "cents", "_days": "days"}
    checked = 0
    for cls in SECTIONS.values():
        for name, key in declared(cls).items():
            for suffix, unit in units.items():
                if name.endswith(suffix):
                    assert key.checks["unit"] == unit, name
                    checked += 1
    assert checked, "no key is named for its unit"


def test_speech_or_large_text_never_gets_less_time_than_everyone_else(tmp_path):
    config = load(tmp_path, "[timeouts]\ninactivity_s = 600\naccessible_inactivity_s = 300\n")
    assert [(p.key, p.line) for p in config.problems] == [("timeouts.accessible_inactivity_s", 3)]
    assert "shorter than inactivity_s (600)" in config.problems[0].message


def test_a_language_not_completely_translated_is_left_out_and_said_why(tmp_path):
    """Issue 20: a translation is complete or the language is not offered; the kiosk runs in
    the rest (no screen half in English), and check-config and the log say which."""
    from kiosk.config import _languages
    from kiosk.languages import untranslated
    from kiosk.toml_schema import Context, TableReader

    po = tmp_path / "et" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Help"\nmsgstr "Abi"\n\nmsgid "Back"\nmsgstr ""\n\n'
                  '#, fuzzy\nmsgid "Next"\nmsgstr "Edasi"\n', encoding="utf-8")
    assert untranslated("et", tmp_path) == (2, 3)
    total = untranslated("en")[1]
    assert total > 500 and untranslated("fi") == untranslated("sv") == (0, total)  # the packaged ones are complete
    po.write_text('msgid "Help"\nmsgstr "Abi"\nbogus\n', encoding="utf-8")
    assert untranslated("et", tmp_path) == (1, 1)  # unreadable: not offered, and the kiosk still starts

    counts = {"fi": (0, 3), "sv": (0, 3), "et": (2, 3)}
    problems: list = []
    languages, left_out = _languages(TableReader(Context([], problems), {"offered": ["fi", "sv"], "default": "fi"},
                                                 ("languages",)), counts.get)
    assert (languages.offered, languages.default, left_out) == (("fi", "sv"), "fi", ())
    # _translated only lets packaged languages through; the rule is the count's.
    counts["sv"] = (40, 556)
    languages, left_out = _languages(TableReader(Context([], problems), {"offered": ["fi", "sv"], "default": "sv"},
                                                 ("languages",)), counts.get)
    assert languages.offered == ("fi",) and languages.default == "fi" and problems == []
    assert left_out == ("'sv' (Svenska) is not offered: 40 of 556 texts have no translation in "
                                  "kiosk/locale/sv/LC_MESSAGES/kiosk.po",)
    counts["fi"] = (3, 556)  # none complete: all shown all the same, and said so
    languages, left_out = _languages(TableReader(Context([], problems), {"offered": ["fi", "sv"], "default": "fi"},
                                                 ("languages",)), counts.get)
    assert languages.offered == ("fi", "sv") and all("is offered all the same" in note for note in left_out)
