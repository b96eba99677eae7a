"""The `help_latency` benchmark: Help pressed on a kiosk → the request visible to a staff
page, through a real Mosquitto (TLS, ACL) and the desk, against a bare MQTT publish →
receive round trip on the same broker in the same run.

"Visible to the page" is measured as the page sees it: the desk's server-sent event
arrives with the request's card among the board's fragments (what htmx swaps in).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench.common import wait_until

RUNS = 30


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def help_latency(_display: str) -> dict:
    import paho.mqtt.client as mqtt

    from kiosk.desk.link import BrokerSettings, DeskLink, RateLimits
    from kiosk.desk.store import Store
    from kiosk.desk.board import DeskApp
    from kiosk.desk.web import serve
    from kiosk.devices.fleet import LinkSettings, MqttLink
    from kiosk.help import Help, Outbox
    from testbed.mosquitto import Broker

    # The listener has an account of its own: a second client of the desk's account would
    # take over the desk's session (the client id is the user name).
    broker = Broker({"bench": ["bench-01"]}, extra_acl="user bench-listener\ntopic read kiosk/bench/#\n").start()
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bench-fleet-"))
    server = link = help_ = None
    try:
        store = Store(str(scratch / "desk.sqlite"))
        store.add_user("bench", "a long bench password", ["bench"])
        link = DeskLink(BrokerSettings("127.0.0.1", broker.port, "desk-bench", broker.password("desk-bench"), True,
                                       str(broker.ca_file)), ["bench"], store,
                        # One kiosk asks 30 times in a row here; the latency is measured, not the flood guard.
                        limits=RateLimits(requests_burst=RUNS + 1, messages_burst=10 * RUNS))
        app = DeskApp(store, link)
        link.on_change = app.notify
        link.start()
        server = serve(app, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        opener.open(base + "/login", b"name=bench&password=a long bench password").read()

        seen: dict[str, float] = {}
        threading.Thread(target=_page, args=(opener, base, seen), daemon=True).start()
        help_ = Help(MqttLink(LinkSettings("127.0.0.1", broker.port, "bench", "bench-01", "bench-01",
                                           broker.password("bench-01"), True, str(broker.ca_file))),
                     Outbox(scratch / "outbox.sqlite"), "bench-01", lambda: "bench", post=lambda work: work())
        help_.start()
        wait_until(lambda: help_.connected and link.connected, 120, "the kiosk and desk connected")
        time.sleep(0.5)

        # The bare round trip: a kiosk's client publishes, a desk's client receives.
        received = threading.Event()
        listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-listener")
        listener.username_pw_set("bench-listener", broker.password("bench-listener"))
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
            wait_until(lambda: request_id in seen, 120, "the request on the page")
            ours.append(seen[request_id] - started)
            help_.cancel()
            time.sleep(0.05)
        listener.loop_stop()
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
            "detail": "Help pressed -> the request's card in the desk page's server-sent fragments, "
                      "vs a bare MQTT publish -> receive on the same broker"}


FANIN_KIOSKS = 10_000
FANIN_SITES = 100  # a region's desk: 100 sites of 100 kiosks, each helper's page one site's
# How long the load lasts; the tests that only check the benchmark works ask for less.
FANIN_SECONDS = float(os.environ.get("BENCH_FANIN_SECONDS", "30"))
FANIN_PASSWORD = "a long bench password"


def desk_fanin(_display: str) -> dict:
    """One desk process (SQLite) under 10,000 simulated kiosks of 100 sites, each sending its
    status every 10 s, and 20 help requests a minute: the desk's CPU share, and how long a
    new request takes to reach a staff page meanwhile (target: under 1 s, under 50 % of
    one core)."""
    return _fanin("desk_fanin", processes=1)


def desk_fanin_postgres(_display: str) -> dict:
    """The same load over two desk processes sharing one PostgreSQL (the kiosks' messages
    shared between them by the broker): a staff page on each process, each process's CPU."""
    return _fanin("desk_fanin_postgres", processes=2)


