"""The desk's side of the fleet link: kiosks' presence, status and help requests in, help
events out. Every message from the network is checked; anything malformed is logged and
dropped, never allowed to stop the desk."""

from __future__ import annotations

import json
import logging
import ssl
from dataclasses import dataclass
from typing import Callable

from kiosk.desk.store import Store
from kiosk.stats import in_vocabulary, valid_day

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024
MAX_DAILY_ROWS = 2400  # 24 hours of every counter a kiosk has, and more
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class BrokerSettings:
    host: str
    port: int
    username: str
    password: str
    tls: bool = True
    ca_file: str = ""


def _name(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and set(value.lower()) <= ID_CHARS


def _text(value, longest: int = 200) -> bool:
    return isinstance(value, str) and len(value) <= longest


class DeskLink:
    def __init__(self, settings: BrokerSettings, sites: list[str], store: Store,
                 on_change: Callable[[str], None] = lambda kind: None) -> None:
        import paho.mqtt.client as mqtt

        self.sites = sites
        self.store = store
        self.on_change = on_change
        self.connected = False
        # A lasting session: the broker keeps the kiosks' requests while the desk restarts.
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"desk-{'-'.join(sites)}",
                                   clean_session=False)
        self._client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            self._client.tls_set(ca_certs=settings.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        self._client.reconnect_delay_set(1, 30)
        self._client.on_connect = self._connected
        self._client.on_disconnect = lambda *_args: setattr(self, "connected", False)
        self._client.on_message = self._message
        self._settings = settings

    def start(self) -> None:
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _connected(self, client, _userdata, _flags, reason, _properties) -> None:
        if reason.is_failure:
            log.error("broker refused the desk: %s", reason)
            return
        self.connected = True
        for site in self.sites:
            client.subscribe(f"kiosk/{site}/+/+", qos=1)
        log.info("desk connected to the broker")

    def _message(self, _client, _userdata, message) -> None:
        try:
            self.handle(message.topic, bytes(message.payload))
        except Exception:  # a bug here must not stop the network thread
            log.exception("desk: message on %s dropped", message.topic)

    def handle(self, topic: str, payload: bytes) -> str:
        """One message from a kiosk; returns what it was ("ignored" for anything unusable)."""
        parts = topic.split("/")
        if len(parts) != 4 or parts[0] != "kiosk" or parts[1] not in self.sites or not _name(parts[2]):
            return "ignored"
        site, kiosk, leaf = parts[1], parts[2], parts[3]
        if len(payload) > MAX_MESSAGE_BYTES:
            log.warning("desk: %d-byte message from %s dropped", len(payload), kiosk)
            return "ignored"
        if leaf == "presence":
            if payload not in (b"online", b"offline"):
                return "ignored"
            self.store.presence(site, kiosk, payload == b"online")
            self.on_change("kiosks")
            return "presence"
        if leaf == "events":
            return "ignored"  # our own
        try:
            data = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            log.warning("desk: %s from %s is not JSON", leaf, kiosk)
            return "ignored"
        if not isinstance(data, dict):
            return "ignored"
        if leaf == "status":
            self.store.status(site, kiosk, {k: v for k, v in data.items() if isinstance(k, str)})
            self.on_change("kiosks")
            return "status"
        if leaf == "help":
            return self._help(site, kiosk, data)
        if leaf == "stats":
            return self._stats(site, kiosk, data)
        return "ignored"

    def _stats(self, site: str, kiosk: str, data: dict) -> str:
        """A kiosk's daily aggregate: checked against the kiosk's own vocabulary, stored
        (replacing an earlier delivery of that day) and acknowledged."""
        counts = data.get("counts")
        if data.get("type") != "daily" or data.get("kiosk") != kiosk or not valid_day(data.get("day")) \
                or not isinstance(counts, list) or len(counts) > MAX_DAILY_ROWS:
            return "ignored"
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
        if not isinstance(data.get("id"), str) or not 8 <= len(data["id"]) <= 64:
            return "ignored"
        if kind == "cancel":
            self.store.cancel(data["id"], kiosk)
            self.on_change("queue")
            return "cancel"
        if kind != "help" or data.get("kiosk") != kiosk:
            return "ignored"  # a kiosk speaks only for itself
        accessibility = data.get("accessibility", [])
        if not (all(_text(data.get(k, "")) for k in ("place", "topic", "service", "language"))
                and isinstance(accessibility, list) and all(_text(a, 40) for a in accessibility[:10])):
            return "ignored"
        data["accessibility"] = accessibility[:10]
        if self.store.add_request(site, data):
            self.on_change("help")
        # Seen (again, for a resend): the kiosk shows "the staff have seen your request".
        self.event(site, kiosk, {"type": "help_seen", "id": data["id"]})
        return "help"

    def event(self, site: str, kiosk: str, event: dict) -> None:
        self._client.publish(f"kiosk/{site}/{kiosk}/events", json.dumps(event, ensure_ascii=False), qos=1)

    def accept(self, request_id: str, helper: str) -> dict | None:
        request = self.store.accept(request_id, helper)
        if request is not None:
            self.event(request["site"], request["kiosk"], {"type": "help_accepted", "id": request_id,
                                                           "helper": request["helper"]})
        return request

    def resolve(self, request_id: str, resolution: str, service: str) -> dict | None:
        request = self.store.resolve(request_id, resolution, service)
        if request is not None:
            self.event(request["site"], request["kiosk"], {"type": "help_resolved", "id": request_id})
        return request
