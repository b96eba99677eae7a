"""Which languages the kiosk can show, by their own names (no Kivy here: used by check-config)."""

from __future__ import annotations

from pathlib import Path

from kiosk.po import DOMAIN

LOCALE_DIR = Path(__file__).parent / "locale"

# Each language by its own name, as a person who reads only that language looks for it.
NATIVE_NAMES = {
    "fi": "Suomi",
    "sv": "Svenska",
    "en": "English",
    "se": "Davvisámegiella",
    "ru": "Русский",
    "uk": "Українська",
    "et": "Eesti",
    "ar": "العربية",
    "so": "Soomaali",
}

# Written right to left: the screens are mirrored (kiosk/screens/bidi.py).
RIGHT_TO_LEFT = frozenset({"ar"})


def not_offered(code: str, why: str, verdict: str = "is not offered") -> str:
    """The note that says a language is left out, and why (check-config, the log)."""
    return f"'{code}' ({NATIVE_NAMES.get(code, code)}) {verdict}: {why}"


def untranslated(code: str, locale_dir: Path = LOCALE_DIR) -> tuple[int, int]:
    """(texts with no translation, texts) in the kiosk's catalogue for `code`: a language
    is offered only when the first is 0, so nobody meets a screen half in English."""
    from kiosk.po import PoError, read_po

    try:
        entries = [entry for entry in read_po(locale_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po") if entry.msgid]
    except (OSError, PoError):
        return 1, 1  # unreadable: not offered (a missing one is refused by name already)
    return sum(1 for entry in entries if not entry.msgstr.strip() or entry.fuzzy), len(entries)


def available_languages(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Languages that have a translation catalogue in the package."""
    return sorted(p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
