"""Typed reading of TOML files that reports every problem at once, with file and line.

`tomllib` gives no typed objects: `TableReader` reads typed values out of a table, records
what is wrong (with a "did you mean" for misspelt keys) and keeps going, so staff fix a
file in one round instead of one error per restart. `Context` says in which file and on
which line a wrong value is, and what to use instead; `merge` layers a site's file over
the packaged defaults.

Reading a file, with its bounds and line numbers, is `kiosk/toml_source.py`'s; its names
are importable from here too, as the readers of the kiosk's files use them together.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable, Iterable

from kiosk.toml_source import KeyLines, KeyPath, Problem, Source, dotted, read_source

__all__ = ["Context", "KeyLines", "KeyPath", "Problem", "Source", "TableReader", "dotted", "host_name",
           "https_url", "merge", "read_source"]


def merge(base: dict[str, Any], override: dict[str, Any], atomic: frozenset[KeyPath] = frozenset(),
          _path: KeyPath = ()) -> dict[str, Any]:
    """Deep-merge tables; any other value in `override` replaces the one in `base`, and so do
    the tables at the `atomic` paths (a text per language is replaced whole, not mixed)."""
    out = dict(base)
    for key, value in override.items():
        path = _path + (key,)
        if isinstance(value, dict) and isinstance(out.get(key), dict) and path not in atomic:
            out[key] = merge(out[key], value, atomic, path)
        else:
            out[key] = value
    return out


class Context:
    """Where values came from, the problems found in them, and what to use instead.

    `fallbacks` is the packaged defaults' data: a wrong value in a site's file falls back
    to the packaged one, so the kiosk still has every value it needs to draw a screen.
    """

    def __init__(self, sources: list[Source], problems: list[Problem],
                 fallbacks: dict[str, Any] | None = None) -> None:
        self.sources = sources
        self.problems = problems
        self.fallbacks = fallbacks or {}

    def source_of(self, path: KeyPath) -> Source | None:
        for source in reversed(self.sources):
            if source.lines.defines(path):
                return source
        for source in reversed(self.sources):
            if source.lines.line_of(path) is not None:
                return source
        return self.sources[-1] if self.sources else None

    def report(self, path: KeyPath, message: str) -> None:
        source = self.source_of(path)
        file = source.file if source else "<configuration>"
        line = source.lines.line_of(path) if source else None
        self.problems.append(Problem(file, line, dotted(path), message))

    def fallback(self, path: KeyPath) -> Any:
        value: Any = self.fallbacks
        for part in path:
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return None
        return value


_MISSING = object()


class TableReader:
    """Reads typed values from one TOML table.

    Every getter returns a usable value (the given default, else the packaged default,
    else an empty one) when the file's value is wrong, so one pass collects every problem.
    `finish()` reports keys nobody asked for.
    """

    def __init__(self, context: Context, table: Any, path: KeyPath) -> None:
        self.context = context
        self.path = path
        self.known: list[str] = []
        if table is None:
            table = {}
        if not isinstance(table, dict):
            context.report(path, f"must be a table, not {_kind(table)}")
            table = {}
        self.table = table

    def report(self, key: str | int | None, message: str) -> None:
        self.context.report(self.path + ((key,) if key is not None else ()), message)

    def _get(self, key: str, default: Any, empty: Any, required: bool = False) -> tuple[Any, Any]:
        """(value or _MISSING, what to use instead when it is missing or wrong)."""
        self.known.append(key)
        fallback = default
        if fallback is _MISSING:
            fallback = self.context.fallback(self.path + (key,))
            if fallback is None:
                fallback = empty
        if key in self.table:
            return self.table[key], fallback
        if required or default is _MISSING:
            self.report(None, f"the key '{key}' is missing")
        return _MISSING, fallback

    def has(self, key: str) -> bool:
        return key in self.table

    def string(self, key: str, default: Any = _MISSING, *, pattern: str | None = None,
               choices: Iterable[str] | None = None, hint: str = "",
               required: bool = False, allow_empty: bool = True) -> str:
        value, fallback = self._get(key, default, "", required)
        if value is _MISSING:
            return fallback
        if not isinstance(value, str):
            self.report(key, f"must be text, not {_kind(value)}")
            return fallback
        if not allow_empty and not value.strip():
            self.report(key, "must not be empty")
            return fallback
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                self.report(key, f"'{value}' is not one of {', '.join(choices)}" + _did_you_mean(value, choices))
                return fallback
        if pattern and value and not re.fullmatch(pattern, value):
            self.report(key, f"'{value}' is not valid" + (f": {hint}" if hint else ""))
            return fallback
        return value

    def number(self, key: str, default: Any = _MISSING, *, minimum: float | None = None,
               maximum: float | None = None, integer: bool = True, unit: str = "") -> Any:
        value, fallback = self._get(key, default, 0)
        if value is _MISSING:
            return fallback
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not integer:
            ok = ok or isinstance(value, float)
        if not ok:
            self.report(key, f"must be {'a whole number' if integer else 'a number'}"
                        + (f" of {unit}" if unit else "") + f", not {_kind(value)}")
            return fallback
        if minimum is not None and value < minimum or maximum is not None and value > maximum:
            bounds = (f"between {minimum} and {maximum}" if minimum is not None and maximum is not None
                      else f"at least {minimum}" if minimum is not None else f"at most {maximum}")
            self.report(key, f"{value} is out of range: must be {bounds}" + (f" {unit}" if unit else ""))
            return fallback
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        value, fallback = self._get(key, default, False)
        if value is _MISSING:
            return fallback
        if not isinstance(value, bool):
            self.report(key, f"must be true or false, not {_kind(value)}")
            return fallback
        return value

    def strings(self, key: str, default: Any = _MISSING, *, item: Callable[[str], str | None] | None = None,
                allow_empty: bool = False) -> tuple[str, ...]:
        """A list of texts; `item` returns a message for a bad entry, or None."""
        value, fallback = self._get(key, default, ())
        if value is _MISSING:
            return tuple(fallback)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.report(key, "must be a list of texts, like [\"a\", \"b\"]")
            return tuple(fallback)
        if not value and not allow_empty:
            self.report(key, "must not be empty")
        good = []
        for index, entry in enumerate(value):
            message = item(entry) if item else None
            if message:
                self.context.report(self.path + (key, index), message)
            else:
                good.append(entry)
        return tuple(good)

    def sub(self, key: str, required: bool = False) -> "TableReader":
        value, _ = self._get(key, {}, {}, required)
        return TableReader(self.context, {} if value is _MISSING else value, self.path + (key,))

    def tables(self, key: str, required: bool = False) -> list["TableReader"]:
        """An array of tables ([[key]] in the file)."""
        value, _ = self._get(key, [], [], required)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.report(key, f"must be a list of tables ([[{key}]] sections)")
            return []
        return [TableReader(self.context, entry, self.path + (key, index)) for index, entry in enumerate(value)]

    def finish(self) -> None:
        for key in self.table:
            if key not in self.known:
                self.report(key, "unknown key" + _did_you_mean(key, self.known))


def _did_you_mean(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def https_url(value: str) -> str | None:
    """A message if `value` is not an https address with a host, else None."""
    match = re.fullmatch(r"https://([A-Za-z0-9.-]+\.[A-Za-z]{2,})(:\d+)?(/\S*)?", value)
    return None if match else f"'{value}' is not an https:// address"


def host_name(value: str) -> str | None:
    ok = re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", value)
    return None if ok else f"'{value}' is not a host name like www.example.fi (lower case, no scheme or path)"


