"""A helper sees a kiosk's screen, view only, after the person there allowed it
(kiosk.screen_share on the kiosk; the wire in kiosk.share_wire).

One share per kiosk at a time, seen by the helper who asked and nobody else. The kiosk's
pictures come over the fleet link with the share's token, which only that kiosk was sent;
a picture on another kiosk's topic, with another token, oversized or not a plain JPEG of a
screen's size is dropped. Only the last picture is kept, in memory; nothing of the screen is
written anywhere. The audit log has who asked to see which kiosk, and how it ended.

While a share is live and its helper's page open, the kiosk is told so every `ALIVE_EVERY_S`
(`share_alive`); without that sign for a while the kiosk ends the share itself
(kiosk.screen_share.ALIVE_S), so a desk that restarted or lost its link leaves no kiosk
sending pictures."""

from __future__ import annotations

import io
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from kiosk.desk.language import N_
from kiosk.share_wire import MAX_SIDE, STATES, frame_parts
from kiosk.wire import WireError, decode

log = logging.getLogger(__name__)

ANSWER_S = 75.0  # the kiosk asks the person for 60 s; then it says "declined" itself
PAGE_GONE_S = 6.0  # the helper's page asks every quarter second; silent this long, it was closed
ALIVE_EVERY_S = 5.0  # the kiosk ends a share after 15 s without a sign: two may get lost
FRAMES_BURST, FRAMES_PER_S = 8, 5.0
KEPT = 200  # ended shares remembered, for their pages to say how they ended
# What a helper's page says of the share, in the desk's words.
STATE_TEXTS = {
    "asking": N_("Waiting for the person to allow it…"),
    "live": N_("You see the person's screen. You cannot control it."),
    "declined": N_("The person did not allow it."),
    "busy": N_("Someone else is already seeing this screen."),
    "no_session": N_("Nobody is using the kiosk."),
    "no_answer": N_("The kiosk did not answer."),
    "ended": N_("Seeing the screen has ended."),
}
ACTIVE = ("asking", "live")


@dataclass
class Share:
    id: str
    token: str
    site: str
    kiosk: str
    helper: str
    state: str = "asking"
    frame: bytes | None = None
    frame_no: int = 0
    asked_at: float = field(default_factory=time.monotonic)
    seen_at: float = field(default_factory=time.monotonic)  # the helper's page last asked
    tokens: float = FRAMES_BURST
    frame_at: float = field(default_factory=time.monotonic)
    alive_at: float = 0.0  # the kiosk was last told the helper still looks


