"""The page's "Attach a file" at the kiosk (fake browser): the person's documents over the
page, the one they pick set on the page's input, and back in the e-service."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.gui


def in_service(gui):
    """A person in an e-service, with the strip under the browser, speaking English."""
    app = gui.app
    gui.tap(gui.ids()["start_button"])
    app.switch_language("en")
    app.journey.service_id = app.catalog.services[0].id
    app.errands.open_service()
    gui.wait_until(lambda: app.eservices.open and app.journey.screen == "browser" and app.window_settled(), 10)
    return app


def documents(app, **files: bytes):
    folder = app.printing.documents_dir
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name.replace("_", ".")).write_bytes(content)
    return folder


def asked(gui, accept: str = "", multiple: bool = False):
    app = gui.app
    chooser = app.devices.browser.ask_for_file(accept, multiple)
    gui.wait_until(lambda: app.journey.screen == "choose_file" and app.window_settled(), 5)
    gui.frames()
    return chooser


def rows(gui) -> dict:
    return {row.document.name: row for row in reversed(gui.ids()["grid"].children)}


PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_person_attaches_one_of_their_documents_and_is_back_in_the_service(fresh_app):
    from kivy.core.window import Window

    app = in_service(fresh_app)
    folder = documents(app, vuokrasopimus_pdf=PDF, palkkakuitti_pdf=PDF, notes_txt=b"notes")
    os.symlink("/etc/passwd", folder / "passwd.pdf")  # no link is ever offered, whatever its name
    chooser = asked(fresh_app, ".pdf")
    assert Window.system_size[1] == 800  # the chooser covers the page
    assert sorted(rows(fresh_app)) == ["palkkakuitti.pdf", "vuokrasopimus.pdf"]
    assert "Choose a document to attach" in fresh_app.texts()
    fresh_app.tap(rows(fresh_app)["vuokrasopimus.pdf"].ids.choose)
    assert app.devices.browser.chosen == [(chooser, [folder / "vuokrasopimus.pdf"])]
    fresh_app.wait_until(lambda: app.journey.screen == "browser" and app.window_settled(), 5)
    assert Window.system_size[1] < 300 and app.eservices.chooser is None


def test_cancel_gives_the_page_nothing_and_it_may_ask_again(fresh_app):
    app = in_service(fresh_app)
    documents(app, hakemus_pdf=PDF)
    asked(fresh_app)
    fresh_app.tap(fresh_app.ids()["cancel_button"])
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)
    assert app.devices.browser.chosen == [] and app.eservices.chooser is None
    asked(fresh_app)  # the next tap on the page's button asks again
    assert list(rows(fresh_app)) == ["hakemus.pdf"]
    fresh_app.tap(fresh_app.bar("back_button"))  # the top bar's Back: nothing given either
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)
    assert app.devices.browser.chosen == [] and app.eservices.chooser is None


def test_my_documents_on_the_way_keeps_the_question(fresh_app):
    app = in_service(fresh_app)
    folder = documents(app, hakemus_pdf=PDF)
    chooser = asked(fresh_app)
    fresh_app.tap(fresh_app.bar("documents_button"))
    assert app.journey.screen == "documents" and app.eservices.chooser == chooser
    fresh_app.tap(fresh_app.bar("back_button"))
    fresh_app.wait_until(lambda: app.journey.screen == "choose_file", 5)
    fresh_app.tap(rows(fresh_app)["hakemus.pdf"].ids.choose)
    assert app.devices.browser.chosen == [(chooser, [folder / "hakemus.pdf"])]
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)


def test_several_documents_for_an_input_that_takes_several(fresh_app):
    app = in_service(fresh_app)
    folder = documents(app, kuitti1_pdf=PDF, kuitti2_pdf=PDF, kuva_png=b"\x89PNG\r\n\x1a\n", notes_txt=b"x")
    chooser = asked(fresh_app, ".pdf,image/*", multiple=True)
    assert sorted(rows(fresh_app)) == ["kuitti1.pdf", "kuitti2.pdf", "kuva.png"]
    assert fresh_app.ids()["attach_button"].hidden
    fresh_app.tap(rows(fresh_app)["kuva.png"].ids.choose)
    fresh_app.tap(rows(fresh_app)["kuitti1.pdf"].ids.choose)
    fresh_app.tap(rows(fresh_app)["kuitti2.pdf"].ids.choose)
    fresh_app.tap(rows(fresh_app)["kuitti2.pdf"].ids.choose)  # left out again
    assert app.journey.screen == "choose_file" and app.devices.browser.chosen == []
    fresh_app.tap(fresh_app.ids()["attach_button"])
    (given,) = app.devices.browser.chosen
    assert given[0] == chooser and sorted(given[1]) == [folder / "kuitti1.pdf", folder / "kuva.png"]
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)


def test_no_documents_or_none_of_the_kind_asked_for_is_said_in_plain_words(fresh_app):
    app = in_service(fresh_app)
    asked(fresh_app)
    assert rows(fresh_app) == {}
    assert any(t.startswith("You have no documents to attach yet.") for t in fresh_app.texts())
    fresh_app.tap(fresh_app.ids()["cancel_button"])
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)
    documents(app, notes_txt=b"notes")
    asked(fresh_app, ".pdf,image/*")
    assert rows(fresh_app) == {}
    assert any(t.startswith("You have no documents of this kind yet. This page takes: PDF, pictures.")
               for t in fresh_app.texts())
    fresh_app.tap(fresh_app.ids()["cancel_button"])


def test_a_pdf_shows_its_first_page(fresh_app):
    from kiosk.devices.pdf import write_text_pdf

    app = in_service(fresh_app)
    write_text_pdf(documents(app) / "paatos.pdf", ["Päätös"])
    asked(fresh_app)
    fresh_app.wait_until(lambda: rows(fresh_app)["paatos.pdf"].picture, 30)
    assert rows(fresh_app)["paatos.pdf"].picture.endswith(".png")
    fresh_app.wait_until(lambda: "pages: 1" in rows(fresh_app)["paatos.pdf"].details, 30)  # counted meanwhile
    fresh_app.tap(fresh_app.ids()["cancel_button"])


def test_each_pdf_shows_its_own_first_page(fresh_app, tmp_path):
    """All of the screen's pictures are asked for at once: each is drawn from its own PDF,
    never one over another's (a person picks the certificate by its picture)."""
    from PIL import Image

    from kiosk.devices.pdf import previews, write_text_pdf
    from kiosk.printing import THUMBNAIL_WIDTH_PX

    app = in_service(fresh_app)
    folder = documents(app)
    shapes = {"vuokrasopimus.pdf": (595, 842), "palkkakuitti.pdf": (842, 595), "todistus.pdf": (400, 400)}
    for name, shape in shapes.items():
        write_text_pdf(folder / name, [name.upper()], page_pt=shape)
    asked(fresh_app, ".pdf")
    fresh_app.wait_until(lambda: all(row.picture for row in rows(fresh_app).values()), 30)
    pictures = {name: row.picture for name, row in rows(fresh_app).items()}
    assert sorted(pictures) == sorted(shapes) and len(set(pictures.values())) == 3

    def pixels(path) -> tuple:
        with Image.open(path) as image:
            return image.size, image.convert("L").tobytes()

    drawn = {name: pixels(previews(folder / name, 1, tmp_path / name, THUMBNAIL_WIDTH_PX)[0]) for name in shapes}
    assert len(set(drawn.values())) == 3  # three different first pages
    for name, picture in pictures.items():
        assert pixels(picture) == drawn[name], name
    fresh_app.tap(fresh_app.ids()["cancel_button"])


