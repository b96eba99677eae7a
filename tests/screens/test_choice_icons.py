"""Symbols beside the main choices (issue 17): each level of need, topic and kind of help
draws its own symbol left of its words, in their colour and growing with them; the words
are still there, speech says only them, and the whole choice is what a finger presses.

Where things are is measured on what is drawn: the ink of the symbol's texture and of the
words' texture, placed on the window as Kivy places a texture (centred on its widget)."""

from __future__ import annotations

import pytest

from kiosk.icons import FONT_FILE

pytestmark = pytest.mark.gui


def test_the_font_is_installed():
    from pathlib import Path

    assert Path(FONT_FILE).is_file(), f"{FONT_FILE} is missing: apt-get install fonts-material-design-icons-iconfont"


def test_without_the_font_a_choice_shows_its_words_alone(fresh_app, tmp_path, caplog):
    from kiosk.screens.widgets import CardButton, KioskButton

    missing = str(tmp_path / "MaterialIcons-Regular.ttf")
    card = CardButton(title="Verot", summary="Verokortti", icon="receipt_long", width=600)
    button = KioskButton(text="Tulostaminen", icon="print", kind="help", width=600)
    fresh_app.frames()
    assert card.ids["card_icon"].shown and button.icon_widget.shown and button.icon_room > 0
    with caplog.at_level("WARNING", logger="kiosk.screens.icon"):
        card.ids["card_icon"].font_file = missing
        button.icon_widget.font_file = missing
        fresh_app.frames()
    for icon in (card.ids["card_icon"], button.icon_widget):
        assert not icon.shown and icon.side == 0 and icon.texture is None
    assert card.spacing == 0 and button.icon_room == 0 and button.padding[0] == button.side_padding
    assert card.ids["title_label"].text == "Verot" and button.text == "Tulostaminen"
    warnings = [r.getMessage() for r in caplog.records if "is missing" in r.getMessage()]
    assert len(warnings) == 1 and missing in warnings[0] and "fonts-material-design-icons-iconfont" in warnings[0]
