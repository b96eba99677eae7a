"""What a person asks for that crosses services: an e-service or its practice opened in the
locked browser (this window a strip below it), a page of it printed, a PDF or a picture
from a memory stick printed, the documents saved to the stick, someone from the staff
asked for."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import NumericProperty, ObjectProperty

log = logging.getLogger(__name__)


class Errands(EventDispatcher):
    practice = ObjectProperty(None, allownone=True)  # the practice e-service, once it serves
    # The guide's step of the practice page in the browser (kiosk/practice.py); 0 elsewhere.
    practice_step = NumericProperty(0)

    def __init__(self, services, flow, counts, modes: Callable[[], list[str]], text_scale: Callable[[], float],
                 **kwargs) -> None:
        """`counts`: the session statistics; `modes`: the accessibility modes in use;
        `text_scale`: the person's text size, which the browser's zoom follows."""
        super().__init__(**kwargs)
        self.s, self.flow, self.counts, self.modes, self.text_scale = services, flow, counts, modes, text_scale
        services.eservices.bind(on_gone=self._browser_gone, url=self._page_changed, open=self._page_changed,
                                on_file_chooser=self._file_asked, chooser=self._chooser_gone)
        services.journey.bind(screen=self._chooser_left)

    # -- e-services -------------------------------------------------------------------------

    def open_service(self) -> None:
        """"Open the service": the browser above, this window a strip below it."""
        service = self.s.catalog.service(self.s.journey.service_id)
        if service is None or not self.flow.begin_session():
            return
        self.counts.service_opened(service.id)
        self._open(service)

    def open_practice(self) -> None:
        """"Practise first": the service's practice version at step 1, in the same locked
        browser; the strip shows the guide's step beside the page's."""
        service = self.s.catalog.service(self.s.journey.service_id)
        if service is None or not service.practice or self.practice is None or not self.flow.begin_session():
            return
        self.counts.practised()
        plain = "plain_language" in self.modes() and service.in_(self.s.tr.language).plain is not None
        self._open(replace(service, url=self.practice.url(service.id, self.s.tr.language, plain)))

    def _page_changed(self, *_args) -> None:
        eservices = self.s.eservices
        step = 0
        if self.practice is not None and eservices.open:
            from kiosk.practice import step_of  # practice on: its module is loaded already

            service_id, step = step_of(self.s.catalog, eservices.url, self.practice.host)
            step = step if service_id == self.s.journey.service_id else 0
        self.practice_step = step
        if step:
            self.s.journey.step = step  # back at the guide, it is where the practice was

    def leave_practice(self) -> None:
        """"Guide" from the strip while practising: back to the guide, at the step practised."""
        self.s.eservices.close()
        self.s.journey.back_to("guide")

    def open_remote_help(self, kind: str) -> None:
        """The site's chat or video help here, in the locked browser ([help] open_here; the
        camera and the microphone are the video page's alone, by the browser's policy)."""
        contact = self.s.config.help
        url = {"chat": contact.chat_url, "video": contact.video_url}.get(kind, "")
        if not url or not contact.open_here or not self.flow.begin_session():
            return
        self.open_address(f"help-{kind}", url)

    def _open(self, service) -> None:
        self.open_address(service.id, service.url)

    def open_address(self, name: str, url: str) -> None:
        """`url` in the locked browser at the person's text size, this window its strip."""
        self.s.eservices.set_zoom(self.text_scale())
        self.s.eservices.open_address(name, url)
        self.s.journey.go("browser")

    def start_practice(self) -> None:
        """The practice e-service on loopback (a second after the first frame)."""
        make = self.s.devices.practice
        if make is None or self.flow.out_of_service or self.practice is not None:
            return
        try:
            self.practice = make(self.s.catalog, self.s.tr.gettext_for).start()
        except OSError as error:
            port = self.s.config.browser.practice_port
            log.error("practice mode is off: cannot serve it on 127.0.0.1:%d (%s)", port, error)
            return
        self.s.eservices.allowed += (self.practice.host,)

    def stop(self) -> None:
        if self.practice is not None:
            self.practice.stop()

    def leave_service(self) -> None:
        """Home from the strip: the browser closes, the person is back at the start."""
        self.s.eservices.close()
        self.s.journey.home()

    def _browser_gone(self, *_args) -> None:
        """The browser could not open, or closed twice: say sorry where the service was chosen."""
        if self.s.journey.screen in ("browser", "choose_file"):
            self.s.journey.screen = "open_service"

    # -- "Attach a file" in the page ---------------------------------------------------------

    def _file_asked(self, _eservices, _chooser) -> None:
        """The page's "Attach a file": the person's documents, over the page, until they
        attach one or cancel (kiosk/devices/file_chooser.py)."""
        if self.s.journey.screen != "browser":
            self.s.eservices.cancel_chooser()
            return
        self.s.printing.refresh_documents()
        self.s.journey.go("choose_file")

    def attach_files(self, paths: list[Path]) -> None:
        """Attach, back at the page. Its answer (False: nothing reached the page) needs no
        more here: the service's notice "attach_failed" tells the person on the strip, for a
        refusal now as for the browser's failure later."""
        self.s.eservices.choose_files(paths)
        self.s.journey.back_to("browser")

    def cancel_attach(self) -> None:
        self.s.eservices.cancel_chooser()
        self.s.journey.back_to("browser")

    def _chooser_gone(self, eservices, chooser) -> None:
        """The page moved on while its question was on screen: back at the page, whose strip
        says to press its button again. (Attach and Cancel clear it too, then go back.)"""
        if chooser is None and eservices.notice == "attach_failed" and self.s.journey.screen == "choose_file":
            self.s.journey.back_to("browser")

    def _chooser_left(self, _journey, screen: str) -> None:
        """Back at the page unanswered (the top bar's Back): the page's input gets nothing, and
        may ask again. My documents or Help on the way keep the question; Home, the end of
        the session or a crash forget it with the browser (EServices)."""
        if screen == "browser" and self.s.eservices.chooser is not None:
            self.s.eservices.cancel_chooser()

    # -- documents ----------------------------------------------------------------------------

    def print_page(self) -> None:
        """The page in the browser, saved as a PDF of the session, on the print screen."""
        self.s.eservices.print_page(self._to_print)

    def print_from_stick(self, file) -> None:
        """A PDF or a picture from the stick: into the session's documents (a picture as a
        one-page PDF), then the print screen; a picture that cannot be printed stays on the
        stick screen, which says why."""
        self.s.usb.copy_for_printing(file, self.s.printing.documents_dir, self._to_print)

    def _to_print(self, path: Path | None) -> None:
        if path is None:
            return
        printing = self.s.printing
        printing.refresh_documents()
        document = next((d for d in printing.documents if d.path == path), None)
        if document is not None:
            printing.choose(document)
            self.s.journey.go("print")

    def print_support(self) -> None:
        """"Digital support near you" as a one-page slip in the person's language (larger
        type for a person using large text), then the print screen as for any document."""
        from kiosk.support import now_utc
        from kiosk.support_slip import write_slip

        tr, config = self.s.tr, self.s.config
        self.print_slip(tr._("Digital support near you"), lambda path, large: write_slip(
            path, self.s.support, tr, config.site.name.in_(tr.language), config.help.phone,
            config.help.phone_hours.in_(tr.language) if config.help.phone_hours else "", now_utc(), large=large))

    def print_booking(self) -> None:
        """The booked time, its code and a calendar QR code on a slip to take home."""
        from kiosk.support_slip import write_booking_slip

        tr = self.s.tr
        if self.s.booking is None or self.s.booking.state != "booked":
            return
        self.print_slip(tr._("Your time with a helper"), lambda path, large: write_booking_slip(
            path, self.s.booking, tr, self.s.config.site.name.in_(tr.language), large=large))

    def print_route(self) -> None:
        """A service's route without e-services on a slip: phone, hours, office, what to bring."""
        from kiosk.support import now_utc
        from kiosk.support_slip import write_route_slip

        tr, config = self.s.tr, self.s.config
        service = self.s.catalog.service(self.s.journey.service_id)
        if service is None:
            return
        self.print_slip(service.in_(tr.language).title, lambda path, large: write_route_slip(
            path, service, self.s.support, tr, config.help.phone,
            config.help.phone_hours.in_(tr.language) if config.help.phone_hours else "", now_utc(), large=large))

    def print_slip(self, name: str, write) -> None:
        """A slip made by `write(path, large)` into the session's documents, which the wipe
        erases, then to the print screen."""
        from kiosk.usb import unused_name

        folder = self.s.printing.documents_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = unused_name(folder, name + ".pdf")
        try:
            write(path, self.text_scale() > 1)
        except Exception:  # noqa: BLE001 - ReportLab raises its own kinds (a font, a QR code): the person stays here
            log.exception("the slip %r could not be made", name)
            path.unlink(missing_ok=True)
            return
        self._to_print(path)

    def save_to_stick(self) -> None:
        self.s.usb.save_documents([d.path for d in self.s.printing.documents])

    # -- help ------------------------------------------------------------------------------------

    def ask_for_help(self, topic: str) -> None:
        """"Someone here, please": the request goes to the staff desk, followed on screen."""
        if not self.flow.begin_session() and not self.flow.busy():
            return
        help_, service_id = self.s.help, self.s.journey.service_id
        help_.request(topic, service_id, self.s.tr.language, self.modes())
        self.counts.help_asked(help_.topic, service_id)
