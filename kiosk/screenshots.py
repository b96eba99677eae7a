"""`kiosk screenshots`: every screen, in every offered language and look, as PNG files.

For reviewers, translators and the accessibility work: `DIR/<look>/<language>/<screen>.png`
plus `DIR/manifest.json`, which lists the visible texts of each picture.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Iterator

from kivy.clock import Clock

from kiosk.screens import SCREENS
from kiosk.screens.walk import visible_texts

log = logging.getLogger(__name__)

LOOKS = ("normal", "large", "contrast")


def set_look(app, look: str) -> None:
    app.look.contrast = look == "contrast"
    app.look.set_text_scale(2.0 if look == "large" else 1.0)


def stage(app, screen: str) -> None:
    """Put the journey where `screen` shows real content (a category, a service)."""
    journey = app.journey
    # Who asks to see the screen; the question leaves a screen at once when nobody asks.
    asking = screen == "share_ask"
    app.share.helper = "Aino" if asking else app.share.helper
    if asking:
        app.share.state = "asking"
    if app.catalog.services:
        service = app.catalog.services[0]
        journey.category_id = service.category
        journey.service_id = service.id
    journey.history = [] if screen in ("welcome", "out_of_service", "closed", "goodbye") else ["welcome", "needs"]
    app.session.remaining = app.kiosk_config.timeouts.warning_s
    app.flow.goodbye_language = app.tr.language
    stage_printing(app, screen)
    stage_stick(app, screen)
    stage_scan(app, screen)
    stage_closing(app, screen)
    if screen == "choose_file":  # the page's "Attach a file", for PDFs, with the sample document
        from kiosk.devices.file_chooser import FileChooser

        app.eservices.chooser = FileChooser(node=1, accept=(".pdf",))
        journey.history.append("browser")
    journey.screen = screen
    if not asking and app.share.state == "asking":
        # Once the next screen is on: the question's end has no screen to go back from
        # (two screen changes in one frame would leave the question's screen undropped).
        app.share.state = ""


def stage_closing(app, screen: str) -> None:
    """The closing notice 15 minutes before 20:00, and the closed screen after it, with a
    sample week (Monday to Friday 9-20, Saturday 10-16): what they show, nothing closed."""
    from datetime import datetime, time

    from kiosk.opening_hours import Hours
    from kiosk.support import HELSINKI, Weekly

    closing = app.closing
    if screen not in ("closing_soon", "closed"):
        return
    closing.stop()  # a site's own hours would otherwise show themselves within the minute
    hours = Hours((Weekly(0, 4, time(9), time(20)), Weekly(5, 5, time(10), time(16))))
    at = datetime(2026, 12, 8, 20, 30, tzinfo=HELSINKI)  # a Tuesday evening
    closing.closes_at = datetime(2026, 12, 8, 20, 0, tzinfo=HELSINKI)
    closing.notice = "15"
    closing.opens_at, closing.promised = hours.moment(at).opens, True
    closing.today, closing.week = at.date(), hours.week(at)
    if screen == "closing_soon":
        app.flow.begin_session()


def stage_scan(app, screen: str) -> None:
    """One page scanned and seen on the scan screen (a drawn page: no scanner is asked)."""
    from kiosk.devices.scanner import FakeScanner, ScanSettings
    from kiosk.scanning import preview_of

    scanning = app.scanning
    scanning.discard()
    scanning.saved = []
    if screen != "scan":
        return
    app.flow.begin_session()
    scanning.work_dir.mkdir(parents=True, exist_ok=True)
    page = FakeScanner().scan("fake:0", scanning.work_dir / "page-sample.jpg", ScanSettings(resolution=100))
    scanning.pages = [str(page)]
    scanning.previews = [str(preview_of(page, page.with_name("page-sample-preview.jpg")))]


def stage_stick(app, screen: str) -> None:
    """A memory stick with two files on the stick screen (as listed; nothing is mounted)."""
    from kiosk.usb import StickFile

    if screen != "stick":
        app.usb.forget()
        return
    app.usb.files = [StickFile(Path("/media/kiosk/sample/Hakemus.pdf"), "Hakemus.pdf", "PDF", 182_000),
                     StickFile(Path("/media/kiosk/sample/Kuvat/passikuva.jpg"), "Kuvat/passikuva.jpg", "JPG", 96_000)]
    app.usb.label = "STICK"
    app.usb.state = "ready"


SAMPLE_DOCUMENT = "Verotodistus-2026.pdf"


def stage_printing(app, screen: str) -> None:
    """A sample document in the session, chosen for printing, its job done on the status screen."""
    printing = app.printing
    printing.job_state = ""
    if screen not in ("documents", "print", "print_status", "choose_file"):
        return
    from kiosk.devices.pdf import write_text_pdf

    app.flow.begin_session()  # the documents belong to a session (and go with its wipe)
    sample = printing.documents_dir / SAMPLE_DOCUMENT
    if not sample.exists():
        write_text_pdf(sample, [f"Verotodistus / Skatteintyg / Tax certificate {n}" for n in (1, 2, 3)])
    printing.refresh_documents()
    if screen not in ("documents", "choose_file"):
        printing.choose(next(d for d in printing.documents if d.name == SAMPLE_DOCUMENT))
    if screen == "print_status":
        printing.job_pages = 3
        printing.job_state = "done"


class ScreenshotTour:
    """Drives a running KioskApp through every picture, a few frames apart, then stops it."""

    def __init__(self, app, out: Path, looks=LOOKS, languages=None, screens=None) -> None:
        self.app = app
        self.out = out
        self.looks = looks
        self.languages = languages or app.tr.languages
        self.screens = screens or [s for s in SCREENS if s != "out_of_service"]
        self.out_of_service = False
        self.manifest: dict[str, list[str]] = {}
        self.written: list[Path] = []
        self._steps = self._plan()

    def start(self) -> None:
        """Once the kiosk runs: a kiosk out of service (a broken configuration, or a start-up
        wipe that failed, e.g. no CUPS to purge) shows only that screen, and so is shot."""
        if self.app.flow.out_of_service or self.app.session.state == "out_of_service":
            self.out_of_service = True
            self.screens = ["out_of_service"]
            log.warning("the kiosk is out of service with this configuration (see the errors above): "
                        "only its out-of-service screen is photographed")
        self.app.errands.start_practice()  # the kiosk starts it a second after its first frame
        Clock.schedule_once(self._next, 0.5)

    def _plan(self) -> Iterator[Path]:
        for look in self.looks:
            for language in self.languages:
                for screen in self.screens:
                    set_look(self.app, look)
                    self.app.switch_language(language)
                    stage(self.app, screen)
                    yield self.out / look / language / f"{screen}.png"

    def _next(self, _dt) -> None:
        try:
            target = next(self._steps)
        except StopIteration:
            self._finish()
            return
        self._when_ready(target)

    def _when_ready(self, target: Path, waited: int = 0) -> None:
        busy = self.app.printing.preparing or not self.app.window_settled()
        if busy and waited < 40:  # a preview being made, a window being resized
            Clock.schedule_once(lambda _dt: self._when_ready(target, waited + 1), 0.05)
            return
        if self.app.printing.preparing:  # a preview being made in the background
            Clock.schedule_once(lambda _dt: self._when_ready(target, waited), 0.05)
            return
        # Two frames: one to lay out the new state, one to draw it (after a resized window
        # has been redrawn at its new size).
        delay = 0.15 if waited else 0
        Clock.schedule_once(lambda _dt: Clock.schedule_once(lambda _dt: self._shoot(target), 0), delay)

    def _shoot(self, target: Path) -> None:
        from kivy.core.window import Window

        target.parent.mkdir(parents=True, exist_ok=True)
        written = Window.screenshot(name=str(target.with_name(target.stem + "-.png")))
        shutil.move(written, target)
        self.written.append(target)
        self.manifest[str(target.relative_to(self.out))] = visible_texts(self.app.root)
        Clock.schedule_once(self._next, 0)

    def _finish(self) -> None:
        (self.out / "manifest.json").write_text(json.dumps(self.manifest, ensure_ascii=False, indent=1),
                                                encoding="utf-8")
        log.info("wrote %d screenshots to %s", len(self.written), self.out)
        # The sample document and the staged session go as any session's do: ended first, so
        # that nothing refills what the wipe empties (a screen change during it lists files).
        if self.app.session.state in ("active", "warning"):
            self.app.session.end("staff")
        elif self.app.wipe.has_leftovers():
            self.app.wipe.run("screenshots")
        self.app.stop()
