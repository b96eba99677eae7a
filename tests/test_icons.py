"""The symbols' table: every name the screens and the catalogue use is drawn by the font
Debian ships, at the codepoint that font gives it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog
from kiosk.config import PACKAGED_CATALOG
from kiosk.icons import FONT_FILE, FONT_PACKAGE, GLYPHS, glyph

SCREENS = Path(__file__).resolve().parent.parent / "kiosk" / "screens"
# The package's own name -> codepoint map (its Sass variables).
CODEPOINTS = Path("/usr/share/fonts-material-design-icons-iconfont/scss/_variables.scss")


def installed(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"{path} is missing (Debian package '{FONT_PACKAGE}'; 'make test' installs it)")
    return path


def test_the_font_is_installed_and_each_name_has_the_packages_codepoint():
    installed(Path(FONT_FILE))
    packaged = {name: int(code, 16) for name, code in
                re.findall(r'^\s*"([a-z0-9_]+)": ([0-9a-f]+),?$', installed(CODEPOINTS).read_text(), re.M)}
    assert {name: packaged.get(name) for name in GLYPHS} == GLYPHS


def test_every_icon_the_screens_name_is_in_the_table():
    from kiosk.screens.widgets import ICONS as DRAWN  # the bars' IconButtons draw their own

    named = {name for kv in SCREENS.glob("*.kv") for name in re.findall(r'^\s*icon: "([^"]*)"', kv.read_text(), re.M)}
    assert named - set(DRAWN) and named - set(DRAWN) <= set(GLYPHS), named - set(DRAWN) - set(GLYPHS)


def test_every_packaged_category_has_an_icon_of_its_own():
    icons = [c.icon for c in load_catalog(PACKAGED_CATALOG, ("fi", "sv", "en")).categories]
    assert all(icons) and len(set(icons)) == len(icons) and set(icons) <= set(GLYPHS)


def test_a_glyph_is_one_private_use_character():
    assert all(len(glyph(name)) == 1 and 0xE000 <= ord(glyph(name)) <= 0xF8FF for name in GLYPHS)
    assert glyph("no_such_icon") == "" and glyph("") == ""
