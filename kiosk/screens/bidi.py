"""Right-to-left text and layout (Arabic) on Kivy.

Kivy 2.3's SDL2 text provider draws characters one by one, left to right, with no shaping:
Arabic would come out as isolated letters in the wrong order. The provider that does shape
(pango) is not in Kivy's wheels, so the kiosk does what it needs here, with the libraries
made for it:
- arabic-reshaper joins the letters (their contextual forms) before Kivy measures and wraps
  the text, so the lines break where the shaped words really end;
- python-bidi (the Unicode bidirectional algorithm) puts each wrapped line into visual
  order when it is drawn, so a long paragraph's first line stays the top one, and a Latin
  name or a number inside Arabic reads the right way;
- Arabic is drawn in DejaVu Sans, which has its letters (Kivy's Roboto has none).
And when the kiosk speaks a right-to-left language, every row and grid is mirrored after
Kivy lays it out (2.3's BoxLayout has no right-to-left order) and text aligned to the left
goes to the right. A layout with `keep_ltr` (the Latin keyboard, the digit pad) keeps its
order. Both are installed once, before the first widget (`install`).
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_ISOLATES = re.compile("[\u2066-\u2069]")
_NUMBER_SPACE = re.compile(r"(?<=[0-9]) (?=[0-9])")
log = logging.getLogger(__name__)
FONT_NAME = "KioskRtl"
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FONT_PACKAGE = "fonts-dejavu-core"
_FLIP = {"left": "right", "right": "left"}


class _State:
    rtl = False  # the kiosk's language is written right to left
    installed = False
    font = False  # Arabic's font is registered


def right_to_left() -> bool:
    return _State.rtl


def has_rtl(text: str) -> bool:
    return bool(RTL_CHARS.search(text))


def shaped(text: str) -> str:
    """`text` with its Arabic letters joined, still in logical order (for measuring)."""
    if not has_rtl(text):
        return text
    import arabic_reshaper

    # Its default drops the vowel marks (harakat): SDL2 cannot place combining marks over
    # their letters, and everyday Arabic is read without them.
    return arabic_reshaper.reshape(text)


def visual(line: str) -> str:
    """One shaped line in the order it is drawn, left to right on the screen."""
    if not has_rtl(line):
        return line
    # The isolates (U+2066-2069, from a file name, say) stop the pure algorithm with an
    # assertion; they are invisible and go. A space inside a number ("0295 000") becomes a
    # no-break space, a separator the algorithm keeps inside the number (rule W4), so the
    # groups of a phone number stay in their order.
    line = _NUMBER_SPACE.sub("\u00a0", _ISOLATES.sub("", line))
    # The pure-Python algorithm of python-bidi: its Rust get_display (0.5+) leaves out rule
    # L4, so "(" in Arabic would be drawn as ")".
    from bidi.algorithm import get_display

    try:
        return get_display(line, base_dir="R" if _State.rtl else "L")
    except Exception:  # noqa: BLE001 - never a crash in drawing: the letters in their order
        log.exception("right-to-left ordering failed")
        return line


def font_for(text: str) -> str | None:
    """The font `text` is drawn in where it is not the default one (Arabic's); else None."""
    return FONT_NAME if _State.font and has_rtl(text) else None


def set_right_to_left(on: bool, root=None) -> None:
    """Turn mirroring on or off and lay out again every screen under `root` (a changed
    language re-translates the texts; rows whose words did not change are laid out here)."""
    if on == _State.rtl:
        return
    _State.rtl = on
    if root is not None:
        refresh(root)


def refresh(root) -> None:
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import ScreenManager

    stack = [root]
    while stack:
        widget = stack.pop()
        stack.extend(widget.children)
        if isinstance(widget, ScreenManager):
            stack.extend(s for s in widget.screens if s.parent is None)
        if hasattr(widget, "_trigger_layout"):
            widget._trigger_layout()
        if isinstance(widget, Label):
            widget._trigger_texture()  # batched with the texts the language change set


def mirror(layout) -> None:
    """Mirror `layout`'s children left to right, just laid out, when the language is RTL."""
    if _State.rtl and not getattr(layout, "keep_ltr", False):
        left, width = layout.x, layout.width
        for child in layout.children:
            # As pos, not x: x alone tells pos's observers before center_x has followed.
            child.pos = (2 * left + width - child.x - child.width, child.y)


def install() -> None:
    """Put the shaping text provider and the mirroring layouts in place (idempotent)."""
    if _State.installed:
        return
    _State.installed = True
    import kivy.uix.label
    from kivy.core.text import Label as CoreLabel
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.gridlayout import GridLayout

    font = _State.font = all(Path(f).exists() for f in FONT_FILES)
    if font:
        CoreLabel.register(FONT_NAME, FONT_FILES[0], fn_bold=FONT_FILES[1])
    else:
        log.error("Arabic text cannot be drawn: %s is missing (install %s)",
                                          FONT_FILES[0], FONT_PACKAGE)

    class BidiLabel(CoreLabel):
        """Kivy's text provider, shaping and ordering right-to-left text (module docstring)."""

        _own_font = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._text = shaped(self._text)  # LabelBase sets the first text past the property

        def _set_text(self, text):
            text = shaped(text)
            if text != self._text:
                self._text = text

        text = property(CoreLabel._get_text, _set_text)
        label = property(CoreLabel._get_text, _set_text)

        def refresh(self):
            options = self.options
            if font and has_rtl(self._text):
                if options.get("font_name") != FONT_NAME:
                    self._own_font = options.get("font_name")
                    options["font_name"] = FONT_NAME
            elif options.get("font_name") == FONT_NAME and self._own_font:
                options["font_name"] = self._own_font
            super().refresh()

        def render_lines(self, lines, options, render_text, y, size):
            if _State.rtl and options["halign"] in _FLIP:
                options = dict(options, halign=_FLIP[options["halign"]])
            if not has_rtl(self._text):
                return super().render_lines(lines, options, render_text, y, size)
            return super().render_lines(lines, options, lambda text, x, y_: render_text(visual(text), x, y_), y, size)

    kivy.uix.label.CoreLabel = BidiLabel  # the Label widget makes its text provider from this name

    def mirrored(do_layout):
        @functools.wraps(do_layout)  # Kivy's triggers find a method again by its name
        def do(self, *args):
            do_layout(self, *args)
            mirror(self)
        return do

    for layout in (BoxLayout, GridLayout):
        layout.do_layout = mirrored(layout.do_layout)
