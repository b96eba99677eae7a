from kivy.properties import StringProperty

from kiosk.screens.facade import kiosk, printer_place
from kiosk.screens.print_words import job_text, pages_on_sheets
from kiosk.screens.widgets import KioskScreen


class PrintStatusScreen(KioskScreen):
    """The job followed until the paper is out: waiting, printing, done (and where to
    collect it), or why it failed; spoken in speech mode by the app."""

    place = StringProperty("")
    essentials = ("cancel_print", "done_button")

    def refresh(self) -> None:
        app = kiosk()
        self.place = printer_place(app.tr.language)

    def words(self, *_bound) -> str:
        app = kiosk()
        return job_text(app.printing, app.tr, self.place)

    def sheets_words(self, pages: int, sheets: int, *_bound) -> str:
        return pages_on_sheets(kiosk().tr, pages, sheets)

    def leave(self) -> None:
        """To the documents, without stepping back through the finished job's screens."""
        app = kiosk()
        journey = app.journey
        app.printing.clear_job()
        while journey.history and journey.history[-1] in ("print", "print_status"):
            journey.history.pop()
        if journey.history and journey.history[-1] == "documents":
            journey.back()
        else:
            journey.go("documents")
