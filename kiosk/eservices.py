"""E-services in the locked browser: which may open, what the person is doing in them, and
what happens when the browser misbehaves.

The browser device reports on its own thread; `post` brings every report to the Kivy
thread before anything here changes. Blocking device calls run on a `Background`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty

from kiosk.background import Runner
from kiosk.catalog import Catalog, Service, domain_covers
from kiosk.devices import DeviceError
from kiosk.devices.browser import Browser, Geometry, host_of
from kiosk.devices.file_chooser import FileChooser, offered_files
from kiosk.devices.page_reader import Outcome, PageItem, news

log = logging.getLogger(__name__)

# A browser that crashes again this soon after being reopened is not reopened again.
REOPEN_WINDOW_S = 20.0
NOTICES = ("", "download_refused", "popup_refused", "reopened", "crashed", "failed", "downloaded", "blocked",
           "attach_failed")


class EServices(EventDispatcher):
    """`open`: a service is on screen in the browser. `notice`: something the strip tells
    the person (a refused download, a refused window, a reopened browser, a document that
    could not be attached)."""

    open = BooleanProperty(False)
    starting = BooleanProperty(False)
    service_id = StringProperty("")
    url = StringProperty("")
    identifying = BooleanProperty(False)
    # Identification passed in this session: the e-service's login lives in the browser's
    # profile until the wipe (Home and back finds it logged in), so the guard stays too.
    logged_in = BooleanProperty(False)
    notice = OptionProperty("", options=NOTICES)
    notice_detail = StringProperty("")
    zoom = NumericProperty(1.0)
    # The page's "Attach a file", waiting for the person's documents (choose_files) or Cancel.
    chooser = ObjectProperty(None, allownone=True)

    __events__ = ("on_download", "on_gone", "on_file_chooser")

    def __init__(self, browser: Browser, catalog: Catalog, session_dir: Path, runner: Runner,
                 post: Callable[[Callable[[], None]], None], geometry: Callable[[], Geometry],
                 extra_allowed: tuple[str, ...] = (), clock: Callable[[], float] = time.monotonic,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.browser = browser
        self.catalog = catalog
        self.session_dir = session_dir
        self.runner = runner
        self.post = post
        self.geometry = geometry
        self.clock = clock
        self.extra_allowed = tuple(extra_allowed)
        self.allowed = tuple(catalog.allowed_domains()) + self.extra_allowed
        self._last_allowed = ""
        self._reopened_at: float | None = None
        self._generation = 0

    def set_catalog(self, catalog: Catalog) -> None:
        """A catalogue rolled out between sessions (kiosk/rollout_apply.py): its services and
        identification providers are what the next person may open."""
        self.catalog = catalog
        self.allowed = tuple(catalog.allowed_domains()) + self.extra_allowed

    def is_allowed(self, url: str) -> bool:
        host = host_of(url)
        return bool(host) and url.startswith(("https://", "http://")) and any(
            domain_covers(domain.split(":")[0], host) for domain in self.allowed)

    # -- opening and closing ---------------------------------------------------------------

    def open_service(self, service: Service) -> None:
        self.open_address(service.id, service.url)

    def open_address(self, name: str, url: str) -> None:
        """`url` as the session's page under `name` (a catalogue service's id, or the site's
        remote help), if the allowlist lets it."""
        self.service_id = name
        self._reopened_at = None
        self._start(url)

    def _start(self, url: str) -> None:
        if not self.is_allowed(url):
            log.error("refused to open an address outside the allowlist")
            self.notice = "blocked"
            return
        self.starting = True
        if self.notice != "reopened":  # that one stays until the browser is back
            self.notice = ""
        generation = self._generation
        session_dir = self.session_dir
        geometry = self.geometry()

        def work() -> None:
            self.browser.open(url, session_dir / "browser", session_dir / "downloads", geometry, self._report)
            if self.zoom != 1.0:
                self.browser.set_zoom(self.zoom)

        def done(_result, error) -> None:
            if generation != self._generation:
                return
            self.starting = False
            if error is not None:
                log.error("cannot open the browser: %s", error)
                self.open = False
                self.notice = "failed"
                self.dispatch("on_gone")
                return
            self.open = True
            # The strip may have grown while the browser started (the notice that it is being
            # reopened shows then): the browser goes where the strip leaves room now.
            if self.geometry() != geometry:
                self.arrange()

        self.runner.run(work, done)

    def arrange(self) -> None:
        """The strip changed: an open browser takes the room left above it. One still
        starting is placed once it is open (see `_start`)."""
        if self.open:
            geometry = self.geometry()  # read here, on the Kivy thread, not by the runner
            self._run(lambda: self.browser.set_geometry(geometry))

    def close(self) -> None:
        """Home, or leaving the e-service: the browser goes (its profile stays until the wipe)."""
        self._generation += 1
        self.open = False
        self.starting = False
        self.identifying = False
        self.chooser = None
        self.runner.run(self.browser.close, lambda _r, error: error and log.warning("closing the browser: %s", error))

    # -- reports from the browser (any thread) ------------------------------------------

    def _report(self, kind: str, value) -> None:
        generation = self._generation
        self.post(lambda: self._handle(kind, value) if generation == self._generation else None)

    def _handle(self, kind: str, value) -> None:
        if kind == "navigated":
            url = str(value)
            if url != self.url and self.notice in ("downloaded", "download_refused", "popup_refused", "attach_failed"):
                self.clear_notice()  # said of the page left; My documents keeps the count
            if self.chooser is not None:
                # A new document: the input that asked is gone with the old one, and setting
                # files on it would fail. The person is told to press the page's button again
                # (told first: whoever watches the chooser go sees why).
                self._attach_failed()
                self.chooser = None
            self.url = url
            was_identifying = self.identifying
            self.identifying = any(domain_covers(d, host_of(url)) for d in self.catalog.identification_domains)
            if was_identifying and not self.identifying:
                self.logged_in = True  # back from the identification provider to the service
            if self.is_allowed(url):
                self._last_allowed = url
        elif kind == "popup":
            if self.is_allowed(str(value)):
                self._run(lambda: self.browser.navigate(str(value)))
            else:
                self.notice = "popup_refused"
        elif kind == "popup_refused":
            self.notice = "popup_refused"
        elif kind == "download":
            self.notice, self.notice_detail = "downloaded", Path(str(value)).name
            self.dispatch("on_download", Path(str(value)))
        elif kind == "refused_download":
            self.notice, self.notice_detail = "download_refused", str(value)
        elif kind == "file_chooser":
            # One at a time: the kiosk's chooser covers the page until it is answered.
            if isinstance(value, FileChooser) and self.chooser is None:
                self.chooser = value
                self.dispatch("on_file_chooser", value)
        elif kind == "closed":
            self.chooser = None
            self._crashed()

    def _crashed(self) -> None:
        """Closed or crashed: reopened at the last allowed address, unless that just happened."""
        if not self.open:
            return
        now = self.clock()
        if self._last_allowed and (self._reopened_at is None or now - self._reopened_at > REOPEN_WINDOW_S):
            log.warning("the browser closed; reopening it at the last allowed address")
            self._reopened_at = now
            self.open = False
            self.notice = "reopened"
            self._start(self._last_allowed)
            return
        log.error("the browser closed again; back to the catalogue")
        self.open = False
        self.identifying = False
        self.notice = "crashed"
        self.dispatch("on_gone")

    def on_download(self, path: Path) -> None:
        pass

    def on_gone(self) -> None:
        pass

    def on_file_chooser(self, chooser: FileChooser) -> None:
        pass

    def choose_files(self, paths: list[Path]) -> bool:
        """The person's documents `paths` set on the page's waiting input; False (nothing
        given to the page) if none waits or any is not a regular file directly in the
        session's documents. Whenever nothing reaches the page, now or when the browser
        fails to set it (the input gone, the page moved on), the notice "attach_failed"
        tells the person to press the page's button again."""
        chooser, self.chooser = self.chooser, None
        if chooser is None:
            log.warning("no page input waits for a file (the page moved on)")
            self._attach_failed()
            return False
        try:
            offered_files(list(paths), self.session_dir / "downloads", chooser)
        except DeviceError as error:
            log.error("refused to give the page a file: %s", error)
            self._attach_failed()
            return False
        generation, browser = self._generation, self.browser

        def done(_result, error) -> None:
            if error is not None and generation == self._generation:
                log.warning("the page's input did not take the files: %s", error)
                self._attach_failed()

        self.runner.run(lambda: browser.choose_files(chooser, list(paths)), done)
        return True

    def _attach_failed(self) -> None:
        self.clear_notice()  # a second failure is told again (and said, in speech mode)
        self.notice = "attach_failed"

    def cancel_chooser(self) -> None:
        """Cancel: the page's input gets nothing."""
        self.chooser = None

    # -- the strip's buttons ---------------------------------------------------------------

    def _run(self, work: Callable[[], object], done: Callable[[object], None] | None = None) -> None:
        def finished(result, error) -> None:
            if error is not None:
                log.warning("browser: %s", error)
            elif done is not None:
                done(result)

        self.runner.run(work, finished)

    def back(self) -> None:
        self._run(self.browser.back)

    def page_text(self, done: Callable[[str], None]) -> None:
        self._run(self.browser.page_text, done)

    def read_page(self, done: Callable[[list[PageItem]], None]) -> None:
        """The page's items (headings, links, buttons, form fields), to `done` on the Kivy
        thread; none while the browser cannot be read (starting, gone), so that speech mode
        still goes through the strip."""
        browser = self.browser

        def work() -> list[PageItem]:
            try:
                return browser.page_items()
            except DeviceError as error:
                log.info("the page cannot be read: %s", error)
                return []

        self._run(work, done)

    def activate(self, item: PageItem, done: Callable[[Outcome], None]) -> None:
        """Press, follow, tick or choose `item`, or put the focus in it for typing if it takes
        text; `done(outcome)` on the Kivy thread: the page's items after it, and what the
        page announced (what it did not before; all of it after a press)."""
        browser = self.browser

        def work() -> Outcome:
            try:
                before = browser.page_alerts()
                (browser.focus_item if item.takes_text else browser.activate_item)(item)
                return Outcome(tuple(browser.page_items()), tuple(news(before, browser.page_alerts(), item)))
            except DeviceError as error:
                log.info("page item not reached: %s", error)
                return Outcome(failed=True)

        self._run(work, done)

    def show(self, item: PageItem | None) -> None:
        """`item` scrolled into sight and marked for a sighted helper (None: unmarked); a page
        that changed under it is no matter, the next move reads it again."""
        browser = self.browser

        def work() -> None:
            try:
                browser.show_item(item)
            except DeviceError as error:
                log.info("page item not shown: %s", error)

        self._run(work)

    def print_page(self, done: Callable[[Path], None]) -> None:
        """The page as a PDF among the session's documents, for the printing service."""
        folder = self.session_dir / "downloads"
        number = len(list(folder.glob("page-*.pdf"))) + 1 if folder.exists() else 1
        target = folder / f"page-{number}.pdf"
        self._run(lambda: self.browser.print_to_pdf(target), done)

    def set_zoom(self, factor: float) -> None:
        self.zoom = factor
        if self.open:
            self._run(lambda: self.browser.set_zoom(factor))

    def type_text(self, text: str) -> None:
        self._run(lambda: self.browser.type_text(text))

    def press_key(self, key: str) -> None:
        self._run(lambda: self.browser.press_key(key))

    def focused_field(self, done: Callable[[str | None], None]) -> None:
        """What the page's focus is in ("numeric", "text" or None), to `done` on the Kivy
        thread; None while the browser cannot be asked."""
        browser = self.browser

        def work() -> str | None:
            try:
                return browser.focused_field()
            except DeviceError as error:
                log.debug("the page's focus cannot be read: %s", error)
                return None

        self._run(work, done)

    def clear_notice(self) -> None:
        self.notice = ""
        self.notice_detail = ""

    # -- the wipe --------------------------------------------------------------------------

    def reset(self) -> None:
        """The browser closed now (not in the background): the wipe deletes its profile next."""
        self._generation += 1
        try:
            self.browser.close(quick=True)
        except DeviceError as error:
            log.warning("closing the browser for the wipe: %s", error)
        self.open = False
        self.starting = False
        self.service_id = ""
        self.url = ""
        self.identifying = False
        self.logged_in = False
        self.notice = ""
        self.notice_detail = ""
        self.zoom = 1.0
        self.chooser = None
        self._last_allowed = ""
        self._reopened_at = None

    def left_over(self) -> int:
        return sum((self.open, self.browser.running, bool(self.url), self.identifying, self.logged_in,
                    self.chooser is not None))
