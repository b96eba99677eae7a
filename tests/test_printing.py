"""The printing service with the fake printer, real poppler and a fake clock (no display)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.background import Immediate
from kiosk.config import Text, load_config
from kiosk.devices.printer import FakePrinter
from kiosk.printing import Printing
from testbed.fakes import FakeScheduler
from testbed.pdfs import make_encrypted_pdf, make_page_pdf, make_pdf

BASE = load_config().printing


def service(tmp_path, printer=None, **config):
    session = tmp_path / "session"
    (session / "downloads").mkdir(parents=True, exist_ok=True)
    scheduler = FakeScheduler()
    printing = Printing(printer or FakePrinter(), replace(BASE, **config), session, Immediate(), scheduler,
                        clock=lambda: scheduler.now)
    return printing, scheduler


def download(printing, name, pages=3):
    return make_pdf(printing.documents_dir / name, pages)


def chosen(printing, name):
    printing.refresh_documents()
    document = next(d for d in printing.documents if d.name == name)
    printing.choose(document)
    return document


def test_documents_are_listed_with_type_pages_and_size(tmp_path):
    printing, _ = service(tmp_path)
    download(printing, "päätös.pdf", 4)
    (printing.documents_dir / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (printing.documents_dir / "half.pdf.crdownload").write_bytes(b"%PDF-")  # still downloading
    printing.refresh_documents()
    by_name = {d.name: d for d in printing.documents}
    assert set(by_name) == {"päätös.pdf", "photo.png"}
    assert by_name["päätös.pdf"].kind == "PDF" and by_name["päätös.pdf"].pages == 4
    assert by_name["päätös.pdf"].size_bytes > 0 and by_name["päätös.pdf"].printable
    assert by_name["photo.png"].kind == "PNG" and by_name["photo.png"].printable  # as one page


def test_choosing_a_document_previews_its_first_pages_and_counts_sheets_and_price(tmp_path):
    printing, _ = service(tmp_path, price_cents=15, two_sided=True)
    download(printing, "decision.pdf", 5)
    chosen(printing, "decision.pdf")
    assert not printing.preparing and printing.problem == ""
    assert len(printing.previews) == 2 and all(p.endswith(".png") for p in printing.previews)
    assert (printing.first_page, printing.last_page) == (1, 5)
    printing.set_copies(2)
    assert printing.pages == 10 and printing.sheets == 6 and printing.price_cents == 150
    printing.set_range(2, 3)
    assert printing.pages == 4 and printing.sheets == 2
    printing.set_range(4, 2)  # an end before the start is moved up to it
    assert (printing.first_page, printing.last_page) == (4, 4)
    printing.set_copies(50)
    assert printing.copies == 10


def test_confirmed_job_is_sent_followed_and_done(tmp_path):
    printer = FakePrinter()
    printing, scheduler = service(tmp_path, printer)
    document = download(printing, "tax-card.pdf", 3)
    chosen(printing, "tax-card.pdf")
    printing.set_range(2, 3)
    assert printing.confirm()
    # Sent under a neutral title: a file name may carry a person's name.
    assert printer.submitted == [(str(document), "kiosk", 1, "2-3")]
    assert printing.job_state == "waiting" and printing.pages_used == 2
    scheduler.advance(1)
    assert printing.job_state == "printing"
    scheduler.advance(1)
    assert printing.job_state == "done" and printing.pages_used == 2


@pytest.mark.parametrize("make, kind", [
    (lambda p: p.write_bytes(b"MZ\x90\x00 an executable renamed"), "not_pdf"),
    (lambda p: make_encrypted_pdf(p), "encrypted"),
    (lambda p: p.write_bytes(make_pdf(p, 3).read_bytes()[:300]), "damaged"),
    (lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
                             b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), "empty"),
    (lambda p: make_pdf(p, 400, "A long page of text, number {n}, " + "x" * 3000), "too_large"),
    # A few hundred bytes whose preview would be a 480 x 720,000 px bitmap; then the same
    # page second, behind an ordinary first one.
    (lambda p: make_page_pdf(p, 1, 1500), "unshowable"),
    (lambda p: p.write_bytes(b"/MediaBox[0 0 1 1500]".join(
        make_pdf(p, 2).read_bytes().rsplit(b"/MediaBox[0 0 595 842]", 1))), "unshowable"),
])
def test_bad_documents_are_explained_and_nothing_reaches_the_printer(tmp_path, make, kind):
    printer = FakePrinter()
    printing, _ = service(tmp_path, printer, max_file_mb=1)
    make(printing.documents_dir / "document.pdf")
    chosen(printing, "document.pdf")
    assert printing.problem == kind and printing.reason == kind
    assert not printing.confirm()
    assert printer.submitted == [] and printing.pages_used == 0
    assert (printing.documents_dir / "document.pdf").exists()  # nothing lost from the session
    assert [d.problem for d in printing.documents] == [kind]


def test_a_downloaded_picture_is_printed_as_one_page_and_a_broken_one_is_explained(tmp_path):
    """A picture saved from an e-service (a photo of a receipt) prints as from a memory
    stick: made into a one-page PDF in the session's print folder, previewed, and that PDF
    goes to the printer; the picture itself stays in My documents."""
    from PIL import Image

    printer = FakePrinter()
    printing, _ = service(tmp_path, printer)
    Image.new("RGB", (900, 600), (200, 40, 40)).save(printing.documents_dir / "kuitti.png")
    picture = chosen(printing, "kuitti.png")
    assert printing.problem == "" and printing.document.pages == 1 and len(printing.previews) == 1
    assert printing.confirm()
    ((sent, _title, copies, ranges),) = printer.submitted
    assert Path(sent).parent == printing.print_dir and Path(sent).read_bytes()[:5] == b"%PDF-"
    assert (copies, ranges) == (1, "") and picture.path.exists()

    printer.submitted.clear()
    printing.clear_job()
    whole = (printing.documents_dir / "kuitti.png").read_bytes()
    (printing.documents_dir / "rikki.png").write_bytes(whole[: len(whole) // 3])
    chosen(printing, "rikki.png")
    assert printing.problem == "damaged" and not printing.confirm() and printer.submitted == []
    assert {d.name: d.problem for d in printing.documents}["rikki.png"] == "damaged"
    chosen(printing, "kuitti.png")  # a new choice forgets the last picture's PDF
    assert len(list(printing.print_dir.glob("picture-*.pdf"))) == 1


def test_a_file_that_is_not_a_pdf_by_name_is_not_printed(tmp_path):
    printer = FakePrinter()
    printing, _ = service(tmp_path, printer)
    (printing.documents_dir / "notes.txt").write_text("hello")
    chosen(printing, "notes.txt")
    assert printing.reason == "not_pdf" and not printing.confirm() and printer.submitted == []


def test_the_quota_holds_across_several_jobs_and_staff_can_lift_it(tmp_path):
    printer = FakePrinter()
    printing, scheduler = service(tmp_path, printer, quota_pages=10)
    download(printing, "a.pdf", 4)
    chosen(printing, "a.pdf")
    printing.set_copies(2)
    assert printing.confirm()  # 8 pages
    scheduler.advance(5)
    assert printing.job_state == "done" and printing.quota_left == 2
    printing.clear_job()
    chosen(printing, "a.pdf")
    assert printing.reason == "quota" and not printing.confirm()
    printing.set_range(1, 2)
    assert printing.reason == "" and printing.confirm()  # exactly the 2 left
    scheduler.advance(5)
    printing.clear_job()
    assert printing.quota_left == 0
    printing.set_range(1, 1)
    assert printing.reason == "quota" and not printing.confirm()
    assert len(printer.submitted) == 2
    printing.lift_quota()
    assert printing.reason == "" and printing.confirm() and len(printer.submitted) == 3


def test_a_double_tap_does_not_send_twice(tmp_path):
    printer = FakePrinter(hold=True)
    printing, _ = service(tmp_path, printer)
    download(printing, "a.pdf", 1)
    chosen(printing, "a.pdf")
    assert printing.confirm()
    assert not printing.confirm() and printing.reason == "busy"
    assert len(printer.submitted) == 1


def test_a_stuck_job_is_cancelled_explained_and_not_counted(tmp_path):
    printer = FakePrinter(hold=True)
    printing, scheduler = service(tmp_path, printer, stuck_after_s=30)
    download(printing, "a.pdf", 2)
    chosen(printing, "a.pdf")
    assert printing.confirm() and printing.pages_used == 2
    scheduler.advance(20)
    assert printing.job_state == "waiting"
    scheduler.advance(15)
    assert printing.job_state == "cancelled" and printing.job_problem == "stuck"
    assert printer.cancelled == [1] and printer.jobs == [] and printing.pages_used == 0


def test_the_person_can_cancel_a_waiting_job(tmp_path):
    printer = FakePrinter(hold=True)
    printing, _ = service(tmp_path, printer)
    download(printing, "a.pdf", 2)
    chosen(printing, "a.pdf")
    printing.confirm()
    printing.cancel()
    assert printing.job_state == "cancelled" and printing.job_problem == "by_person"
    assert printer.cancelled == [1] and printing.pages_used == 0


def test_printer_faults_stop_printing_before_it_starts_and_are_reported(tmp_path):
    printer = FakePrinter()
    printer.faults = ("out_of_paper", "toner_low")
    printing, _ = service(tmp_path, printer)
    reports = []
    printing.bind(on_printer_status=lambda _p, status, fault: reports.append((status.faults, fault)))
    download(printing, "a.pdf", 1)
    chosen(printing, "a.pdf")
    assert printing.printer_fault == "out_of_paper" and printing.reason == "out_of_paper"
    assert not printing.confirm() and printer.submitted == []
    assert reports == [(("out_of_paper", "toner_low"), "out_of_paper")]
    printer.faults = ("toner_low",)  # only a warning for staff: printing goes on
    printing.refresh_printer()
    assert printing.reason == "" and reports[-1] == (("toner_low",), "")
    printing.refresh_printer()
    assert len(reports) == 2  # reported when it changes, not on every look


def test_a_printer_that_does_not_answer_is_a_fault_and_a_failed_send_is_not_counted(tmp_path):
    printer = FakePrinter()
    printing, _ = service(tmp_path, printer)
    download(printing, "a.pdf", 1)
    chosen(printing, "a.pdf")
    printer.fail_with = "CUPS did not answer"
    printing.refresh_printer()
    assert printing.printer_fault == "unreachable" and not printing.confirm()
    printer.fail_with = ""
    printing.refresh_printer()
    assert printing.reason == ""
    printer.fail_with = "CUPS did not answer"
    assert printing.confirm()
    assert printing.job_state == "failed" and printing.job_problem == "not_sent" and printing.pages_used == 0


def test_delete_removes_the_file_and_the_reset_forgets_everything(tmp_path):
    printer = FakePrinter(hold=True)
    printing, scheduler = service(tmp_path, printer, quota_pages=10)
    download(printing, "a.pdf", 2)
    download(printing, "b.pdf", 1)
    chosen(printing, "a.pdf")
    printing.delete(printing.document)
    assert not (printing.documents_dir / "a.pdf").exists() and printing.document is None
    assert [d.name for d in printing.documents] == ["b.pdf"]
    chosen(printing, "b.pdf")
    printing.lift_quota()
    printing.confirm()
    assert printing.left_over() > 0
    printing.reset()
    assert printing.left_over() == 0 and printing.quota == 10 and scheduler.pending == []


def test_printing_turned_off_refuses_with_its_reason(tmp_path):
    printer = FakePrinter()
    printing, _ = service(tmp_path, printer)
    printing.available = False
    download(printing, "a.pdf", 1)
    chosen(printing, "a.pdf")
    assert printing.reason == "unavailable" and not printing.confirm() and printer.submitted == []


def test_the_printer_place_is_a_sentence_in_every_offered_language():
    """Shown as written, with no "Printer:" before it, before printing and when it is ready."""
    assert isinstance(BASE.printer_place, Text)
    assert all(BASE.printer_place.in_(lang)[0].isupper() and BASE.printer_place.in_(lang).endswith(".")
               for lang in ("fi", "sv", "en"))
