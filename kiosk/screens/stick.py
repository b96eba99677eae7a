from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.print_words import size_text
from kiosk.screens.widgets import KioskScreen, Panel


class StickFileRow(Panel):
    """A PDF or picture on the stick, with Print."""

    file = ObjectProperty(None)
    details = StringProperty("")


class StickScreen(KioskScreen):
    """A USB stick: its files to print, saving one's documents to it, taking it out safely."""

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
