"""The desk's side of the fleet link: kiosks' presence, status and help requests in, help
events out. Every message from the network is checked; anything malformed is logged and
dropped, never allowed to stop the desk."""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
import uuid
from datetime import date, timedelta
from dataclasses import dataclass
from typing import Callable

from kiosk.desk.bookings import Bookings, check_booking, local_now
from kiosk.desk.rollout import clean_rollout
from kiosk.desk.store import Store
from kiosk.desk import uploads
from kiosk.ops_wire import LEAF as OPS_LEAF, MAX_PARTS, valid_mac
from kiosk.share_wire import LEAVES as SHARE_LEAVES
from kiosk.stats import in_vocabulary, valid_day
from kiosk.wire import WireError, decode, encode

log = logging.getLogger(__name__)

# The broker refuses larger packets (max_packet_size in provisioning/mosquitto); this is the
# desk's own bound on what it will parse, should a broker be configured without one.
MAX_MESSAGE_BYTES = 128 * 1024
MAX_DAILY_ROWS = 2400  # 24 hours of every counter a kiosk has, and more
# Site and kiosk ids: what the kiosk's configuration allows, and nothing an MQTT topic,
# a URL or a page treats as special (no '/', '+', '#', NUL, quotes or non-ASCII).
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII)
MAX_BUCKETS = 100_000
KEEP_DAYS = 100  # kiosks keep their days 90 at most ([statistics] keep_days)
MAX_QUEUED = 100  # events waiting for the broker to come back; more are refused at once
# What a kiosk may answer a command with (kiosk.help.RESULTS), and how long the desk keeps
# a command's id for its reply.
RESULTS = ("done", "no_session", "no_service", "in_session", "staff_mode", "failed")
COMMAND_KEPT_S = 120.0
MAX_COMMANDS_WAITING = 1000
# Several desk processes on one database share the kiosks' statuses and days of statistics
# (an MQTT shared subscription: the broker hands each to one of them), the bulk of what
# kiosks send. Help requests and their cancels, presence and replies reach every process:
# a cancel must meet its request in the same process, in order. Retained messages are not
# sent to a shared subscription, so a process reads the retained statuses directly for
# this long after it connects.
SHARE_GROUP = "kiosk-desk"
SHARED_LEAVES = ("status", "stats", "booking", "upload")
# A share and an operation (kiosk.desk.operations) live in the process that asked.
DIRECT_LEAVES = ("presence", "help", "replies", *SHARE_LEAVES, OPS_LEAF)
RETAINED_CATCH_UP_S = 10.0


@dataclass(frozen=True)
class RateLimits:
    """Per kiosk: every message, and new help requests apart (a resend of a known one is
    free). A kiosk sends a status every few seconds at most, and a help request when a
    person asks: three at once, then one every 20 s, is more than one person needs."""
    messages_burst: float = 30
    messages_per_s: float = 2.0
    requests_burst: float = 3
    requests_per_s: float = 1 / 20
    # A kiosk delivers each finished day once (again, after an outage). A delivery replaces
    # that kiosk's day, and days older than KEEP_DAYS are refused, so what one kiosk can
    # store is bounded; this bounds the work.
    stats_burst: float = 10
    stats_per_s: float = 1 / 10
    # Links for a person's phone (kiosk/desk/uploads.py): a few, then one a minute.
    uploads_burst: float = 5
    uploads_per_s: float = 1 / 60
    # What IT's operations bring back (kiosk/desk/operations.py): two log bundles' parts at
    # once, then one a second; apart from the rest, so a bundle never costs a help request.
    ops_burst: float = 2 * MAX_PARTS
    ops_per_s: float = 1.0

    def of(self, kind: str) -> tuple[float, float]:
        """(burst, per second) of "messages", "requests", "stats", "uploads" or "ops"."""
        return getattr(self, f"{kind}_burst"), getattr(self, f"{kind}_per_s")


STATUS_WORDS = ("kiosk", "version", "session", "screen", "service", "language", "help")