def attach_refused(app, fresh_app, words: str) -> None:
    """Back at the page, whose strip says the document was not attached."""
    fresh_app.wait_until(lambda: app.journey.screen == "browser" and app.window_settled(), 5)
    fresh_app.frames()
    assert app.eservices.chooser is None and app.eservices.notice == "attach_failed"
    assert fresh_app.screen().ids.notice.text == words and words in fresh_app.texts()


FAILED = "The document could not be attached. Press the attach button on the page again."


def test_a_document_the_page_did_not_take_is_told_on_the_strip(fresh_app):
    app = in_service(fresh_app)
    folder = documents(app, hakemus_pdf=PDF)
    browser = app.devices.browser
    browser.files_fail_with = "No node with given id found"  # the page removed its input
    try:
        asked(fresh_app)
        fresh_app.tap(rows(fresh_app)["hakemus.pdf"].ids.choose)
        attach_refused(app, fresh_app, FAILED)
        assert browser.chosen == []
    finally:
        browser.files_fail_with = ""
    chooser = asked(fresh_app)  # pressed again on the page: this time it takes it
    fresh_app.tap(rows(fresh_app)["hakemus.pdf"].ids.choose)
    fresh_app.wait_until(lambda: app.journey.screen == "browser", 5)
    assert browser.chosen == [(chooser, [folder / "hakemus.pdf"])]
    browser.navigate("https://example.invalid/next")  # said of the page left
    fresh_app.wait_until(lambda: app.eservices.notice == "", 5)


def test_a_page_that_moves_on_under_the_chooser_takes_the_person_back_and_says_so(fresh_app):
    app = in_service(fresh_app)
    documents(app, hakemus_pdf=PDF)
    asked(fresh_app)
    app.devices.browser.navigate(app.eservices.url.rstrip("/") + "/sent")  # a new document: the input is gone
    attach_refused(app, fresh_app, FAILED)
    assert app.devices.browser.chosen == []


def test_in_speech_mode_a_document_not_attached_is_said(fresh_app):
    app = in_service(fresh_app)
    folder = documents(app, hakemus_pdf=PDF)
    chooser = asked(fresh_app)
    browser, speaker = app.devices.browser, app.devices.speaker
    app.speech_nav.set_speech(True)
    try:
        heard = len(speaker.spoken)
        browser.navigate(app.eservices.url.rstrip("/") + "/sent")  # the page moves on under the chooser
        fresh_app.wait_until(lambda: FAILED in fresh_app.heard_since(heard), 5)  # the strip's reading says it
        fresh_app.wait_until(lambda: "choices" in fresh_app.heard_since(heard), 5)  # ...to its end
        # Chosen just as the page went: the browser's failure comes once the strip was read.
        heard = len(speaker.spoken)
        app.eservices.chooser = chooser
        browser.files_fail_with = "No node with given id found"
        assert app.eservices.choose_files([folder / "hakemus.pdf"])
        fresh_app.wait_until(lambda: FAILED in fresh_app.heard_since(heard), 5)
    finally:
        browser.files_fail_with = ""
        app.speech_nav.set_speech(False)
