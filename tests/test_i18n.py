"""Translator: the live language switch, its fallbacks and KV rules bound to `tr._`."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.i18n import N_, Translator
from kiosk.po import compile_all, write_po

MESSAGES = {"Touch to start": ["x.kv:1"], "Print": ["x.kv:2"], "Step {n} of {total}": ["x.py:3"]}
TRANSLATIONS = {
    "fi": {"Touch to start": "Kosketa aloittaaksesi", "Print": "Tulosta", "Step {n} of {total}": "Vaihe {n}/{total}"},
    "sv": {"Touch to start": "Tryck för att börja", "Step {n} of {total}": "Steg {n} av {total}"},  # no "Print"
    "en": {},
}
KV = """
<TranslatedForTest>:
    text: self.tr._("Touch to start")
    action: self.tr._("Print")
"""


class TranslatedForTest(Widget):
    tr = ObjectProperty(None)
    text = StringProperty("")
    action = StringProperty("")


@pytest.fixture
def locale_dir(tmp_path):
    for language, translations in TRANSLATIONS.items():
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        write_po(folder / "kiosk.po", language, MESSAGES, translations)
    compile_all(tmp_path)
    return tmp_path


@pytest.fixture
def rules(xvfb_display):
    """KV rules on real widgets. A widget makes Kivy open its window, so these tests run
    after the screens' (tests/ sorts them first), whose app opens it at the kiosk's size."""
    Builder.load_string(KV, filename="test_i18n_rules.kv")
    yield
    Builder.unload_file("test_i18n_rules.kv")


def test_strings_come_in_the_current_language_and_untranslated_ones_as_written(locale_dir):
    tr = Translator(["fi", "sv", "en"], "sv", locale_dir)
    assert tr._("Touch to start") == "Tryck för att börja"
    assert tr._("Print") == "Print"                        # not translated into Swedish: the msgid
    assert tr._("Not in any catalogue") == "Not in any catalogue"
    assert tr._("Step {n} of {total}").format(n=2, total=5) == "Steg 2 av 5"  # placeholders survive


@pytest.mark.gui
def test_switching_language_rewrites_the_rules_bound_to_it(locale_dir, rules):
    tr = Translator(["fi", "sv", "en"], "en", locale_dir)
    widget = TranslatedForTest(tr=tr)
    assert (widget.text, widget.action) == ("Touch to start", "Print")
    assert tr.bound_rules == 2
    tr.switch("fi")
    assert (tr.language, widget.text, widget.action) == ("fi", "Kosketa aloittaaksesi", "Tulosta")
    tr.switch("sv")
    assert (widget.text, widget.action) == ("Tryck för att börja", "Print")


def test_listeners_hear_of_each_real_switch_only(locale_dir):
    tr = Translator(["fi", "sv", "en"], "fi", locale_dir)
    heard: list[tuple[str, str]] = []
    tr.on_language(lambda language: heard.append((language, tr._("Touch to start"))))
    tr.switch("fi")  # already so: nothing to redo
    tr.switch("en")
    tr.switch("sv")
    assert heard == [("en", "Touch to start"), ("sv", "Tryck för att börja")]


@pytest.mark.gui
def test_a_language_not_offered_is_refused_and_nothing_changes(locale_dir, rules):
    tr = Translator(["fi", "en"], "fi", locale_dir)
    widget = TranslatedForTest(tr=tr)
    with pytest.raises(ValueError, match="'sv' is not offered here"):
        tr.switch("sv")  # compiled, but not offered on this kiosk
    assert (tr.language, widget.text) == ("fi", "Kosketa aloittaaksesi")


def test_gettext_for_translates_into_another_language_without_switching(locale_dir):
    tr = Translator(["fi", "sv", "en"], "en", locale_dir)
    assert tr.gettext_for("fi", N_("Print")) == "Tulosta"
    assert tr.gettext_for("sv", "Print") == "Print"
    assert tr.gettext_for("de", "Touch to start") == "Touch to start"  # not offered: the current language
    tr.switch("fi")
    assert tr.gettext_for("de", "Touch to start") == "Kosketa aloittaaksesi"
    assert tr.language == "fi"


def test_a_language_without_a_compiled_catalogue_shows_the_source_and_says_why(locale_dir, caplog):
    (locale_dir / "sv" / "LC_MESSAGES" / "kiosk.mo").unlink()
    with caplog.at_level(logging.ERROR, logger="kiosk.i18n"):
        tr = Translator(["fi", "sv"], "sv", locale_dir)
    assert tr.languages == ["fi", "sv"]
    assert tr._("Touch to start") == "Touch to start"
    assert any("'sv'" in r.getMessage() and "make locale" in r.getMessage() for r in caplog.records)
    tr.switch("fi")
    assert tr._("Touch to start") == "Kosketa aloittaaksesi"


def test_the_languages_are_kept_as_offered_and_not_shared_with_the_caller(locale_dir):
    offered = ["sv", "fi", "en"]
    tr = Translator(offered, "fi", locale_dir)
    offered.append("de")
    assert tr.languages == ["sv", "fi", "en"]


@pytest.mark.gui
def test_a_discarded_widget_is_not_kept_alive_and_its_rules_are_forgotten(locale_dir, rules):
    tr = Translator(["fi", "en"], "en", locale_dir)
    kept = TranslatedForTest(tr=tr)
    gone = weakref.ref(TranslatedForTest(tr=tr))
    gc.collect()
    assert gone() is None
    tr.switch("fi")
    assert kept.text == "Kosketa aloittaaksesi"
    assert tr.bound_rules == 2  # only the kept widget's two rules


def test_rules_bound_in_python_are_called_and_can_be_unbound(locale_dir):
    tr = Translator(["fi", "en"], "en", locale_dir)
    calls: list[tuple] = []
    uid = tr.fbind("_", lambda *args: calls.append(args), "first")
    tr.fbind("_", lambda *args: calls.append(args), "second")
    tr.switch("fi")
    assert calls == [("first", None, None), ("second", None, None)]
    tr.unbind_uid("_", uid)
    assert tr.bound_rules == 1
    calls.clear()
    tr.switch("en")
    assert calls == [("second", None, None)]


def test_the_kiosks_own_catalogues_translate_through_the_translator():
    tr = Translator(["fi", "sv", "en"], "fi")
    assert tr._("Touch to start") == "Kosketa aloittaaksesi"
    assert tr._("Step {n} of {total}").format(n=2, total=5) == "Vaihe 2/5"
    tr.switch("en")
    assert tr._("Touch to start") == "Touch to start"
