"""Reading gettext .po catalogues and compiling them to .mo, with no third-party code.

Used at build time (`python -m kiosk.po compile DIR`, the Makefile and setup.py) and by
the tests that check every string is translated. Plural forms are not used by the kiosk.

Two domains share the locale tree: `kiosk` (the kiosk's screens, extracted here) and
`desk` (the staff desk's pages, extracted by Babel from its Python and Jinja2 templates:
`update-desk`). Both are compiled by `compile`.
"""

from __future__ import annotations

import ast
import json
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

DOMAIN = "kiosk"


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    line: int
    fuzzy: bool


class PoError(ValueError):
    pass


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (empty msgid) included."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    current: str | None = None
    start = 0
    fuzzy = False

    def flush() -> None:
        nonlocal fields, current, fuzzy
        if "msgid" in fields:
            entries.append(Entry(fields["msgid"], fields.get("msgstr", ""), start, fuzzy))
        fields, current, fuzzy = {}, None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
        elif line.startswith("#"):
            if current is not None:
                flush()
        elif line.startswith('"'):
            if current is None:
                raise PoError(f"{path}:{number}: a continued string without msgid or msgstr")
            fields[current] += _unquote(line, path, number)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword not in ("msgid", "msgstr", "msgctxt"):
                raise PoError(f"{path}:{number}: unsupported keyword '{keyword}'")
            if keyword == "msgid" and "msgid" in fields:
                flush()
            if keyword in ("msgid", "msgctxt") and not fields:
                start = number
            current = keyword
            fields[keyword] = _unquote(rest.strip(), path, number)
    flush()
    return entries


def _unquote(text: str, path: Path, number: int) -> str:
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = None
    if not isinstance(value, str):
        raise PoError(f"{path}:{number}: expected a quoted string, found {text!r}")
    return value


def write_mo(entries: list[Entry], target: Path) -> None:
    """Write the GNU .mo format that `gettext.GNUTranslations` reads."""
    pairs = sorted((e.msgid, e.msgstr) for e in entries if e.msgstr and not (e.fuzzy and e.msgid))
    ids = b"".join(k.encode() + b"\0" for k, _ in pairs)
    strs = b"".join(v.encode() + b"\0" for _, v in pairs)
    count = len(pairs)
    key_start = 7 * 4 + 16 * count
    value_start = key_start + len(ids)
    offsets, key_offset, value_offset = [], 0, 0
    for key, value in pairs:
        k, v = key.encode(), value.encode()
        offsets.append((len(k), key_start + key_offset, len(v), value_start + value_offset))
        key_offset += len(k) + 1
        value_offset += len(v) + 1
    output = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    output += b"".join(struct.pack("ii", o[0], o[1]) for o in offsets)
    output += b"".join(struct.pack("ii", o[2], o[3]) for o in offsets)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".mo.tmp")
    tmp.write_bytes(output + ids + strs)
    tmp.replace(target)


def compile_all(locale_dir: Path) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/<domain>.po` under `locale_dir`; returns the .mo files."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        write_mo(read_po(po), mo)
        written.append(mo)
    return written


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_po(path: Path, language: str, messages: dict[str, list[str]], translations: dict[str, str]) -> None:
    """Write a .po file with `messages` (msgid -> locations) in order, translated where known."""
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', f'"Language: {language}\\n"', ""]
    for msgid, locations in messages.items():
        out.append("#: " + " ".join(locations))
        out.append(f"msgid {_quote(msgid)}")
        out.append(f"msgstr {_quote(translations.get(msgid, ''))}")
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def update_all(locale_dir: Path, package_dir: Path, domain: str = DOMAIN,
               messages: dict[str, list[str]] | None = None) -> list[str]:
    """Bring every .po of `domain` up to date with the source: new strings added
    untranslated (English gets its msgid), vanished ones dropped. Returns the untranslated
    msgids per language."""
    if messages is None:
        messages = extract(source_files(package_dir))
    untranslated = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{domain}.po")):
        language = po.parent.parent.name
        known = {e.msgid: e.msgstr for e in read_po(po) if e.msgid and not e.fuzzy}
        if language == "en":
            known = {m: known.get(m) or m for m in messages}
        untranslated += [f"{language}: {m}" for m in messages if not known.get(m)]
        write_po(po, language, {m: [loc.split(str(package_dir.parent) + "/")[-1] for loc in locs]
                                for m, locs in messages.items()}, known)
    return untranslated


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "compile":
        try:
            written = compile_all(Path(argv[1]))
        except PoError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"compiled {len(written)} translation catalogues in {argv[1]}")
        return 0
    if len(argv) == 3 and argv[0] in ("update", "update-desk"):
        package = Path(argv[2])
        missing = update_all(Path(argv[1]), package) if argv[0] == "update" else \
            update_all(Path(argv[1]), package.parent, "desk", extract_desk(package))
        for line in missing:
            print("untranslated:", line)
        return 0
    print("usage: python -m kiosk.po compile LOCALE_DIR | update LOCALE_DIR PACKAGE_DIR"
          " | update-desk LOCALE_DIR DESK_DIR", file=sys.stderr)
    return 2



_MARKED = re.compile(r'''(?:\btr\._|\bN_)\(\s*"((?:[^"\\]|\\.)*)"\s*\)''')


def extract(paths: list[Path]) -> dict[str, list[str]]:
    """Strings marked for translation (tr._ and N_ calls) in Python and KV files -> where they occur."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in _MARKED.finditer(line):
                text = ast.literal_eval(f'"{match.group(1)}"')
                found.setdefault(text, []).append(f"{path}:{number}")
    return found


def extract_desk(desk_dir: Path) -> dict[str, list[str]]:
    """The desk's strings as Babel extracts them: `_`, `gettext` and `N_` calls in its
    Python, and `_()`/`{% trans %}` in its Jinja2 templates (jinja2.ext.i18n) -> where
    they occur (relative to the package's parent). No plural forms (read_po has none)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    found: dict[str, list[str]] = {}
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options_map = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    for filename, line, message, _comments, _context in extract_from_dir(desk_dir, method_map, options_map,
                                                                        keywords, strip_comment_tags=True):
        if not isinstance(message, str):
            raise PoError(f"{desk_dir / filename}:{line}: plural forms are not supported")
        found.setdefault(message, []).append(f"{desk_dir.parent.name}/{desk_dir.name}/{filename}:{line}")
    return found


def source_files(package_dir: Path) -> list[Path]:
    """The kiosk's Python and KV files; the desk (`desk/`) has its own domain."""
    return sorted(p for p in package_dir.rglob("*") if p.suffix in (".py", ".kv")
                  and p.relative_to(package_dir).parts[0] != "desk")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
