from pathlib import Path

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.devices.file_chooser import accepted
from kiosk.screens.facade import kiosk
from kiosk.screens.print_words import size_text
from kiosk.screens.widgets import KioskScreen, Panel


def kinds_text(accept: tuple[str, ...], tr) -> str:
    """What an input's `accept` list asks for, in words: "PDF, pictures"."""
    words = []
    for entry in accept:
        if entry.startswith("image/"):
            word = tr._("pictures") if entry == "image/*" else entry[6:].upper()
        elif entry.startswith("."):
            word = entry[1:].upper()
        else:
            word = entry.rsplit("/", 1)[-1].upper()
        if word and word not in words:
            words.append(word)
    return ", ".join(words[:8])


class ChooserRow(Panel):
    """One of the person's documents the page may have: its name, kind, pages, first page."""

    document = ObjectProperty(None)
    details = StringProperty("")
    picture = StringProperty("")
    chosen = BooleanProperty(False)
    multiple = BooleanProperty(False)  # the page takes several: each is chosen, then attached together


class ChooseFileScreen(KioskScreen):
    """The page's "Attach a file": the person's documents of the kind the page accepts, and
    nothing else of the computer's. Attach sets the document on the page; Cancel, nothing."""

    essentials = ("cancel_button", "attach_button")
    multiple = BooleanProperty(False)
    count = NumericProperty(0)   # documents of the kind asked for
    total = NumericProperty(0)   # documents of any kind
    picked = NumericProperty(0)
    kinds = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pictures: dict[Path, str] = {}

    def on_pre_enter(self, *args) -> None:
        self._pictures: dict[Path, str] = {}
        app = kiosk()
        app.printing.bind(documents=self._show)
        self._show()
        super().on_pre_enter(*args)

    def on_leave(self, *_args) -> None:
        kiosk().printing.unbind(documents=self._show)
        self.ids.grid.clear_widgets()  # a person's pages are not kept on a screen left

    def refresh(self) -> None:
        self._show()

    def _show(self, *_args) -> None:
        app = kiosk()
        tr, language, chooser = app.tr, app.tr.language, app.eservices.chooser
        accept = chooser.accept if chooser is not None else ()
        self.multiple = chooser is not None and chooser.multiple
        self.kinds = kinds_text(accept, tr)
        grid = self.ids.grid
        chosen = {row.document.path for row in grid.children if row.chosen}
        grid.clear_widgets()
        documents = [d for d in app.printing.documents if accepted(d.name, accept)]
        self.total, self.count = len(app.printing.documents), len(documents)
        for document in documents:
            parts = [document.kind or tr._("File"), size_text(document.size_bytes, language)]
            if document.pages:
                parts.insert(1, tr._("pages: {n}").format(n=document.pages))
            row = ChooserRow(document=document, details=" · ".join(parts), chosen=document.path in chosen,
                             multiple=self.multiple, picture=self._pictures.get(document.path, ""))
            grid.add_widget(row)
            if document.path not in self._pictures:
                self._pictures[document.path] = ""
                app.printing.thumbnail(document, lambda image, path=document.path: self._drawn(path, image))
        self.picked = sum(row.chosen for row in grid.children)

    def _drawn(self, path: Path, image: str) -> None:
        self._pictures[path] = image
        for row in self.ids.grid.children:
            if row.document.path == path:
                row.picture = image

    def press(self, row: ChooserRow) -> None:
        """One document attached at once; with several allowed, chosen and left out in turn."""
        if not self.multiple:
            kiosk().errands.attach_files([row.document.path])
            return
        row.chosen = not row.chosen
        self.picked = sum(r.chosen for r in self.ids.grid.children)

    def attach_chosen(self) -> None:
        rows = [r for r in reversed(self.ids.grid.children) if r.chosen]
        if rows:
            kiosk().errands.attach_files([r.document.path for r in rows])

    def cancel(self) -> None:
        kiosk().errands.cancel_attach()
