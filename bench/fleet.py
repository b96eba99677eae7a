"""The `help_latency` benchmark: Help pressed on a kiosk → the request visible to a staff
page, through a real Mosquitto (TLS, ACL) and the desk, against a bare MQTT publish →
receive round trip on the same broker in the same run.

"Visible to the page" is measured as the page sees it: the desk's server-sent event
arrives, the page fetches /api/state, and the request is in the queue.
"""

from __future__ import annotations

import http.cookiejar
import json
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import wait_until

RUNS = 30


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def help_latency(_display: str) -> dict:
    import paho.mqtt.client as mqtt

    from kiosk.desk.link import BrokerSettings, DeskLink
    from kiosk.desk.store import Store
    from kiosk.desk.web import DeskApp, serve
    from kiosk.devices.fleet import LinkSettings, MqttLink
    from kiosk.help import Help, Outbox
    from testbed.mosquitto import Broker

    broker = Broker({"bench": ["bench-01"]}).start()
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bench-fleet-"))
    server = link = help_ = None
    try:
        store = Store(str(scratch / "desk.sqlite"))
        store.add_user("bench", "a long bench password", ["bench"])
        link = DeskLink(BrokerSettings("127.0.0.1", broker.port, "desk-bench", broker.password("desk-bench"), True,
                                       str(broker.ca_file)), ["bench"], store)
        app = DeskApp(store, link)
        link.on_change = app.notify
        link.start()
        server = serve(app, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        opener.open(base + "/login", b"name=bench&password=a long bench password").read()

        seen: dict[str, float] = {}
        stop = threading.Event()

        def page() -> None:  # what the board's script does: an event, then the state
            stream = opener.open(base + "/api/events")
            while not stop.is_set():
                line = stream.readline()
                if not line:
                    return
                if line.startswith(b"data:"):
                    state = json.loads(opener.open(base + "/api/state").read())
                    now = time.perf_counter()
                    for request in state["queue"]:
                        seen.setdefault(request["id"], now)

        threading.Thread(target=page, daemon=True).start()
        help_ = Help(MqttLink(LinkSettings("127.0.0.1", broker.port, "bench", "bench-01", "bench-01",
                                           broker.password("bench-01"), True, str(broker.ca_file))),
                     Outbox(scratch / "outbox.sqlite"), "bench-01", lambda: "bench", post=lambda work: work())
        help_.start()
        wait_until(lambda: help_.connected and link.connected, 20, "the kiosk and desk connected")
        time.sleep(0.5)

        # The bare round trip: a kiosk's client publishes, a desk's client receives.
        received = threading.Event()
        listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-listener")
        listener.username_pw_set("desk-bench", broker.password("desk-bench"))
        listener.tls_set(ca_certs=str(broker.ca_file))
        listener.on_message = lambda *_args: received.set()
        listener.connect("127.0.0.1", broker.port)
        listener.subscribe("kiosk/bench/bench-01/stats", qos=1)
        listener.loop_start()
        time.sleep(0.5)

        ours, bare = [], []
        for _ in range(RUNS):
            received.clear()
            started = time.perf_counter()
            help_.link.publish("stats", {"ping": 1}, qos=1)
            if not received.wait(10):
                raise RuntimeError("the bare round trip did not arrive")
            bare.append(time.perf_counter() - started)

            started = time.perf_counter()
            request_id = help_.request("other", "", "fi", [])
            wait_until(lambda: request_id in seen, 20, "the request on the page")
            ours.append(seen[request_id] - started)
            help_.cancel()
            time.sleep(0.05)
        listener.loop_stop()
        stop.set()
    finally:
        if help_ is not None:
            help_.stop()
        if link is not None:
            link.stop()
        if server is not None:
            server.shutdown()
        broker.remove()
    value, baseline = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    return {"name": "help_latency", "value": round(value, 1), "unit": "ms", "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 3), "target": "median < 250 ms", "runs": RUNS,
            "p95_ms": round(_percentile(ours, 0.95) * 1000, 1),
            "baseline_p95_ms": round(_percentile(bare, 0.95) * 1000, 1),
            "detail": "Help pressed -> request in the desk page's state (after its server-sent event), "
                      "vs a bare MQTT publish -> receive on the same broker"}
