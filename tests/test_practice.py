"""Practice scenarios (issue 20): the catalogue's data checked against its guides, and the
pages the practice site draws from it, on a real loopback server."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from kiosk.catalog import load_catalog
from kiosk.config import PACKAGED_CATALOG
from kiosk.practice import PracticeService, render, step_of
from tests.test_catalog import LANGS, SERVICE, service

CATALOG = load_catalog(PACKAGED_CATALOG, LANGS)


def same(_language: str, text: str) -> str:
    return text


def practice(*pages: str) -> str:
    return "".join(f"\n[[service.practice]]\n{page}\n" for page in pages)


CHOOSE = 'kind = "choose"\nheading = "Vero"\nchoices = [{ fi = "Kirjaudu", sv = "Logga in", en = "Log in" }]'


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "catalog.toml"
    path.write_text(SERVICE + text)
    return [p.message for p in load_catalog(path, LANGS).problems]


def steps(en: str, fi_sv: str = "") -> str:
    return service(en_steps=en).replace('steps = ["1", "2"]', f"steps = {fi_sv or en}")


def test_every_packaged_service_has_a_practice_as_long_as_its_guide_in_every_language():
    assert CATALOG.problems == ()
    for item in CATALOG.services:
        assert item.practice, item.id
        assert item.practice[0].kind == "start" and item.practice[-1].kind == "logout"
        for language in LANGS:
            texts = item.in_(language)
            assert item.practice[-1].step == len(texts.steps), (item.id, language)
            if texts.plain:
                assert len(texts.plain.steps) == len(texts.steps), (item.id, language)
        assert any(page.kind == "identify" for page in item.practice) == item.strong_identification, item.id


def test_a_practice_that_is_not_its_guide_step_by_step_is_refused(tmp_path):
    guide = steps('["Open the service.", "Choose Log in.", "Log out."]',
                  '["Avaa palvelu.", "Valitse Kirjaudu.", "Kirjaudu ulos."]')
    good = practice('step = 1\nkind = "start"', f"step = 2\n{CHOOSE}", 'step = 2\nkind = "identify"',
                    'step = 3\nkind = "logout"\nheading = "Vero"\nbutton = "Log out"')
    found = problems(tmp_path, guide + good)
    # Each language's buttons against its own guide: this sv guide has fi's words, so
    # its "Logga in" is named nowhere.
    assert found == ["step 2 (sv): none of its buttons (\"Logga in\") is named in the guide's step \"Valitse Kirjaudu.\""]

    found = problems(tmp_path, guide + practice('step = 1\nkind = "start"', 'step = 3\nkind = "identify"'))
    assert "no page for step 2" in found
    found = problems(tmp_path, guide + practice('step = 2\nkind = "identify"', 'step = 1\nkind = "start"'))
    assert any("not in the order of their steps: 2, 1" in p for p in found)
    found = problems(tmp_path, guide + practice('step = 1\nkind = "start"', 'step = 2\nkind = "start"'))
    assert any("2 steps, but the en guide has 3" in p for p in found)
    assert any("needs an \"identify\" page" in p for p in found)


def test_bad_pages_are_named_and_bounded(tmp_path):
    found = problems(tmp_path, service() + practice(
        'step = 1\nkind = "lesson"',
        'step = 1\nkind = "choose"\nheading = "H"',
        'step = 1\nkind = "form"\nheading = "H"\nbutton = "B"\n'
        '[[service.practice.fields]]\nlabel = "L"\ntype = "colour"\n'
        '[[service.practice.fields]]\nlabel = "L"\noptions = ["a"]\n'
        '[[service.practice.fields]]\nlabel = { fi = "L" }\ntype = "choice"\noptions = ["a"]',
        'step = 2\nkind = "choose"\nheading = "H"\nchoices = [' + ", ".join(['"x"'] * 13) + "]\nsurprise = 1",
        'step = 2\nkind = "identify"'))
    assert "'lesson' is not one of start, choose, identify, form, review, read, done, logout" in found
    assert "'choices' must be a list of one to 12 texts" in found
    assert "'colour' is not one of text, number, date, email, phone, password, choice, textarea" in found
    assert "only a field of type \"choice\" has options" in found
    assert "has no text for sv, en (every offered language needs one)" in found
    assert "13 entries; at most 12" in found
    assert any(p.startswith("unknown key") for p in found)


def test_the_pages_say_practice_and_show_the_guides_step_and_carry_only_earlier_answers():
    status, html = render(CATALOG, same, "/kela/1", "lang=en")
    assert status == 200 and "PRACTICE – this is not a real service" in html
    assert 'data-step="1"' in html and "Step 1 of 6" in html and "Press Open the service." in html
    # A form page: its own answers are asked again, the pages' before go on; all escaped.
    form = next(n for n, p in enumerate(CATALOG.service("kela").practice, 1) if p.kind == "form")
    query = urlencode({"lang": "en\"'><", f"v{form}_0": "old", "v1_0": "<script>x</script>\"' onfocus=x",
                       "c5": "1", "zz": "drop"})
    status, html = render(CATALOG, same, f"/kela/{form}", query)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;&#34;&#39; onfocus=x" in html
    # Quotes stay inside the attribute's value; a language that is none is Finnish.
    assert 'name="v1_0" value="&lt;script&gt;x&lt;/script&gt;&#34;&#39; onfocus=x">' in html
    assert '<html lang="fi"' in html
    assert f'name="v{form}_0" value="old"' not in html and 'name="c5" value="1"' in html and "zz" not in html
    assert 'inputmode="numeric"' in html and 'placeholder="dd.mm.yyyy"' in html
    # The review lists what was chosen and written, in the person's language.
    review = form + 1
    query = urlencode({"lang": "fi", "c5": "1", f"v{form}_0": "3", f"v{form}_1": ""})
    status, html = render(CATALOG, same, f"/kela/{review}", query)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Mitä etuutta haet? Perustoimeentulotuki" in text
    assert "Montako henkilöä asuu kanssasi? 3" in text and "(not filled in)" in text


def test_the_pretend_identification_goes_choice_login_confirmation():
    number = next(n for n, p in enumerate(CATALOG.service("kela").practice, 1) if p.kind == "identify")
    here = f"/kela/{number}"
    html = render(CATALOG, same, here, "lang=en")[1]
    assert all(f'value="bank:{bank}"' in html for bank in ("OP", "Nordea", "S-Pankki"))
    assert 'value="mobile"' in html and 'value="card"' in html
    html = render(CATALOG, same, here, "lang=en&stage=login&pick=bank:OP")[1]
    assert "this is not OP&#39;s real page" in html and 'type="password"' in html
    assert render(CATALOG, same, here, "lang=en&stage=login&pick=mobile")[1].count('type="tel"') == 1
    # A made-up pick is the choice again, not a page for an unknown bank.
    assert "Choose how to identify yourself" in render(CATALOG, same, here, "lang=en&stage=login&pick=bank:Evil")[1]
    html = render(CATALOG, same, here, "lang=en&stage=confirmed&pick=bank:OP")[1]
    assert "as Maija Harjoittelija" in html and f'action="/kela/{number + 1}"' in html


def test_the_last_page_leads_back_and_anything_else_is_not_found():
    last = len(CATALOG.service("finna").practice) + 1
    html = render(CATALOG, same, f"/finna/{last}", "lang=sv&plain=1")[1]
    assert 'data-kind="end"' in html and "You have practised all 5 steps" in html
    assert render(CATALOG, same, f"/finna/{last + 1}", "lang=en")[0] == 404
    assert render(CATALOG, same, "/nowhere/1", "lang=en")[0] == 404
    assert render(CATALOG, same, "/kela/x", "lang=en")[0] == 404
    assert step_of(CATALOG, "http://127.0.0.1:5/kela/3?lang=fi", "127.0.0.1:5") == ("kela", 3)
    assert step_of(CATALOG, f"http://127.0.0.1:5/finna/{last}", "127.0.0.1:5") == ("finna", 5)
    assert step_of(CATALOG, "http://127.0.0.1:6/kela/3", "127.0.0.1:5") == ("", 0)
    assert step_of(CATALOG, "https://www.kela.fi/kela/3", "127.0.0.1:5") == ("", 0)
    # Addresses put together by hand: never an error, on the kiosk's side or the page's.
    for number in ("²", "1" * 5000, "0", "-1"):
        assert step_of(CATALOG, f"http://127.0.0.1:5/kela/{number}", "127.0.0.1:5") == ("", 0)
        assert render(CATALOG, same, f"/kela/{number}", "lang=en")[0] == 404
        assert render(CATALOG, same, f"/learn/touch/{number}", "lang=en")[0] == 404
    assert render(CATALOG, same, "/learn/scam/2", "lang=en&chosen=²")[0] == 200
    assert render(CATALOG, same, "/kela/5", "lang=en&c4=²&v3_0=x")[0] == 200
    bare = tmp_catalog_without_practice()
    assert step_of(bare, "http://127.0.0.1:5/kela/1", "127.0.0.1:5") == ("", 0)
    assert render(bare, same, "/kela/1", "lang=en")[0] == 404


def tmp_catalog_without_practice():
    from dataclasses import replace

    return replace(CATALOG, services=tuple(replace(item, practice=()) for item in CATALOG.services))


def test_a_plain_guide_is_shown_in_plain_words():
    plain = CATALOG.service("kela").in_("fi").plain
    html = render(CATALOG, same, "/kela/2", "lang=fi&plain=1")[1]
    assert plain.steps[1] in html


@pytest.fixture
def served():
    server = PracticeService(CATALOG, lambda language, text: "Ö" + text if language == "sv" else text).start()
    yield server
    server.stop()


def test_the_server_answers_on_loopback_with_no_script_and_bounded_addresses(served):
    assert served.host.startswith("127.0.0.1:")
    with urllib.request.urlopen(f"http://{served.host}/kela/1?lang=sv") as answer:
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert answer.headers["Cache-Control"] == "no-store"
        assert "ÖPRACTICE" in answer.read().decode()
    with urllib.request.urlopen(f"http://{served.host}/practice.css") as answer:
        assert answer.headers["Content-Type"].startswith("text/css")
    with urllib.request.urlopen(f"http://{served.host}/learn/print/document.pdf?lang=en") as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"].startswith("attachment")
        assert answer.read().startswith(b"%PDF")
    for address, status in ((f"/kela/1?lang=en&v1_0={'x' * 20000}", 414), ("/kela/0", 404)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://{served.host}{address}")
        assert refused.value.code == status
    assert served.url("kela", "fi", plain=True) == f"http://{served.host}/kela/1?lang=fi&plain=1"
