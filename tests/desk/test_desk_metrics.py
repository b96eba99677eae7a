"""The desk's /metrics (kiosk.desk.metrics): what Prometheus reads of the kiosks and the help
queue, through a real `kiosk-desk run` with kiosks on the real Mosquitto, with and without
its token; the collector over a real Store (SQLite, and two "processes" on one PostgreSQL);
the token file and its configuration key."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry
from sqlalchemy import update

from kiosk.desk.cli import load, metrics_token
from kiosk.desk.metrics import ACCEPTED_WINDOW_S, DeskCollector, read_token
from kiosk.desk.schema import kiosks, requests
from kiosk.desk.store import Store
from testbed.desk import StaffBrowser, start_desk, wait_for
from testbed.desk import kiosk as start_kiosk

SITES = {"oodi": ["oodi-1", "oodi-2", "oodi-3"]}
TOKEN = "4f6d1c0a9b2e8d7f3a5c6b1e0d9f8a7c6b5e4d3c2b1a0f9e"
PASSWORD = "correct horse battery"
NOW = 1_800_000_000.0


def samples(text: str) -> dict[tuple, float]:
    """Every sample of an exposition: (name, (label, value), ...) -> value."""
    return {(sample.name, *sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: dict, name: str, **labels) -> float | None:
    return found.get((name, *sorted(labels.items())))


def by(found: dict, name: str, label: str, **labels) -> dict[str, float]:
    """The samples of `name` (those with `labels`) by their `label`."""
    return {dict(rest)[label]: v for (sample, *rest), v in found.items()
            if sample == name and labels.items() <= dict(rest).items()}


def scrape(collector: DeskCollector) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry).decode()


def at(store: Store, request_id: str, **times: float) -> None:
    """Set a request's times (created, accepted, waiting_since) as if they had passed."""
    with store.engine.begin() as connection:
        connection.execute(update(requests).where(requests.c.id == request_id).values(**times))


def new_request(store: Store, site: str, kiosk: str) -> str:
    request_id = str(uuid.uuid4())
    assert store.add_request(site, {"id": request_id, "kiosk": kiosk, "topic": "printing"})
    return request_id


# -- the collector over a real store -------------------------------------------------------

def fill(store: Store) -> None:
    """oodi: one kiosk in use with a printer out of paper and a fault the desk has no word
    for, one out of service, one offline (gone at NOW - 900, its printer jammed when it left);
    kallio: one free kiosk. Requests: one waiting 400 s at oodi-1, one released back to the
    queue 100 s ago at oodi-3, three accepted within the hour and one before it."""
    store.status("oodi", "oodi-1", {"session": "active", "printer": {"faults": ["out_of_paper", "fuser_melted"]}})
    store.status("oodi", "oodi-3", {"session": "out_of_service", "out_of_service": True})
    store.status("oodi", "oodi-2", {"session": "ready", "printer": {"faults": ["jammed"]}})
    store.presence("oodi", "oodi-2", False)
    store.status("kallio", "kallio-1", {"session": "ready", "printer": {"faults": []}})
    with store.engine.begin() as connection:
        connection.execute(update(kiosks).where(kiosks.c.kiosk == "oodi-2").values(updated=NOW - 900))
    at(store, new_request(store, "oodi", "oodi-1"), created=NOW - 400)
    at(store, new_request(store, "oodi", "oodi-3"), created=NOW - 3000, waiting_since=NOW - 100)
    for waited, accepted_ago in ((20, 10), (100, 50), (700, 60), (10, ACCEPTED_WINDOW_S + 60)):
        request_id = new_request(store, "kallio", "kallio-1")
        at(store, request_id, created=NOW - accepted_ago - waited, accepted=NOW - accepted_ago)


