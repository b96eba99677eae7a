"""What IT's operations on a kiosk bring back to the desk (kiosk.desk.ops_web asks; the
kiosk's side is kiosk.remote_ops, the wire kiosk.ops_wire): a screenshot and a log bundle,
and the wake-on-LAN packet the desk sends itself when no kiosk of the site can.

An operation is asked with a fresh token that only its kiosk is sent; a part is taken only
on that kiosk's own topic (the broker's ACL binds it to the account) with that token, while
the operation waits, within its bounds: one part for a screenshot, which must be a plain
JPEG of a screen's size (its header is read, nothing decoded); at most MAX_PARTS for a log
bundle, which must unpack to at most MAX_BUNDLE_TEXT of UTF-8 text. Anything else ends the
operation as refused.

Nothing is written to disk. A screenshot is kept in memory until its page has shown it (and
SHOWN_KEPT_S more, for a browser that asks twice), PICTURE_KEPT_S at most; a log bundle,
compressed, for BUNDLE_KEPT_S, at most MAX_BUNDLES of them. Operations live in the desk
process that asked, as its staff page does."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Callable

from kiosk.desk.share import plain_jpeg
from kiosk.ops_wire import MAX_BUNDLE_BYTES, MAX_BUNDLE_TEXT, MAX_PICTURE_BYTES, magic_packet, parse_part

log = logging.getLogger(__name__)

WAITING_S = 120.0  # every part of an operation must have come by then
PICTURE_KEPT_S = 120.0
SHOWN_KEPT_S = 10.0
BUNDLE_KEPT_S = 3600.0
MAX_WAITING = 50
MAX_BUNDLES = 20  # 20 MiB at most
WAKE_AGAIN_S = 10.0  # a kiosk is woken once in this long, however often staff press


@dataclass
class Operation:
    kind: str  # "screenshot" or "log_bundle"
    site: str
    kiosk: str
    who: str
    hours: int = 0
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    asked_at: float = field(default_factory=time.monotonic)
    made_at: float = field(default_factory=time.time)
    state: str = "waiting"  # then "complete", "refused", or "shown" (a screenshot, just now)
    shown_at: float = 0.0
    count: int = 0
    parts: dict[int, bytes] = field(default_factory=dict)
    data: bytes | None = None
    arrived: threading.Event = field(default_factory=threading.Event)  # complete or refused


def unpacked(data: bytes) -> str | None:
    """A log bundle's text: one gzip member of at most MAX_BUNDLE_TEXT bytes of UTF-8."""
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        text = unpacker.decompress(data, MAX_BUNDLE_TEXT + 1)
        if len(text) > MAX_BUNDLE_TEXT or not unpacker.eof or unpacker.unused_data:
            return None
        return text.decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        return None


class Operations:
    def __init__(self, notify: Callable[[], None] = lambda: None, wake_to: tuple[str, int] = ("255.255.255.255", 9),
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`notify`: the pages should look again (a bundle came or went); `wake_to`: where
        the desk broadcasts a magic packet itself."""
        self.notify, self.wake_to, self.clock = notify, wake_to, clock
        self.wake_again_s = WAKE_AGAIN_S
        self._lock = threading.Lock()
        self._all: dict[str, Operation] = {}
        self._woken: dict[tuple[str, str], float] = {}

    def ask(self, kind: str, site: str, kiosk: str, who: str, hours: int = 0) -> Operation:
        operation = Operation(kind, site, kiosk, who, hours, asked_at=self.clock())
        self.sweep()
        with self._lock:
            waiting = [o for o in self._all.values() if o.state == "waiting"]
            for old in waiting[:max(0, len(waiting) - MAX_WAITING + 1)]:
                self._end(old, "refused")
            self._all[operation.id] = operation
        return operation

    # -- from the kiosks (the link's network thread) ---------------------------------------------

    def handle(self, site: str, kiosk: str, payload: bytes) -> str:
        parsed = parse_part(payload)
        if parsed is None:
            return "ignored"
        token, index, count, data = parsed
        with self._lock:
            found = [o for o in self._all.values() if o.state == "waiting" and (o.site, o.kiosk) == (site, kiosk)
                     and secrets.compare_digest(o.token, token)]
            if not found:
                return "ignored"
            operation = found[0]
            if (operation.kind == "screenshot" and count != 1) or (operation.count and count != operation.count) \
                    or sum(map(len, operation.parts.values())) + len(data) > MAX_BUNDLE_BYTES:
                log.warning("desk: %s of %s refused: its parts do not add up", operation.kind, kiosk)
                self._end(operation, "refused")
                return "refused"
            operation.count = count
            operation.parts.setdefault(index, data)
            if len(operation.parts) < count:
                return "part"
            whole = b"".join(operation.parts[i] for i in range(count))
            operation.parts = {}
            good = plain_jpeg(whole) and len(whole) <= MAX_PICTURE_BYTES if operation.kind == "screenshot" \
                else unpacked(whole) is not None
            if not good:
                log.warning("desk: %s of %s refused: not what it should be", operation.kind, kiosk)
            operation.data = whole if good else None
            self._end(operation, "complete" if good else "refused")
        self.notify()
        return operation.state

    def _end(self, operation: Operation, state: str) -> None:
        operation.state, operation.parts = state, {}
        if state != "complete":
            operation.data = None
        operation.arrived.set()

    # -- to the staff's pages ------------------------------------------------------------------------

    def picture(self, operation_id: str, who: str) -> bytes | None:
        """A screenshot, to the staff member who asked for it, while its page shows it:
        SHOWN_KEPT_S after it was first fetched it is gone."""
        self.sweep()
        with self._lock:
            operation = self._all.get(operation_id)
            if operation is None or operation.kind != "screenshot" or operation.state not in ("complete", "shown") \
                    or not secrets.compare_digest(operation.who.encode(), who.encode()):
                return None
            if operation.state == "complete":
                operation.state, operation.shown_at = "shown", self.clock()
            return operation.data

    def of(self, operation_id: str) -> Operation | None:
        self.sweep()
        return self._all.get(operation_id)

    def bundle(self, operation_id: str, sites) -> tuple[Operation, str] | None:
        """A log bundle of a kiosk of `sites`, and its text; None if there is none (any more)."""
        operation = self.of(operation_id)
        if operation is None or operation.kind != "log_bundle" or operation.state != "complete" \
                or operation.site not in sites or operation.data is None:
            return None
        text = unpacked(operation.data)
        return (operation, text) if text is not None else None

    def drop(self, operation_id: str) -> None:
        """Forget an operation that came to nothing (a part arriving late finds none)."""
        with self._lock:
            operation = self._all.pop(operation_id, None)
            if operation is not None:
                self._end(operation, "refused")

    def latest_bundle(self, site: str, kiosk: str) -> Operation | None:
        """The newest log bundle of a kiosk still kept (for its card)."""
        with self._lock:
            found = [o for o in self._all.values() if o.kind == "log_bundle" and o.state == "complete"
                     and (o.site, o.kiosk) == (site, kiosk)]
        return found[-1] if found else None

    def sweep(self) -> None:
        """Drop what is kept past its time (and the oldest bundles past MAX_BUNDLES)."""
        now, gone = self.clock(), False
        with self._lock:
            bundles = [o.id for o in self._all.values() if o.kind == "log_bundle" and o.state == "complete"]
            too_many = set(bundles[:max(0, len(bundles) - MAX_BUNDLES)])
            for operation in list(self._all.values()):
                age = now - operation.asked_at
                if (operation.state == "waiting" and age > WAITING_S) \
                        or (operation.kind == "screenshot" and age > PICTURE_KEPT_S) \
                        or (operation.state == "shown" and now - operation.shown_at > SHOWN_KEPT_S) \
                        or age > BUNDLE_KEPT_S or operation.id in too_many:
                    gone = gone or operation.state == "complete"
                    self._end(operation, "refused" if operation.state == "waiting" else operation.state)
                    operation.data = None
                    del self._all[operation.id]
        if gone:
            self.notify()

    # -- wake-on-LAN from the desk itself ---------------------------------------------------------------

    def may_wake(self, site: str, kiosk: str) -> bool:
        """Whether a wake-up may go to this kiosk now (and it counts as sent)."""
        now = self.clock()
        with self._lock:
            if len(self._woken) > 10_000:
                self._woken.clear()
            if now - self._woken.get((site, kiosk), -self.wake_again_s) < self.wake_again_s:
                return False
            self._woken[(site, kiosk)] = now
        return True

    def wake_from_desk(self, mac: str) -> None:
        """The magic packet broadcast from the desk's own network (raises OSError)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.sendto(magic_packet(mac), self.wake_to)
