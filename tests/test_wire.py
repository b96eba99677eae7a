"""kiosk.wire: JSON across the network, bounded and without NaN or Infinity either way."""

from __future__ import annotations

import time

import pytest

from kiosk.wire import WireError, decode, depth, encode


@pytest.mark.parametrize("payload, says", [
    (b'{"a": NaN}', "NaN"), (b"[Infinity]", "Infinity"), (b"[-Infinity]", "Infinity"),
    (b"[1e400]", "out of range"), (b"[-1e999]", "out of range"), (b"[" * 17 + b"]" * 17, "deeper"),
    (b'"\\ud800"', "surrogate"), (b"1" * 5000, "not JSON"), (b"\xff", "UTF-8"), (b"{", "not JSON"),
])
def test_what_is_not_json_this_side_accepts_is_refused_with_its_reason(payload, says):
    with pytest.raises(WireError, match=says):
        decode(payload, 1 << 20)


def test_what_is_json_passes_up_to_its_bounds():
    nested: list = []
    for _ in range(15):
        nested = [nested]
    assert decode(b"[" * 16 + b"]" * 16, 100) == nested
    assert decode('{"a": [1.5, "[[[[[[[[[[[[[[[[[[[", "\\\\"], "b": "\\ud83d\\ude00"}'.encode(), 100) == {
        "a": [1.5, "[" * 19, "\\"], "b": "\U0001F600"}
    with pytest.raises(WireError, match="more than"):
        decode(b" " * 101, 100)


def test_brackets_inside_strings_and_after_escapes_do_not_count():
    assert depth('["[[[[", "\\\\", {"\\"{": []}]') == 3


def test_the_depth_scan_is_linear_on_escapes_and_unterminated_strings():
    small, large = b'"' + b'\\"' * 16000, b'"' + b'\\"' * 256000  # \" again and again, never closed
    started = time.perf_counter()
    with pytest.raises(WireError):
        decode(small, 1 << 20)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(WireError):
        decode(large, 1 << 20)
    assert time.perf_counter() - started < 64 * baseline  # 16 times the input: linear, not 256 times the time


def test_encode_refuses_nan_rather_than_writing_it():
    with pytest.raises(ValueError):
        encode({"x": float("nan")})
    assert encode({"ä": [1, "b"]}) == '{"ä":[1,"b"]}'
