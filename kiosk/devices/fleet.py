"""The fleet link: MQTT (paho-mqtt 2.x) between a kiosk and the staff desks.

Topics under `kiosk/<site>/<kiosk>/`: `presence` (retained "online"/"offline", the last
will says "offline" when the kiosk vanishes; a clean exit says it itself), `status`
(retained JSON), `help` (QoS 1 requests), `events` (desk → kiosk), `replies` (what became
of a desk's command), `stats`, `share` and `screen` (a shared screen: kiosk/share_wire.py),
`ops` (what IT's operations bring back: kiosk/ops_wire.py).

paho's network thread calls back here; the callbacks given to `start` are called on that
thread and must only hand over (the help service hops to the Kivy clock).
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

from kiosk import wire

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 16 * 1024


@dataclass(frozen=True)
class LinkSettings:
    host: str
    port: int
    site: str
    kiosk: str
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: str = ""

    def topic(self, leaf: str) -> str:
        return f"kiosk/{self.site}/{self.kiosk}/{leaf}"


class Link(Protocol):
    connected: bool

    def start(self, on_connected: Callable[[bool], None], on_event: Callable[[bytes], None],
              on_delivered: Callable[[int], None]) -> None: ...

    def publish(self, leaf: str, payload: dict | str, qos: int = 0, retain: bool = False) -> int | None:
        """Send; returns a message id to wait for (QoS 1), or None if it could not be queued."""

    def stop(self) -> None: ...


class MqttLink:
    def __init__(self, settings: LinkSettings) -> None:
        import paho.mqtt.client as mqtt

        self.settings = settings
        self.connected = False
        self._mqtt = mqtt
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"kiosk-{settings.kiosk}",
                                   clean_session=True)
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls:
            self._client.tls_set(ca_certs=settings.ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        self._client.will_set(settings.topic("presence"), "offline", qos=1, retain=True)
        self._client.reconnect_delay_set(min_delay=1, max_delay=60)
        self._client.max_queued_messages_set(1000)
        self._on_connected: Callable[[bool], None] = lambda up: None
        self._on_event: Callable[[bytes], None] = lambda payload: None
        self._on_delivered: Callable[[int], None] = lambda mid: None
        self._lock = threading.Lock()

    def start(self, on_connected, on_event, on_delivered) -> None:
        self._on_connected, self._on_event, self._on_delivered = on_connected, on_event, on_delivered
        client = self._client
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = self._message
        client.on_publish = self._published
        # Connects in the background and keeps reconnecting (backoff 1..60 s).
        client.connect_async(self.settings.host, self.settings.port, keepalive=30)
        client.loop_start()

    def _connected(self, client, _userdata, _flags, reason, _properties) -> None:
        if reason.is_failure:
            log.error("fleet broker refused the kiosk: %s", reason)
            return
        self.connected = True
        client.subscribe(self.settings.topic("events"), qos=1)
        client.publish(self.settings.topic("presence"), "online", qos=1, retain=True)
        log.info("fleet link up (%s:%d)", self.settings.host, self.settings.port)
        self._on_connected(True)

    def _disconnected(self, _client, _userdata, _flags, reason, _properties) -> None:
        if self.connected:
            log.warning("fleet link down: %s", reason)
        self.connected = False
        self._on_connected(False)

    def _message(self, _client, _userdata, message) -> None:
        if len(message.payload) > MAX_EVENT_BYTES:
            log.warning("fleet event of %d bytes ignored", len(message.payload))
            return
        self._on_event(bytes(message.payload))

    def _published(self, _client, _userdata, mid, _reason, _properties) -> None:
        self._on_delivered(mid)

    def publish(self, leaf: str, payload, qos: int = 0, retain: bool = False) -> int | None:
        data = _wire_text(leaf, payload)
        if data is None:
            return None
        if not self.connected and qos == 0:
            return None  # status and the like: sent again when the link is back
        info = self._client.publish(self.settings.topic(leaf), data, qos=qos, retain=retain)
        if info.rc != self._mqtt.MQTT_ERR_SUCCESS and info.rc != self._mqtt.MQTT_ERR_NO_CONN:
            log.warning("fleet publish on %s failed: %s", leaf, info.rc)
            return None
        return info.mid

    def stop(self) -> None:
        """A clean exit says "offline" itself: the last will only fires on a lost connection."""
        if self.connected:
            info = self._client.publish(self.settings.topic("presence"), "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()
        self.connected = False


def _wire_text(leaf: str, payload: dict | str) -> str | None:
    """What goes on the wire: a plain word ("online") or bytes (a shared screen's picture) as
    they are, anything else as strict JSON. A NaN in a status would make every desk's board
    refuse the whole message."""
    if isinstance(payload, (str, bytes)):
        return payload
    try:
        return wire.encode(payload)
    except (TypeError, ValueError) as error:
        log.error("fleet message on %s not sent: %s", leaf, error)
        return None


class FakeLink:
    """A link in memory for unit tests and the laptop demo: records what was published;
    tests deliver events, acknowledgements and outages. Its contract with MqttLink:
    tests/devices/test_contract_fleet.py."""

    def __init__(self, up: bool = True, desk: bool = False) -> None:
        """`desk`: answer bookings as a desk with free times would (the laptop demo)."""
        self.connected = False
        self.up = up
        self.desk = desk
        self.booked: dict[str, str] = {}  # time -> code, of the pretend desk
        self.published: list[tuple[str, object, int, bool]] = []
        self._mid = 0
        self.unacked: list[int] = []
        self._callbacks = None

    def start(self, on_connected, on_event, on_delivered) -> None:
        self._callbacks = (on_connected, on_event, on_delivered)
        if self.up:
            self.set_up(True)

    def set_up(self, up: bool) -> None:
        self.up = self.connected = up
        self._callbacks[0](up)

    def publish(self, leaf: str, payload, qos: int = 0, retain: bool = False) -> int | None:
        if not self.connected or _wire_text(leaf, payload) is None:
            return None
        self._mid += 1
        self.published.append((leaf, payload, qos, retain))
        if qos:
            self.unacked.append(self._mid)
        if self.desk and leaf == "booking" and isinstance(payload, dict):
            self._answer_booking(payload)
        if self.desk and leaf == "upload" and isinstance(payload, dict) and payload.get("type") == "link":
            self.deliver({"type": "upload_link", "id": payload["id"], "token": f"demo-{self._mid:04d}-phone-link"})
        return self._mid

    def _answer_booking(self, asked: dict) -> None:
        """The pretend desk: every time free but those it booked (as long as the kiosk's
        times: `book_minutes`' default); codes counted up."""
        if asked.get("type") == "slots":
            self.deliver({"type": "booking_taken", "id": asked["id"],
                          "taken": [[starts, 30] for starts in sorted(self.booked)]})
        elif asked.get("type") == "book":
            if asked["starts"] in self.booked:
                self.deliver({"type": "booking_refused", "id": asked["id"], "reason": "taken"})
                return
            self.booked[asked["starts"]] = code = f"D{len(self.booked) + 1:03d}"
            self.deliver({"type": "booking_made", "id": asked["id"], "code": code, "starts": asked["starts"]})

    def acknowledge_all(self) -> None:
        for mid in self.unacked:
            self._callbacks[2](mid)
        self.unacked = []

    def deliver(self, payload: bytes | str | dict) -> None:
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        data = payload.encode() if isinstance(payload, str) else payload
        if len(data) > MAX_EVENT_BYTES:  # dropped, as MqttLink drops it
            return
        self._callbacks[1](data)

    def stop(self) -> None:
        self.connected = False
