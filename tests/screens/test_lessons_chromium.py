"""Learn the basics (issue 20): every lesson done on the real screens, in real Chromium on the
kiosk's practice site, from the needs screen to "what I learnt today" on paper. The keyboard
lesson is typed with the strip's own keys, tapped one by one (Shift, the symbols layer,
Erase and Enter too), never with a typing shortcut."""

from __future__ import annotations

import json

import pytest

from kiosk.devices import DeviceError
from kiosk.lessons import LESSONS
from testbed.pdfs import pdf_text
from tests.screens.conftest import evaluate

pytestmark = pytest.mark.gui

PAGE = ("document.readyState === 'complete' && document.body && document.body.dataset.lesson ? "
        "({url: location.href, lesson: document.body.dataset.lesson, page: document.body.dataset.page, "
        "kind: document.body.dataset.kind, verdict: document.getElementById('verdict')?.innerText || '', "
        "value: document.getElementById('answer')?.value ?? null}) : null")


def page(app) -> dict:
    """The lesson page in the browser, once drawn ({} between two pages)."""
    try:
        return evaluate(app, PAGE) or {}
    except DeviceError:
        return {}


def press(gui, selector: str = "main button.go") -> None:
    """A button of the page pressed, and the page after it drawn."""
    app = gui.app
    before = page(app)["url"]
    evaluate(app, f"document.querySelector({json.dumps(selector)}).click()")
    gui.wait_until(lambda: page(app).get("url", before) != before, 20)


def keys(gui, *names: str) -> None:
    """The strip's keys, tapped one by one, as a person does."""
    for name in names:
        gui.tap(gui.button(name))
        gui.frames(1)


def typed(gui, text: str) -> None:
    app = gui.app
    gui.wait_until(lambda: evaluate(app, "document.getElementById('answer').value") == text, 20)


def enter(gui) -> None:
    """Enter on the strip's keyboard sends the form, as on any keyboard."""
    app = gui.app
    before = page(app)["url"]
    keys(gui, "Enter")
    gui.wait_until(lambda: page(app).get("url", before) != before, 20)


def touch_field(gui) -> None:
    evaluate(gui.app, "(f => { f.focus(); f.setSelectionRange(f.value.length, f.value.length); })"
                      "(document.getElementById('answer'))")


def do_keyboard_lesson(gui) -> None:
    app = gui.app
    press(gui)  # the keyboard, explained
    keyboard = gui.ids()["keyboard_button"]
    if not gui.screen().keyboard:
        gui.tap(keyboard)
    gui.wait_until(lambda: gui.screen().keyboard and app.window_settled(), 10)
    # A name with a capital: first without Shift, as a beginner does; told, put right.
    touch_field(gui)
    keys(gui, "m", "a", "i", "j", "a")
    typed(gui, "maija")
    enter(gui)
    assert page(app)["verdict"].startswith("Not yet: you typed “maija”. It should be “Maija”.")
    touch_field(gui)
    keys(gui, *["Erase"] * 5, "ABC", "M")
    assert gui.screen().shift == "off"  # Shift gives one capital
    keys(gui, "a", "i", "j", "a")
    typed(gui, "Maija")
    enter(gui)
    assert page(app)["verdict"] == "Right!"
    press(gui)
    # An e-mail address: the @ and the full stop are on the letters' bottom row.
    touch_field(gui)
    keys(gui, *"maija@posti.fi")
    typed(gui, "maija@posti.fi")
    enter(gui)
    assert page(app)["verdict"] == "Right!"
    press(gui)
    # A password with a capital, a digit and a symbol; too short and plain first.
    touch_field(gui)
    keys(gui, *"kissa")
    typed(gui, "kissa")
    enter(gui)
    assert page(app)["verdict"] == ("Nearly: the password still needs a capital letter, a number, a symbol and "
                                    "at least 6 characters.")
    touch_field(gui)
    keys(gui, "ABC", "K", *"issa")
    keys(gui, gui.ids()["layer_key"].text)  # ?123: digits and symbols
    keys(gui, "7", "!")
    typed(gui, "Kissa7!")
    enter(gui)
    assert page(app)["verdict"] == "Right: this password has a capital letter, a number and a symbol."
    press(gui)


