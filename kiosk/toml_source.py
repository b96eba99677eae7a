"""TOML files read with bounds and line numbers: the source half of `kiosk/toml_schema.py`.

`tomllib` gives no positions, so `KeyLines` finds the line that defines a dotted key, and
`Problem` says what is wrong where, for the person editing the file.

Whatever a file holds, reading it never raises. `read_source` bounds its size (the caller
says how large), how deep its arrays and tables nest, how long its texts and keys are and
how large its integers, before and after `tomllib` sees it (`tomllib` recurses once per
level of nesting and converts thousands of digits into one integer), and refuses the whole
file with a Problem otherwise.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KeyPath = tuple[str | int, ...]

# Far beyond what the kiosk's files need (they nest 5 deep, their longest text is a few
# hundred characters, their longest key under 40), far below what costs a traceback or
# memory. TOML's integers are 64-bit: 19 digits.
MAX_NESTING = 16
MAX_TEXT_CHARS = 4096
MAX_KEY_CHARS = 128
MAX_INTEGER_DIGITS = 19
INTEGER_RANGE = (-2**63, 2**63 - 1)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, said so that the person editing it can act."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


def dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# Greedy, and nothing required after the bracket: `\s*([^\]]+?)\s*\]` took time quadratic
# in the spaces a dotted header may have around its dots (40,000 of them: 3 s).
_HEADER = re.compile(r"^\s*(\[\[?)([^\]]*)\]")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


@dataclass(frozen=True)
class Layout:
    """What one linear pass over a TOML text finds: which lines begin inside a multi-line
    array, inline table or string (`continued[n]` for line n, counted from 1), and the
    first thing too deep or too long to give `tomllib` (its line, and why), if any."""

    continued: bytearray
    refused: tuple[int, str] | None = None


# Outside strings: what opens a string or a comment, nests, ends a line, separates or dots
# keys, or may be an integer too long to be one.
_TOP = re.compile(r'"""' + r"|'''" + r"""|["'#\[\]{}\n=,.]|[0-9][0-9_]{%d,}""" % MAX_INTEGER_DIGITS)
# Inside each kind of string, what may end it: single characters and fixed strings only,
# so a string of 20 MB costs no more memory than one of 20 bytes. (`"(?:\\.|[^"\\])*"`,
# the pattern this replaces, kept about 125 bytes per character of a string.)
_STRING_ENDS = {'"': re.compile(r'[\\"\n]'), "'": re.compile(r"['\n]"),
                '"""': re.compile(r'\\|"""'), "'''": re.compile(r"'''")}


def scan_layout(text: str, max_nesting: int = MAX_NESTING) -> Layout:
    """The `Layout` of `text`, in time and memory linear in its length."""
    continued = bytearray(text.count("\n") + 2)
    depth = 0
    dots = 0  # in the key being read: tomllib's time and memory grow with their square
    line = 1
    pos = 0
    refused = None
    while refused is None:
        match = _TOP.search(text, pos)
        if match is None:
            break
        token, pos = match.group(), match.end()
        if token == ".":
            dots += 1
            if dots >= max_nesting:
                refused = (line, f"a dotted key of more than {max_nesting} parts")
            continue
        dots = 0
        if token in ("=", ","):
            continue
        if token == "\n":
            line += 1
            continued[line] = depth > 0
        elif token in ("[", "{"):
            depth += 1
            if depth > max_nesting:
                refused = (line, f"arrays and tables nest deeper than {max_nesting} levels")
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
        elif token == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end  # the newline is the next token
        elif token in _STRING_ENDS:
            start = pos
            pos = _string_end(text, token, pos)
            lines = text.count("\n", start, pos)  # only a multi-line string has any
            continued[line + 1:line + lines + 1] = b"\x01" * lines
            line += lines
        else:
            digits = sum(c.isdigit() for c in token)
            if digits > MAX_INTEGER_DIGITS:
                refused = (line, f"a number of {digits:,} digits; numbers here have at most {MAX_INTEGER_DIGITS}")
    return Layout(continued, refused)


def _string_end(text: str, opener: str, pos: int) -> int:
    """Where the string opened just before `pos` ends (after its closing quotes)."""
    ends = _STRING_ENDS[opener]
    while True:
        match = ends.search(text, pos)
        if match is None:
            return len(text)  # unterminated: tomllib says where
        token = match.group()
        if token == "\\":
            pos = match.end() + 1  # whatever is escaped, a quote included
        elif token == "\n":
            return match.start()  # a one-line string cut short: tomllib says so
        else:
            pos = match.end()
            if len(opener) == 3:  # the content may end in one or two quotes
                while pos < len(text) and text[pos] == opener[0] and pos - match.end() < 2:
                    pos += 1
            return pos


class KeyLines:
    """Line numbers of the tables and keys of a TOML text.

    Understands tables, arrays of tables and dotted keys, which is all the kiosk's files
    use; a key inside a multi-line array, inline table or string is located at its
    parent's line. `layout` is the text's `scan_layout`, when the caller has it already.
    """

    def __init__(self, text: str, layout: Layout | None = None) -> None:
        self._lines: dict[KeyPath, int] = {}
        array_counts: dict[KeyPath, int] = {}
        current: KeyPath = ()
        continued = (layout or scan_layout(text)).continued
        number, start = 0, 0
        while start <= len(text):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            number += 1
            line_start, start = start, end + 1
            if continued[number]:
                continue
            stripped = text[line_start:end].strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER.match(stripped)
            if header and not _KEY.match(stripped):
                names = _split_key(header.group(2))
                if not names:
                    continue
                path = self._resolve(names, array_counts)
                if header.group(1) == "[[":
                    index = array_counts.get(path, -1) + 1
                    array_counts[path] = index
                    self._lines.setdefault(path, number)
                    path = path + (index,)
                current = path
                self._lines.setdefault(path, number)
                continue
            key = _KEY.match(stripped)
            if key:
                self._lines.setdefault(current + tuple(_split_key(key.group(1))), number)

    def _resolve(self, names: list[str], array_counts: dict[KeyPath, int]) -> KeyPath:
        """The path of a table header; a prefix naming an array of tables means its last entry."""
        path: KeyPath = ()
        for name in names[:-1]:
            path = path + (name,)
            if path in array_counts:
                path = path + (array_counts[path],)
        return path + (names[-1],)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def defines(self, path: KeyPath) -> bool:
        return path in self._lines


def _beyond_limits(data: dict[str, Any], name: str, lines: KeyLines) -> list[Problem]:
    """Texts, keys and integers beyond the limits, and the nesting that dotted keys and
    table headers make (brackets were counted before parsing). Iterative: no recursion
    on what may be thousands of levels."""
    problems: list[Problem] = []

    def refuse(path: KeyPath, message: str) -> None:
        problems.append(Problem(name, lines.line_of(path), "", f"{dotted(path)}: {message}"))

    stack: list[tuple[KeyPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_NESTING:
            refuse(path, f"tables and arrays nest deeper than {MAX_NESTING} levels")
        elif isinstance(value, dict):
            for key, item in value.items():
                if len(key) > MAX_KEY_CHARS:
                    refuse(path, f"a key of {len(key):,} characters; keys have at most {MAX_KEY_CHARS}")
                else:
                    stack.append((path + (key,), item))
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            refuse(path, f"a text of {len(value):,} characters; texts have at most {MAX_TEXT_CHARS:,}")
        elif isinstance(value, int) and not INTEGER_RANGE[0] <= value <= INTEGER_RANGE[1]:
            refuse(path, "a whole number beyond TOML's 64-bit range")
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


@dataclass
class Source:
    """One TOML file that took part in a layered load."""

    file: str
    data: dict[str, Any]
    lines: KeyLines

    @property
    def directory(self) -> Path:
        return Path(self.file).resolve().parent


class _TooLarge(ValueError):
    pass


def _too_large(limit: int) -> str:
    return f"not read: larger than {limit:,} bytes ({limit / 2**20:g} MiB), the limit for this file"


def _read_bounded(path: Path, max_bytes: int) -> str:
    """The file's text, never reading more than `max_bytes` + 1 bytes of it, and never
    waiting on a pipe or a device named where a file should be."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file: {path}")
        with open(descriptor, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise _TooLarge(_too_large(max_bytes))
    return data.decode("utf-8")


def read_source(path: Path | str, problems: list[Problem], text: str | None = None, *,
                max_bytes: int) -> Source | None:
    """Parse one file of at most `max_bytes`. A syntax error, or anything beyond this
    module's limits, becomes a Problem with its line, and the file is not used."""
    name = str(path)
    try:
        if text is None:
            text = _read_bounded(Path(path), max_bytes)
        elif len(text.encode("utf-8")) > max_bytes:
            raise _TooLarge(_too_large(max_bytes))
    except FileNotFoundError:
        problems.append(Problem(name, None, "", "file not found"))
        return None
    except _TooLarge as error:
        problems.append(Problem(name, None, "", str(error)))
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(name, None, "", f"cannot be read: {error}"))
        return None
    layout = scan_layout(text)
    if layout.refused is not None:
        line, message = layout.refused
        problems.append(Problem(name, line, "", f"not read: {message}"))
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        problems.append(Problem(name, int(match.group(1)) if match else None, "",
                                f"not valid TOML: {message}"))
        return None
    except (ValueError, RecursionError) as error:  # whatever the scan above did not foresee
        problems.append(Problem(name, None, "", f"not read: {str(error)[:200] or type(error).__name__}"))
        return None
    lines = KeyLines(text, layout)
    beyond = _beyond_limits(data, name, lines)
    if beyond:
        problems.extend(beyond)
        return None
    return Source(name, data, lines)
