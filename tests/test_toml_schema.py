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
    assert read_source(path, problems) is None
    assert len(problems) == 1 and problems[0].line == 2 and "not valid TOML" in problems[0].message


def test_reader_reports_every_problem_and_suggests_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[t]\ncount = "three"\nnaem = "x"\nflag = 1\n')
    problems = []
    source = read_source(path, problems)
    reader = TableReader(Context([source], problems), source.data["t"], ("t",))
    assert reader.number("count", 5, minimum=1) == 5
    reader.string("name", "default")
    assert reader.boolean("flag", False) is False
    reader.finish()
    messages = {p.key: (p.line, p.message) for p in problems}
    assert messages["t.count"][0] == 2 and "whole number" in messages["t.count"][1]
    assert messages["t.flag"] == (4, "must be true or false, not a number")
    assert messages["t.naem"] == (3, "unknown key (did you mean 'name'?)")
