"""Scanning a paper into the person's documents: one page at a time, each seen before the
next, then one PDF (or a picture per page) in My documents, ready to attach or print.

The pages wait in the session's `scan` folder as the scanner's own JPEGs; saving puts
them, unchanged, into a PDF (img2pdf embeds a JPEG as it is: no second compression, and it
takes milliseconds) or moves them into the documents folder as pictures. The wipe removes
the folder with the session's; `reset` forgets the pages, and a scan still running for the
previous person is dropped when it ends (the wipe has stopped its process anyway).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty

from kiosk.background import Runner
from kiosk.devices.scanner import ScanError, Scanner, ScannerInfo, ScanSettings
from kiosk.i18n import N_

log = logging.getLogger(__name__)
# img2pdf logs each page's details at debug level: under Kivy's logger that is a dozen
# console lines a save, slower than making the PDF.
logging.getLogger("img2pdf").setLevel(logging.WARNING)

MAX_PAGES = 30        # one application's attachments; more is a stuck finger
PREVIEW_PX = 600      # the preview's longer side: the whole page seen on the screen

# What a scanner's fault means to the person at it, and what they can do (kiosk.devices.scanner).
FAULT_TEXTS = {
    "none": N_("No scanner is connected to this computer now. Please ask the staff."),
    "busy": N_("The scanner is busy. Wait a moment and press the button again."),
    "jammed": N_("The paper is stuck in the scanner. Please ask the staff for help."),
    "cover_open": N_("The scanner's lid is open. Close the lid and press the button again."),
    "no_paper": N_("There is no paper in the scanner. Put the paper in and press the button again."),
    "too_many": N_("That is as many pages as one document can have. Save these pages first."),
    "not_saved": N_("The pages could not be saved. Please ask the staff."),
    "failed": N_("Scanning did not work. Press the button again, or ask the staff."),
}


def preview_of(page: Path, target: Path) -> Path:
    """A small JPEG of `page` to see it by: decoded at a quarter or an eighth of its size
    (JPEG's own scaling, which costs a fraction of a full decode), then fitted."""
    from PIL import Image

    with Image.open(page) as image:
        image.draft("RGB", (PREVIEW_PX, PREVIEW_PX))
        image = image.convert("RGB")
        image.thumbnail((PREVIEW_PX, PREVIEW_PX), Image.Resampling.BILINEAR)
        image.save(target, "JPEG", quality=80)
    return target


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem.suffix`, or `stem (2).suffix`... if that is taken."""
    stem = stem.replace("/", "-").replace("\0", "").strip() or "scan"
    candidate, number = folder / f"{stem}{suffix}", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem} ({number}){suffix}"
    return candidate


def write_pdf(pages: list[Path], target: Path) -> Path:
    import img2pdf

    partial = target.with_name(target.name + ".part")  # the documents list skips it
    try:
        with open(partial, "wb") as out:
            img2pdf.convert([str(p) for p in pages], outputstream=out)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


class Scanning(EventDispatcher):
    """The scanner as the person and staff see it. Results arrive on the Kivy thread."""

    available = BooleanProperty(False)     # a scanner is there now
    scanner_name = StringProperty("")
    state = OptionProperty("idle", options=("idle", "finding", "scanning", "saving"))
    fault = StringProperty("")             # the ScanError kind of the last try, "" = none
    pages = ListProperty()                 # this person's pages so far (JPEG paths)
    previews = ListProperty()              # a small picture of each ("" while it is made)
    saved = ListProperty()                 # the documents the last save wrote (names)

    def __init__(self, scanner: Scanner | None, session_dir: Path, runner: Runner, settings: ScanSettings,
                 device: str = "", on_saved: Callable[[], None] = lambda: None, preview_runner: Runner | None = None,
                 **kwargs) -> None:
        """`runner` scans and saves, in order; `preview_runner` makes the pages' small
        pictures beside it (a page is in, and can be saved, before its picture is made)."""
        super().__init__(**kwargs)
        self.preview_runner = preview_runner or runner
        self.scanner, self.settings, self.wanted_device = scanner, settings, device
        self.session_dir, self.runner, self.on_saved = session_dir, runner, on_saved
        self.device = ""
        self._generation = 0   # a person's pages; a result of an earlier one is dropped
        if scanner is not None and hasattr(scanner, "work_dir"):
            scanner.work_dir = self.work_dir

    @property
    def work_dir(self) -> Path:
        return self.session_dir / "scan"

    @property
    def documents_dir(self) -> Path:
        return self.session_dir / "downloads"

    # -- which scanner -------------------------------------------------------------------

    def refresh(self) -> None:
        """Look for the scanner again (at start, when a USB scanner comes or goes)."""
        if self.scanner is None or self.state in ("finding", "scanning", "saving"):
            return
        self.state = "finding"
        self.runner.run(self.scanner.find, self._found)

    def _chosen(self, found: list[ScannerInfo]) -> ScannerInfo | None:
        """The configured scanner among `found`, or the first one where none is configured."""
        if self.wanted_device:
            return next((s for s in found if s.device == self.wanted_device), None)
        return found[0] if found else None

    def _found(self, found, error) -> None:
        if self.state == "finding":
            self.state = "idle"
        if error is not None:
            log.warning("scanner: %s", error)
            found = []
        chosen = self._chosen(found)
        was = self.device
        self.device = chosen.device if chosen else ""
        self.scanner_name = chosen.name if chosen else ""
        self.available = chosen is not None
        if self.device != was:
            log.info("scanner: %s", f"{self.scanner_name} ({self.device})" if chosen else "none")

    # -- a person's pages ----------------------------------------------------------------

    def scan_page(self, again: bool = False) -> None:
        """Scan the paper on the glass as the next page (`again`: instead of the last one)."""
        if self.state != "idle" or self.scanner is None:
            return
        if not self.device:
            self.fault = "none"
            return
        if len(self.pages) >= MAX_PAGES and not again:
            self.fault = "too_many"
            return
        self.fault = ""
        self.state = "scanning"
        generation, number = self._generation, len(self.pages) + (0 if again else 1)
        folder, scanner, device, settings = self.work_dir, self.scanner, self.device, self.settings

        def work() -> str:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            return str(scanner.scan(device, folder / f"page-{generation}-{number}-{os.urandom(3).hex()}.jpg",
                                    settings))

        def done(page, error) -> None:
            if generation != self._generation:  # the person has gone: drop it
                if page:
                    Path(page).unlink(missing_ok=True)
                return
            self.state = "idle"
            if error is not None:
                self.fault = error.kind if isinstance(error, ScanError) else "failed"
                log.warning("scan: %s", error)
                if self.fault in ("none", "failed"):
                    self.refresh()  # unplugged? then the button goes
                return
            if again and self.pages:
                self._remove(-1)
            self.pages.append(page)
            self.previews.append("")  # until its picture is made, beside the next scan or the save
            self._preview(page)
        self.runner.run(work, done)

    def _preview(self, page: str) -> None:
        small = str(Path(page).with_name(Path(page).stem + "-preview.jpg"))

        def done(made, error) -> None:
            if page not in self.pages:  # dropped, saved or wiped meanwhile
                Path(small).unlink(missing_ok=True)
                return
            if error is not None:  # the page is there; only its picture is not
                log.warning("scan preview: %s", error)
            self.previews[self.pages.index(page)] = small if error is None else page
        self.preview_runner.run(lambda: preview_of(Path(page), Path(small)), done)

    def drop_last(self) -> None:
        if self.pages and self.state == "idle":
            self._remove(-1)

    def _remove(self, index: int) -> None:
        page = Path(self.pages.pop(index))
        self.previews.pop(index)
        for path in (page, page.with_name(page.stem + "-preview.jpg")):
            path.unlink(missing_ok=True)

    def save(self, name: str, as_pictures: bool = False) -> None:
        """The pages as one PDF named `name` (or one picture a page) in the documents."""
        if not self.pages or self.state != "idle":
            return
        self.state = "saving"
        generation, pages = self._generation, [Path(p) for p in self.pages]
        folder = self.documents_dir

        def work() -> list[str]:
            if not as_pictures:
                return [write_pdf(pages, free_name(folder, name, ".pdf")).name]
            return [page.replace(free_name(folder, name, ".jpg")).name for page in pages]

        def done(written, error) -> None:
            if generation != self._generation:
                return
            self.state = "idle"
            if error is not None:
                log.error("saving a scan: %s", error)
                self.fault = "not_saved"
                return
            self.discard()
            self.saved = written
            self.on_saved()
        self.runner.run(work, done)

    def discard(self) -> None:
        """Forget the pages scanned so far."""
        while self.pages:
            self._remove(-1)
        self.fault = ""

    # -- staff ------------------------------------------------------------------------------

    def test(self, done: Callable[[str], None]) -> None:
        """Staff's test: find the scanner and scan a page, kept nowhere. `done("")` when it
        works, else `done(fault kind)`."""
        if self.scanner is None:
            done("none")
            return
        scanner, folder, settings = self.scanner, self.session_dir.parent / "staff-scan", self.settings

        def work() -> ScannerInfo:
            chosen = self._chosen(scanner.find())
            if chosen is None:
                raise ScanError("none")
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                scanner.scan(chosen.device, folder / "test.jpg", settings)
            finally:
                for left in folder.iterdir():
                    left.unlink(missing_ok=True)
            return chosen

        def finished(chosen, error) -> None:
            if error is None:
                self._found([chosen], None)
            done("" if error is None else error.kind if isinstance(error, ScanError) else "failed")
        self.runner.run(work, finished)

    # -- the wipe ---------------------------------------------------------------------------

    def reset(self) -> None:
        self._generation += 1
        self.pages = []
        self.previews = []
        self.saved = []
        self.fault = ""
        if self.state in ("scanning", "saving"):
            self.state = "idle"  # its result is dropped when it comes

    def left_over(self) -> int:
        return len(self.pages) + len(self.previews) + len(self.saved) + int(bool(self.fault))
