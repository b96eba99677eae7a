"""Printing as a person does it: My documents → preview → confirm → the printout is ready,
on real screens, with the real cupsd and cups-pdf behind them."""

from __future__ import annotations

import time

import pytest

from testbed.pdfs import make_pdf, pdf_pages, pdf_text

pytestmark = pytest.mark.gui


def with_document(gui, name="Päätös.pdf", pages=4):
    gui.tap(gui.ids()["start_button"])
    make_pdf(gui.app.printing.documents_dir / name, pages, "Kelan paatos sivu {n}")
    # A new file of the session shows in the top bar within seconds.
    gui.wait_until(lambda: gui.app.printing.documents and gui.app.printing.documents[0].pages, 10)
    gui.frames()


def test_documents_preview_confirm_and_collect(fresh_app, cupsd):
    gui, app = fresh_app, fresh_app.app
    with_document(gui)
    assert "Omat asiakirjat (1)" in gui.texts()
    gui.tap(gui.button("Omat asiakirjat (1)"))
    assert app.journey.screen == "documents"
    assert "Päätös.pdf" in gui.texts() and "PDF · sivuja: 4 · 1 kB" in gui.texts()
    gui.tap(gui.button("Tulosta"))
    assert app.journey.screen == "print"
    gui.wait_until(lambda: not app.printing.preparing, 10)
    gui.frames()
    assert len(app.printing.previews) == 2
    assert shown(gui, "Asiakirjassa on 4 sivua.")
    assert shown(gui, "4 sivua, 4 paperiarkkia. Tulostaminen on maksutonta.")
    assert shown(gui, "Nouda tuloste palvelutiskin vieressä olevasta tulostimesta.")
    # One copy of pages 2 to 3: the confirmation follows every change.
    gui.tap(gui.ids()["first_page"].ids["increase"])
    gui.tap(gui.ids()["last_page"].ids["decrease"])
    assert shown(gui, "2 sivua, 2 paperiarkkia. Tulostaminen on maksutonta.")
    gui.tap(gui.button("Tulosta 2 sivua"))
    assert app.journey.screen == "print_status"
    gui.wait_until(lambda: app.printing.job_state == "done", 30)
    gui.frames()
    assert "Tulosteesi on valmis. Nouda tuloste palvelutiskin vieressä olevasta tulostimesta." in gui.texts()
    assert "2 sivua, 2 paperiarkkia" in gui.texts()
    deadline = time.monotonic() + 30
    while not list(cupsd.pdf_dir.glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.1)
    printed = max(cupsd.pdf_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    assert pdf_pages(printed) == 2 and "Kelan paatos sivu 2" in pdf_text(printed)
    gui.tap(gui.button("Takaisin omiin asiakirjoihin"))
    assert app.journey.screen == "documents" and app.journey.history[-1] != "print_status"


def test_a_picture_saved_from_an_e_service_prints_as_one_page(fresh_app, cupsd):
    """A photo saved into My documents (a receipt from an e-service) has Print like a PDF:
    one page previewed, printed through the real CUPS as a one-page PDF."""
    from PIL import Image

    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    Image.new("RGB", (600, 900), (30, 90, 200)).save(app.printing.documents_dir / "kuitti.png")
    gui.wait_until(lambda: app.printing.documents, 10)
    gui.tap(gui.button("Omat asiakirjat (1)"))
    assert "kuitti.png" in gui.texts() and not any("vain PDF" in t for t in gui.texts())
    gui.tap(gui.button("Tulosta"))
    assert app.journey.screen == "print"
    gui.wait_until(lambda: not app.printing.preparing, 30)
    gui.frames()
    assert app.printing.problem == "" and app.printing.document.pages == 1 and len(app.printing.previews) == 1
    printed = gui.print_shown_document(cupsd)
    assert pdf_pages(printed) == 1
    assert (app.printing.documents_dir / "kuitti.png").exists()


def test_a_damaged_document_is_explained_and_stays(fresh_app):
    gui, app = fresh_app, fresh_app.app
    gui.tap(gui.ids()["start_button"])
    broken = app.printing.documents_dir / "rikki.pdf"
    broken.write_bytes(b"%PDF-1.4\n%% cut short by a failed download")
    gui.wait_until(lambda: app.printing.documents and app.printing.documents[0].problem, 10)
    gui.tap(gui.button("Omat asiakirjat (1)"))
    # Explained in the list, with no Print button to lead anywhere; the file stays.
    assert ("Tämä asiakirja on vioittunut, eikä sitä voi tulostaa. Yritä ladata se uudelleen."
            in gui.texts())
    assert "Tulosta" not in gui.texts() and "Poista" in gui.texts() and broken.exists()


def test_delete_asks_first_and_the_end_of_the_session_erases_the_rest(fresh_app):
    gui, app = fresh_app, fresh_app.app
    with_document(gui, "a.pdf", 1)
    make_pdf(app.printing.documents_dir / "b.pdf", 1)
    gui.wait_until(lambda: len(app.printing.documents) == 2, 10)
    gui.frames()
    gui.tap(gui.button("Omat asiakirjat (2)"))
    row = gui.ids()["grid"].children[-1]  # the newest first
    gui.tap(next(b for b in gui_buttons(gui) if b.text == "Poista" and b.parent.parent is row))
    assert "Poistetaanko tämä asiakirja? Sitä ei saa takaisin." in gui.texts()
    gui.tap(gui.button("Kyllä, poista"))
    assert [d.name for d in app.printing.documents] == ["a.pdf"]
    gui.tap(gui.bar("end_button"))
    gui.tap(gui.ids()["confirm_end"])
    assert not app.printing.documents and not app.wipe.session_dir.exists()


def shown(gui, text: str) -> bool:
    """`text` is on screen, alone or as a line of a block."""
    return any(text == t or text in t.split("\n") or ("•  " + text) in t.split("\n") for t in gui.texts())


def gui_buttons(gui):
    from kiosk.screens.walk import touchables

    return touchables(gui.app.root)


def test_the_jobs_progress_is_spoken_in_speech_mode(fresh_app):
    gui, app = fresh_app, fresh_app.app
    with_document(gui, "resepti.pdf", 1)
    gui.tap(gui.button("Omat asiakirjat (1)"))
    gui.tap(gui.button("Tulosta"))
    gui.wait_until(lambda: not app.printing.preparing, 10)
    gui.frames()
    app.speech_nav.set_speech(True)
    try:
        speaker = app.devices.speaker
        button = gui.button("Tulosta yksi sivu")
        gui.tap(button)  # the first tap says what it is
        assert speaker.spoken[-1][1].startswith("painike, Tulosta yksi sivu")
        gui.tap(button)  # the second prints
        assert app.journey.screen == "print_status"
        gui.wait_until(lambda: app.printing.job_state == "done", 30)
        gui.wait_until(lambda: "Tulosteesi on valmis." in speaker.spoken[-1][1], 5)
        assert speaker.spoken[-1] == ("fi", "Tulosteesi on valmis. Nouda tuloste palvelutiskin vieressä olevasta tulostimesta.")
    finally:
        app.speech_nav.set_speech(False)
