"""Printing for the person at the terminal: their documents, a preview, what it will cost,
and the job followed until the paper is out.

Libki's users print twice because printing is opaque. Here a person sees the first pages,
the number of sheets, the price and the printer before anything is sent; the job's state
is on screen (and spoken) until it is done, and a fault is explained in plain words before
they print. Nothing the person printed outlives the session: jobs go to CUPS under the
kiosk's job user with a neutral title (never the file name), and the wipe purges them.

Blocking calls (CUPS, poppler) run on a `Background` worker; their results come back on
the Kivy thread. Results that arrive after the document changed or the session ended are
dropped (`_generation`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import (AliasProperty, BooleanProperty, ListProperty, NumericProperty, ObjectProperty,
                             OptionProperty, StringProperty)

from kiosk.background import Runner
from kiosk.config import PrintingConfig
from kiosk.devices import DeviceError
from kiosk.devices.pdf import DocumentError, inspect, previews, write_text_pdf
from kiosk.devices.printer import BLOCKING, Printer, PrinterStatus
from kiosk.documents import PICTURES, Document, list_documents
from kiosk.session import Scheduler

log = logging.getLogger(__name__)

MAX_COPIES = 10
PREVIEW_PAGES = 2
PREVIEW_WIDTH_PX = 480
THUMBNAIL_WIDTH_PX = 120  # a PDF's first page, to pick a document by sight (the file chooser)
POLL_S = 1.0
JOB_TITLE = "kiosk"  # never the file name: it may carry a person's name
JOB_STATES = ("", "sending", "waiting", "printing", "done", "failed", "cancelled")
# The order in which a printer's faults are explained (the first one found is told).
FAULT_ORDER = ("offline", "jammed", "out_of_paper", "door_open", "toner_empty", "paused", "not_accepting")


class Printing(EventDispatcher):
    """The session's documents and its one print job at a time.

    `on_printer_status(status, fault)` fires when the printer's faults change (`status` is a
    PrinterStatus, or None when CUPS cannot be reached; `fault` the blocking fault told to
    the citizen, or ""): the help and fleet side reports it to staff.
    """

    documents = ListProperty()
    document = ObjectProperty(None, allownone=True)
    preparing = BooleanProperty(False)
    previews = ListProperty()
    problem = StringProperty("")            # the chosen document's DocumentError kind
    copies = NumericProperty(1)
    first_page = NumericProperty(1)
    last_page = NumericProperty(1)
    printer = ObjectProperty(None, allownone=True)
    printer_fault = StringProperty("")      # a blocking fault, or "unreachable"
    job_state = OptionProperty("", options=JOB_STATES)
    job_problem = StringProperty("")        # why a job failed or was cancelled
    job_pages = NumericProperty(0)
    pages_used = NumericProperty(0)
    quota = NumericProperty(0)              # 0 = no limit
    staff_alerted = BooleanProperty(False)  # set by whoever tells staff about printer faults
    available = BooleanProperty(True)       # False where the kiosk has no printer

    __events__ = ("on_printer_status",)

    def __init__(self, printer: Printer, config: PrintingConfig, session_dir: Path, runner: Runner,
                 scheduler: Scheduler, clock: Callable[[], float] = time.monotonic,
                 write_pdf: Callable[[Path, list[str]], Path] = write_text_pdf, **kwargs) -> None:
        super().__init__(**kwargs)
        self.device = printer
        self.config = config
        self.session_dir = session_dir
        self.runner = runner
        self.scheduler = scheduler
        self.clock = clock
        self.write_pdf = write_pdf  # staff's test page
        self.quota = config.quota_pages
        self._generation = 0
        self._printed: Path | None = None
        self._job = 0
        self._job_started = 0.0
        self._cancel_poll: Callable[[], None] | None = None
        self._known: dict[Path, Document] = {}
        self._thumbnails: dict[tuple[Path, int], str] = {}
        # Each drawing its own file name, taken when asked: a screen asks for all of its
        # pictures before any is drawn. Kivy knows images by name: never one used twice.
        self._thumbnail_count = 0
        self._last_faults: tuple[str, ...] | None = None

    # -- what the person is about to print ---------------------------------------------

    def _pages(self) -> int:
        return max(0, int(self.last_page) - int(self.first_page) + 1) * int(self.copies)

    pages = AliasProperty(_pages, bind=("first_page", "last_page", "copies"), cache=True)

    def _sheets(self) -> int:
        per_copy = max(0, int(self.last_page) - int(self.first_page) + 1)
        if self.config.two_sided:
            per_copy = math.ceil(per_copy / 2)
        return per_copy * int(self.copies)

    sheets = AliasProperty(_sheets, bind=("first_page", "last_page", "copies"), cache=True)

    def _price(self) -> int:
        return self._pages() * self.config.price_cents

    price_cents = AliasProperty(_price, bind=("first_page", "last_page", "copies"), cache=True)

    def _quota_left(self) -> int:
        return max(0, int(self.quota) - int(self.pages_used)) if self.quota else -1

    quota_left = AliasProperty(_quota_left, bind=("quota", "pages_used"), cache=True)

    def _reason(self) -> str:
        if not self.available:
            return "unavailable"
        if self.job_state in ("sending", "waiting", "printing"):
            return "busy"
        if self.document is None:
            return "no_document"
        if self.problem:
            return self.problem
        if self.preparing:
            return "preparing"
        if self.printer_fault:
            return self.printer_fault
        if self.quota and self._pages() > self.quota - self.pages_used:
            return "quota"
        return ""

    reason = AliasProperty(_reason, bind=("document", "problem", "preparing", "printer_fault", "quota",
                                          "pages_used", "first_page", "last_page", "copies", "job_state", "available"),
                           cache=True)

    @property
    def documents_dir(self) -> Path:
        return self.session_dir / "downloads"

    @property
    def print_dir(self) -> Path:
        return self.session_dir / "print"

    # -- documents -------------------------------------------------------------------------

    def refresh_documents(self) -> None:
        """The session's files, newest first; page counts of new PDFs are read in the background."""
        found, new = list_documents(self.documents_dir, self._known)
        self._known = {d.path: d for d in found}
        self.documents = found
        for document in new:
            self._count_pages(document)

    def _count_pages(self, document: Document) -> None:
        generation = self._generation
        limit = self.config.max_file_mb * 1024 * 1024

        def done(info, error) -> None:
            if generation != self._generation:
                return
            if isinstance(error, DocumentError):
                updated = replace(document, problem=error.kind)
            elif error is not None:
                log.warning("cannot read a document's pages: %s", error)
                return
            else:
                updated = replace(document, pages=info.pages)
            self._update(updated)

        self.runner.run(lambda: inspect(document.path, limit), done)

    def _update(self, document: Document) -> None:
        if document.path not in self._known:
            return
        self._known[document.path] = document
        self.documents = [document if d.path == document.path else d for d in self.documents]
        if self.document is not None and self.document.path == document.path:
            self.document = document

    def thumbnail(self, document: Document, done: Callable[[str], None]) -> None:
        """A small picture of a PDF's first page, to `done` on the Kivy thread ("" for none)."""
        key, limit = (document.path, document.size_bytes), self.config.max_file_mb * 1024 * 1024
        if key in self._thumbnails or document.kind != "PDF":
            done(self._thumbnails.get(key, ""))
            return
        self._thumbnail_count += 1
        target = self.print_dir / f"thumbnail-{self._thumbnail_count}"

        def work() -> str:
            target.parent.mkdir(parents=True, exist_ok=True)
            inspect(document.path, limit)  # a file too large or damaged is not drawn
            return str(previews(document.path, 1, target, THUMBNAIL_WIDTH_PX)[0])

        def finished(image, error) -> None:
            if document.path in self._known:  # not after the wipe
                self._thumbnails[key] = "" if error is not None else image
            done("" if error is not None else image)

        self.runner.run(work, finished)

    def delete(self, document: Document) -> None:
        """The person deletes one of their files."""
        try:
            document.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            log.error("cannot delete a session document: %s", error)
            return
        self._known.pop(document.path, None)
        self.documents = [d for d in self.documents if d.path != document.path]
        if self.document is not None and self.document.path == document.path:
            self._forget_choice()

    # -- preview and confirmation -------------------------------------------------------

    def choose(self, document: Document) -> None:
        """The person wants to print `document`: check it, preview its first pages, and
        look at the printer, all in the background."""
        self._forget_choice()
        generation = self._generation
        self.document = document
        self.copies = 1
        if document.kind != "PDF" and document.kind not in PICTURES:
            self.problem = "not_pdf"
            return
        self.preparing = True
        limit = self.config.max_file_mb * 1024 * 1024
        target = self.print_dir

        def work():
            target.mkdir(parents=True, exist_ok=True)
            printed = document.path
            if document.kind in PICTURES:  # a downloaded picture: one page, as from a stick
                from kiosk.devices.pictures import picture_pdf

                printed = picture_pdf(document.path, target / f"picture-{generation}.pdf")
            info = inspect(printed, limit)
            images = [str(p) for p in previews(printed, min(PREVIEW_PAGES, info.pages),
                                               target / f"preview-{generation}", PREVIEW_WIDTH_PX)]
            return info, images, printed

        def done(result, error) -> None:
            if generation != self._generation:
                return
            self.preparing = False
            if isinstance(error, DocumentError):
                self.problem = error.kind
                self._update(replace(document, problem=error.kind))
            elif error is not None:
                log.error("cannot prepare a document for printing: %s", error)
                self.problem = "damaged"
            else:
                info, images, self._printed = result
                self._update(replace(document, pages=info.pages))
                self.first_page, self.last_page = 1, info.pages
                self.previews = images

        self.runner.run(work, done)
        self.refresh_printer()

    def _forget_choice(self) -> None:
        self._generation += 1
        self.document = None
        self.preparing = False
        self.previews = []
        self.problem = ""
        self.copies = 1
        self.first_page = self.last_page = 1
        self._printed = None  # the file sent to the printer: the document, or its picture's PDF
        for image in (*self.print_dir.glob("preview-*.png"), *self.print_dir.glob("picture-*.pdf")):
            image.unlink(missing_ok=True)

    def set_copies(self, copies: int) -> None:
        self.copies = max(1, min(MAX_COPIES, int(copies)))

    def set_range(self, first: int, last: int) -> None:
        """Pages `first`..`last` of the chosen document (kept in order and within it)."""
        total = self.document.pages if self.document is not None and self.document.pages else 1
        first = max(1, min(total, int(first)))
        last = max(first, min(total, int(last)))
        self.first_page, self.last_page = first, last

    def lift_quota(self) -> None:
        """Staff let this person print without a limit, until the session ends."""
        log.info("print limit lifted by staff for this session")
        self.quota = 0

    # -- the printer ------------------------------------------------------------------------

    def refresh_printer(self) -> None:
        self.runner.run(self.device.status, self._on_status)

    def _on_status(self, status: PrinterStatus | None, error: BaseException | None) -> None:
        if error is not None:
            if not isinstance(error, DeviceError):
                log.error("printer status: %s", error)
            status = None
        self.printer = status
        if status is None:
            fault = "unreachable"
        else:
            fault = next((f for f in FAULT_ORDER if f in status.faults and f in BLOCKING), "")
        self.printer_fault = fault
        faults = ("unreachable",) if status is None else status.faults
        if faults != self._last_faults:
            self._last_faults = faults
            if faults:
                log.error("printer %s: %s%s", status.name if status else "?", ", ".join(faults),
                          f" ({error})" if error is not None else "")
            else:
                log.info("printer %s: ready", status.name)
            self.dispatch("on_printer_status", status, fault)

    def on_printer_status(self, status: PrinterStatus | None, fault: str) -> None:
        pass

    def test_page(self, page: Path, text: str, done: Callable[[str], None]) -> None:
        """Staff's test page (`text` on it), written to `page` and sent; `done(problem)`."""
        def work() -> int:
            page.parent.mkdir(parents=True, exist_ok=True)
            self.write_pdf(page, [text])
            try:
                return self.device.submit(page, "kiosk test page")
            finally:
                page.unlink(missing_ok=True)  # CUPS has its own copy once the job is accepted

        def sent(_job, error) -> None:
            done(str(error) if error else "")
            self.refresh_printer()

        self.runner.run(work, sent)

    def cancel_all(self, done: Callable[[int, str], None]) -> None:
        """Staff's "cancel every job" on the printer; `done(count, problem)`."""
        self.runner.run(self.device.purge_jobs, lambda count, error: done(count or 0, str(error) if error else ""))

    # -- the job -------------------------------------------------------------------------------

    def confirm(self) -> bool:
        """The person confirmed: send the job. False (with `reason` saying why) if it cannot go."""
        if self.reason:
            log.info("print refused: %s", self.reason)
            return False
        document = self.document
        pages = self._pages()
        page_ranges = "" if (self.first_page == 1 and self.last_page == document.pages) \
            else f"{int(self.first_page)}-{int(self.last_page)}"
        copies = int(self.copies)
        generation = self._generation
        self.pages_used += pages  # held now, so a second tap cannot pass the quota
        self.job_pages = pages
        self.job_state = "sending"
        self.job_problem = ""

        def done(job, error) -> None:
            if generation != self._generation:
                return
            if error is not None:
                log.error("print job not accepted: %s", error)
                self._finish("failed", "not_sent")
                return
            self._job = job
            self._job_started = self.clock()
            self.job_state = "waiting"
            self._cancel_poll = self.scheduler.call_later(POLL_S, self._poll)

        printed = self._printed or document.path
        self.runner.run(lambda: self.device.submit(printed, JOB_TITLE, copies, page_ranges,
                                                   self.config.two_sided), done)
        return True

    def _poll(self) -> None:
        self._cancel_poll = None
        job, generation = self._job, self._generation
        if not job:
            return

        def done(state, error) -> None:
            if generation != self._generation or job != self._job:
                return
            if error is not None:
                log.warning("cannot read the state of print job %s: %s", job, error)
            elif state in (None, "completed"):
                # Gone from CUPS without an error: printed (with PreserveJobHistory No a
                # finished job is forgotten at once; a failing one stops the queue instead).
                self._finish("done", "")
                return
            elif state in ("canceled", "aborted"):
                self._finish("failed", "aborted")
                return
            elif state == "processing":
                self.job_state = "printing"
            if self.clock() - self._job_started >= self.config.stuck_after_s:
                self._give_up()
                return
            self.refresh_printer()
            self._cancel_poll = self.scheduler.call_later(POLL_S, self._poll)

        self.runner.run(lambda: self.device.job_state(job), done)

    def _give_up(self) -> None:
        job = self._job
        log.error("print job %s not finished after %s s: cancelled", job, self.config.stuck_after_s)
        self.runner.run(lambda: self.device.cancel(job), self._after_cancel)
        self._finish("cancelled", "stuck")

    def cancel(self) -> None:
        """The person cancels the job that has not come out yet."""
        if self.job_state not in ("sending", "waiting", "printing"):
            return
        job = self._job
        if job:
            self.runner.run(lambda: self.device.cancel(job), self._after_cancel)
        self._finish("cancelled", "by_person")

    def _after_cancel(self, _result, error) -> None:
        if error is not None:
            log.error("cannot cancel a print job: %s (the wipe purges it at the latest)", error)

    def _finish(self, state: str, problem: str) -> None:
        if self._cancel_poll is not None:
            self._cancel_poll()
            self._cancel_poll = None
        if state != "done":
            self.pages_used = max(0, self.pages_used - self.job_pages)  # not printed, not counted
        if state == "done":
            log.info("print job done: %d pages", self.job_pages)
        self._job = 0
        self.job_problem = problem
        self.job_state = state

    def clear_job(self) -> None:
        """The person has read how the job ended."""
        if self.job_state in ("done", "failed", "cancelled"):
            self.job_state = ""
            self.job_problem = ""

    # -- the wipe --------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the session: its documents, choice, job and pages (the printer's own
        wipe step purges the jobs in CUPS; the session directory goes with the files)."""
        if self._cancel_poll is not None:
            self._cancel_poll()
            self._cancel_poll = None
        self._forget_choice()
        self._job = 0
        self.job_state = ""
        self.job_problem = ""
        self.job_pages = 0
        self.pages_used = 0
        self.quota = self.config.quota_pages
        self._known = {}
        self._thumbnails = {}
        self.documents = []

    def left_over(self) -> int:
        """How much of the session the service still holds (the wipe's check)."""
        return sum((bool(self.documents), self.document is not None, bool(self.job_state), self.pages_used > 0,
                    self.quota != self.config.quota_pages, bool(self._job)))