def do_lesson(gui, lesson) -> None:
    app = gui.app
    if lesson.id == "keyboard":
        return do_keyboard_lesson(gui)
    for number, lesson_page in enumerate(lesson.pages, 1):
        shown = page(app)
        assert (shown["lesson"], shown["page"]) == (lesson.id, str(number))
        gui.wait_until(lambda: app.learning.page == str(number), 20)  # the kiosk hears where the page went
        gui.frames()
        strip = gui.ids()["notice"].text
        assert strip == f"Lesson: {app.tr._(lesson.title)}, page {number} of {len(lesson.pages)}"
        if lesson_page.kind == "scroll":
            # The button is below the screen until the page is scrolled to it.
            assert evaluate(app, "document.querySelector('main button.go').getBoundingClientRect().top "
                                 "> innerHeight")
            evaluate(app, "window.scrollTo(0, document.body.scrollHeight)")
        elif lesson_page.kind == "download":
            before = len(app.printing.documents)
            evaluate(app, "document.getElementById('document').click()")
            gui.wait_until(lambda: len(app.printing.documents) > before, 30)
            gui.frames()
            assert gui.ids()["notice"].text == "Saved to My documents: practice-document.pdf"
            assert "Practice document" in pdf_text(app.printing.documents[-1].path)
        elif lesson_page.kind == "quiz":
            wrong = next((i for i in range(len(lesson_page.choices)) if i != lesson_page.right), None)
            if wrong is not None:
                press(gui, f"main button.go[value='{wrong}']")
                assert page(app)["verdict"] == app.tr._(lesson_page.feedback[wrong])
                assert evaluate(app, "document.querySelectorAll('main button.go').length") == len(lesson_page.choices)
            press(gui, f"main button.go[value='{lesson_page.right}']")
            assert page(app)["verdict"] == app.tr._(lesson_page.feedback[lesson_page.right])
        press(gui)


def test_every_lesson_by_touch_from_the_needs_screen_to_what_i_learnt_today(practising):
    gui = practising
    app = gui.app
    gui.wait_until(lambda: app.journey.screen == "needs", 10)  # the person has touched Start
    gui.tap(gui.ids()["learn_button"])
    gui.wait_until(lambda: app.journey.screen == "learn", 10)
    gui.frames()
    assert not app.learning.done and gui.ids()["print_learnt"].hidden
    for lesson in LESSONS:
        card = next(c for c in gui.ids()["lessons"].children if c.lesson_id == lesson.id)
        gui.tap(card)
        gui.wait_until(lambda: app.eservices.open and page(app).get("lesson") == lesson.id, 60)
        gui.wait_until(lambda: app.learning.current == lesson.id, 10)
        gui.frames()
        do_lesson(gui, lesson)
        gui.wait_until(lambda: app.learning.page == "done", 10)
        gui.frames()
        assert page(app)["kind"] == "done"
        assert gui.ids()["notice"].text == f"Lesson done: {lesson.title}"
        assert lesson.id in app.learning.done
        home = gui.ids()["browser_home"]
        assert home.text == "Lessons"
        gui.tap(home)
        gui.wait_until(lambda: app.journey.screen == "learn" and not app.eservices.open, 20)
        gui.frames()
        card = next(c for c in gui.ids()["lessons"].children if c.lesson_id == lesson.id)
        assert card.summary.startswith("Done") and card.icon == "check_circle"
    assert app.learning.done == [lesson.id for lesson in LESSONS]
    # "What I learnt today" on paper: each lesson, what it taught; nothing of the person.
    gui.tap(gui.ids()["print_learnt"])
    gui.wait_until(lambda: app.journey.screen == "print", 30)
    text = " ".join(pdf_text(app.printing.document.path).split())
    assert "What I learnt today" in text
    for lesson in LESSONS:
        assert lesson.title in text and " ".join(lesson.learnt.split()) in text
    # The session ends: nothing of it is left for the next person.
    app.flow.end_session()
    gui.wait_until(lambda: app.learning.left_over() == 0, 30)
    assert app.learning.done == []
