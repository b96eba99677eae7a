"""The catalogue's texts in languages the catalogue file does not carry itself.

A catalogue is written in fi, sv and en (the languages of the e-services). Its guides and
practice pages in other languages (Russian, Arabic, ...) come from a translation catalogue
per language, `kiosk/locale/<lang>/LC_MESSAGES/catalog.po`, whose msgids are the
catalogue's English texts: translators use the tools they know (Poedit, Weblate), and when
an English text changes its old translation no longer matches, so a stale guide is never
shown. `python -m kiosk.catalog_words update` writes `kiosk/locale/catalog.pot` from the
packaged catalogue and brings every catalog.po up to date.

A language the file carries itself keeps today's rule (a missing text is a problem of the
file). A language filled from a .po must be complete for this catalogue, or it is left out
of the kiosk with a note, never shown as a guide half in English.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

from kiosk.languages import LOCALE_DIR, not_offered
from kiosk.po import PoError, read_po, write_po

DOMAIN = "catalog"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
SOURCE = "en"  # the msgids
_CODE = re.compile(r"[a-z]{2,3}")


def _is_text(node: object) -> bool:
    """An inline text per language: { fi = "...", sv = "...", en = "..." }."""
    return (isinstance(node, dict) and SOURCE in node and all(isinstance(v, str) for v in node.values())
            and all(_CODE.fullmatch(k) for k in node))


def _tables(data: dict, key: str) -> list[dict]:
    """`data[key]` as a list of tables, whatever a broken file has there (the catalogue's
    reader reports it; here it is only passed over)."""
    value = data.get(key)
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else []


def _service_tables(data: dict) -> Iterator[tuple[str, dict]]:
    for service in _tables(data, "service"):
        yield str(service.get("id", "?")), service


def _inline(node: object, where: str) -> Iterator[tuple[dict, str]]:
    """Every inline text under `node`, with where it stands (for translators)."""
    if _is_text(node):
        yield node, where  # type: ignore[misc]
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and not _is_text(value) and _CODE.fullmatch(key):
                continue  # a service's own language table ([service.fi]), or [spoken.fi]
            yield from _inline(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _inline(item, where)


def _category_places(data: dict) -> Iterator[tuple[dict, str]]:
    for category in _tables(data, "category"):
        yield from _inline(category, f"category/{category.get('id', '?')}")


def _service_places(service_id: str, service: dict) -> Iterator[tuple[dict, str]]:
    """A service's inline texts: outside its language tables, then its practice pages."""
    for key, value in service.items():
        if key != "practice" and not _CODE.fullmatch(key):
            yield from _inline(value, service_id)
    yield from _inline(service.get("practice", []), f"{service_id}/practice")


def _places(data: dict) -> Iterator[tuple[dict, str]]:
    """Every inline text of the catalogue, with where it stands."""
    yield from _category_places(data)
    for service_id, service in _service_tables(data):
        yield from _service_places(service_id, service)


def _guide_texts(table: dict) -> Iterator[tuple[str, str]]:
    """(key, text) of a service's language table, lists item by item; plain versions are
    their language's own and are not carried over."""
    for key, value in table.items():
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, list):
            yield from ((key, item) for item in value if isinstance(item, str))


def messages(data: dict) -> dict[str, list[str]]:
    """The catalogue's English texts (msgid -> where they stand), in the file's order."""
    found: dict[str, list[str]] = {}

    def add(text: str, where: str) -> None:
        if text.strip():
            places = found.setdefault(text, [])
            if where not in places:
                places.append(where)

    for text, where in _category_places(data):
        add(text[SOURCE], where)
    for service_id, service in _service_tables(data):  # each service's guide, then the rest
        if isinstance(service.get(SOURCE), dict):
            for key, text in _guide_texts(service[SOURCE]):
                add(text, f"{service_id}/{key}")
        for text, where in _service_places(service_id, service):
            add(text[SOURCE], where)
    return found