def plain_jpeg(data: bytes) -> bool:
    """A JPEG by its header, of a screen's size at most.

    Only the header is read (Pillow's `open` stops at the start of the scan): this runs on
    the link's network thread, which also carries help requests, for up to five pictures a
    second per share. The picture itself is decoded by the helper's browser only."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            width, height = image.size
            return image.format == "JPEG" and 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE
    except Exception:  # noqa: BLE001 - whatever a hostile picture makes Pillow raise
        return False


class Shares:
    def __init__(self, link, audit: Callable[..., None], notify: Callable[[], None] = lambda: None,
                 answer_s: float = ANSWER_S, page_gone_s: float = PAGE_GONE_S,
                 alive_every_s: float = ALIVE_EVERY_S) -> None:
        """`link`: the desk link (its `event`); `audit`: Store.audit."""
        self.link, self.audit, self.notify = link, audit, notify
        self.answer_s, self.page_gone_s, self.alive_every_s = answer_s, page_gone_s, alive_every_s
        self._lock = threading.Lock()
        self._active: dict[tuple[str, str], Share] = {}
        self._all: dict[str, Share] = {}
        self._sweeper: threading.Thread | None = None

    def start(self, helper: str, site: str, kiosk: str) -> Share | None:
        """Ask the kiosk; None if someone already sees (or asked to see) its screen."""
        share = Share(str(uuid.uuid4()), secrets.token_urlsafe(32), site, kiosk, helper)
        with self._lock:
            if (site, kiosk) in self._active:
                refused = True
            else:
                refused = False
                self._active[(site, kiosk)] = self._all[share.id] = share
                while len(self._all) > KEPT:
                    oldest = next(iter(self._all))
                    if self._all[oldest].state in ACTIVE:
                        break
                    del self._all[oldest]
        if refused:
            self.audit(helper, "share_refused", site, kiosk, {"reason": "busy"})
            return None
        self.audit(helper, "share_asked", site, kiosk, {"share": share.id})
        self.link.event(site, kiosk, {"type": "share_ask", "id": share.id, "token": share.token,
                                      "helper": helper})
        self._sweep_soon()
        return share

    def of(self, share_id: str, helper: str) -> Share | None:
        """The share, to the helper who asked for it only."""
        share = self._all.get(share_id)
        if share is None or not secrets.compare_digest(share.helper.encode(), helper.encode()):
            return None
        share.seen_at = time.monotonic()
        return share

    def stop(self, share: Share, why: str) -> None:
        """The helper stopped (or left): the kiosk stops at once."""
        if self._finish(share, "ended", why, share.helper):
            self.link.event(share.site, share.kiosk, {"type": "share_stop", "id": share.id})

    def _finish(self, share: Share, state: str, why: str, actor: str) -> bool:
        with self._lock:
            if share.state not in ACTIVE:
                return False
            was_live = share.state == "live"
            share.state, share.frame = state, None
            if self._active.get((share.site, share.kiosk)) is share:
                del self._active[(share.site, share.kiosk)]
        self.audit(actor, "share_ended" if was_live else "share_refused", share.site, share.kiosk,
                   {"share": share.id, "reason": why})
        self.notify()
        return True

    # -- from the kiosks (the link's network thread) -------------------------------------

    def handle(self, site: str, kiosk: str, leaf: str, payload: bytes) -> str:
        share = self._active.get((site, kiosk))
        if share is None:
            return "ignored"
        if leaf == "screen":
            return self._frame(share, payload)
        try:
            data = decode(payload, 1024)
        except WireError:
            return "ignored"
        if not isinstance(data, dict) or data.get("type") != "share" or data.get("id") != share.id \
                or data.get("state") not in STATES:
            return "ignored"
        state = data["state"]
        if state == "allowed":
            with self._lock:
                if share.state != "asking":
                    return "ignored"
                share.state = "live"
            self.audit(share.helper, "share_started", site, kiosk, {"share": share.id})
            self.notify()
        else:
            self._finish(share, state, state, share.helper)
        return "share"

    def _frame(self, share: Share, payload: bytes) -> str:
        now = time.monotonic()
        share.tokens = min(FRAMES_BURST, share.tokens + (now - share.frame_at) * FRAMES_PER_S)
        share.frame_at = now
        if share.tokens < 1:
            return "ignored"
        share.tokens -= 1
        parts = frame_parts(payload)
        if share.state != "live" or parts is None or not secrets.compare_digest(parts[0], share.token) \
                or not plain_jpeg(parts[1]):
            log.warning("desk: a picture from %s dropped", share.kiosk)
            return "ignored"
        with self._lock:
            if share.state == "live":
                share.frame, share.frame_no = parts[1], share.frame_no + 1
        return "frame"

    def presence(self, site: str, kiosk: str, online: bool) -> None:
        share = self._active.get((site, kiosk))
        if share is not None and not online:
            self._finish(share, "ended", "offline", share.helper)

    # -- shares whose page or kiosk went quiet ---------------------------------------------

    def sweep(self) -> None:
        now = time.monotonic()
        for share in list(self._active.values()):
            if now - share.seen_at > self.page_gone_s:
                self.stop(share, "page_closed")
            elif share.state == "asking" and now - share.asked_at > self.answer_s:
                self._finish(share, "no_answer", "no_answer", share.helper)
            elif not getattr(self.link, "connected", True):
                self._finish(share, "ended", "desk_offline", share.helper)
            elif share.state == "live" and now - share.alive_at >= self.alive_every_s:
                share.alive_at = now  # the page asked within page_gone_s: the helper still looks
                self.link.event(share.site, share.kiosk, {"type": "share_alive", "id": share.id})

    def _sweep_soon(self) -> None:
        with self._lock:
            if self._sweeper is not None and self._sweeper.is_alive():
                return
            self._sweeper = threading.Thread(target=self._sweep_while_active, name="share-sweep", daemon=True)
            self._sweeper.start()

    def _sweep_while_active(self) -> None:
        while True:
            time.sleep(0.5)
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - a failed audit write must not end the sweeping
                log.exception("desk: shared screens not swept")
            with self._lock:
                if not self._active:
                    self._sweeper = None
                    return
