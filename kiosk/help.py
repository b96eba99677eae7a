"""Calling for help: the on-site request and its live state, the kiosk's status for staff,
and what the desk may ask of the kiosk.

A request is written to an outbox (SQLite in the state directory) before it is sent and
stays there until a desk has seen it: the broker's acknowledgement (QoS 1 PUBACK) is not
enough, because a broker that restarts without its sessions forgets a message no desk had
received yet. Until then it is sent again when the link comes back and every
`resend_s` (RESEND_S); a broker outage or a kiosk restart loses none, and the desk de-duplicates by
the request's UUID. Nothing in a
request or a status identifies the person: kiosk, place, service id, language,
accessibility modes in use, and a topic from a short list.

The link reports on its own thread; `post` brings everything to the Kivy thread first.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, StringProperty

from kiosk import wire
from kiosk.devices.fleet import MAX_EVENT_BYTES, Link

log = logging.getLogger(__name__)

TOPICS = ("logging_in", "filling_form", "printing", "attaching", "other")
STATES = ("", "queued", "sent", "seen", "accepted", "resolved", "cancelled")
ACTIVE = ("queued", "sent", "seen", "accepted")
# What a desk may send, and the fields each needs (name -> type, longest length). A command
# carries an id for the kiosk's reply to name (optional: a desk before replies sent none).
COMMAND_ID = {"id": (str, 64)}
EVENTS = {
    "help_seen": {"id": (str, 64)},
    # "from": "elsewhere" when the helper works at another service point (an escalated
    # request): they arrange help, they are not walking over.
    "help_accepted": {"id": (str, 64), "helper": (str, 60), "from": (str, 20)},
    "help_resolved": {"id": (str, 64)},
    "help_released": {"id": (str, 64)},  # the helper cannot come after all: waiting again
    "message": {"text": (str, 500), **COMMAND_ID},
    "end_session": COMMAND_ID,
    "out_of_service": {"text": (str, 500), **COMMAND_ID},
    "back_in_service": COMMAND_ID,
    "reopen_browser": COMMAND_ID,
    "lift_print_limit": COMMAND_ID,
    # Remote operations (kiosk/remote_ops.py, the wire in kiosk/ops_wire.py): restart and
    # reboot between sessions (or confirmed: "end_session"), a screenshot and a log bundle
    # sent back under a token, a magic packet sent for another kiosk of the site.
    "restart": {"confirm": (str, 20), **COMMAND_ID},
    "reboot": {"confirm": (str, 20), **COMMAND_ID},
    "screenshot": {"token": (str, 43), **COMMAND_ID},
    "log_bundle": {"token": (str, 43), "hours": (int, 24), **COMMAND_ID},
    "wake": {"mac": (str, 17), **COMMAND_ID},
    "stats_ack": {"day": (str, 10)},
    # Answers to a booking (kiosk/booking.py): the times taken, the booking made with its
    # code, or refused ("taken": someone was first; "invalid").
    "booking_taken": {"id": (str, 64), "taken": (list, 500)},
    "booking_made": {"id": (str, 64), "code": (str, 12), "starts": (str, 16)},
    "booking_refused": {"id": (str, 64), "reason": (str, 20)},
    # A link for the person's phone, and a file from it to fetch (kiosk/phone_upload.py,
    # which checks the rest: size, kind, digest).
    "upload_link": {"id": (str, 64), "token": (str, 64)},
    "upload_ready": {"id": (str, 64), "name": (str, 80), "kind": (str, 8), "sha256": (str, 64), "fetch": (str, 64)},
    # A helper asks to see the screen, and stops; while the helper's page is open, the desk
    # says so every few seconds (kiosk/screen_share.py checks name and token).
    "share_ask": {"id": (str, 64), "token": (str, 43), "helper": (str, 60)},
    "share_stop": {"id": (str, 64)},
    "share_alive": {"id": (str, 64)},
    # A configuration or catalogue release to fetch (kiosk/rollout.py checks the rest: the
    # version and size, which are numbers, the signature, the digest, the file).
    "rollout": {"kind": (str, 10), "site": (str, 64), "id": (str, 64), "sha256": (str, 64),
                "signature": (str, 100), "fetch": (str, 64)},
}
COMMANDS = ("message", "end_session", "out_of_service", "back_in_service", "reopen_browser", "lift_print_limit",
            "restart", "reboot", "screenshot", "log_bundle", "wake")
OPTIONAL = {command: {"id"} for command in COMMANDS} | {"out_of_service": {"text", "id"}, "help_accepted": {"from"},
                                                        "restart": {"confirm", "id"}, "reboot": {"confirm", "id"}}
# What a kiosk answers a command with: carried out, nobody there to carry it out for, no
# e-service to reopen; not done because a person is using the kiosk or staff mode is
# open (kiosk/remote_ops.py), or tried and failed (the kiosk's log says why).
RESULTS = ("done", "no_session", "no_service", "in_session", "staff_mode", "failed")
RESEND_S = 10.0


class Outbox:
    """Requests not yet acknowledged by the broker, on disk."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, payload TEXT NOT NULL, "
                         "created REAL NOT NULL)")

    def add(self, request_id: str, payload: dict) -> None:
        self._db.execute("INSERT OR REPLACE INTO outbox VALUES (?, ?, ?)",
                         (request_id, json.dumps(payload, ensure_ascii=False), time.time()))

    def pending(self) -> list[tuple[str, dict]]:
        rows = self._db.execute("SELECT id, payload FROM outbox ORDER BY created").fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def remove(self, request_id: str) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (request_id,))

    def close(self) -> None:
        self._db.close()


def parse_event(payload: bytes) -> dict | None:
    """A desk's event, checked; None (and a log line) for anything malformed or unknown.
    Called on the Kivy clock, where an exception would stop the kiosk, and a retained
    event comes back at every start: nothing in `payload` may raise."""
    try:
        event = wire.decode(payload, MAX_EVENT_BYTES)
    except wire.WireError as error:
        log.warning("fleet event ignored: %s", error)
        return None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        log.warning("fleet event ignored: no type")
        return None
    fields = EVENTS.get(event["type"])
    if fields is None:
        log.warning("fleet event ignored: unknown type %.40r", event["type"])
        return None
    for name, (kind, longest) in fields.items():
        value = event.get(name)
        if value is None and name in OPTIONAL.get(event["type"], ()):
            continue
        if kind is int:  # a count from 1 to `longest`
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= longest:
                log.warning("fleet event %s ignored: bad %s", event["type"], name)
                return None
            continue
        if not isinstance(value, kind) or len(value) > longest or (kind is str and not value.strip()):
            log.warning("fleet event %s ignored: bad %s", event["type"], name)
            return None
    return event


class Help(EventDispatcher):
    """`state` of this person's on-site request: "" (none), queued (waiting for the
    network), sent (the broker has it), seen (a desk shows it), accepted (`helper` is
    coming), resolved, cancelled. `on_desk(event)` fires for the desk's commands the app
    carries out (message, end_session, out_of_service, back_in_service, reopen_browser),
    `on_booking(event)` for the desk's answers to a booking (kiosk/booking.py),
    `on_upload(event)` for the phone's (kiosk/phone_upload.py), `on_share(event)` for a
    shared screen's (kiosk/screen_share.py), `on_rollout(event)` for a release of
    configuration or catalogue (kiosk/rollout.py)."""

    state = StringProperty("")
    request_id = StringProperty("")
    topic = StringProperty("")
    helper = StringProperty("")
    helper_elsewhere = BooleanProperty(False)  # the helper works at another service point
    message = StringProperty("")
    connected = BooleanProperty(False)
    available = BooleanProperty(False)

    __events__ = ("on_desk", "on_booking", "on_upload", "on_share", "on_rollout")

    def __init__(self, link: Link | None, outbox: Outbox | None, kiosk_id: str, place: Callable[[], str],
                 post: Callable[[Callable[[], None]], None], resend_s: float = RESEND_S,
                 clock: Callable[[], float] = time.monotonic, **kwargs) -> None:
        super().__init__(**kwargs)
        self.resend_s = resend_s
        self.clock = clock
        self.link = link
        self.outbox = outbox
        self.kiosk_id = kiosk_id
        self.place = place
        self.post = post
        self.available = link is not None and outbox is not None
        self._waiting: dict[int, str] = {}  # message id -> request id, until the broker acknowledges
        self._sent_at: dict[str, float] = {}
        self._status: dict = {}

    def start(self) -> None:
        if not self.available:
            return
        self.link.start(lambda up: self.post(lambda: self._on_connected(up)),
                        lambda payload: self.post(lambda: self._on_event(payload)),
                        lambda mid: self.post(lambda: self._on_delivered(mid)))

    def stop(self) -> None:
        if self.link is not None:
            self.link.stop()

    # -- the request -------------------------------------------------------------------

    def request(self, topic: str, service: str, language: str, accessibility: list[str]) -> str:
        """Someone here, please: returns the request's id."""
        import uuid  # here, not at start-up: it brings `platform` and more, for one call per request

        if topic not in TOPICS:
            topic = "other"
        request_id = str(uuid.uuid4())
        payload = {"type": "help", "id": request_id, "kind": "on_site", "kiosk": self.kiosk_id,
                   "place": self.place(), "service": service, "language": language,
                   "accessibility": sorted(accessibility), "topic": topic,
                   "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.outbox.add(request_id, payload)
        self.request_id, self.topic, self.helper, self.state = request_id, topic, "", "queued"
        log.info("help requested (on site, %s)", topic)
        self._send(request_id, payload)
        return request_id

    def _send(self, request_id: str, payload: dict) -> None:
        mid = self.link.publish("help", payload, qos=1)
        if mid is not None:
            self._waiting[mid] = request_id
            self._sent_at[request_id] = self.clock()

    def resend_pending(self) -> None:
        """Requests no desk has seen yet go out again (the app calls this every few seconds)."""
        if not self.available or not self.link.connected:
            return
        now = self.clock()
        for request_id, payload in self.outbox.pending():
            if now - self._sent_at.get(request_id, 0.0) >= self.resend_s:
                self._send(request_id, payload)

    def cancel(self) -> None:
        """The person no longer needs help (or has left): the desk is told."""
        if self.state not in ACTIVE:
            return
        request_id = self.request_id
        self.outbox.remove(request_id)
        if self.link.publish("help", {"type": "cancel", "id": request_id, "kiosk": self.kiosk_id}, qos=1) is None:
            log.info("help cancelled before it was delivered")
        self.state = "cancelled"

    def _on_delivered(self, mid: int) -> None:
        request_id = self._waiting.pop(mid, None)
        if request_id is None:
            return
        if request_id == self.request_id and self.state == "queued":
            self.state = "sent"

    def _on_connected(self, up: bool) -> None:
        self.connected = up
        if not up:
            return
        for request_id, payload in self.outbox.pending():  # whatever waited for the network
            if request_id not in self._waiting.values():
                self._send(request_id, payload)
        if self._status:
            self.link.publish("status", self._status, qos=1, retain=True)

    def _on_event(self, payload: bytes) -> None:
        event = parse_event(payload)
        if event is None:
            return
        kind = event["type"]
        if kind.startswith("help_"):
            self.outbox.remove(event["id"])  # a desk has it: no need to send it again
            if event["id"] != self.request_id or self.state not in ACTIVE:
                return  # an earlier person's request: nothing to show now
            if kind == "help_seen" and self.state in ("queued", "sent"):
                self.state = "seen"
            elif kind == "help_accepted":
                self.helper_elsewhere = event.get("from") == "elsewhere"
                self.helper = event["helper"].strip()
                self.state = "accepted"
            elif kind == "help_released" and self.state == "accepted":
                self.helper = ""
                self.helper_elsewhere = False
                self.state = "seen"
            elif kind == "help_resolved":
                self.state = "resolved"
            return
        if kind.startswith("booking_"):
            self.dispatch("on_booking", event)
            return
        if kind.startswith("upload_"):
            self.dispatch("on_upload", event)
            return
        if kind.startswith("share_"):  # not commands: no reply, no status sent again
            self.dispatch("on_share", event)
            return
        if kind == "rollout":  # answered by the status, which says what became of it
            self.dispatch("on_rollout", event)
            return
        if kind == "message":
            self.message = event["text"].strip()
        self.dispatch("on_desk", event)

    def on_desk(self, event: dict) -> None:
        pass

    def on_booking(self, event: dict) -> None:
        pass

    def on_upload(self, event: dict) -> None:
        pass

    def on_share(self, event: dict) -> None:
        pass

    def on_rollout(self, event: dict) -> None:
        pass

    def reply(self, command: dict, result: str) -> None:
        """Tell the desk what became of `command` (one of RESULTS), if it asked (an id)."""
        if self.available and command.get("id") and result in RESULTS:
            self.link.publish("replies", {"type": "reply", "id": command["id"], "command": command["type"],
                                          "result": result}, qos=1)

    # -- status for staff ------------------------------------------------------------------

    def publish_status(self, status: dict) -> None:
        """The kiosk's retained status (sent again when the link comes back)."""
        if status == self._status or not self.available:
            return
        self._status = dict(status)
        self.link.publish("status", self._status, qos=1, retain=True)

    # -- the wipe --------------------------------------------------------------------------

    def reset(self) -> None:
        """The person has gone: their request is called off, nothing of it stays on screen."""
        if self.available:
            self.cancel()
        self.state = ""
        self.request_id = ""
        self.topic = ""
        self.helper = ""
        self.helper_elsewhere = False
        self.message = ""

    def left_over(self) -> int:
        return sum((bool(self.state), bool(self.request_id), bool(self.helper), self.helper_elsewhere,
                    bool(self.message)))
