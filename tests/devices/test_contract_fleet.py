"""The fleet link's contract: one set of assertions that FakeLink (the demo and the unit
tests) and MqttLink (on a real Mosquitto with the desk server's configuration) must both
pass. It is what the help service (kiosk/help.py) relies on: the link comes up and says so,
a QoS 1 message gets an id that the broker acknowledges, a desk's events arrive as sent and
oversized ones never do, what cannot go on the wire is not sent, status is retained, and an
outage is told and survived.

A bench stands for the world around the link: the desk (a real desk account subscribed to
the kiosk's topics, or what the fake recorded), the broker's acknowledgements and outages.
"""

from __future__ import annotations

import json
import threading

import pytest

from kiosk.devices.fleet import MAX_EVENT_BYTES, FakeLink, LinkSettings, MqttLink
from testbed.desk import raw_client, wait_for

SITE, KIOSK, DESK = "oodi", "oodi-1", "desk-oodi"
NET_S = 60  # a broker restart and paho's reconnect backoff, on a loaded machine


class Recorder:
    """The help service's side of the link: what its three callbacks were given."""

    def __init__(self) -> None:
        self.ups: list[bool] = []
        self.events: list[bytes] = []
        self.delivered: list[int] = []

    def callbacks(self):
        return self.ups.append, self.events.append, self.delivered.append


class FakeBench:
    def __init__(self) -> None:
        self.link = FakeLink()

    def come_up(self) -> None:
        pass

    def desk_sends(self, payload: bytes) -> None:
        self.link.deliver(payload)

    def desk_received(self, leaf: str) -> list:
        return [payload for topic, payload, _qos, _retain in self.link.published if topic == leaf]

    def retained(self, leaf: str):
        kept = [payload for topic, payload, _qos, retain in self.link.published if topic == leaf and retain]
        return kept[-1] if kept else None

    def acknowledge(self) -> None:
        self.link.acknowledge_all()

    def outage(self) -> None:
        self.link.set_up(False)

    def restore(self) -> None:
        self.link.set_up(True)

    def close(self) -> None:
        self.link.stop()


class MosquittoBench:
    """The desk: the site's desk account, subscribed to everything of this kiosk."""

    def __init__(self, broker) -> None:
        self.broker = broker
        self.link = MqttLink(LinkSettings("127.0.0.1", broker.port, SITE, KIOSK, KIOSK, broker.password(KIOSK),
                                          True, str(broker.ca_file)))
        self.messages: list = []
        self.desk = self._subscribed("contract-desk", self.messages.append)

    def _subscribed(self, client_id: str, on_message):
        client = raw_client(self.broker, DESK, client_id, lambda _client, _userdata, message: on_message(message))
        acknowledged = threading.Event()
        client.on_subscribe = lambda *_args: acknowledged.set()
        client.subscribe(f"kiosk/{SITE}/{KIOSK}/#", qos=1)
        wait_for(acknowledged.is_set)
        return client

    def come_up(self) -> None:
        # Its presence is published after it subscribed to its events: seen, they reach it.
        wait_for(lambda: b"online" in [m.payload for m in self.messages if m.topic.endswith("/presence")])

    def desk_sends(self, payload: bytes) -> None:
        self.desk.publish(f"kiosk/{SITE}/{KIOSK}/events", payload, qos=1).wait_for_publish(10)

    def desk_received(self, leaf: str) -> list:
        return [_decoded(m.payload) for m in list(self.messages)
                if m.topic == f"kiosk/{SITE}/{KIOSK}/{leaf}" and not m.retain]  # retained: history

    def retained(self, leaf: str):
        """What a desk that connects now is given."""
        kept: list = []
        later = self._subscribed("contract-late-desk", lambda m: m.retain and m.topic.endswith(f"/{leaf}")
                                 and kept.append(_decoded(m.payload)))
        try:
            wait_for(lambda: kept)
        finally:
            _close(later)
        return kept[-1]

    def acknowledge(self) -> None:
        pass  # the broker does

    def outage(self) -> None:
        self.broker.stop()

    def restore(self) -> None:
        self.broker.start_again()

    def close(self) -> None:
        self.link.stop()
        _close(self.desk)
        if self.broker.process is None:  # a test failed in its outage
            self.broker.start_again()


def _decoded(payload: bytes):
    text = payload.decode()
    return json.loads(text) if text[:1] in "{[" else text


def _close(client) -> None:
    client.disconnect()
    client.loop_stop()


@pytest.fixture(scope="module")
def broker():
    from testbed.mosquitto import Broker

    started = Broker({SITE: [KIOSK]}).start()
    yield started
    started.remove()


@pytest.fixture(params=["fake", "mosquitto"])
def bench(request):
    made = FakeBench() if request.param == "fake" else MosquittoBench(request.getfixturevalue("broker"))
    yield made
    made.close()


@pytest.fixture
def kiosk(bench):
    """The link started, as the help service starts it, and up."""
    recorder = Recorder()
    bench.link.start(*recorder.callbacks())
    wait_for(lambda: bench.link.connected and recorder.ups[-1:] == [True], NET_S)
    bench.come_up()
    return recorder


def test_a_help_request_gets_an_id_the_broker_acknowledges_and_reaches_the_desk(bench, kiosk):
    request = {"type": "help", "id": "8c2d", "kiosk": KIOSK, "topic": "printing", "language": "fi"}
    mid = bench.link.publish("help", request, qos=1)
    assert isinstance(mid, int)
    bench.acknowledge()
    wait_for(lambda: mid in kiosk.delivered, NET_S)
    wait_for(lambda: bench.desk_received("help") == [request])


def test_the_status_is_retained_for_a_desk_that_comes_later(bench, kiosk):
    status = {"session": "active", "printer": {"faults": ["out_of_paper"]}}
    assert bench.link.publish("status", status, qos=1, retain=True) is not None
    wait_for(lambda: bench.desk_received("status") == [status])
    assert bench.retained("status") == status


def test_a_desks_events_arrive_as_sent_and_an_oversized_one_never_does(bench, kiosk):
    seen = json.dumps({"type": "help_seen", "id": "8c2d"}).encode()
    oversized = json.dumps({"type": "message", "text": "x" * MAX_EVENT_BYTES}).encode()
    last = json.dumps({"type": "message", "text": "Tulen kohta"}).encode()
    for payload in (seen, oversized, last):
        bench.desk_sends(payload)
    wait_for(lambda: last in kiosk.events)  # in order: the oversized one was dealt with before
    assert kiosk.events == [seen, last]


def test_what_cannot_go_on_the_wire_is_not_sent(bench, kiosk):
    assert bench.link.publish("status", {"load": float("nan")}, qos=1, retain=True) is None
    assert bench.link.publish("stats", {"pages": float("inf")}) is None
    assert bench.link.publish("status", {"load": 0.5}, qos=1) is not None
    wait_for(lambda: bench.desk_received("status") == [{"load": 0.5}])
    assert bench.desk_received("stats") == []


def test_an_outage_is_told_a_request_then_waits_or_is_refused_and_the_link_comes_back(bench, kiosk):
    bench.outage()
    wait_for(lambda: not bench.link.connected and kiosk.ups[-1] is False, NET_S)
    assert bench.link.publish("status", {"session": "idle"}) is None  # QoS 0: sent again when back
    # QoS 1: refused (the help service sends it when the link is back) or queued until then.
    waiting = bench.link.publish("help", {"type": "help", "id": "8c2e", "kiosk": KIOSK}, qos=1)
    assert waiting is None or isinstance(waiting, int)
    bench.restore()
    wait_for(lambda: bench.link.connected and kiosk.ups[-1] is True, NET_S)
    mid = bench.link.publish("help", {"type": "help", "id": "8c2f", "kiosk": KIOSK}, qos=1)
    bench.acknowledge()
    wait_for(lambda: {mid, waiting} - {None} <= set(kiosk.delivered), NET_S)


def test_a_stopped_link_is_down(bench, kiosk):
    bench.link.stop()
    assert not bench.link.connected
    assert bench.link.publish("status", {"session": "idle"}) is None
