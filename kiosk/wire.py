"""JSON as it crosses a boundary (MQTT between kiosks and desks, HTTP into the desk).

Python's reader accepts `NaN` and `Infinity` and its writer emits them, though they are not
JSON: a browser's `JSON.parse` refuses the whole document, and one kiosk's status would
blank every staff member's board. Deep nesting makes the reader raise `RecursionError`
(16 KB of `[` is enough). So everything read from the network goes through `decode`
(bounded in bytes and depth, no constants), and everything written to it through `encode`.
"""

from __future__ import annotations

import json
import math
import re

MAX_DEPTH = 16
# The characters that matter for nesting: an escape (a quote after a backslash stays in its
# string), a quote, a bracket. One linear pass; a regex for whole strings backtracks on an
# unterminated one and takes quadratic time.
_TOKENS = re.compile(r'\\.|["\[\]{}]', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class WireError(ValueError):
    """The message is not JSON this side accepts; the text says why (for the log)."""


def _refuse_constant(name: str):
    raise WireError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity, which JSON cannot write back
        raise WireError(f"{text[:20]} is out of range")
    return value


def depth(text: str) -> int:
    """How deep the arrays and objects of `text` nest (strings do not count)."""
    deepest = level = 0
    in_string = False
    for token in _TOKENS.findall(text):
        if token == '"':
            in_string = not in_string
        elif not in_string and len(token) == 1:
            level += 1 if token in "[{" else -1
            deepest = max(deepest, level)
    return deepest


def decode(data: bytes | str, max_bytes: int, max_depth: int = MAX_DEPTH) -> object:
    """The value of one JSON message, or WireError: too large, too deep, not UTF-8, not
    JSON, or containing NaN/Infinity, a lone surrogate or an integer of thousands of digits."""
    if len(data) > max_bytes:
        raise WireError(f"{len(data)} bytes, more than {max_bytes}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise WireError("not UTF-8") from None
    if depth(text) > max_depth:
        raise WireError(f"nested deeper than {max_depth}")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except WireError:
        raise
    except ValueError as error:  # JSONDecodeError, and Python's limit on integer digits
        raise WireError(f"not JSON: {error}") from None
    if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone reads as a string no UTF-8 can hold
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise WireError("a lone surrogate escape") from None
    return value


def encode(value: object) -> str:
    """JSON text of `value`; ValueError for NaN or Infinity rather than writing them."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