def test_the_metrics_say_each_sites_kiosks_and_queue_as_the_store_has_them(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    fill(store)
    found = samples(scrape(DeskCollector(store, lambda: ["oodi", "kallio"], clock=lambda: NOW)))
    for name, oodi, kallio in (("kiosk_desk_kiosks", 3, 1), ("kiosk_desk_kiosks_online", 2, 1),
                               ("kiosk_desk_kiosks_in_use", 1, 0), ("kiosk_desk_kiosks_out_of_service", 1, 0),
                               ("kiosk_desk_help_waiting", 2, 0), ("kiosk_desk_help_oldest_waiting_seconds", 400, 0)):
        assert (value(found, name, site="oodi"), value(found, name, site="kallio")) == (oodi, kallio), name
    assert by(found, "kiosk_desk_kiosk_up", "kiosk") == {"oodi-1": 1, "oodi-2": 0, "oodi-3": 1, "kallio-1": 1}
    assert value(found, "kiosk_desk_kiosk_last_seen_timestamp_seconds", site="oodi", kiosk="oodi-2") == NOW - 900
    assert value(found, "kiosk_desk_kiosk_last_seen_timestamp_seconds", site="oodi", kiosk="oodi-1") == NOW
    # Faults of online kiosks only, an unknown code as "other".
    assert by(found, "kiosk_desk_printer_fault", "fault", kiosk="oodi-1") == {"out_of_paper": 1, "other": 1}
    assert by(found, "kiosk_desk_printer_fault", "kiosk") == {"oodi-1": 1}
    # The released request counts from when it went back to the queue.
    assert by(found, "kiosk_desk_kiosk_help_waiting_seconds", "kiosk") == {"oodi-1": 400, "oodi-3": 100}
    # Time to accept: the three accepted in the last hour, in their buckets.
    buckets = by(found, "kiosk_desk_help_accept_seconds_bucket", "le", site="kallio")
    assert (buckets["30"], buckets["120"], buckets["600"], buckets["900"], buckets["+Inf"]) == (1, 2, 2, 3, 3)
    assert value(found, "kiosk_desk_help_accept_seconds_gsum", site="kallio") == 820
    assert value(found, "kiosk_desk_help_accept_seconds_gcount", site="oodi") == 0


def test_labels_are_only_the_desks_sites_and_valid_kiosk_ids(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.status("oodi", "oodi-1", {"session": "active", "printer": {"faults": ["x" * 40, "jammed"]}})
    store.status("pasila", "pasila-1", {"session": "active"})  # a site this desk does not serve
    with store.engine.begin() as connection:  # what the link would never store
        connection.execute(kiosks.insert().values(site="oodi", kiosk='evil"} 1\nkiosk_desk_kiosk_up{kiosk="x',
                                                  online=1, status="{}", updated=NOW))
    text = scrape(DeskCollector(store, lambda: ["oodi", "Bad Site"], clock=lambda: NOW))
    found = samples(text)
    assert {dict(labels).get("site") for _name, *labels in found} == {"oodi"}
    assert {dict(labels).get("kiosk") for _name, *labels in found} == {None, "oodi-1"}
    assert by(found, "kiosk_desk_printer_fault", "fault") == {"other": 1, "jammed": 1}
    assert value(found, "kiosk_desk_kiosks", site="oodi") == 1 and "evil" not in text


def test_two_desk_processes_on_one_postgresql_answer_the_same(postgres):
    url = postgres.database("metrics")
    writer, other = Store(url), Store(url)
    try:
        fill(writer)
        answers = [scrape(DeskCollector(store, lambda: ["oodi", "kallio"], clock=lambda: NOW))
                   for store in (writer, other)]
        assert answers[0] == answers[1]
        found = samples(answers[1])
        assert value(found, "kiosk_desk_kiosks_online", site="oodi") == 2
        assert value(found, "kiosk_desk_help_oldest_waiting_seconds", site="oodi") == 400
        assert value(found, "kiosk_desk_help_accept_seconds_bucket", site="kallio", le="120") == 2
    finally:
        writer.close()
        other.close()


def test_the_broker_saying_again_that_a_kiosk_is_offline_does_not_move_its_offline_since(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.status("oodi", "oodi-1", {"session": "ready"})
    store.presence("oodi", "oodi-1", False)
    gone = store.kiosks(["oodi"])[0]["updated"]
    wait_for(lambda: time.time() > gone)
    # A desk starting: the retained "offline" and the last status, again.
    store.presence("oodi", "oodi-1", False)
    store.status("oodi", "oodi-1", {"session": "ready"})
    assert store.kiosks(["oodi"])[0]["updated"] == gone
    store.presence("oodi", "oodi-1", True)
    assert store.kiosks(["oodi"])[0]["updated"] > gone


# -- the token and its configuration -------------------------------------------------------

def test_a_token_file_is_one_long_token(tmp_path):
    token = tmp_path / "token"
    token.write_text(f"  {TOKEN}\n")
    assert read_token(token) == TOKEN.encode()
    for text, problem in (("short\n", "it needs 32"), (f"{TOKEN} {TOKEN}", "one token"), ("", "one token"),
                          ("x" * 5000, "4 KiB")):
        token.write_text(text)
        with pytest.raises(ValueError, match=problem):
            read_token(token)
    config = tmp_path / "desk.toml"
    config.write_text('[desk]\nsites = ["oodi"]\nmetrics_token_file = "missing-token"\n')
    loaded = load(config)
    assert loaded["desk"]["metrics_token_file"] == str(tmp_path / "missing-token")  # beside the file
    with pytest.raises(SystemExit, match=r"\[desk\] metrics_token_file .*missing-token: cannot read it"):
        metrics_token(loaded)
    config.write_text('[desk]\nsites = ["oodi"]\n\nmetrics_token_file = 42\n')
    with pytest.raises(SystemExit, match=r"desk.toml:4: \[desk\] metrics_token_file must be"):
        load(config)
    config.write_text('[desk]\nsites = ["oodi"]\n')
    assert metrics_token(load(config)) is None


# -- Prometheus, a real desk and kiosks on the real broker ---------------------------------

def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_prometheus_reads_the_kiosks_and_the_queue_with_its_token_and_nobody_else_does(broker, tmp_path):
    (tmp_path / "metrics-token").write_text(TOKEN + "\n")
    process, url = start_desk(broker, "oodi", tmp_path, "Aino", PASSWORD, log=tmp_path / "desk.log",
                              desk_lines=f'metrics_token_file = "{tmp_path / "metrics-token"}"\n')
    kiosks_started = [start_kiosk(broker, tmp_path, kiosk_id) for kiosk_id in SITES["oodi"]]
    in_use, leaving, stopped = kiosks_started
    try:
        wait_for(lambda: all(k.connected for k in kiosks_started))
        in_use.publish_status({"kiosk": "oodi-1", "session": "active",
                               "printer": {"state": "stopped", "faults": ["out_of_paper"]}})
        stopped.publish_status({"kiosk": "oodi-3", "session": "out_of_service", "out_of_service": True})
        leaving.publish_status({"kiosk": "oodi-2", "session": "ready"})

        def reachable() -> bool:
            try:
                return get(url + "/metrics")[0] == 401
            except OSError:  # not listening yet
                assert process.poll() is None, (tmp_path / "desk.log").read_text()
                return False

        wait_for(reachable, timeout=60)
        # The retained statuses are in: the desk has subscribed, and hears a request at once.
        wait_for(lambda: value(samples(get(url + "/metrics", TOKEN)[1]), "kiosk_desk_kiosks", site="oodi") == 3,
                 timeout=20)
        request_id = in_use.request("printing", "kela", "fi", [])
        wait_for(lambda: value(samples(get(url + "/metrics", TOKEN)[1]), "kiosk_desk_help_waiting", site="oodi") == 1,
                 timeout=20, kiosks=[in_use])
        before_leaving = time.time()
        leaving.stop()  # a clean exit says "offline"
        found: dict = {}

        def scraped(**expected) -> bool:
            found.clear()
            found.update(samples(get(url + "/metrics", TOKEN)[1]))
            return all(value(found, name, site="oodi") == v for name, v in expected.items())

        wait_for(lambda: scraped(kiosk_desk_kiosks=3, kiosk_desk_kiosks_online=2, kiosk_desk_kiosks_in_use=1,
                                 kiosk_desk_kiosks_out_of_service=1), timeout=20)
        assert value(found, "kiosk_desk_kiosk_up", site="oodi", kiosk="oodi-2") == 0
        assert value(found, "kiosk_desk_kiosk_up", site="oodi", kiosk="oodi-1") == 1
        assert before_leaving <= value(found, "kiosk_desk_kiosk_last_seen_timestamp_seconds", site="oodi",
                                       kiosk="oodi-2") <= time.time()
        assert value(found, "kiosk_desk_printer_fault", site="oodi", kiosk="oodi-1", fault="out_of_paper") == 1
        assert value(found, "kiosk_desk_kiosk_help_waiting_seconds", site="oodi", kiosk="oodi-1") >= 0
        # Nobody else: no token, another token, another scheme, the token as a cookie or query.
        for token in (None, TOKEN[:-1] + "0", TOKEN + "0"):
            status, body = get(url + "/metrics", token)
            assert status == 401 and "kiosk_desk" not in body, token
        for headers in ({"Authorization": f"Basic {TOKEN}"}, {"Cookie": f"desk_session={TOKEN}"}):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(url + "/metrics", headers=headers), timeout=10)
            assert refused.value.code == 401
        assert get(f"{url}/metrics?token={TOKEN}")[0] == 401
        # A helper accepts: the queue is empty and the accept is counted.
        staff = StaffBrowser(url)
        assert staff.login("Aino", PASSWORD) == 200
        assert staff.post("/api/accept", {"id": request_id}) == 200
        wait_for(lambda: scraped(kiosk_desk_help_waiting=0, kiosk_desk_help_accept_seconds_gcount=1), timeout=10)
        assert value(found, "kiosk_desk_help_oldest_waiting_seconds", site="oodi") == 0
        assert by(found, "kiosk_desk_kiosk_help_waiting_seconds", "kiosk") == {}
        assert value(found, "kiosk_desk_help_accept_seconds_bucket", site="oodi", le="+Inf") == 1
    finally:
        for help_ in kiosks_started:
            help_.stop()
        process.terminate()
        process.wait(timeout=30)
