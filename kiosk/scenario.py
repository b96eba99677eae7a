"""A service's practice scenario: the pages of its pretend version, step by step as its guide.

Data, not code: `[[service.practice]]` tables in the catalogue, one per page, each naming
the guide's step it belongs to. The practice site (kiosk/practice.py) draws them; the
kiosk's strip shows the guide's step beside the page's, read from the page's address.

Kinds of page, and what each asks of the file:
- "start": the kiosk's own "Open the service", as the guide's first step says;
- "choose": a heading and the buttons the real service shows (`choices`); any goes on,
  a step with a choice has a button its guide names;
- "identify": the pretend identification, as Suomi.fi's choice of bank, mobile
  certificate or certificate card (its words are the kiosk's own, translated);
- "form": a heading, the `fields` the real form asks, and its `button`;
- "review": what was written, to check, and the `button` that sends it;
- "read": a heading and a `text` to read (a message, a result), and its `button`;
- "done": the confirmation to print (a pretend reference), and its `button`;
- "logout": the real service's way out (`button`); then the practice's last page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kiosk.config_keys import Text, localized
from kiosk.toml_schema import TableReader

KINDS = ("start", "choose", "identify", "form", "review", "read", "done", "logout")
FIELD_TYPES = ("text", "number", "date", "email", "phone", "password", "choice", "textarea")
# Bounds a site's catalogue is held to: a scenario a person gets through in minutes.
MAX_PAGES = 40
MAX_CHOICES = 12
MAX_FIELDS = 8
MAX_OPTIONS = 12


@dataclass(frozen=True)
class Field:
    label: Text
    type: str = "text"
    options: tuple[Text, ...] = ()
    hint: Text = field(default_factory=Text)


@dataclass(frozen=True)
class Page:
    step: int
    kind: str
    heading: Text = field(default_factory=Text)
    text: Text = field(default_factory=Text)
    choices: tuple[Text, ...] = ()
    fields: tuple[Field, ...] = ()
    button: Text = field(default_factory=Text)


NEEDS = {  # kind -> (what it must have, what it may have)
    "start": ((), ()),
    "choose": (("heading", "choices"), ("text",)),
    "identify": ((), ()),
    "form": (("heading", "fields", "button"), ("text",)),
    "review": (("heading", "button"), ("text",)),
    "read": (("heading", "text", "button"), ()),
    "done": (("heading", "text", "button"), ()),
    "logout": (("heading", "button"), ("text",)),
}


def read_scenario(r: TableReader, offered: tuple[str, ...]) -> tuple[Page, ...]:
    """`[[service.practice]]` of one service; problems reported, bad pages left out."""
    readers = r.tables("practice")
    if len(readers) > MAX_PAGES:
        r.report("practice", f"{len(readers)} pages; at most {MAX_PAGES}")
        readers = readers[:MAX_PAGES]
    pages = []
    for p in readers:
        step = p.number("step", minimum=1, maximum=50)
        kind = p.string("kind", choices=KINDS, allow_empty=False)
        if not kind or not step:
            p.known.extend(p.table)
            continue
        must, may = NEEDS[kind]
        values: dict = {}
        for key in must + may:
            required = key in must
            if key == "choices":
                values[key] = _texts(p, key, offered, MAX_CHOICES)
            elif key == "fields":
                values[key] = _fields(p, offered)
            else:
                values[key] = localized(p, key, offered, required=required)
        p.finish()
        pages.append(Page(step, kind, **values))
    return tuple(pages)


def _texts(r: TableReader, key: str, offered: tuple[str, ...], limit: int) -> tuple[Text, ...]:
    """A list of texts, each "..." or {fi = "...", sv = "..."} (every offered language)."""
    r.known.append(key)
    value = r.table.get(key)
    if not isinstance(value, list) or not value:
        r.report(key if key in r.table else None, f"'{key}' must be a list of one to {limit} texts")
        return ()
    if len(value) > limit:
        r.report(key, f"{len(value)} entries; at most {limit}")
    texts = []
    for index, entry in enumerate(value[:limit]):
        holder = TableReader(r.context, {"text": entry}, r.path + (key, index))
        text = localized(holder, "text", offered)
        if text:
            texts.append(text)
    return tuple(texts)


def _fields(r: TableReader, offered: tuple[str, ...]) -> tuple[Field, ...]:
    readers = r.tables("fields", required=True)
    if len(readers) > MAX_FIELDS:
        r.report("fields", f"{len(readers)} fields; at most {MAX_FIELDS}")
    fields = []
    for f in readers[:MAX_FIELDS]:
        label = localized(f, "label", offered)
        kind = f.string("type", "text", choices=FIELD_TYPES)
        options = _texts(f, "options", offered, MAX_OPTIONS) if kind == "choice" else ()
        if kind != "choice" and "options" in f.table:
            f.report("options", "only a field of type \"choice\" has options")
            f.known.append("options")
        hint = localized(f, "hint", offered, required=False)
        f.finish()
        fields.append(Field(label, kind, options, hint))
    return tuple(fields)


def check_scenario(r: TableReader, pages: tuple[Page, ...], steps: dict[str, tuple[str, ...]],
                   strong_identification: bool) -> None:
    """The scenario against its guide: a page for every step in order, as many steps as the
    guide has in every language (plain ones too), identification where the service asks for
    it, and where a step has a choice of buttons, a button its guide names ("Choose Log in to
    OmaKela": a button "Log in to OmaKela"). `steps`: each guide's steps, by
    language ("fi", and "fi plain" for a plain one)."""
    if not pages:
        return
    numbers = [page.step for page in pages]
    if numbers != sorted(numbers):
        r.report("practice", "its pages are not in the order of their steps: " + ", ".join(map(str, numbers)))
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if missing:
        r.report("practice", "no page for step " + ", ".join(map(str, missing)))
    for language, texts in steps.items():
        if len(texts) != max(numbers):
            r.report("practice", f"{max(numbers)} steps, but the {language} guide has {len(texts)}: "
                     "a practice follows its guide step by step")
    if strong_identification and not any(page.kind == "identify" for page in pages):
        r.report("practice", "the service asks for strong identification: its practice needs an "
                 "\"identify\" page")
    for language, texts in steps.items():
        if " " in language:
            continue  # a plain guide says it in its own words; the buttons are the real ones
        for number, guide in enumerate(texts, 1):
            on_step = [page for page in pages if page.step == number]
            named = [text.in_(language) for page in on_step for text in page.choices + (page.button,) if text]
            if any(page.kind == "choose" for page in on_step) and not any(_words(word) in _words(guide) for word in named):
                r.report("practice", f"step {number} ({language}): none of its buttons ("
                         + ", ".join(f"\"{word}\"" for word in named)
                         + f") is named in the guide's step \"{guide}\"")


def _words(text: str) -> str:
    """Lower-case words alone, to find a button's words in a guide's sentence."""
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "

