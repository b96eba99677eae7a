import os
import time
import tracemalloc
from pathlib import Path

import pytest

from kiosk.toml_schema import Context, KeyLines, TableReader, read_source

TEXT = """\
# comment
top = 1

[site]
name = "x"   # trailing [comment]
nested.key = 2

[[service]]
id = "a"
domains = [
    "a.fi",
    "b.fi",
]

[service.fi]
title = "A"

[[service]]
id = "b"

[service.fi]
title = "B"
"""


def test_key_lines_follow_tables_arrays_and_dotted_keys():
    lines = KeyLines(TEXT)
    assert lines.line_of(("top",)) == 2
    assert lines.line_of(("site",)) == 4
    assert lines.line_of(("site", "name")) == 5
    assert lines.line_of(("site", "nested", "key")) == 6
    assert lines.line_of(("service", 0, "id")) == 9
    assert lines.line_of(("service", 0, "domains")) == 10
    assert lines.line_of(("service", 0, "domains", 1)) == 10  # inside a multi-line array: its key
    assert lines.line_of(("service", 0, "fi", "title")) == 16
    assert lines.line_of(("service", 1, "id")) == 19
    assert lines.line_of(("service", 1, "fi", "title")) == 22
    assert lines.line_of(("service", 1, "fi", "missing")) == 21  # the nearest table


def test_syntax_error_is_a_problem_with_its_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[site]\nname = "unterminated\n')
    problems = []
    assert read_source(path, problems, max_bytes=4096) is None
    assert len(problems) == 1 and problems[0].line == 2 and "not valid TOML" in problems[0].message


def test_reader_reports_every_problem_and_suggests_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[t]\ncount = "three"\nnaem = "x"\nflag = 1\n')
    problems = []
    source = read_source(path, problems, max_bytes=4096)
    reader = TableReader(Context([source], problems), source.data["t"], ("t",))
    assert reader.number("count", 5, minimum=1) == 5
    reader.string("name", "default")
    assert reader.boolean("flag", False) is False
    reader.finish()
    messages = {p.key: (p.line, p.message) for p in problems}
    assert messages["t.count"][0] == 2 and "whole number" in messages["t.count"][1]
    assert messages["t.flag"] == (4, "must be true or false, not a number")
    assert messages["t.naem"] == (3, "unknown key (did you mean 'name'?)")


def test_lines_inside_multi_line_strings_and_arrays_are_not_taken_for_keys():
    text = ('a = """\n[not_a_table]\nb = 1\n"""\n'
            "c = '''\nd = 2'''\n"
            'e = ["]", "\\"[", \'[\', # a comment with [\n  "x",\n]\n'
            "[real]\nf = 3\n")
    lines = KeyLines(text)
    assert [lines.line_of((k,)) for k in ("a", "c", "e", "real")] == [1, 5, 7, 10]
    assert lines.line_of(("real", "f")) == 11
    assert not lines.defines(("not_a_table",)) and not lines.defines(("b",)) and not lines.defines(("d",))


def test_locating_keys_costs_no_memory_per_character_of_a_string():
    """The pattern that found strings kept ~125 bytes per character: a 20 MB file took 2.5 GB."""
    def peak(n: int) -> int:
        escapes = ("c" * 28 + "\\\\") * (n // 30)  # an escaped backslash every thirty characters
        text = f'x = [\n  "{"a" * n}",\n  \'{"b" * n}\',\n]\ny = "{escapes}"\n'
        tracemalloc.start()
        try:
            KeyLines(text)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1000), peak(3_000_000)
    # The key line holding the 3 MB string is copied once to be matched: at most ~1 byte
    # per character, where the old pattern needed ~125.
    assert large - small < 2 * 3_000_000, (small, large)


def test_a_header_with_many_spaces_is_located_in_linear_time():
    ordinary = "[site]\n" + "".join(f"key_{n} = {n}\n" for n in range(10_000))
    hostile = "[site" + " " * 100_000 + ".x]\ny = 1\n"
    started = time.perf_counter()
    KeyLines(ordinary)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    lines = KeyLines(hostile)
    assert time.perf_counter() - started < 10 * baseline + 0.2  # the old pattern: ~20 s
    assert lines.line_of(("site", "x", "y")) == 2


@pytest.mark.parametrize("text, line, message", [
    ("[site]\nx = " + "[" * 5000 + "]" * 5000 + "\n", 2, "not read: arrays and tables nest deeper than 16 levels"),
    ("x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n", 1, "not read: arrays and tables nest deeper than 16 levels"),
    ("[site]\n\nn = " + "9" * 5000 + "\n", 3, "not read: a number of 5,000 digits; numbers here have at most 19"),
    ("[site]\n" + "a." * 5000 + "b = 1\n", 2, "not read: a dotted key of more than 16 parts"),
    ("[" + "a." * 5000 + "b]\n", 1, "not read: a dotted key of more than 16 parts"),
    ('[site]\nname = "' + "x" * 5000 + '"\n', 2, "site.name: a text of 5,000 characters; texts have at most 4,096"),
    ("[site]\n" + "k" * 200 + " = 1\n", 1, "site: a key of 200 characters; keys have at most 128"),
    ("[site]\nn = 0x" + "F" * 17 + "\n", 2, "site.n: a whole number beyond TOML's 64-bit range"),
    ("[site]\nn = -9223372036854775809\n", 2, "site.n: a whole number beyond TOML's 64-bit range"),
])
def test_what_tomllib_cannot_take_is_refused_with_its_line(tmp_path, text, line, message):
    path = tmp_path / "hostile.toml"
    path.write_text(text)
    problems = []
    assert read_source(path, problems, max_bytes=64 * 1024) is None
    assert [(p.file, p.line, p.message) for p in problems] == [(str(path), line, message)]


def test_the_limits_leave_ordinary_values_alone(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p = 1\n"  # sixteen levels
                    '[site]\nname = "' + "x" * 4096 + '"\nbig = 9223372036854775807\nsmall = -9223372036854775808\n'
                    "pi = 3.14159\nwhen = 2026-11-02T09:30:00\nsep = 1_000_000\nnested = [[[1]], {a = {b = [2]}}]\n")
    problems = []
    source = read_source(path, problems, max_bytes=64 * 1024)
    assert problems == [] and source.data["site"]["big"] == 2**63 - 1
    assert source.lines.line_of(tuple("abcdefghijklmnop")) == 1 and source.lines.line_of(("site", "nested", 1)) == 9


def test_a_file_too_large_is_not_read_past_its_limit(tmp_path):
    path = tmp_path / "large.toml"
    path.write_text("# " + "x" * 100_000 + "\n")
    problems = []
    assert read_source(path, problems, max_bytes=64 * 1024) is None
    assert [str(p) for p in problems] == [f"{path}: not read: larger than 65,536 bytes (0.0625 MiB), the limit for this file"]


def test_a_pipe_or_a_device_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)  # nobody writes: opening it to read would wait for ever
    for path in (fifo, Path("/dev/zero"), tmp_path):
        problems = []
        assert read_source(path, problems, max_bytes=64 * 1024) is None
        assert problems[0].message.startswith("cannot be read: not a regular file"), problems
