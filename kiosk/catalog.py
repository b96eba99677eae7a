"""The e-service catalogue: which public services the kiosk offers and how it guides to them.

A data file of its own (TOML), so a site can add its own services without touching the
configuration. Each service lists the domains it needs, which later become the browser's
allowlist together with the identification providers' domains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.catalog_words import fill_languages
from kiosk.config import Text, localized
from kiosk.languages import LOCALE_DIR
from kiosk.icons import GLYPHS
from kiosk.scenario import Page, check_scenario, read_scenario
from kiosk.toml_schema import Context, Problem, TableReader, host_name, https_url, read_source

ID_PATTERN = r"[a-z][a-z0-9_-]{0,40}"
ID_HINT = "lower-case letters, digits, '-' and '_', starting with a letter"
# The packaged catalogue of 11 services in three languages is 34 KB.
MAX_CATALOG_BYTES = 4 * 1024 * 1024
# [spoken.<language>]: how a written text is said where espeak-ng would misread it
# (kiosk/spoken_text.py). Every utterance is matched against them: few and short.
MAX_SPOKEN_FORMS = 100  # per language
MAX_WRITTEN_CHARS = 80
MAX_SPOKEN_CHARS = 200
ADVICE = "advice"  # a route's phone: Public Service Info, not the authority's own number


@dataclass(frozen=True)
class ServiceTexts:
    """What a person reads about a service, in one language."""

    title: str
    summary: str
    needs: tuple[str, ...]
    steps: tuple[str, ...]
    offline: str
    # Plain-language version (selkokieli) where the catalogue has one.
    plain: "PlainTexts | None" = None
    # The route without e-services (`Route`): whose phone service it is, and what to bring.
    phone_name: str = ""
    bring: tuple[str, ...] = ()

    def steps_for(self, plain: bool) -> tuple[str, ...]:
        """The guide's steps: the plain ones where asked for and there are some."""
        return self.plain.steps if plain and self.plain else self.steps


@dataclass(frozen=True)
class PlainTexts:
    summary: str
    needs: tuple[str, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """A service's route for a person who cannot use e-services (level 4): the authority's
    phone service and its hours, its nearest office (the support snapshot's offices of
    `office`, kiosk/support.py), and whether the matter can be started by talking. `phone`
    is ADVICE where no number of the authority's own could be checked: then Public Service
    Info (the kiosk's [help] phone), whose task is to tell which authority to call. A
    number carries the page it was read from and when (`source`, `checked`)."""

    phone: str
    hours: tuple = ()  # kiosk.support.Weekly rows
    oral: bool = False
    office: str = ""
    source: str = ""
    checked: "date | None" = None

    @property
    def advice(self) -> bool:
        return self.phone == ADVICE


@dataclass(frozen=True)
class Service:
    id: str
    category: str
    url: str
    domains: tuple[str, ...]
    strong_identification: bool
    helpline: str
    texts: dict[str, ServiceTexts]
    route: Route = field(default_factory=lambda: Route(ADVICE))
    # Its practice version's pages, step by step as the guide (kiosk/scenario.py); () for none.
    practice: tuple[Page, ...] = ()

    def in_(self, language: str) -> ServiceTexts:
        return self.texts.get(language) or self.texts.get("en") or next(iter(self.texts.values()))


@dataclass(frozen=True)
class Category:
    id: str
    title: Text
    summary: Text
    icon: str = ""  # a name of kiosk/icons.py's GLYPHS, drawn beside its title; "" for none


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]
    services: tuple[Service, ...]
    identification_domains: tuple[str, ...]
    file: str
    problems: tuple[Problem, ...] = ()
    # Per language, written text -> what speech says instead ([spoken.fi] in the file).
    spoken: dict[str, dict[str, str]] = field(default_factory=dict)
    # The offered languages it has every text in (kiosk/catalog_words.py), and why the
    # others are left out.
    languages: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()

    def services_in(self, category_id: str) -> list[Service]:
        return [s for s in self.services if s.category == category_id]

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def has_plain(self, language: str) -> bool:
        """Whether any guide has a plain-language version in `language`."""
        return any(s.texts.get(language) and s.texts[language].plain for s in self.services)

    def allowed_domains(self) -> list[str]:
        """Every domain a session may visit: all services' and the identification providers'."""
        domains = dict.fromkeys(self.identification_domains)
        for service in self.services:
            domains.update(dict.fromkeys(service.domains))
        return list(domains)