def carried(data: dict) -> set[str]:
    """The languages the file writes itself (some service has a table of its own for it)."""
    return {k for _, s in _service_tables(data) for k, v in s.items() if _CODE.fullmatch(k) and isinstance(v, dict)
            } | {k for text, _ in _places(data) for k in text}


def fill(data: dict, language: str, translate: Callable[[str], str | None]) -> int:
    """Give every text of `data` a `language` version from `translate(english)`, in place;
    returns how many texts had none (then the language is not offered)."""
    def translated(english: str) -> str | None:
        return translate(english) if english.strip() else english  # "" stays "" (never asked)

    missing = 0
    for text, _ in list(_places(data)):
        if language not in text:
            said = translated(text[SOURCE])
            if said is None:
                missing += 1
            else:
                text[language] = said
    for _, service in _service_tables(data):
        source = service.get(SOURCE)
        if language in service:
            continue
        if not isinstance(source, dict):
            missing += 1  # nothing to translate from: the language cannot be given
            continue
        table: dict = {}
        gaps = 0
        for key, value in source.items():
            if isinstance(value, str):
                said = translated(value)
                gaps += said is None
                table[key] = said
            elif isinstance(value, list):
                items = [translated(item) if isinstance(item, str) else item for item in value]
                gaps += sum(item is None for item in items)
                table[key] = items
        missing += gaps
        if not gaps:
            service[language] = table
    return missing


def translations(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """English -> `language` from its catalog.po; {} when there is none. Raises PoError
    when it is there but unreadable (not UTF-8, not .po)."""
    path = locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    try:
        entries = read_po(path)
    except (OSError, ValueError) as error:  # PoError, and UnicodeDecodeError
        raise PoError(f"{path}: {error}") from error
    return {e.msgid: e.msgstr for e in entries if e.msgid and e.msgstr.strip() and not e.fuzzy}


def fill_languages(data: dict, offered: tuple[str, ...], locale_dir: Path = LOCALE_DIR
                   ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Fill each offered language the file does not carry from its catalog.po, in place.
    Returns (the languages the catalogue now covers, a note per language left out)."""
    own = carried(data)
    covered, left_out = [], []
    for language in offered:
        if language in own:
            covered.append(language)
            continue
        try:
            known = translations(language, locale_dir)
        except PoError as error:
            left_out.append(not_offered(language, f"its catalogue translation cannot be read ({error})"))
            continue
        missing = fill(data, language, known.get)
        if missing:
            left_out.append(not_offered(language, f"{missing} of the catalogue's texts have no translation in "
                                                  f"kiosk/locale/{language}/LC_MESSAGES/{DOMAIN}.po"))
        else:
            covered.append(language)
    return tuple(covered), tuple(left_out)


def update(catalog_file: Path, locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Write the template from `catalog_file` and bring every catalog.po up to date (new
    texts untranslated, vanished ones dropped). Returns "lang: msgid" still untranslated."""
    with catalog_file.open("rb") as f:
        found = messages(tomllib.load(f))
    write_po(locale_dir / f"{DOMAIN}.pot", "", found, {})
    untranslated = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parent.parent.name
        known = translations(language, locale_dir)
        untranslated += [f"{language}: {m}" for m in found if m not in known]
        write_po(po, language, found, known)
    return untranslated


def main(argv: list[str]) -> int:
    if argv[:1] != ["update"] or len(argv) > 2:
        print("usage: python -m kiosk.catalog_words update [CATALOG]", file=sys.stderr)
        return 2
    from kiosk.config import PACKAGED_CATALOG

    try:
        missing = update(Path(argv[1]) if len(argv) == 2 else PACKAGED_CATALOG)
    except PoError as error:  # an unreadable translation is left as it is, never emptied
        print(error, file=sys.stderr)
        return 1
    for line in missing:
        print("untranslated:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
