"""The whole X screen as a picture for a helper at the desk: the kiosk's window and the
browser's alike, as the person sees them (kiosk.screen_share).

Pillow's ImageGrab reads the root window with XCB's GetImage: no protocol of our own, no
server listening on the kiosk. Each picture is a JPEG made to fit one fleet message."""

from __future__ import annotations

import hashlib
import io
from typing import Protocol

from kiosk.devices import DeviceError

MAX_SIDE = 1920  # a picture is never wider or taller than this
QUALITIES = ((1.0, 70), (1.0, 50), (0.75, 50), (0.5, 45), (0.35, 40))  # (scale, JPEG quality), tried in turn


class ScreenCapture(Protocol):
    def grab(self) -> bytes | None:
        """The screen as a JPEG of at most its limit in bytes; None if it is unchanged since
        the last grab (or will not fit). Raises DeviceError."""

    def reset(self) -> None:
        """The next grab gives a picture even if nothing changed (a new share)."""


def fit_jpeg(image, limit: int) -> bytes | None:
    """`image` as a JPEG of at most `limit` bytes: smaller and coarser until it fits; None
    if even the smallest does not."""
    width, height = image.size
    for scale, quality in QUALITIES:
        scale = min(scale, MAX_SIDE / max(width, height))
        picture = image if scale >= 1.0 else image.resize((max(1, int(width * scale)), max(1, int(height * scale))))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality)
        if out.tell() <= limit:
            return out.getvalue()
    return None


class XScreenCapture:
    """The root window of `display`, through Pillow (built with XCB)."""

    def __init__(self, display: str, limit: int) -> None:
        self.display, self.limit = display, limit
        self._last = ""

    def grab(self) -> bytes | None:
        from PIL import ImageGrab

        try:
            image = ImageGrab.grab(xdisplay=self.display).convert("RGB")
        except OSError as error:
            raise DeviceError(f"cannot read the X screen {self.display!r}: {error}") from None
        fingerprint = hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest()
        if fingerprint == self._last:
            return None
        self._last = fingerprint
        return fit_jpeg(image, self.limit)

    def reset(self) -> None:
        self._last = ""


class FakeScreenCapture:
    """A screen for unit tests and the demo: a small picture that changes when `paint` is
    called; records how often it was read."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.grabs = 0
        self.colour = (10, 120, 200)
        self._last = ""

    def paint(self, colour: tuple[int, int, int]) -> None:
        self.colour = colour

    def grab(self) -> bytes | None:
        from PIL import Image

        self.grabs += 1
        fingerprint = repr(self.colour)
        if fingerprint == self._last:
            return None
        self._last = fingerprint
        return fit_jpeg(Image.new("RGB", (64, 40), self.colour), self.limit)

    def reset(self) -> None:
        self._last = ""
