"""Print queues. The kiosk submits every job as one CUPS user (`job_user`), so the jobs of
the current session are exactly that user's not-completed jobs: the wipe purges them all.

Printing itself (submitting, live state, faults) builds on this interface.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from typing import Callable, Protocol, TypeVar

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)
T = TypeVar("T")
CALL_TIMEOUT_S = 5.0


class Printer(Protocol):
    """A print queue as the session's wipe sees it."""

    def pending_jobs(self) -> list[int]:
        """Ids of the kiosk's jobs that are not completed. Raises DeviceError if CUPS cannot be asked."""

    def purge_jobs(self) -> int:
        """Cancel every such job and delete its files (purge); returns how many. Raises DeviceError."""


class CupsPrinter:
    """CUPS through pycups. One worker thread owns the connection: a `cups.Connection` used
    from two threads crashes the interpreter."""

    def __init__(self, server: str = "", job_user: str = "kiosk") -> None:
        self.server = server
        self.job_user = job_user
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
            except (cups.IPPError, RuntimeError) as error:
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
            jobs = self._own_jobs(connection)
            for job in jobs:
                connection.cancelJob(job, purge_job=True)
            return len(jobs)

        return self._call(purge)

    def _own_jobs(self, connection) -> list[int]:
        # my_jobs asks CUPS for the requesting user's jobs (cups.setUser above): their
        # owner's name is a private value CUPS would not show us.
        return list(connection.getJobs(which_jobs="not-completed", my_jobs=True,
                                       requested_attributes=["job-id"]))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class FakePrinter:
    """A print queue in memory, for the laptop demo and unit tests; records what it was asked."""

    def __init__(self) -> None:
        self.jobs: list[int] = []
        self.purged: list[int] = []
        self.fail_with: str = ""
        self._next = 1

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
    """Printing turned off: there are never jobs to purge."""

    def pending_jobs(self) -> list[int]:
        return []

    def purge_jobs(self) -> int:
        return 0
