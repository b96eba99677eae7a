from kiosk.catalog import domain_covers, load_catalog, summary
from kiosk.config import PACKAGED_CATALOG

LANGS = ("fi", "sv", "en")

# The services of CONTEXT.md's table, by the domain of their address.
CONTEXT_DOMAINS = ("kela.fi", "vero.fi", "kanta.fi", "suomi.fi", "tyomarkkinatori.fi", "dvv.fi",
                   "traficom.fi", "poliisi.fi", "enterfinland.fi")
CATEGORIES = ("money", "taxes", "health", "work", "housing", "permits", "vehicles", "immigration", "library")


def test_packaged_catalogue_is_valid_and_complete():
    catalog = load_catalog(PACKAGED_CATALOG, LANGS)
    assert catalog.problems == ()
    assert tuple(c.id for c in catalog.categories) == CATEGORIES
    for domain in CONTEXT_DOMAINS:
        assert any(domain in s.domains and domain_covers(domain, s.url.split("/")[2]) for s in catalog.services), domain
    for service in catalog.services:
        assert service.url.startswith("https://")
        for language in LANGS:
            texts = service.in_(language)
            assert texts.title and texts.summary and texts.steps and texts.needs and texts.offline
    assert "tunnistus.suomi.fi" in catalog.allowed_domains()
    assert catalog.service("enterfinland") is None and not catalog.service("enter-finland").strong_identification
    assert catalog.service("omavero").strong_identification


SERVICE = """
[identification]
domains = ["tunnistus.suomi.fi"]

[[category]]
id = "taxes"
title = { fi = "Verot", sv = "Skatter", en = "Taxes" }
summary = { fi = "a", sv = "b", en = "c" }
"""


def service(id_="vero", url="https://www.vero.fi/omavero", category="taxes", en_steps='["1", "2"]', extra="",
            route='phone = "advice"', language_extra=""):
    blocks = "".join(f"""
[service.{lang}]
title = "T"
summary = "S"
needs = ["N"]
steps = {en_steps if lang == "en" else '["1", "2"]'}
offline = "O"
bring = ["B"]
{language_extra}""" for lang in LANGS)
    return f"""
[[service]]
id = "{id_}"
category = "{category}"
url = "{url}"
domains = ["vero.fi"]
strong_identification = true
{extra}
[service.route]
{route}
{blocks}"""


def check(tmp_path, text):
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return load_catalog(path, LANGS)


def test_a_minimal_catalogue_is_valid(tmp_path):
    catalog = check(tmp_path, SERVICE + service())
    assert catalog.problems == ()
    assert catalog.allowed_domains() == ["tunnistus.suomi.fi", "vero.fi"]


def test_problems_are_found_with_lines(tmp_path):
    text = SERVICE + service() + service(url="http://www.vero.fi") + service(id_="x", category="tax") \
        + service(id_="y", url="https://example.com/") + service(id_="z", en_steps='["1"]')
    catalog = check(tmp_path, text)
    lines = text.splitlines()
    found = {(p.key, p.message.split(" (")[0].split(":")[0]) for p in catalog.problems}
    assert ("service[1].id", "'vero' is used by another service") in found
    assert ("service[1].url", "'http") in {(k, m[:5]) for k, m in found}
    assert ("service[2].category", "'tax' is not a category in this file; categories") in found
    assert ("service[3].url", "its host 'example.com' is not covered by the service's domains") in found
    assert ("service[4]", "the languages have different numbers of steps") in found
    headers = [number for number, line in enumerate(lines, 1) if line == "[[service]]"] + [len(lines) + 1]
    for problem in catalog.problems:
        index = int(problem.key.split("[")[1].split("]")[0])
        assert headers[index] <= problem.line < headers[index + 1], problem  # inside its own [[service]]
        assert lines[problem.line - 1].startswith(("id", "url", "category", "[[service]]"))


def test_missing_language_and_empty_steps(tmp_path):
    text = SERVICE + service().replace("[service.sv]", "[service.ru]").replace(
        'steps = ["1", "2"]', "steps = []", 1)
    catalog = check(tmp_path, text)
    found = [(p.key, p.message) for p in catalog.problems]
    assert ("service[0]", "the key 'sv' is missing") in found
    assert ("service[0].fi.steps", "must not be empty") in found
    assert not any(".ru" in key for key, _ in found)  # an extra, not offered language is fine


def test_category_without_services_and_bad_domain(tmp_path):
    text = SERVICE.replace('"tunnistus.suomi.fi"', '"https://tunnistus.suomi.fi/"') + """
[[category]]
id = "empty"
title = "E"
summary = "E"
""" + service()
    catalog = check(tmp_path, text)
    found = {p.key: p.message for p in catalog.problems}
    assert "is not a host name" in found["identification.domains[0]"]
    assert found["category[1]"] == "category 'empty' has no services"


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path):
    catalog = check(tmp_path, "[[service]\n")
    assert len(catalog.problems) == 1 and "not valid TOML" in catalog.problems[0].message
    assert catalog.services == ()


