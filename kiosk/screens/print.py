from kivy.properties import StringProperty

from kiosk.screens.facade import kiosk, printer_place
from kiosk.screens.print_words import (document_pages_text, pages_on_sheets, price_text, print_button_text,
                                       quota_left_text, reason_text)
from kiosk.screens.widgets import KioskScreen


class PrintScreen(KioskScreen):
    """Before printing: the first pages, copies and pages, sheets, price, printer, and what
    would stop it, in plain words. Nothing is sent until the person taps Print."""

    place = StringProperty("")
    essentials = ("print_button", "copies", "first_page", "last_page")

    def refresh(self) -> None:
        app = kiosk()
        self.place = printer_place(app.tr.language)

    def reason_words(self, reason: str, *_bound) -> str:
        app = kiosk()
        if reason in ("", "preparing", "no_document"):
            return ""
        if reason == "busy":
            return app.tr._("Your previous document is still being printed.")
        return reason_text(reason, app.tr, app.printing)

    def summary_lines(self, *_bound) -> list[str]:
        app = kiosk()
        printing, tr = app.printing, app.tr
        if printing.document is None or printing.preparing or printing.problem:
            return []
        sheets = pages_on_sheets(tr, printing.pages, printing.sheets)
        if printing.config.price_cents:
            price = tr._("Price: {price}").format(price=price_text(printing.price_cents, tr.language))
        else:
            price = tr._("Printing is free.")
        lines = [document_pages_text(tr, printing.document.pages), f"{sheets}. {price}"]
        if self.place:
            lines.append(self.place)
        if printing.quota_left >= 0:
            lines.append(quota_left_text(tr, printing.quota_left))
        return lines

    def print_words(self, pages: int, *_bound) -> str:
        return print_button_text(kiosk().tr, pages)

    def print_now(self) -> None:
        app = kiosk()
        if app.printing.confirm():
            app.journey.go("print_status")
