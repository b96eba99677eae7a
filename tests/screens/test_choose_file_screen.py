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