def valid_id(value) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def recent_day(value) -> bool:
    """A day a kiosk may still deliver: it keeps at most 90 (a clock a day ahead is allowed)."""
    if not valid_day(value):
        return False
    today = date.today()
    return today - timedelta(days=KEEP_DAYS) <= date.fromisoformat(value) <= today + timedelta(days=1)


def valid_request_id(value) -> bool:
    """Help request ids are the kiosk's uuid4s, in their canonical form only."""
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def clean_status(data: dict) -> dict:
    """What the board shows of a kiosk's status: the known keys with the right types only
    (a `printer.faults` that is no list would blank the site's panel)."""
    status = {k: data[k][:64] for k in STATUS_WORDS if isinstance(data.get(k), str)}
    if isinstance(data.get("out_of_service"), bool):
        status["out_of_service"] = data["out_of_service"]
    if valid_mac(data.get("mac")):  # its wired card, to wake it by (kiosk.desk.operations)
        status["mac"] = data["mac"]
    if isinstance(data.get("accessibility"), list):
        status["accessibility"] = [a[:40] for a in data["accessibility"][:10] if isinstance(a, str)]
    printer = data.get("printer")
    if isinstance(printer, dict):
        faults = printer.get("faults")
        status["printer"] = {"state": printer["state"][:40] if isinstance(printer.get("state"), str) else "unknown",
                             "faults": [f[:40] for f in faults[:10] if isinstance(f, str)]
                             if isinstance(faults, list) else []}
    status.update(clean_rollout(data))  # versions of configuration and catalogue, refusals
    return status


class TokenBucket:
    def __init__(self, burst: float, per_s: float) -> None:
        self.burst, self.per_s = burst, per_s
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_s)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    username: str
    password: str
    tls: bool = True
    ca_file: str = ""


def _text(value, longest: int = 200) -> bool:
    return isinstance(value, str) and len(value) <= longest


class DeskLink:
    def __init__(self, settings: BrokerSettings, sites: list[str], store: Store,
                 on_change: Callable[[str], None] = lambda kind: None, limits: RateLimits = RateLimits(),
                 share: bool = False, catch_up_s: float = RETAINED_CATCH_UP_S) -> None:
        """`share`: this is one of several desk processes on one database (PostgreSQL), each
        with a broker account of its own; the broker spreads the kiosks' messages over them."""
        import paho.mqtt.client as mqtt

        self.sites = sites
        self.share = share
        self.catch_up_s = catch_up_s
        self._catch_up: threading.Timer | None = None
        self.caught_up = threading.Event()  # shared: the retained statuses were read (tests wait on it)
        self.store = store
        self.bookings = Bookings(store.engine)
        self.uploads = uploads.Uploads(store.engine)
        self.on_change = on_change
        # A kiosk's reply to a command: (command id, result), called on the network thread.
        self.on_reply: Callable[[str, str], None] = lambda command_id, result: None
        # A shared screen's messages and kiosks' presence (kiosk.desk.share), on the network thread.
        self.on_share: Callable[[str, str, str, bytes], str] = lambda site, kiosk, leaf, payload: "ignored"
        self.on_presence: Callable[[str, str, bool], None] = lambda site, kiosk, online: None
        # A kiosk's status as stored (kiosk.desk.rollout: a release it lacks is announced).
        self.on_status: Callable[[str, str, dict], None] = lambda site, kiosk, status: None
        # What an operation brings back (kiosk.desk.operations), on the network thread.
        self.on_ops: Callable[[str, str, bytes], str] = lambda site, kiosk, payload: "ignored"
        self._commands: dict[str, tuple[str, str, float]] = {}  # id -> site, kiosk, when sent
        self._commands_lock = threading.Lock()
        self.connected = False
        self.disconnects = 0
        self.limits = limits
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._dropped_logged: dict[str, float] = {}
        self._buckets_lock = threading.Lock()
        # A lasting session: the broker keeps the kiosks' requests while the desk restarts.
        # Not for one of several processes: the broker would keep queuing a stopped one's
        # share of the statuses (the kiosks send their requests again until one is seen).
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=settings.username or f"desk-{sites[0]}", clean_session=not share)
        self._client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            self._client.tls_set(ca_certs=settings.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(1, 30)
        # paho queues without limit while disconnected and sends it all on reconnect: an old
        # "end session" would then reach the next person. The web answers 503 meanwhile.
        self._client.max_queued_messages_set(MAX_QUEUED)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message
        self._settings = settings

    def start(self) -> None:
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        if self._catch_up is not None:
            self._catch_up.cancel()
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client, _userdata, _flags, reason, _properties) -> None:
        if reason.is_failure:
            log.error("broker refused the desk: %s", reason)
            return
        self.connected = True
        everything = [f"kiosk/{site}/+/+" for site in self.sites]
        shared = [f"$share/{SHARE_GROUP}/kiosk/{site}/+/{leaf}" for site in self.sites for leaf in SHARED_LEAVES]
        if not self.share:
            client.subscribe([(topic, 1) for topic in everything])
        else:
            # A message that arrives twice is harmless: statuses and presence are stored as
            # they are, a request or a day by its id, a reply once.
            client.subscribe([(topic, 1) for topic in shared]
                             + [(f"kiosk/{site}/+/{leaf}", 1) for site in self.sites for leaf in DIRECT_LEAVES])
            statuses = [f"kiosk/{site}/+/status" for site in self.sites]
            client.subscribe([(topic, 1) for topic in statuses])
            if self._catch_up is not None:
                self._catch_up.cancel()
            self.caught_up.clear()

            def caught_up() -> None:
                client.unsubscribe(statuses)
                self.caught_up.set()

            self._catch_up = threading.Timer(self.catch_up_s, caught_up)
            self._catch_up.daemon = True
            self._catch_up.start()
        log.info("desk connected to the broker")

    def _disconnected(self, *_args) -> None:
        self.connected = False
        self.disconnects += 1

    def _allowed(self, site: str, kiosk: str, kind: str) -> bool:
        """Rate limit per kiosk and kind of message (`RateLimits`): a flooding account is
        dropped, and that is logged once a minute."""
        with self._buckets_lock:
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.clear()
                self._dropped_logged.clear()
            key = (site, kiosk, kind)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(*self.limits.of(kind))
            if bucket.take():
                return True
            now = time.monotonic()
            if now - self._dropped_logged.get(kiosk, -60.0) >= 60.0:
                self._dropped_logged[kiosk] = now
                log.warning("desk: %s sends %s too fast: dropped for now", kiosk, kind)
            return False

    def _message(self, _client, _userdata, message) -> None:
        try:
            self.handle(message.topic, bytes(message.payload))
        except Exception:  # a bug here must not stop the network thread
            log.exception("desk: message on %s dropped", message.topic)

    def handle(self, topic: str, payload: bytes) -> str:
        """One message from a kiosk; returns what it was ("ignored" for anything unusable)."""
        parts = topic.split("/")
        if len(parts) != 4 or parts[0] != "kiosk" or parts[1] not in self.sites or not valid_id(parts[2]):
            return "ignored"
        site, kiosk, leaf = parts[1], parts[2], parts[3]
        if leaf == "events":
            return "ignored"  # our own
        if len(payload) > MAX_MESSAGE_BYTES:
            log.warning("desk: %d-byte message from %s dropped", len(payload), kiosk)
            return "ignored"
        if leaf in SHARE_LEAVES:  # pictures come faster than other messages: limited there
            return self.on_share(site, kiosk, leaf, payload)
        if leaf == OPS_LEAF:
            return self.on_ops(site, kiosk, payload) if self._allowed(site, kiosk, "ops") else "ignored"
        if not self._allowed(site, kiosk, "messages"):
            return "ignored"
        if leaf == "presence":
            if payload not in (b"online", b"offline"):
                return "ignored"
            self.store.presence(site, kiosk, payload == b"online")
            if payload == b"offline":
                uploads.on_status(self, site, kiosk, None)
            self.on_presence(site, kiosk, payload == b"online")
            self.on_change("kiosks")
            return "presence"
        try:
            data = decode(payload, MAX_MESSAGE_BYTES)
        except WireError as error:
            log.warning("desk: %s from %s dropped: %s", leaf, kiosk, error)
            return "ignored"
        if not isinstance(data, dict):
            return "ignored"
        if leaf == "status":
            status = clean_status(data)
            self.store.status(site, kiosk, status)
            uploads.on_status(self, site, kiosk, data.get("session"))
            self.on_status(site, kiosk, status)
            self.on_change("kiosks")
            return "status"
        if leaf == "help":
            return self._help(site, kiosk, data)
        if leaf == "stats":
            return self._stats(site, kiosk, data)
        if leaf == "replies":
            return self._reply(site, kiosk, data)
        if leaf == "booking":
            return self._booking(site, kiosk, data)
        if leaf == "upload":
            return uploads.on_message(self, site, kiosk, data)
        return "ignored"

    def _booking(self, site: str, kiosk: str, data: dict) -> str:
        """Which times of a support place are taken, or a booking of one (kiosk/desk/bookings.py);
        answered on the kiosk's events. A kiosk speaks only for itself."""
        kind, booking_id = data.get("type"), data.get("id")
        if data.get("kiosk") != kiosk or not valid_request_id(booking_id):
            return "ignored"
        now = local_now()
        if kind == "slots":
            if not valid_id(data.get("provider")):
                return "ignored"
            taken = self.bookings.taken(site, data["provider"], now)
            self.event(site, kiosk, {"type": "booking_taken", "id": booking_id, "taken": taken})
            return "slots"
        if kind == "cancel":
            if self.bookings.call_off(booking_id, site, kiosk):
                self.on_change("bookings")
            return "booking"
        if kind != "book":
            return "ignored"
        problem = check_booking(data, now)
        if problem:
            log.warning("desk: a booking from %s refused: it needs %s", kiosk, problem)
            self.event(site, kiosk, {"type": "booking_refused", "id": booking_id, "reason": "invalid"})
            return "booking"
        if self.bookings.booking(booking_id) is None and not self._allowed(site, kiosk, "requests"):
            return "ignored"  # not answered: the kiosk says the desk did not answer
        outcome, said = self.bookings.book(site, kiosk, data)
        if outcome == "made":  # the time as stored: a resend under the same id gets the first one
            stored = self.bookings.booking(booking_id)
            self.event(site, kiosk, {"type": "booking_made", "id": booking_id, "code": said,
                                     "starts": stored["starts"] if stored else data["starts"]})
            self.on_change("bookings")
        else:
            self.event(site, kiosk, {"type": "booking_refused", "id": booking_id, "reason": said})
        return "booking"

    def _reply(self, site: str, kiosk: str, data: dict) -> str:
        """What became of a command: only the kiosk it was sent to may say, and once."""
        command_id, result = data.get("id"), data.get("result")
        if data.get("type") != "reply" or not valid_request_id(command_id) or result not in RESULTS:
            return "ignored"
        with self._commands_lock:
            if self._commands.get(command_id, ("", "", 0.0))[:2] != (site, kiosk):
                return "ignored"
            del self._commands[command_id]
        self.on_reply(command_id, result)
        return "reply"

    def _stats(self, site: str, kiosk: str, data: dict) -> str:
        """A kiosk's daily aggregate: checked against the kiosk's own vocabulary, stored
        (replacing an earlier delivery of that day) and acknowledged."""
        counts = data.get("counts")
        if data.get("type") != "daily" or data.get("kiosk") != kiosk or not recent_day(data.get("day")) \
                or not isinstance(counts, list) or len(counts) > MAX_DAILY_ROWS:
            return "ignored"
        if not self._allowed(site, kiosk, "stats"):
            return "ignored"  # not acknowledged: the kiosk sends the day again later
        rows = []
        for row in counts:
            if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], int) and 0 <= row[0] <= 23
                    and in_vocabulary(row[1], row[2]) and isinstance(row[3], int) and 0 < row[3] <= 1_000_000):
                log.warning("desk: statistics of %s for %s dropped: a malformed row", kiosk, data["day"])
                return "ignored"
            rows.append(tuple(row))
        self.store.add_daily(site, kiosk, data["day"], rows)
        self.event(site, kiosk, {"type": "stats_ack", "day": data["day"]})
        return "stats"

    def _help(self, site: str, kiosk: str, data: dict) -> str:
        kind = data.get("type")
        if not valid_request_id(data.get("id")):
            return "ignored"
        if kind == "cancel":
            if self.store.cancel(site, data["id"], kiosk):  # pages are told only of a real change
                self.on_change("queue")
            return "cancel"
        if kind != "help" or data.get("kiosk") != kiosk:
            return "ignored"  # a kiosk speaks only for itself
        accessibility = data.get("accessibility", [])
        if not (all(_text(data.get(k, "")) for k in ("place", "topic", "service", "language"))
                and isinstance(accessibility, list) and all(_text(a, 40) for a in accessibility[:10])):
            return "ignored"
        data["accessibility"] = accessibility[:10]
        if self.store.request(data["id"]) is None:
            if not self._allowed(site, kiosk, "requests"):
                return "ignored"  # not seen: a real kiosk sends it again
            if self.store.add_request(site, data):
                self.on_change("help")
        # Seen (again, for a resend): the kiosk shows "the staff have seen your request".
        self.event(site, kiosk, {"type": "help_seen", "id": data["id"]})
        return "help"

    def event(self, site: str, kiosk: str, event: dict) -> None:
        """Publish to one kiosk. Ids are checked here too: a NUL or '#' in a topic makes a
        publish the broker refuses, which paho would resend after every reconnect."""
        if not (valid_id(site) and valid_id(kiosk)):
            raise ValueError(f"not a site and kiosk id: {site!r}, {kiosk!r}")
        self._client.publish(f"kiosk/{site}/{kiosk}/events", encode(event), qos=1)

    def command(self, site: str, kiosk: str, event: dict, command_id: str) -> None:
        """Send a command to one kiosk; its reply (`on_reply`) will name `command_id`."""
        now = time.monotonic()
        with self._commands_lock:
            for old in [c for c, (_s, _k, at) in self._commands.items() if now - at > COMMAND_KEPT_S]:
                del self._commands[old]
            if len(self._commands) >= MAX_COMMANDS_WAITING:
                del self._commands[next(iter(self._commands))]
            self._commands[command_id] = (site, kiosk, now)
        self.event(site, kiosk, {**event, "id": command_id})

    def accept(self, request_id: str, helper: str, elsewhere: bool = False) -> dict | None:
        """The store's claim (`Store.accept`); the kiosk hears of it from the one who got it
        (`elsewhere`: a helper of another site, who arranges help rather than comes)."""
        request = self.store.accept(request_id, helper)
        if request is not None and request["claimed"]:
            self.event(request["site"], request["kiosk"], {"type": "help_accepted", "id": request_id,
                                                           "helper": request["helper"],
                                                           **({"from": "elsewhere"} if elsewhere else {})})
        return request

    def release(self, request_id: str, holder: str) -> dict | None:
        """Back to the queue (`Store.release`): the kiosk shows the request as seen again."""
        request = self.store.release(request_id, holder)
        if request is not None:
            self.event(request["site"], request["kiosk"], {"type": "help_released", "id": request_id})
        return request

    def transfer(self, request_id: str, holder: str, to: str) -> dict | None:
        """To a colleague (`Store.transfer`): the kiosk shows the new helper's name."""
        request = self.store.transfer(request_id, holder, to)
        if request is not None:
            self.event(request["site"], request["kiosk"], {"type": "help_accepted", "id": request_id,
                                                           "helper": request["helper"]})
        return request

    def resolve(self, request_id: str, resolution: str, service: str) -> dict | None:
        request = self.store.resolve(request_id, resolution, service)
        if request is not None:
            self.event(request["site"], request["kiosk"], {"type": "help_resolved", "id": request_id})
        return request
