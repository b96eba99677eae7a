"""Symbols beside the main choices (issue 17): each level of need, topic and kind of help
draws its own symbol left of its words, in their colour and growing with them; the words
are still there, speech says only them, and the whole choice is what a finger presses.

Where things are is measured on what is drawn: the ink of the symbol's texture and of the
words' texture, placed on the window as Kivy places a texture (centred on its widget)."""

from __future__ import annotations

import pytest

from kiosk.icons import FONT_FILE, GLYPHS

pytestmark = pytest.mark.gui
SCREENS = ("needs", "categories", "help")
PRIVATE_USE = range(0xE000, 0xF900)


def ink(texture):
    """The box (left, bottom, right, top) of the pixels a texture draws, from its bottom
    left; None if it draws nothing. A label's pixels are stored top row first."""
    width, height = texture.size
    alpha = texture.pixels[3::4]
    left, right, rows = width, 0, []
    for row in range(height):
        line = alpha[row * width:(row + 1) * width]
        if line.strip(b"\x00"):
            rows.append(row)
            left = min(left, width - len(line.lstrip(b"\x00")))
            right = max(right, len(line.rstrip(b"\x00")))
    if not rows:
        return None
    return left, height - 1 - rows[-1], right, height - rows[0]


def ink_on_window(widget, texture):
    """Where `widget` (an Icon or a Label, each drawing its texture centred on itself)
    puts ink on the window."""
    box = ink(texture)
    if box is None:
        return None
    width, height = texture.size
    x, y = widget.to_window(widget.center_x - width / 2, widget.center_y - height / 2)
    return x + box[0], y + box[1], x + box[2], y + box[3]


def rect(widget):
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def choices(gui) -> list[tuple[str, object, object, object]]:
    """(its words, its Icon, the Label of its words, the whole choice) of each main choice
    on the screen: the levels of need, the topics, the kinds of help and what to ask about."""
    screen, ids = gui.screen(), gui.ids()
    if screen.name == "needs":
        cards = [ids[name] for name in screen.essentials]
    elif screen.name == "categories":
        cards = list(reversed(ids["grid"].children))
    else:
        blocks = [ids[name] for name in ("on_site", "phone", "chat", "video")]
        found = [(b.heading, b.ids["heading_icon"], b.ids["heading_label"], b) for b in blocks]
        return found + [(b.text, b.icon_widget, b, b) for b in reversed(ids["topics"].children)]
    return [(c.title, c.ids["card_icon"], c.ids["title_label"], c) for c in cards]


def show(gui, screen: str) -> None:
    from kiosk.screenshots import stage

    stage(gui.app, screen)
    gui.frames(6)
    gui.wait_until(gui.app.window_settled, 5)
    gui.frames(3)


def test_the_font_is_installed():
    from pathlib import Path

    assert Path(FONT_FILE).is_file(), f"{FONT_FILE} is missing: apt-get install fonts-material-design-icons-iconfont"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_each_choice_draws_its_symbol_left_of_its_words_at_100_and_200_percent(fresh_app, language):
    app = fresh_app.app
    app.flow.start_session()
    app.switch_language(language)
    problems, sides = [], {}
    try:
        for scale in (1.0, 2.0):
            app.look.set_text_scale(scale)
            for screen in SCREENS:
                show(fresh_app, screen)
                found = choices(fresh_app)
                assert len(found) == {"needs": 4, "categories": len(app.catalog.categories), "help": 9}[screen]
                pictures = set()
                for words, icon, label, whole in found:
                    where = f"{scale:.0%} {screen} '{words}'"
                    assert words.strip() and icon.name in GLYPHS, where
                    assert icon.shown and icon.texture is not None, where
                    symbol, text = ink_on_window(icon, icon.texture), ink_on_window(label, label.texture)
                    if symbol is None or text is None:
                        problems.append(f"{where}: nothing drawn ({symbol}, {text})")
                        continue
                    pictures.add(icon.texture.pixels)
                    sides[(screen, words, scale)] = icon.side
                    x0, y0, x1, y1 = rect(whole)
                    if not (x0 <= symbol[0] and symbol[2] <= x1 and y0 <= symbol[1] and symbol[3] <= y1):
                        problems.append(f"{where}: symbol {symbol} outside its choice {(x0, y0, x1, y1)}")
                    gap = text[0] - symbol[2]
                    if gap < label.font_size * 0.2:  # left of the words, apart from them
                        problems.append(f"{where}: symbol {symbol} and words {text}: {gap:.0f} px apart")
                    middle = (symbol[1] + symbol[3]) / 2
                    if not text[1] <= middle <= text[3]:  # beside the words, not above or under them
                        problems.append(f"{where}: symbol {symbol} not beside the words {text}")
                # Each a glyph of its own: a font without them would draw one box for all.
                assert len(pictures) == len(found), f"{scale:.0%} {screen}: the same picture twice"
    finally:
        app.look.reset()
    assert problems == []
    assert all(sides[(screen, words, 2.0)] >= 1.6 * sides[(screen, words, 1.0)]
               for screen, words, scale in sides if scale == 1.0)


def test_in_high_contrast_each_symbol_is_the_colour_of_its_words(fresh_app):
    app = fresh_app.app
    app.flow.start_session()
    try:
        for contrast in (False, True):
            app.look.contrast = contrast
            for screen in SCREENS:
                show(fresh_app, screen)
                for words, icon, label, whole in choices(fresh_app):
                    assert list(icon.color) == list(label.color), f"{screen} '{words}'"
                    if getattr(whole, "fg", None) is not None:
                        assert list(icon.color) == list(whole.fg)
                if screen == "needs":
                    colour = list(choices(fresh_app)[0][1].color)
                    assert colour == list(app.look.text)  # white on black in high contrast
    finally:
        app.look.reset()


def test_speech_says_the_words_only_and_the_whole_choice_takes_the_touch(fresh_app):
    from kivy.tests.common import UnitTestTouch

    from kiosk.screens.spoken import announce, describe
    from kiosk.screens.walk import touchables, visible_texts

    app = fresh_app.app
    app.flow.start_session()
    for screen in SCREENS:
        show(fresh_app, screen)
        said = announce(fresh_app.screen(), app.tr) + " ".join(
            describe(w, app.tr) for w in touchables(fresh_app.screen()))
        shown = " ".join(visible_texts(app.root))
        assert not any(ord(c) in PRIVATE_USE for c in said + shown), screen
        assert not any(type(w).__name__ == "Icon" for w in touchables(app.root))
    show(fresh_app, "needs")
    card = fresh_app.ids()["level_guided"]
    assert describe(card, app.tr).startswith("painike, " + card.title + ". ")
    icon = card.ids["card_icon"]
    touch = UnitTestTouch(*icon.to_window(*icon.center))
    touch.touch_down()
    fresh_app.frames()
    touch.touch_up()
    fresh_app.frames()
    assert app.journey.level == "guided" and app.journey.screen == "categories"


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
