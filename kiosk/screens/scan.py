from datetime import datetime

from kiosk.scanning import FAULT_TEXTS
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen



class ScanScreen(KioskScreen):
    """A paper scanned page by page, each page seen, then saved as one PDF (or a picture a
    page) in My documents, from where it is attached in the e-service or printed."""

    def on_pre_enter(self, *args) -> None:
        scanning = kiosk().scanning
        scanning.saved = []
        if not scanning.available:
            scanning.refresh()  # taken away since? said so; brought back? found
        super().on_pre_enter(*args)

    def words(self, state: str, fault: str, pages: int, saved, available: bool, *_bound) -> str:
        tr = kiosk().tr
        if state == "scanning":
            return tr._("Scanning… Keep the lid closed.")
        if state == "saving":
            return tr._("Saving…")
        if fault:
            return tr._(FAULT_TEXTS.get(fault, FAULT_TEXTS["failed"]))
        if saved:
            return tr._("Saved in My documents: {name}. You can now attach it in the e-service, or print it.").format(
                name=", ".join(saved))
        if not available:
            return tr._(FAULT_TEXTS["none"]) if state == "idle" else tr._("Looking for the scanner…")
        if pages:
            return tr._("Page {n} is scanned. Check that it can be read. Then scan the next page, or save.").format(
                n=pages)
        return tr._("Lift the scanner's lid. Put the paper face down on the glass, its top edge at the arrow. Close the lid and press Scan.")

    def save(self, as_pictures: bool) -> None:
        app = kiosk()
        # The name says what it is and when; the time as 14.03 (no colon in a file name).
        app.scanning.save(app.tr._("Scan {time}").format(time=datetime.now().strftime("%H.%M")), as_pictures)

    def leave(self) -> None:
        app = kiosk()
        app.scanning.discard()
        app.scanning.saved = []
        app.journey.back()
