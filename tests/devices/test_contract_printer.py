"""The print queue's contract: one set of assertions that FakePrinter (the demo and the unit
tests) and CupsPrinter (a queue of the test cupsd) must both pass. It is what the printing
service (kiosk/printing.py) and the wipe rely on: a job id from submit, job states from
waiting to done, faults in the printer's status, a count from purge, DeviceError whenever
CUPS refuses or cannot be asked.

Each bench makes printers in a given situation and puts them in another (paused, out of
paper, rejecting jobs): the fake by its `faults`, the real one as an administrator or a
printer's backend would tell cupsd.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.printer import JOB_STATES, CupsPrinter, FakePrinter
from testbed.desk import wait_for
from testbed.pdfs import make_pdf

USER = "kiosk-contract-test"  # its own CUPS user: no other test's jobs are counted
STATES = ("idle", "printing", "stopped")
QUEUES = itertools.count(1)
JOB_S = 60  # a job through the virtual printer, on a loaded machine


class FakeBench:
    def printer(self, held: bool = False) -> FakePrinter:
        return FakePrinter(hold=held)

    def pause(self, printer: FakePrinter) -> None:
        printer.faults += ("paused",)

    def run_out_of_paper(self, printer: FakePrinter) -> None:
        printer.faults += ("out_of_paper",)

    def reject(self, printer: FakePrinter) -> None:
        printer.faults += ("not_accepting",)

    def unreachable(self) -> FakePrinter:
        printer = FakePrinter()
        printer.fail_with = "CUPS at the fake server did not answer"
        return printer

    def close(self) -> None:
        pass


class CupsBench:
    """Every printer on a fresh queue of the session's cupsd; its jobs purged afterwards."""

    def __init__(self, cupsd, directory: Path) -> None:
        self.cupsd = cupsd
        self.directory = directory
        self.made: list[CupsPrinter] = []

    def printer(self, held: bool = False) -> CupsPrinter:
        queue = self.cupsd.add_queue(f"Contract{next(QUEUES)}", held=held)
        return self._keep(CupsPrinter(self.cupsd.socket, USER, queue))

    def pause(self, printer: CupsPrinter) -> None:
        self.cupsd.pause(printer.queue, "Out of paper")

    def run_out_of_paper(self, printer: CupsPrinter) -> None:
        self.cupsd.set_reasons(printer.queue, "media-empty-error")

    def reject(self, printer: CupsPrinter) -> None:
        self.cupsd.reject(printer.queue)

    def unreachable(self) -> CupsPrinter:
        return self._keep(CupsPrinter(str(self.directory / "no-cups.sock"), USER))

    def _keep(self, printer: CupsPrinter) -> CupsPrinter:
        self.made.append(printer)
        return printer

    def close(self) -> None:
        for printer in self.made:
            try:
                printer.purge_jobs()
            except DeviceError:
                pass  # the unreachable one
            printer.close()


@pytest.fixture(params=["fake", "cups"])
def bench(request, tmp_path):
    made = FakeBench() if request.param == "fake" else CupsBench(request.getfixturevalue("cupsd"), tmp_path)
    yield made
    made.close()


@pytest.fixture
def document(tmp_path) -> Path:
    return make_pdf(tmp_path / "decision.pdf", 2, "Kela decision page {n}")


def test_a_job_gets_an_id_and_goes_from_waiting_to_completed(bench, document):
    printer = bench.printer()
    status = printer.status()
    assert status.name and status.state == "idle" and status.faults == () and status.can_print
    job = printer.submit(document, "Kela decision", copies=2, page_ranges="1")
    assert isinstance(job, int) and job > 0
    seen: list[str | None] = []
    wait_for(lambda: seen.append(printer.job_state(job)) or seen[-1] in (None, "completed"), JOB_S)
    # What the printing service follows: waiting or printing, then done (None: done and forgotten).
    assert set(seen[:-1]) <= {"pending", "processing"}, seen
    assert printer.pending_jobs() == []
    assert printer.job_state(job) in (None, "completed")
    assert printer.submit(document, "Kela decision") != job  # every job its own id
    assert printer.job_state(job + 1000) is None  # a job it never had


def test_a_held_job_waits_is_the_sessions_and_cancelling_forgets_it(bench, document):
    printer = bench.printer(held=True)
    job = printer.submit(document, "tax card")
    assert printer.job_state(job) == "held" and printer.job_state(job) in JOB_STATES.values()
    assert printer.pending_jobs() == [job]
    printer.cancel(job)
    assert printer.job_state(job) is None and printer.pending_jobs() == []
    printer.cancel(job)  # already gone: not an error


def test_the_wipe_purges_every_job_of_the_session_and_says_how_many(bench, document):
    printer = bench.printer(held=True)
    jobs = [printer.submit(document, "a"), printer.submit(document, "b")]
    assert sorted(printer.pending_jobs()) == sorted(jobs)
    assert printer.purge_jobs() == 2
    assert printer.pending_jobs() == [] and [printer.job_state(job) for job in jobs] == [None, None]
    assert printer.purge_jobs() == 0


def test_a_paused_printer_is_stopped_and_keeps_a_new_job_waiting(bench, document):
    printer = bench.printer()
    bench.pause(printer)
    status = printer.status()
    assert status.state == "stopped" and "paused" in status.faults and not status.can_print
    job = printer.submit(document, "a")  # a paused queue still takes jobs
    assert printer.job_state(job) == "pending" and printer.pending_jobs() == [job]


def test_a_printer_out_of_paper_reports_a_blocking_fault(bench):
    printer = bench.printer()
    bench.run_out_of_paper(printer)
    status = printer.status()
    assert status.state in STATES and "out_of_paper" in status.faults and not status.can_print


def test_a_queue_that_rejects_jobs_says_so_and_refuses_a_job(bench, document):
    printer = bench.printer()
    bench.reject(printer)
    status = printer.status()
    assert status.state in STATES and "not_accepting" in status.faults and not status.can_print
    with pytest.raises(DeviceError):
        printer.submit(document, "a")
    assert printer.pending_jobs() == []


def test_every_call_to_a_cups_that_is_gone_is_a_device_error(bench, document):
    printer = bench.unreachable()
    calls = {"status": printer.status, "pending_jobs": printer.pending_jobs, "purge_jobs": printer.purge_jobs,
             "submit": lambda: printer.submit(document, "a"), "cancel": lambda: printer.cancel(1),
             "job_state": lambda: printer.job_state(1)}
    for name, call in calls.items():
        with pytest.raises(DeviceError):
            call()
            pytest.fail(f"{name} did not fail")