def test_spoken_forms_are_read_per_language_and_bounded(tmp_path):
    from kiosk.catalog import MAX_SPOKEN_CHARS, MAX_SPOKEN_FORMS, MAX_WRITTEN_CHARS

    good = '\n[spoken.fi]\n"0295 000" = "Kansalaisneuvonta"\nOmaKela = "Oma Kela"\n[spoken.se]\nKela = "Kela"\n'
    catalog = check(tmp_path, SERVICE + service() + good)
    assert catalog.problems == ()
    assert catalog.spoken == {"fi": {"0295 000": "Kansalaisneuvonta", "OmaKela": "Oma Kela"}, "se": {"Kela": "Kela"}}

    many = "".join(f'w{n} = "s"\n' for n in range(MAX_SPOKEN_FORMS + 1))
    text = (SERVICE + service() + "\n[spoken]\nfinnish = {}\n[spoken.fi]\n" + '"  " = "x"\n'
            + f'"{"w" * (MAX_WRITTEN_CHARS + 1)}" = "x"\n' + f'long = "{"s" * (MAX_SPOKEN_CHARS + 1)}"\n'
            + 'number = 5\nempty = ""\nline = "one\\ntwo"\nok = "fine"\n[spoken.sv]\n' + many)
    catalog = check(tmp_path, text)
    lines = text.splitlines()
    found = {p.key: (p.message, lines[p.line - 1]) for p in catalog.problems}
    assert found["spoken.finnish"][0] == "is not a language code like fi, sv or en"
    assert found["spoken.fi.  "][0] == "the written text must not be empty"
    assert found["spoken.fi." + "w" * (MAX_WRITTEN_CHARS + 1)][0].startswith("a written text of 81 characters")
    assert found["spoken.fi.long"] == (f"a spoken form of 201 characters; at most {MAX_SPOKEN_CHARS}",
                                       lines[text.count("\n", 0, text.index("long ="))])
    assert found["spoken.fi.number"][0] == "must be text, not a number"
    assert found["spoken.fi.empty"][0] == "must not be empty"
    assert found["spoken.fi.line"][0] == "must be on one line, without control characters"
    assert found["spoken.sv"][0] == f"{MAX_SPOKEN_FORMS + 1} spoken forms; at most {MAX_SPOKEN_FORMS}"
    assert catalog.spoken["fi"] == {"ok": "fine"} and len(catalog.spoken["sv"]) == MAX_SPOKEN_FORMS
    assert len(catalog.problems) == 8


def test_a_category_may_name_an_icon_and_an_unknown_one_is_an_error(tmp_path):
    assert check(tmp_path, SERVICE + service()).categories[0].icon == ""  # none is fine
    good = check(tmp_path, SERVICE.replace('id = "taxes"\n', 'id = "taxes"\nicon = "receipt_long"\n') + service())
    assert good.problems == () and good.categories[0].icon == "receipt_long"

    text = SERVICE.replace('id = "taxes"\n', 'id = "taxes"\nicon = "reciept_long"\n') + service()
    catalog = check(tmp_path, text)
    (problem,) = catalog.problems
    line = text.splitlines().index('icon = "reciept_long"') + 1
    assert (problem.key, problem.line) == ("category[0].icon", line)
    assert problem.message.startswith("'reciept_long' is not one of ")
    assert problem.message.endswith("(did you mean 'receipt_long'?)")
    assert str(problem).startswith(f"{tmp_path / 'catalog.toml'}:{line}: category[0].icon: ")
    assert catalog.categories[0].icon == ""  # the category still shows, with its words alone


def test_every_packaged_service_has_a_route_without_e_services():
    """Issue 19: a phone service for every service, the authority's own where its number was
    checked against its own page (with the page and the date), and what to bring."""
    catalog = load_catalog(PACKAGED_CATALOG, LANGS)
    own = {s.id: s.route.phone for s in catalog.services if not s.route.advice}
    assert own == {"police-permits": "0295 419 800", "traficom": "029 534 5115", "enter-finland": "0295 419 600"}
    for service in catalog.services:
        route = service.route
        for language in LANGS:
            texts = service.in_(language)
            assert texts.bring and (route.advice or texts.phone_name), (service.id, language)
        if not route.advice:
            assert route.hours and route.source.startswith("https://") and route.checked is not None
    assert catalog.service("enter-finland").route.office == "migri"
    assert "3 with the authority's own phone number" in summary(catalog)


def test_a_route_is_required_and_a_number_needs_its_hours_source_and_date(tmp_path):
    missing = check(tmp_path, SERVICE + service().replace('[service.route]\nphone = "advice"\n', ""))
    assert any("route" in str(p) for p in missing.problems)
    bare = check(tmp_path, SERVICE + service(route='phone = "0295 419 600"', language_extra='phone_name = "Migri"'))
    said = " ".join(str(p) for p in bare.problems)
    assert "source" in said and "checked" in said and "hours" in said
    good = check(tmp_path, SERVICE + service(
        route='phone = "0295 419 600"\nhours = [{ from = "mon", to = "fri", opens = "08:30", closes = "15:30" }]\n'
              'source = "https://migri.fi/yhteystiedot"\nchecked = 2026-12-07\noral = true\noffice = "migri"',
        language_extra='phone_name = "Migri"'))
    assert good.problems == ()
    unnamed = check(tmp_path, SERVICE + service(
        route='phone = "0295 419 600"\nhours = [{ from = "mon", to = "fri", opens = "08:30", closes = "15:30" }]\n'
              'source = "https://migri.fi/yhteystiedot"\nchecked = 2026-12-07'))
    assert any("phone_name" in str(p) for p in unnamed.problems)
    words = check(tmp_path, SERVICE + service(route='phone = "call us"'))
    assert any("advice" in str(p) for p in words.problems)
