"""Print queues. The kiosk submits every job as one CUPS user (`job_user`), so the jobs of
the current session are exactly that user's not-completed jobs: the wipe purges them all.

It also submits jobs, reads their state, and reads the printer's state with its faults
from `printer-state-reasons` (suffixes -error, -warning, -report), which the printing
service turns into plain words for the citizen and a status for staff.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, TypeVar

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)

HTTP_CONTINUE = 100  # what cupsWriteRequestData answers while a document is accepted (pycups has no name)
T = TypeVar("T")
CALL_TIMEOUT_S = 5.0


# printer-state-reasons (without their -error/-warning/-report suffix) -> fault kind.
FAULTS = {
    "media-empty": "out_of_paper", "media-needed": "out_of_paper", "input-tray-missing": "out_of_paper",
    "media-jam": "jammed", "door-open": "door_open", "cover-open": "door_open",
    "toner-empty": "toner_empty", "marker-supply-empty": "toner_empty",
    "toner-low": "toner_low", "marker-supply-low": "toner_low",
    "offline": "offline", "connecting-to-device": "offline", "timed-out": "offline",
    "paused": "paused", "shutdown": "offline",
}
# Faults that stop printing; the others only warn staff.
BLOCKING = {"out_of_paper", "jammed", "door_open", "toner_empty", "offline", "paused", "not_accepting"}
JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled", 8: "aborted",
              9: "completed"}


@dataclass(frozen=True)
class PrinterStatus:
    name: str
    state: str                  # "idle", "printing" or "stopped"
    faults: tuple[str, ...]     # kinds from FAULTS, plus "not_accepting"

    @property
    def can_print(self) -> bool:
        return not BLOCKING.intersection(self.faults)


def faults_from(reasons: list[str], state: int, accepting: bool) -> tuple[str, ...]:
    """Fault kinds from CUPS's printer-state-reasons, printer-state and accepting flag."""
    found = []
    for reason in reasons:
        base = reason
        for suffix in ("-error", "-warning", "-report"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        kind = FAULTS.get(base)
        if kind and kind not in found:
            found.append(kind)
    if state == 5 and "paused" not in found:
        found.append("paused")
    if not accepting:
        found.append("not_accepting")
    return tuple(found)


class Printer(Protocol):
    """A print queue: the session's jobs, submitting, and the printer's state."""

    def pending_jobs(self) -> list[int]:
        """Ids of the kiosk's jobs that are not completed. Raises DeviceError if CUPS cannot be asked."""

    def purge_jobs(self) -> int:
        """Cancel every such job and delete its files (purge); returns how many. Raises DeviceError."""

    def submit(self, document: Path, title: str, copies: int = 1, page_ranges: str = "",
               two_sided: bool = False) -> int:
        """Queue a PDF; returns the job id. Raises DeviceError."""

    def cancel(self, job: int) -> None:
        """Cancel one job and delete its files. Raises DeviceError."""

    def job_state(self, job: int) -> str | None:
        """One of JOB_STATES' values, or None when CUPS no longer knows the job."""

    def status(self) -> PrinterStatus:
        """The queue's state and faults. Raises DeviceError."""


class CupsPrinter:
    """CUPS through pycups. One worker thread owns the connection: a `cups.Connection` used
    from two threads crashes the interpreter."""

    def __init__(self, server: str = "", job_user: str = "kiosk", queue: str = "") -> None:
        self.server = server
        self.job_user = job_user
        self.queue = queue
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cups")
        self._connection = None
        self._lock = threading.Lock()

    def _connect(self):
        import cups

        if self._connection is None:
            if self.server:
                cups.setServer(self.server)
            cups.setUser(self.job_user)
            self._connection = cups.Connection()
        return self._connection

    def _call(self, work: Callable[[object], T]) -> T:
        def run() -> T:
            import cups

            try:
                return work(self._connect())
            except (cups.IPPError, cups.HTTPError, RuntimeError, OSError) as error:
                self._connection = None  # reconnect next time (cupsd restarted, socket gone)
                raise DeviceError(f"CUPS at {self.server or 'the default server'} did not answer: {error}") from None

        try:
            return self._executor.submit(run).result(timeout=CALL_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            raise DeviceError(f"CUPS at {self.server or 'the default server'} did not answer "
                              f"within {CALL_TIMEOUT_S:g} s") from None

    def pending_jobs(self) -> list[int]:
        return self._call(lambda c: sorted(self._own_jobs(c)))

    def purge_jobs(self) -> int:
        def purge(connection) -> int:
            # Finished jobs too: where a CUPS keeps job history, it goes with the session.
            jobs = self._own_jobs(connection, "all")
            for job in jobs:
                connection.cancelJob(job, purge_job=True)
            return len(jobs)

        return self._call(purge)

    def cancel(self, job: int) -> None:
        def cancel(connection) -> None:
            import cups

            try:
                connection.cancelJob(job, purge_job=True)
            except cups.IPPError as error:
                if error.args[0] != cups.IPP_NOT_FOUND:  # already finished and forgotten
                    raise

        self._call(cancel)

    def _own_jobs(self, connection, which: str = "not-completed") -> list[int]:
        # my_jobs asks CUPS for the requesting user's jobs (cups.setUser above): their
        # owner's name is a private value CUPS would not show us.
        return list(connection.getJobs(which_jobs=which, my_jobs=True, requested_attributes=["job-id"]))

    def _queue(self, connection) -> str:
        if self.queue:
            return self.queue
        default = connection.getDefault()
        if not default:
            raise DeviceError("CUPS has no default printer and [printing] queue is not set")
        return default

    def submit(self, document: Path, title: str, copies: int = 1, page_ranges: str = "",
               two_sided: bool = False) -> int:
        options = {"copies": str(copies), "sides": "two-sided-long-edge" if two_sided else "one-sided"}
        if page_ranges:
            options["page-ranges"] = page_ranges
        def send(connection) -> int:
            # Not printFile: it names the document after the file, and a file name may carry
            # a person's name into CUPS's logs. The document is called what the job is.
            # Titles have no whitespace: Debian 12's cupsd (2.4.2-3+deb12u10) loops for ever
            # on a job attribute with a space in it, writing until it segfaults.
            import cups

            queue = self._queue(connection)
            name = "-".join(title.split()) or "kiosk"
            job = connection.createJob(queue, name, options)
            try:
                connection.startDocument(queue, job, name, "application/pdf", 1)
                with open(document, "rb") as handle:
                    while chunk := handle.read(64 * 1024):
                        if connection.writeRequestData(chunk, len(chunk)) != HTTP_CONTINUE:
                            raise cups.IPPError(cups.IPP_INTERNAL_ERROR, "the document could not be sent")
                if connection.finishDocument(queue) != cups.IPP_OK:
                    raise cups.IPPError(cups.IPP_INTERNAL_ERROR, "the document was not accepted")
            except (cups.IPPError, cups.HTTPError, OSError):
                try:
                    connection.cancelJob(job, purge_job=True)
                except cups.IPPError:
                    pass
                raise
            return job

        return self._call(send)

    def job_state(self, job: int) -> str | None:
        def read(connection):
            import cups

            try:
                attributes = connection.getJobAttributes(job, requested_attributes=["job-state"])
            except cups.IPPError:
                return None
            return JOB_STATES.get(attributes.get("job-state"))

        return self._call(read)

    def status(self) -> PrinterStatus:
        def read(connection) -> PrinterStatus:
            name = self._queue(connection)
            attributes = connection.getPrinterAttributes(
                name, requested_attributes=["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"])
            state = attributes.get("printer-state", 3)
            reasons = [r for r in attributes.get("printer-state-reasons", []) if r != "none"]
            accepting = bool(attributes.get("printer-is-accepting-jobs", True))
            return PrinterStatus(name, {3: "idle", 4: "printing"}.get(state, "stopped"),
                                 faults_from(reasons, state, accepting))

        return self._call(read)

    def use_server(self, server: str) -> None:
        """Talk to CUPS at `server` from the next call on (connected to afresh)."""
        self.server, self._connection = server, None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class FakePrinter:
    """A print queue in memory, for the laptop demo and unit tests; records what it was asked.

    A job is printing when first asked about and done the time after, as a quick printer
    would be; `hold = True` keeps jobs queued (as a held CUPS job). Set `faults` to
    simulate a printer out of paper and the like ("not_accepting": a rejecting queue, which
    refuses new jobs), `fail_with` to simulate CUPS not answering. Its contract with
    CupsPrinter: tests/devices/test_contract_printer.py.
    """

    def __init__(self, hold: bool = False) -> None:
        self.hold = hold
        self.jobs: list[int] = []
        self.purged: list[int] = []
        self.cancelled: list[int] = []
        self.submitted: list[tuple[str, str, int, str]] = []
        self.fail_with: str = ""
        self.faults: tuple[str, ...] = ()
        self._asked: dict[int, int] = {}
        self._next = 1

    def submit(self, document: Path, title: str, copies: int = 1, page_ranges: str = "",
               two_sided: bool = False) -> int:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        if "not_accepting" in self.faults:  # as CUPS refuses a job on a rejecting queue
            raise DeviceError("the printer Fake is not accepting jobs")
        self.submitted.append((str(document), title, copies, page_ranges))
        return self.hold_job()

    def cancel(self, job: int) -> None:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        if job in self.jobs:
            self.jobs.remove(job)
            self.cancelled.append(job)

    def job_state(self, job: int) -> str | None:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        if job not in self.jobs:
            return None
        if self.hold or BLOCKING.intersection(self.faults):
            return "held" if self.hold else "pending"
        self._asked[job] = self._asked.get(job, 0) + 1
        if self._asked[job] == 1:
            return "processing"
        self.jobs.remove(job)
        return "completed"

    def status(self) -> PrinterStatus:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        return PrinterStatus("Fake", "stopped" if BLOCKING.intersection(self.faults) else "idle", self.faults)

    def hold_job(self) -> int:
        job = self._next
        self._next += 1
        self.jobs.append(job)
        return job

    def pending_jobs(self) -> list[int]:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        return list(self.jobs)

    def purge_jobs(self) -> int:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        count = len(self.jobs)
        self.purged += self.jobs
        self.jobs = []
        return count


class NoPrinter:
    """Printing turned off: there are never jobs to purge, and nothing can be submitted."""

    def submit(self, document: Path, title: str, copies: int = 1, page_ranges: str = "",
               two_sided: bool = False) -> int:
        raise DeviceError("printing is turned off on this kiosk ([devices] printer = \"none\")")

    def cancel(self, job: int) -> None:
        pass

    def job_state(self, job: int) -> str | None:
        return None

    def status(self) -> PrinterStatus:
        return PrinterStatus("", "stopped", ("offline",))

    def pending_jobs(self) -> list[int]:
        return []

    def purge_jobs(self) -> int:
        return 0
