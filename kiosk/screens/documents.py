from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.screens.facade import kiosk, max_file_mb
from kiosk.screens.print_words import REASON_TEXTS, size_text
from kiosk.screens.widgets import KioskScreen, Panel


class DocumentRow(Panel):
    """One of the person's files: its name, what it is, Print and Delete (with a question first)."""

    document = ObjectProperty(None)
    details = StringProperty("")
    problem = StringProperty("")
    printable = BooleanProperty(False)
    asking = BooleanProperty(False)


class DocumentsScreen(KioskScreen):
    """The session's files (downloads now; saved pages with the browser), newest first."""

    count = NumericProperty(0)

    def on_pre_enter(self, *args) -> None:
        app = kiosk()
        app.printing.bind(documents=self._show)
        app.printing.refresh_documents()
        super().on_pre_enter(*args)

    def on_leave(self, *_args) -> None:
        kiosk().printing.unbind(documents=self._show)

    def refresh(self) -> None:
        self._show()

    def _show(self, *_args) -> None:
        app = kiosk()
        tr, language = app.tr, app.tr.language
        grid = self.ids.grid
        grid.clear_widgets()
        documents = app.printing.documents
        self.count = len(documents)
        for document in documents:
            parts = [document.kind or tr._("File"), size_text(document.size_bytes, language)]
            if document.pages:
                parts.insert(1, tr._("pages: {n}").format(n=document.pages))
            problem = REASON_TEXTS.get(document.problem, "")
            if document.kind and not document.printable and not document.problem:
                problem = REASON_TEXTS["not_pdf"]
            row = DocumentRow(document=document, details=" · ".join(parts),
                              problem=tr._(problem).format(mb=max_file_mb(), left=0)
                              if problem else "",
                              printable=document.printable and app.printing.available)
            grid.add_widget(row)

    def print_document(self, row: DocumentRow) -> None:
        app = kiosk()
        app.printing.choose(row.document)
        app.journey.go("print")

    def delete_document(self, row: DocumentRow) -> None:
        kiosk().printing.delete(row.document)