def domain_covers(domain: str, host: str) -> bool:
    """Chromium's URLAllowlist semantics: a domain matches itself and its subdomains."""
    return host == domain or host.endswith("." + domain)


def load_catalog(path: Path | str, offered: tuple[str, ...], locale_dir: Path = LOCALE_DIR) -> Catalog:
    """Read and validate a catalogue; problems are in `Catalog.problems`, never raised.
    Languages the file does not write itself come from their catalog.po, or are left out."""
    problems: list[Problem] = []
    source = read_source(path, problems, max_bytes=MAX_CATALOG_BYTES)
    if source is None:
        return Catalog((), (), (), str(path), tuple(problems), languages=offered)
    covered, left_out = fill_languages(source.data, offered, locale_dir)
    offered = covered or offered  # none covered: the file's own problems say what is missing
    context = Context([source], problems)
    root = TableReader(context, source.data, ())

    ident = root.sub("identification", required=True)
    id_domains = ident.strings("domains", item=host_name)
    ident.finish()

    categories: list[Category] = []
    for r in root.tables("category", required=True):
        category_id = r.string("id", pattern=ID_PATTERN, hint=ID_HINT, allow_empty=False)
        if any(c.id == category_id for c in categories):
            r.report("id", f"'{category_id}' is used by another category")
        categories.append(Category(category_id, localized(r, "title", offered),
                                   localized(r, "summary", offered),
                                   r.string("icon", "", choices=sorted(GLYPHS))))
        r.finish()

    services: list[Service] = []
    for r in root.tables("service", required=True):
        service = _service(r, offered, id_domains)
        if any(s.id == service.id for s in services):
            r.report("id", f"'{service.id}' is used by another service")
        if service.category and not any(c.id == service.category for c in categories):
            r.report("category", f"'{service.category}' is not a category in this file; categories: "
                     + ", ".join(c.id for c in categories))
        services.append(service)
        r.finish()

    for index, category in enumerate(categories):
        if not any(s.category == category.id for s in services):
            context.report(("category", index), f"category '{category.id}' has no services")
    spoken = _spoken_forms(root.sub("spoken"))
    root.finish()
    return Catalog(tuple(categories), tuple(services), id_domains, source.file, tuple(problems), spoken,
                   offered, left_out)


def _service(r: TableReader, offered: tuple[str, ...], id_domains: tuple[str, ...]) -> Service:
    service_id = r.string("id", pattern=ID_PATTERN, hint=ID_HINT, allow_empty=False)
    category = r.string("category", allow_empty=False)
    url = r.string("url", allow_empty=False)
    problem = https_url(url) if url else None
    if problem:
        r.report("url", problem + " (only https:// addresses are allowed)")
    domains = r.strings("domains", item=host_name)
    strong = r.boolean("strong_identification")
    helpline = r.string("helpline", "", pattern=r"\+?[0-9 ()-]{3,20}", hint="a phone number")
    host = urlsplit(url).hostname or ""
    if url and not problem and not any(domain_covers(d, host) for d in domains):
        r.report("url", f"its host '{host}' is not covered by the service's domains")
    if strong and not id_domains:
        r.report("strong_identification", "the catalogue lists no identification domains "
                 "([identification] domains), so identification would be blocked")

    route = _route(r.sub("route", required=True))
    texts: dict[str, ServiceTexts] = {}
    step_counts: dict[str, int] = {}
    guides: dict[str, tuple[str, ...]] = {}
    for language in offered:
        t = r.sub(language, required=True)
        if not r.has(language):
            continue
        steps = t.strings("steps", item=_non_blank)
        step_counts[language] = len(steps)
        guides[language] = steps
        plain = None
        if t.has("plain"):
            p = t.sub("plain")
            plain = PlainTexts(summary=p.string("summary", allow_empty=False),
                               needs=p.strings("needs", item=_non_blank),
                               steps=p.strings("steps", item=_non_blank))
            p.finish()
            guides[f"{language} plain"] = plain.steps
        else:
            t.known.append("plain")
        texts[language] = ServiceTexts(
            title=t.string("title", allow_empty=False),
            summary=t.string("summary", allow_empty=False),
            needs=t.strings("needs", item=_non_blank),
            steps=steps,
            offline=t.string("offline", allow_empty=False),
            plain=plain,
            phone_name=t.string("phone_name", "", required=not route.advice, allow_empty=route.advice),
            bring=t.strings("bring", item=_non_blank),
        )
        t.finish()
    if len(set(step_counts.values())) > 1:
        r.report(None, "the languages have different numbers of steps ("
                 + ", ".join(f"{k} {v}" for k, v in step_counts.items())
                 + "): a translation is missing or extra")
    r.known.extend(k for k in r.table if len(k) == 2 and k.isalpha() and k not in offered)
    practice = read_scenario(r, offered)
    check_scenario(r, practice, guides, strong)
    return Service(service_id, category, url, domains, strong, helpline, texts, route, practice)


