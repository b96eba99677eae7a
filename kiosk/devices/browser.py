"""The browser the e-services run in: what the kiosk asks of one, and one in memory.

`Browser` is the interface; `ChromiumBrowser` (browser_chromium.py) the real one, with its
guard against new windows and downloads (browser_guard.py) and its page read by ear from
the accessibility tree (page_reader.py); `FakeBrowser` the one for unit tests and the
laptop demo, with a small form (`FakePage`) to go through by ear. `ChromiumBrowser` and its `FLAGS` are importable from here too.

Events reach the kiosk through `on_event(kind, value)` on one of the browser's own threads
(the service hops to the Kivy thread): "navigated" (url), "popup" (url, to open in the
page), "popup_refused" (url), "download" (path), "refused_download" (file name),
"file_chooser" (a `FileChooser`: the page's "Attach a file" was pressed; no dialog opens,
the kiosk answers with `choose_files`, or not at all for Cancel), "closed" (None).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urlsplit

from kiosk.devices import DeviceError
from kiosk.devices.file_chooser import FileChooser, offered_files
from kiosk.devices.page_reader import PageItem

Event = Callable[[str, object], None]


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int


class Browser(Protocol):
    def open(self, url: str, profile_dir: Path, downloads_dir: Path, geometry: Geometry, on_event: Event) -> None:
        """Start the browser on `url`. Raises DeviceError."""

    def navigate(self, url: str) -> None: ...

    def back(self) -> None: ...

    def page_text(self) -> str: ...

    def print_to_pdf(self, target: Path) -> Path: ...

    def set_zoom(self, factor: float) -> None: ...

    def type_text(self, text: str) -> None: ...

    def press_key(self, key: str) -> None:
        """"Backspace", "Enter" or "Tab"."""

    def focused_field(self) -> str | None:
        """What the page's focus is in: "numeric" (a field for digits: inputmode numeric,
        decimal or tel, or type number or tel), "text" (any other field), None (no field)."""

    def page_items(self) -> list[PageItem]:
        """The page's headings, links, buttons and form fields in document order, once it has
        loaded."""

    def activate_item(self, item: PageItem) -> str:
        """Press, follow, tick or choose `item`, and give the page a moment to answer:
        "clicked", "chosen" or "disabled". Raises DeviceError if it is no longer there."""

    def focus_item(self, item: PageItem) -> str:
        """The keyboard's focus in `item` (a text field), so that typing goes there."""

    def show_item(self, item: PageItem | None) -> None:
        """`item` scrolled into sight and marked, so that a sighted helper beside the person
        sees what was said; None: no mark. Raises DeviceError if it is no longer there."""

    def page_alerts(self) -> list[str]:
        """What the page announces now: its live regions' and alerts' texts, and its fields
        marked invalid with their error messages."""

    def choose_files(self, chooser: FileChooser, paths: list[Path]) -> None:
        """`paths` set on the input that asked (`chooser`), as if picked in a dialog. Raises
        DeviceError for a path that is not a regular file directly in the downloads folder
        given to `open`, for more than one file on a single input, or if the input is gone."""

    def set_geometry(self, geometry: Geometry) -> None: ...

    def close(self, quick: bool = False) -> None:
        """Close the browser; `quick` (the wipe): stop its processes without asking it first."""

    @property
    def running(self) -> bool: ...


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class FakePage:
    """A small e-service form in memory, as the page reader sees one: a heading, a link, a
    labelled text field (a registration number of the form ABC-123, required), a check box
    and a send button. Sending it with the field empty or wrong shows an error (an alert,
    the field marked invalid); sending it right shows what was received."""

    HEADING, LINK, FIELD, BOX, SEND = 1, 2, 3, 4, 5

    def __init__(self) -> None:
        self.plate = ""
        self.resident = False
        self.focused = 0
        self.error = ""
        self.received = ""
        self.activated: list[str] = []  # the names of the items pressed, ticked or followed

    def items(self) -> list[PageItem]:
        return [PageItem(self.HEADING, "heading", "Hae pysäköintitunnusta", level=1),
                PageItem(self.LINK, "link", "Lue ohjeet"),
                PageItem(self.FIELD, "textbox", "Rekisterinumero", value=self.plate, required=True,
                         invalid=bool(self.error), editable=True, description=self.error),
                PageItem(self.BOX, "checkbox", "Asun alueella", checked="true" if self.resident else "false"),
                PageItem(self.SEND, "button", "Lähetä hakemus")]

    def alerts(self) -> list[str]:
        return [text for text in (self.error, self.received) if text]

    def activate(self, item: PageItem) -> str:
        self.activated.append(item.name)
        if item.node == self.BOX:
            self.resident = not self.resident
        elif item.node == self.SEND:
            self.send()
        return "clicked"

    def focus(self, item: PageItem) -> str:
        self.focused = item.node
        return "focused"

    def type(self, text: str) -> None:
        if self.focused == self.FIELD:
            self.plate += text

    def focused_kind(self) -> str | None:
        return "text" if self.focused == self.FIELD else None

    def key(self, key: str) -> None:
        if self.focused == self.FIELD and key == "Backspace":
            self.plate = self.plate[:-1]
        elif self.focused == self.FIELD and key == "Enter":
            self.send()

    def send(self) -> None:
        import re

        plate = self.plate.strip()
        self.error = "Anna rekisterinumero." if not plate else "" if re.fullmatch(
            r"[A-Za-zÅÄÖåäö]{1,3}-[0-9]{1,3}", plate) else "Rekisterinumero on muotoa ABC-123."
        self.received = "" if self.error else f"Hakemus vastaanotettu: {plate.upper()}" + (
            ", asut alueella." if self.resident else ".")


