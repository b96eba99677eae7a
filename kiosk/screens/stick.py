from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk.i18n import N_
from kiosk.screens.facade import kiosk
from kiosk.screens.print_words import size_text
from kiosk.screens.widgets import KioskScreen, Panel
from kiosk.usb import PICTURES

# Why a picture on the stick cannot be printed (a DocumentError kind), in the person's words.
REFUSED_TEXTS = {
    "too_large": N_("This picture cannot be printed: it is too large for this computer. Your stick has not been changed. The staff can help."),
    "damaged": N_("This picture cannot be printed: the file is damaged or is not a picture. Your stick has not been changed. Try saving the picture again."),
    "unshowable": N_("This picture cannot be printed here. Your stick has not been changed. The staff can help."),
}


def refused_words(tr, kind: str) -> str:
    return tr._(REFUSED_TEXTS.get(kind, REFUSED_TEXTS["unshowable"]))


class StickFileRow(Panel):
    """A PDF or picture on the stick, with Print, and why it cannot be printed if so."""

    file = ObjectProperty(None)
    details = StringProperty("")

    def note_words(self, *_bound) -> str:
        app = kiosk()
        if self.file is None:
            return ""
        if app.usb.refused and app.usb.refused_name == self.file.name:
            return refused_words(app.tr, app.usb.refused)
        if app.usb.preparing == self.file.name and self.file.kind in PICTURES:
            return app.tr._("Preparing the picture for printing…")
        return ""


class StickScreen(KioskScreen):
    """A USB stick: its files to print, saving one's documents to it, taking it out safely."""

    essentials = ("save_button", "take_out_button")
    count = NumericProperty(0)

    def on_pre_enter(self, *args) -> None:
        kiosk().usb.bind(files=self._show)
        self._show()
        super().on_pre_enter(*args)

    def on_leave(self, *_args) -> None:
        kiosk().usb.unbind(files=self._show)

    def refresh(self) -> None:
        self._show()

    def _show(self, *_args) -> None:
        app = kiosk()
        grid = self.ids.grid
        grid.clear_widgets()
        self.count = len(app.usb.files)
        for file in app.usb.files:
            grid.add_widget(StickFileRow(file=file, details=f"{file.kind} · {size_text(file.size_bytes, app.tr.language)}"))

    def print_file(self, row: StickFileRow) -> None:
        kiosk().errands.print_from_stick(row.file)

    def save_documents(self) -> None:
        kiosk().errands.save_to_stick()
