"""The browser the e-services run in: what the kiosk asks of one, and one in memory.

`Browser` is the interface; `ChromiumBrowser` (browser_chromium.py) the real one, with its
guard against new windows and downloads (browser_guard.py); `FakeBrowser` the one for unit
tests and the laptop demo. `ChromiumBrowser` and its `FLAGS` are importable from here too.

Events reach the kiosk through `on_event(kind, value)` on one of the browser's own threads
(the service hops to the Kivy thread): "navigated" (url), "popup" (url, to open in the
page), "popup_refused" (url), "download" (path), "refused_download" (file name), "closed"
(None).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urlsplit

from kiosk.devices import DeviceError

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

    def set_geometry(self, geometry: Geometry) -> None: ...

    def close(self, quick: bool = False) -> None:
        """Close the browser; `quick` (the wipe): stop its processes without asking it first."""

    @property
    def running(self) -> bool: ...


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class FakeBrowser:
    """A browser in memory for unit tests and the laptop demo: records what it was asked,
    and tests make it report navigations, downloads and a crash. `started` cleared keeps
    `open()` waiting, as a real browser takes a while to start, until it is set again."""

    def __init__(self) -> None:
        self.url = ""
        self.opened: list[str] = []
        self.typed: list[str] = []
        self.keys: list[str] = []
        self.zoom = 1.0
        self.text = "Fake page text."
        self.geometry: Geometry | None = None
        self.fail_with = ""
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
        self.opened.append(url)
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

    def press_key(self, key: str) -> None:
        self.keys.append(key)

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
