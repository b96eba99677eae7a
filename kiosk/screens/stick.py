from kivy.app import App
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.screens.print_words import size_text
from kiosk.screens.widgets import KioskScreen


class StickFileRow(BoxLayout):
    """A PDF or picture on the stick, with Print."""

    file = ObjectProperty(None)
    details = StringProperty("")


class StickScreen(KioskScreen):
    """A USB stick: its files to print, saving one's documents to it, taking it out safely."""

    count = NumericProperty(0)

    def on_pre_enter(self, *args) -> None:
        App.get_running_app().usb.bind(files=self._show)
        self._show()
        super().on_pre_enter(*args)

    def on_leave(self, *_args) -> None:
        App.get_running_app().usb.unbind(files=self._show)

    def refresh(self) -> None:
        self._show()

    def _show(self, *_args) -> None:
        app = App.get_running_app()
        grid = self.ids.grid
        grid.clear_widgets()
        self.count = len(app.usb.files)
        for file in app.usb.files:
            grid.add_widget(StickFileRow(file=file, details=f"{file.kind} · {size_text(file.size_bytes, app.tr.language)}"))

    def print_file(self, row: StickFileRow) -> None:
        App.get_running_app().print_from_stick(row.file)

    def save_documents(self) -> None:
        App.get_running_app().save_to_stick()
