"""The printing service against a real cupsd: cups-pdf prints for real (and the tests read
the PDF it made), a held queue keeps jobs for cancel and wipe, paused and rejecting
queues are faults."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from kiosk.background import Immediate
from kiosk.config import load_config
from kiosk.devices.printer import CupsPrinter
from kiosk.devices.processes import SessionProcesses
from kiosk.printing import Printing
from kiosk.wipe import SessionWipe, register_device_steps
from testbed.cupsd import PDF_PRINTER
from testbed.fakes import FakeScheduler
from testbed.pdfs import make_pdf, pdf_pages, pdf_text

BASE = load_config().printing
USER = "kiosk-printing-test"


@pytest.fixture
def kiosk(cupsd, tmp_path):
    """A printing service on one of the test cupsd's queues (PDF by default)."""
    made = []

    def make(queue: str = PDF_PRINTER, **config):
        printer = CupsPrinter(cupsd.socket, USER, queue)
        session = tmp_path / "run" / "session"
        (session / "downloads").mkdir(parents=True, exist_ok=True)
        scheduler = FakeScheduler()
        printing = Printing(printer, replace(BASE, **config), session, Immediate(), scheduler,
                            clock=lambda: scheduler.now)
        made.append(printer)
        return printing, scheduler

    yield make
    for printer in made:
        printer.purge_jobs()
        printer.close()


def choose(printing, name: str, pages: int):
    make_pdf(printing.documents_dir / name, pages, "Kela decision page {n}")
    printing.refresh_documents()
    printing.choose(next(d for d in printing.documents if d.name == name))
    assert printing.problem == "" and printing.printer_fault == "", printing.reason


def follow(printing, scheduler, until=("done", "failed", "cancelled"), timeout=60.0):
    deadline = time.monotonic() + timeout
    while printing.job_state not in until:
        assert time.monotonic() < deadline, f"job still {printing.job_state}"
        time.sleep(0.1)
        scheduler.advance(1)


def test_the_chosen_pages_come_out_of_the_printer(kiosk, cupsd):
    printing, scheduler = kiosk()
    choose(printing, "decision.pdf", 5)
    printing.set_range(2, 4)
    assert printing.confirm()
    job = printing._job
    follow(printing, scheduler)
    assert printing.job_state == "done" and printing.pages_used == 3
    deadline = time.monotonic() + 30
    while cupsd.printed(job) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    printed = cupsd.printed(job)
    assert printed is not None, sorted(p.name for p in cupsd.pdf_dir.iterdir())
    assert pdf_pages(printed) == 3
    text = pdf_text(printed)
    assert "Kela decision page 2" in text and "Kela decision page 4" in text
    assert "page 1" not in text and "page 5" not in text
    assert "decision.pdf" not in printed.name  # the job's title is neutral


def test_the_person_cancels_a_held_job_and_cups_forgets_it(kiosk, cupsd):
    printing, scheduler = kiosk(cupsd.add_queue("HeldCancel", held=True))
    choose(printing, "a.pdf", 2)
    assert printing.confirm()
    scheduler.advance(1)
    assert printing.job_state == "waiting" and cupsd.jobs(USER) == [printing._job]
    printing.cancel()
    assert printing.job_state == "cancelled" and printing.pages_used == 0
    assert cupsd.jobs(USER) == []


def test_cups_never_hears_the_file_name_which_may_carry_a_persons_name(kiosk, cupsd):
    import cups

    printing, scheduler = kiosk(cupsd.add_queue("HeldName", held=True))
    choose(printing, "Maija Meikäläinen päätös.pdf", 2)
    assert printing.confirm()
    scheduler.advance(1)
    assert printing.job_state == "waiting"
    cups.setServer(cupsd.socket)
    assert cups.Connection().getJobAttributes(cupsd.jobs(USER)[0])["document-name-supplied"] == "kiosk"
    printing.cancel()
    logs = " ".join(p.read_text(errors="replace") for p in (cupsd.root / "log").iterdir())
    assert "Maija" not in logs and "päätös" not in logs


def test_a_stuck_job_is_cancelled_in_cups(kiosk, cupsd):
    printing, scheduler = kiosk(cupsd.add_queue("HeldStuck", held=True), stuck_after_s=10)
    choose(printing, "a.pdf", 1)
    assert printing.confirm()
    scheduler.advance(11)
    assert printing.job_state == "cancelled" and printing.job_problem == "stuck"
    assert cupsd.jobs(USER) == []


def test_the_wipe_purges_the_sessions_jobs_and_their_files(kiosk, cupsd, tmp_path):
    printing, scheduler = kiosk(cupsd.add_queue("HeldWipe", held=True))
    choose(printing, "a.pdf", 2)
    assert printing.confirm()
    cupsd.hold_job(USER)  # and one the service no longer follows (after a restart, say)
    jobs = cupsd.jobs(USER)
    files = [f"d{job:05d}-001" for job in jobs]
    assert len(jobs) == 2 and set(files) <= set(cupsd.spool_files())
    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    wipe.register_step("printing", printing.reset)
    wipe.register_check("printing forgotten", printing.left_over)
    register_device_steps(wipe, printing.device, SessionProcesses(tmp_path / "run" / "processes"), None)
    receipt = wipe.run("end")
    assert receipt.ok, receipt
    assert cupsd.jobs(USER) == [] and not set(files) & set(cupsd.spool_files())
    assert not (tmp_path / "run" / "session").exists()


@pytest.mark.parametrize("fault", ["paused", "not_accepting"])
def test_a_paused_or_rejecting_printer_is_explained_before_printing(kiosk, cupsd, fault):
    queue = cupsd.add_queue(f"Fault-{fault}")
    if fault == "paused":
        cupsd.pause(queue, "Out of paper")
    else:
        cupsd.reject(queue)
    printing, _ = kiosk(queue)
    reports = []
    printing.bind(on_printer_status=lambda _p, status, told: reports.append(told))
    make_pdf(printing.documents_dir / "a.pdf", 1)
    printing.refresh_documents()
    printing.choose(printing.documents[0])
    assert printing.reason == fault and reports == [fault]
    assert not printing.confirm() and cupsd.jobs(USER) == []


def test_a_cups_that_is_gone_is_a_fault_not_a_crash(tmp_path):
    session = tmp_path / "session"
    (session / "downloads").mkdir(parents=True)
    printer = CupsPrinter(str(tmp_path / "no-cups.sock"), USER)
    try:
        printing = Printing(printer, BASE, session, Immediate(), FakeScheduler())
        make_pdf(printing.documents_dir / "a.pdf", 1)
        printing.refresh_documents()
        printing.choose(printing.documents[0])
        assert printing.reason == "unreachable" and not printing.confirm()
    finally:
        printer.close()