def _fanin(name: str, processes: int) -> dict:
    import os

    import paho.mqtt.client as mqtt

    from testbed.desk import desk_command, start_region_desk
    from testbed.mosquitto import Broker

    sites = [f"s{n:03d}" for n in range(FANIN_SITES)]
    accounts = [f"desk-region-{n}" for n in range(processes)]
    acl = "".join(f"user {account}\ntopic read kiosk/#\ntopic write kiosk/+/+/events\n" for account in accounts)
    broker = Broker({}, extra_acl=acl + "user fanin-load\ntopic write kiosk/#\n").start()
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bench-fanin-"))
    postgres = None
    desks = []
    try:
        if processes > 1:
            from testbed.postgres import Postgres

            postgres = Postgres().start()
            database = postgres.database("fanin")
        else:
            database = str(scratch / "desk.sqlite")
        for number, account in enumerate(accounts):
            desks.append(start_region_desk(broker, scratch / f"desk-{number}", sites, account, database,
                                           log=scratch / f"desk-{number}.log", start=False))
        added = desk_command(desks[0][2], "add-user", "bench", "--sites", sites[0], password=FANIN_PASSWORD)
        if added.returncode != 0:
            raise RuntimeError(f"kiosk-desk add-user: {added.stderr[-1000:]}")
        desks = [(launch(), base, config) for launch, base, config in desks]
        seen: list[dict[str, float]] = []
        for _process, base, _config in desks:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            wait_until(lambda: _answers(opener, base), 120, "the desk")
            opener.open(base + "/login", f"name=bench&password={FANIN_PASSWORD}".encode()).read()
            seen.append({})
            threading.Thread(target=_page, args=(opener, base, seen[-1]), daemon=True).start()

        load = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fanin-load")
        load.username_pw_set("fanin-load", broker.password("fanin-load"))
        load.tls_set(ca_certs=str(broker.ca_file))
        load.max_queued_messages_set(0)
        load.connect("127.0.0.1", broker.port)
        load.loop_start()
        wait_until(lambda: all(_subscribed(scratch / f"desk-{n}.log") for n in range(processes)), 120,
                   "the desks subscribed")

        ticks = os.sysconf("SC_CLK_TCK")
        cpu_before = [_cpu_seconds(process.pid, ticks) for process, _b, _c in desks]
        started = time.monotonic()
        sent: dict[str, float] = {}
        next_help, status_rate = started, FANIN_KIOSKS / 10.0
        count = 0
        while time.monotonic() - started < FANIN_SECONDS:
            now = time.monotonic()
            due = int((now - started) * status_rate)
            while count < due:
                number = count % FANIN_KIOSKS
                site, kiosk = sites[number // (FANIN_KIOSKS // FANIN_SITES)], f"k{number:05d}"
                load.publish(f"kiosk/{site}/{kiosk}/status", json.dumps(
                    {"kiosk": kiosk, "session": "active" if count % 3 else "ready", "screen": "guide",
                     "printer": {"state": "idle", "faults": []}}), qos=0)
                count += 1
            if now >= next_help:  # 20 a minute, at the page's site
                kiosk = f"k{len(sent) % (FANIN_KIOSKS // FANIN_SITES):05d}"
                request_id = str(uuid.uuid4())
                sent[request_id] = time.perf_counter()
                load.publish(f"kiosk/{sites[0]}/{kiosk}/help", json.dumps(
                    {"type": "help", "id": request_id, "kiosk": kiosk, "topic": "other", "place": "", "service": "",
                     "language": "fi", "accessibility": []}), qos=1)
                next_help += 3.0
            time.sleep(0.002)
        elapsed = time.monotonic() - started
        cpu = [(_cpu_seconds(process.pid, ticks) - before) / elapsed * 100
               for (process, _b, _c), before in zip(desks, cpu_before)]
        wait_until(lambda: all(r in page for page in seen for r in sent), 120, "every request on every page")
        load.loop_stop()
        updates = [(page[r] - t) * 1000 for page in seen for r, t in sent.items()]
    finally:
        for process, _base, _config in desks:
            process.terminate()
            process.wait(timeout=20)
        broker.remove()
        if postgres is not None:
            postgres.stop()
    value = statistics.median(updates)
    return {"name": name, "value": round(value, 1), "unit": "ms", "baseline": 1000.0,
            "ratio": round(value / 1000.0, 3), "target": "page update < 1 s, each desk process < 50 % of one core",
            "cpu_percent": round(max(cpu), 1), "cpu_percent_each": [round(c, 1) for c in cpu],
            "page_update_p95_ms": round(_percentile(updates, 0.95), 1), "page_update_max_ms": round(max(updates), 1),
            "processes": processes, "database": "postgresql" if processes > 1 else "sqlite",
            "status_messages": count, "help_requests": len(sent), "kiosks": FANIN_KIOSKS, "sites": FANIN_SITES,
            "pages": len(seen), "seconds": round(elapsed, 1)}


def _subscribed(log: Path) -> bool:
    return log.exists() and "desk connected to the broker" in log.read_text()


def _answers(opener, base: str) -> bool:
    try:
        opener.open(base + "/login").read()
        return True
    except OSError:
        return False


CARD = re.compile(rb'<article id="request-([0-9a-f-]{36})"')


def _page(opener, base: str, seen: dict) -> None:
    """What the board's page gets: each event's fragments, the requests' cards among them
    (until the desk stops)."""
    try:
        stream = opener.open(base + "/api/events")
        event = b""
        while True:
            line = stream.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                event += line
            elif line == b"\n" and event:
                now = time.perf_counter()
                for request_id in CARD.findall(event):
                    seen.setdefault(request_id.decode(), now)
                event = b""
    except OSError:
        return


def _cpu_seconds(pid: int, ticks: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks
