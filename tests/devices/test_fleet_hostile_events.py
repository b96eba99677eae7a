"""Hostile events from a desk account, through a real Mosquitto, to a real kiosk link.

A desk's account (or a stolen desk password) may write anything into a kiosk's events
topic, and a retained message comes back at every start of the kiosk. The kiosk must
ignore what is not a valid event, never raise on the Kivy clock, and still carry out the
next legitimate event.
"""

from __future__ import annotations

import logging
import random
import time

import pytest

from kiosk import wire
from kiosk.devices.fleet import LinkSettings, MqttLink
from kiosk.help import Help, Outbox

SITES = {"oodi": ["oodi-1"]}
EVENTS = "kiosk/oodi/oodi-1/events"

HOSTILE = {
    "16 KB of [": b"[" * 16384,
    "16 KB of objects": b'{"a":' * 3276,
    "NaN as the text": b'{"type": "message", "text": NaN}',
    "NaN beside a good text": b'{"type": "message", "text": "Tervetuloa", "n": NaN}',
    "Infinity": b'{"type": "help_accepted", "id": "x", "helper": "Aino", "t": -Infinity}',
    "invalid UTF-8": b'{"type": "message", "text": "\xff\xfe\xc3"}',
    "a lone surrogate": b'{"type": "message", "text": "\\ud800"}',
    "5,000 digits": b'{"type": "message", "text": "x", "n": ' + b"9" * 5000 + b"}",
    "1 MB of junk": random.Random(15).randbytes(1024 * 1024),
}


def wait_for(condition, timeout=10.0, meanwhile=lambda: None):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        meanwhile()
        time.sleep(0.1)


def desk_sends(broker, payload: bytes, retain: bool = False) -> bool:
    """Publish as the desk account does; True once the broker has it. A connection of its
    own each time: the broker drops one that sends more than its packet limit."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="desk-oodi")
    client.username_pw_set("desk-oodi", broker.password("desk-oodi"))
    client.tls_set(ca_certs=str(broker.ca_file))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        info = client.publish(EVENTS, payload, qos=1, retain=retain)
        info.wait_for_publish(3)
        return info.is_published()
    except (RuntimeError, ValueError):
        return False
    finally:
        client.disconnect()
        client.loop_stop()


class Kiosk:
    """A kiosk's help service on its real MQTT link. `post` stands in for the Kivy clock:
    whatever a callback raises is kept, where the real clock would stop the kiosk."""

    def __init__(self, broker, tmp_path) -> None:
        self.raised: list[BaseException] = []
        self.desk_events: list[dict] = []
        link = MqttLink(LinkSettings("127.0.0.1", broker.port, "oodi", "oodi-1", "oodi-1",
                                     broker.password("oodi-1"), True, str(broker.ca_file)))
        self.help = Help(link, Outbox(tmp_path / "oodi-1-outbox.sqlite"), "oodi-1", lambda: "Floor 2",
                         post=self._post)
        self.help.bind(on_desk=lambda _help, event: self.desk_events.append(event))
        self.help.start()
        wait_for(lambda: self.help.connected)

    def _post(self, work) -> None:
        try:
            work()
        except BaseException as error:  # noqa: B036 -- RecursionError included
            self.raised.append(error)

    def told(self, text: str, broker) -> None:
        """A desk's message reaches the screen (sent again until it does: the kiosk's
        subscription may not be in place the moment it connects)."""
        event = wire.encode({"type": "message", "text": text}).encode()
        wait_for(lambda: self.help.message == text, meanwhile=lambda: desk_sends(broker, event))

    def stop(self) -> None:
        self.help.stop()
        self.help.outbox.close()


def ignored(caplog) -> int:
    """How many events the kiosk has said it ignored."""
    return sum(1 for r in caplog.records if r.name in ("kiosk.help", "kiosk.devices.fleet")
               and r.getMessage().startswith("fleet event") and "ignored" in r.getMessage())


def test_hostile_events_are_ignored_and_the_next_real_one_is_carried_out(broker, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    kiosk = Kiosk(broker, tmp_path)
    try:
        kiosk.told("Hetki, tulen pian.", broker)
        request_id = kiosk.help.request("logging_in", "kela", "fi", [])
        wait_for(lambda: kiosk.help.state == "sent")
        before = ignored(caplog)
        delivered = [name for name, payload in HOSTILE.items() if desk_sends(broker, payload)]
        # Everything the broker let through reached the kiosk (the 1 MB may be stopped there).
        assert set(HOSTILE) - set(delivered) <= {"1 MB of junk"}, delivered
        wait_for(lambda: ignored(caplog) - before >= len(delivered))
        assert desk_sends(broker, wire.encode({"type": "help_accepted", "id": request_id, "helper": "Aino"}).encode())
        wait_for(lambda: kiosk.help.state == "accepted")
        assert kiosk.help.helper == "Aino"
        kiosk.told("Aino tulee.", broker)
        assert kiosk.raised == []
        assert {e["text"] for e in kiosk.desk_events} == {"Hetki, tulen pian.", "Aino tulee."}
    finally:
        kiosk.stop()


@pytest.mark.parametrize("name", [n for n in HOSTILE if n != "1 MB of junk"])
def test_a_retained_hostile_event_does_not_break_the_kiosk_at_its_next_start(broker, tmp_path, caplog, name):
    caplog.set_level(logging.WARNING)
    assert desk_sends(broker, HOSTILE[name], retain=True)
    try:
        for start in range(2):  # it comes back at every start
            kiosk = Kiosk(broker, tmp_path)
            try:
                kiosk.told(f"Start {start}", broker)  # arrives after the retained event
                assert ignored(caplog) >= start + 1
                assert kiosk.raised == []
                assert [e["text"] for e in kiosk.desk_events] == [f"Start {start}"] * len(kiosk.desk_events)
            finally:
                kiosk.stop()
    finally:
        assert desk_sends(broker, b"", retain=True)  # an empty retained message clears it


def test_a_retained_megabyte_is_not_kept_for_the_kiosk(broker, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    kept = desk_sends(broker, HOSTILE["1 MB of junk"], retain=True)
    try:
        kiosk = Kiosk(broker, tmp_path)
        try:
            kiosk.told("Tervetuloa", broker)
            assert kiosk.raised == []
            assert ignored(caplog) == (1 if kept else 0)
        finally:
            kiosk.stop()
    finally:
        if kept:
            desk_sends(broker, b"", retain=True)


def test_the_kiosk_writes_only_strict_json(broker, tmp_path):
    """A NaN in a status would make every staff member's board refuse it (browsers'
    JSON.parse does not read NaN): it is not sent, and the next good status is."""
    import paho.mqtt.client as mqtt

    received: list[bytes] = []
    subscribed = []
    desk = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="desk-oodi")
    desk.username_pw_set("desk-oodi", broker.password("desk-oodi"))
    desk.tls_set(ca_certs=str(broker.ca_file))
    desk.on_message = lambda _c, _u, message: received.append(bytes(message.payload))
    desk.on_connect = lambda client, *_: client.subscribe("kiosk/oodi/oodi-1/status", qos=1)
    desk.on_subscribe = lambda *_: subscribed.append(True)
    desk.connect("127.0.0.1", broker.port)
    desk.loop_start()
    kiosk = Kiosk(broker, tmp_path)
    try:
        wait_for(lambda: subscribed)  # so the desk sees every status, not only the retained last
        kiosk.help.publish_status({"session": "active", "load": float("nan")})
        kiosk.help.publish_status({"session": "active", "load": 0.5})
        wait_for(lambda: received)
        time.sleep(0.5)
        assert [wire.decode(payload, 4096) for payload in received] == [{"session": "active", "load": 0.5}]
    finally:
        kiosk.stop()
        desk.disconnect()
        desk.loop_stop()