def _route(r: TableReader) -> Route:
    """[service.route]: every service has one, with a phone number (or "advice")."""
    from kiosk.support import ID_PATTERN as OFFICE_PATTERN
    from kiosk.support import read_weekly

    phone = r.string("phone", pattern=ADVICE + r"|\+?[0-9 ()-]{3,20}", allow_empty=False,
                     hint=f"the authority's phone number, or '{ADVICE}' for Public Service Info")
    hours = tuple(read_weekly(r))
    oral = r.boolean("oral", False)
    office = r.string("office", "", pattern=OFFICE_PATTERN, hint="an authority's name in the support snapshot, "
                      "like kela (its offices: 'kiosk support import --authority')")
    number = bool(phone) and phone != ADVICE
    source = r.string("source", "", required=number, allow_empty=not number)
    if source and https_url(source):
        r.report("source", https_url(source) + " (the authority's page the number was read from)")
    checked = r.table.get("checked")
    r.known.append("checked")
    if number and not isinstance(checked, date):
        r.report("checked" if "checked" in r.table else None,
                 "'checked' must be the date the number was read from its source, like 2026-12-07")
        checked = None
    if number and not hours:
        r.report("hours" if "hours" in r.table else None, "a phone number needs its hours")
    r.finish()
    return Route(phone, hours, oral, office, source, checked if isinstance(checked, date) else None)


def _spoken_forms(r: TableReader) -> dict[str, dict[str, str]]:
    """[spoken.<language>] tables of "written" = "spoken"; any language code may have one
    (a catalogue may serve kiosks that offer other languages)."""
    forms: dict[str, dict[str, str]] = {}
    for language in list(r.table):
        if not re.fullmatch(r"[a-z]{2,3}", language):
            r.known.append(language)
            r.report(language, "is not a language code like fi, sv or en")
            continue
        t = r.sub(language)
        written_forms = list(t.table)
        if len(written_forms) > MAX_SPOKEN_FORMS:
            r.report(language, f"{len(written_forms)} spoken forms; at most {MAX_SPOKEN_FORMS}")
            t.known.extend(written_forms[MAX_SPOKEN_FORMS:])
        good: dict[str, str] = {}
        for written in written_forms[:MAX_SPOKEN_FORMS]:
            spoken = t.string(written, allow_empty=False)
            problem = _spoken_problem(written, spoken)
            if problem:
                t.report(written, problem)
            elif spoken:
                good[written] = spoken
        t.finish()
        forms[language] = good
    return forms


def _spoken_problem(written: str, spoken: str) -> str | None:
    if not written.strip():
        return "the written text must not be empty"
    if len(written) > MAX_WRITTEN_CHARS:
        return f"a written text of {len(written)} characters; at most {MAX_WRITTEN_CHARS}"
    if len(spoken) > MAX_SPOKEN_CHARS:
        return f"a spoken form of {len(spoken)} characters; at most {MAX_SPOKEN_CHARS}"
    if any(ord(c) < 32 for c in written + spoken):
        return "must be on one line, without control characters"
    return None


def _non_blank(text: str) -> str | None:
    return "must not be empty" if not text.strip() else None


def summary(catalog: Catalog) -> str:
    forms = sum(len(table) for table in catalog.spoken.values())
    return (f"{len(catalog.services)} services in {len(catalog.categories)} categories, "
            f"{len(catalog.allowed_domains())} allowed domains "
            f"({len(catalog.identification_domains)} for identification)"
            + (f", {forms} spoken form{'s' if forms != 1 else ''}" if forms else "")
            + f"; practice for {sum(bool(s.practice) for s in catalog.services)} of {len(catalog.services)} services"
            + f"; routes without e-services: {sum(not s.route.advice for s in catalog.services)} with the "
              f"authority's own phone number, the rest through Public Service Info")
