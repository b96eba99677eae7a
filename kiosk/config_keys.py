"""Configuration keys declared once, on the dataclass field that holds their value.

A field's name is its key's name in the TOML section, and its declaration says how the key
is read and checked, e.g. `inactivity_s: int = number(30, 3600, unit="seconds")`.
`read_keys` reads a whole section from those declarations with the `TableReader` getters,
so every wrong value is reported with its file, line, key and, for a misspelt choice, a
"did you mean". The getters fall back to the packaged defaults.toml for a key a site leaves
out or gets wrong: a `default=` declared here is only the dataclass's own, for code that
builds the object itself.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Callable, Mapping, Sequence

from kiosk.toml_schema import TableReader

KEY = "kiosk.config_keys"  # the field metadata entry that holds a field's Key
# As `choices`: the languages the kiosk offers, known only once [languages] is read.
OFFERED = ("<offered languages>",)


class Text(dict):
    """A text in several languages: {"fi": ..., "sv": ..., "en": ...}."""

    def in_(self, language: str) -> str:
        return self.get(language) or self.get("en") or next(iter(self.values()), "")


@dataclass(frozen=True)
class Key:
    """How one key is read: which `TableReader` getter (or `localized`), with which checks."""

    getter: str
    checks: Mapping[str, Any]

    def read(self, reader: TableReader, name: str, offered: tuple[str, ...]) -> Any:
        checks = dict(self.checks)
        if checks.get("choices") is OFFERED:
            checks["choices"] = offered
        if self.getter == "localized":
            return localized(reader, name, offered, **checks)
        return getattr(reader, self.getter)(name, **checks)


def _declare(getter: str, default: Any, **checks: Any) -> Any:
    return field(default=default, metadata={KEY: Key(getter, checks)})


def text(*, pattern: str | None = None, hint: str = "", choices: Sequence[str] | None = None,
         default: Any = MISSING) -> Any:
    """Text that is one of `choices`, or that `pattern` matches whole (empty text always
    passes `pattern`); `hint` tells staff what a valid one looks like."""
    return _declare("string", default, pattern=pattern, hint=hint, choices=choices)


def number(minimum: float, maximum: float, *, unit: str = "", integer: bool = True,
           default: Any = MISSING) -> Any:
    """A whole number (any number when not `integer`) of `unit`, from `minimum` to `maximum`."""
    return _declare("number", default, minimum=minimum, maximum=maximum, integer=integer, unit=unit)


def boolean(*, default: Any = MISSING) -> Any:
    return _declare("boolean", default)


def texts(*, item: Callable[[str], str | None] | None = None, allow_empty: bool = False,
          default: Any = MISSING) -> Any:
    """A list of texts; `item` says what is wrong with one entry, or returns None."""
    return _declare("strings", default, item=item, allow_empty=allow_empty)


def per_language(*, required: bool = True) -> Any:
    """A `Text`: one text for every offered language, or a table of texts by language."""
    return _declare("localized", MISSING, required=required)


def declared(cls: type) -> dict[str, Key]:
    """The keys `cls` declares, by name, in the order of its fields; KeyError for a field
    that declares none (every field of a section must)."""
    return {f.name: f.metadata[KEY] for f in fields(cls)}


def read_key(cls: type, name: str, reader: TableReader, offered: tuple[str, ...] = ()) -> Any:
    """One key, for a section whose keys depend on one another."""
    return declared(cls)[name].read(reader, name, offered)


def read_keys(cls: type, reader: TableReader, offered: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every key `cls` declares, by name, read in the order of its fields. The caller
    checks what spans keys, then calls `reader.finish()` to report keys nobody declared."""
    return {name: key.read(reader, name, offered) for name, key in declared(cls).items()}


def given_texts(reader: TableReader, key: str, *, required: bool) -> str | dict[str, str] | None:
    """A key's text as the file gives it: once for all languages ("...") or a table by
    language ({fi = "...", sv = ...}); None, reported, when it is of another kind or
    missing where `required`. What the texts must then cover is the caller's."""
    reader.known.append(key)
    value = reader.table.get(key)
    if value is None:
        if required:
            reader.report(None, f"the key '{key}' is missing")
        return None
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        reader.report(key, "must be text, or a table of texts by language like {fi = \"...\", sv = \"...\"}")
        return None
    return value


def localized(reader: TableReader, key: str, offered: tuple[str, ...], *, required: bool = True) -> Text:
    """A text given once for all languages ("...") or per language ({fi = "...", sv = ...})."""
    value = given_texts(reader, key, required=required)
    if value is None:
        return Text()
    if isinstance(value, str):
        return Text({lang: value for lang in offered})
    missing = [lang for lang in offered if not value.get(lang, "").strip()]
    if missing and not required and len(missing) == len(offered):
        return Text()
    if missing:
        reader.report(key, f"has no text for {', '.join(missing)} (every offered language needs one)")
    return Text(value)
