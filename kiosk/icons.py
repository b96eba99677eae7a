"""The symbols beside the main choices: which ones there are and where their font is.

The symbols are Google's Material Icons (Apache-2.0), from Debian's
fonts-material-design-icons-iconfont. Kivy's text renderer does not apply the font's
ligatures ("home" drawn as a house), so a symbol is drawn by its codepoint. The
codepoints come from the package's
/usr/share/fonts-material-design-icons-iconfont/scss/_variables.scss (version 6.7.0,
Debian 12); a new name is added here with its codepoint from that file.

No Kivy here: the catalogue's reader checks a category's `icon` against `GLYPHS`.
"""

from __future__ import annotations

FONT_FILE = "/usr/share/fonts/truetype/material-design-icons-iconfont/MaterialIcons-Regular.ttf"
FONT_PACKAGE = "fonts-material-design-icons-iconfont"

# name -> codepoint in the Material Icons font
GLYPHS = {
    # the levels of need
    "touch_app": 0xE913,        # I can do it myself
    "signpost": 0xEB91,         # guide me step by step
    "support_agent": 0xF0E2,    # I want a person to help me
    "account_balance": 0xE84F,  # I can't use e-services (a public office)
    # the catalogue's categories
    "euro": 0xEA15,
    "receipt_long": 0xEF6E,
    "local_hospital": 0xE548,
    "work": 0xE8F9,
    "home": 0xE88A,
    "badge": 0xEA67,
    "directions_car": 0xE531,
    "public": 0xE80B,
    "local_library": 0xE54B,
    # the kinds of help, and what a person asks the staff about
    "emoji_people": 0xEA1D,
    "call": 0xE0B0,
    "chat": 0xE0B7,
    "videocam": 0xE04B,
    "place": 0xE55F,            # digital support near you
    "event": 0xE878,            # book a time with a helper
    "school": 0xE80C,           # Learn the basics
    "check_circle": 0xE86C,     # a lesson done
    # doing this for someone else
    "supervisor_account": 0xE8D3,
    "lock": 0xE897,
    "how_to_reg": 0xE174,
    "family_restroom": 0xF1A2,
    "gavel": 0xE90E,
    "login": 0xEA77,
    "edit_note": 0xE745,
    "print": 0xE8AD,
    "attach_file": 0xE226,
    "help_outline": 0xE8FD,
    "smartphone": 0xE32C,       # a file from one's own phone
    "scanner": 0xE329,          # a paper scanned
}


def glyph(name: str) -> str:
    """The character that draws `name` in the icon font ("" for a name not in `GLYPHS`)."""
    codepoint = GLYPHS.get(name)
    return chr(codepoint) if codepoint is not None else ""