class FakeBrowser:
    """A browser in memory for unit tests and the laptop demo: records what it was asked,
    and tests make it report navigations, downloads and a crash. `started` cleared keeps
    `open()` waiting, as a real browser takes a while to start, until it is set again."""

    def __init__(self) -> None:
        self.url = ""
        self.opened: list[str] = []
        self.typed: list[str] = []
        self.keys: list[str] = []
        self.shown: list[PageItem | None] = []  # what show_item was asked, in order
        self.chosen: list[tuple[FileChooser, list[Path]]] = []  # what choose_files set, in order
        self.downloads: Path | None = None
        self.zoom = 1.0
        self.text = "Fake page text."
        self.page = FakePage()
        self.geometry: Geometry | None = None
        self.fail_with = ""
        self.files_fail_with = ""  # choose_files raises DeviceError with it (the page's input gone)
        self.started = threading.Event()
        self.started.set()
        self._on_event: Event = lambda kind, value: None
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    def open(self, url: str, profile_dir: Path, downloads_dir: Path, geometry: Geometry, on_event: Event) -> None:
        if self.fail_with:
            raise DeviceError(self.fail_with)
        self.started.wait(30)
        profile_dir.mkdir(parents=True, exist_ok=True)
        self._on_event = on_event
        self._running = True
        self.geometry = geometry
        self.downloads = downloads_dir
        self.chosen = []
        self.opened.append(url)
        self.page = FakePage()
        self.navigate(url)

    def navigate(self, url: str) -> None:
        self.url = url
        self._on_event("navigated", url)

    def back(self) -> None:
        pass

    def page_text(self) -> str:
        return self.text

    def print_to_pdf(self, target: Path) -> Path:
        from kiosk.devices.pdf import write_text_pdf

        return write_text_pdf(target, [self.text[:60] or " "])

    def set_zoom(self, factor: float) -> None:
        self.zoom = factor

    def type_text(self, text: str) -> None:
        self.typed.append(text)
        self.page.type(text)

    def press_key(self, key: str) -> None:
        self.keys.append(key)
        self.page.key(key)

    def focused_field(self) -> str | None:
        return self.page.focused_kind()

    def page_items(self) -> list[PageItem]:
        return self.page.items()

    def activate_item(self, item: PageItem) -> str:
        return self.page.activate(item)

    def focus_item(self, item: PageItem) -> str:
        return self.page.focus(item)

    def show_item(self, item: PageItem | None) -> None:
        self.shown.append(item)

    def page_alerts(self) -> list[str]:
        return self.page.alerts()

    def choose_files(self, chooser: FileChooser, paths: list[Path]) -> None:
        if self.downloads is None:
            raise DeviceError("the browser is not open")
        offered_files(list(paths), self.downloads, chooser)
        if self.files_fail_with:
            raise DeviceError(self.files_fail_with)
        self.chosen.append((chooser, list(paths)))

    def ask_for_file(self, accept: str = "", multiple: bool = False) -> FileChooser:
        """The page's "Attach a file" pressed: reported as the real browser reports it."""
        from kiosk.devices.file_chooser import parse_accept

        chooser = FileChooser(node=len(self.chosen) + 100, multiple=multiple, accept=parse_accept(accept))
        self._on_event("file_chooser", chooser)
        return chooser

    def set_geometry(self, geometry: Geometry) -> None:
        self.geometry = geometry

    def close(self, quick: bool = False) -> None:
        self._running = False

    def crash(self) -> None:
        self._running = False
        self._on_event("closed", None)

    def report(self, kind: str, value) -> None:
        self._on_event(kind, value)


def __getattr__(name: str):
    """`ChromiumBrowser` and `FLAGS` on first use: the fake needs neither Chromium's module
    nor the X and protocol modules it brings, and that module imports this one."""
    if name in ("ChromiumBrowser", "FLAGS"):
        from kiosk.devices import browser_chromium

        return getattr(browser_chromium, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
