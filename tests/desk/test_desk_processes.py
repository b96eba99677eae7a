"""Several desk processes on one database (issue 18): a real PostgreSQL started for the
tests, real `kiosk-desk run` processes and Stores in processes of their own. Two helpers
accepting the same request at the same moment: exactly one gets it and the other is told
who; what one process changes, the other's pages hear of at once (LISTEN/NOTIFY)."""

from __future__ import annotations

import json
import multiprocessing
import queue
import threading
import time
import urllib.request
import uuid

import pytest
from sqlalchemy import text

from kiosk.desk.store import Store
from testbed.desk import StaffBrowser, claim_in_rounds, desk_command, start_desk_on, wait_for

ROUNDS = 100
HTTP_ROUNDS = 20
PASSWORD = "correct horse battery"


def request_in(store: Store, kiosk: str = "oodi-1") -> str:
    request_id = str(uuid.uuid4())
    assert store.add_request("oodi", {"id": request_id, "kiosk": kiosk, "topic": "printing"})
    return request_id


def serving(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/login", timeout=10) as page:
            return page.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_processes_accepting_at_the_same_moment_exactly_one_gets_it_every_round(backend, postgres, tmp_path):
    url = postgres.database("claims") if backend == "postgresql" else str(tmp_path / "desk.sqlite")
    store = Store(url)
    # Three at most are open per kiosk: each round's request from a kiosk of its own.
    ids = [request_in(store, f"oodi-{n}") for n in range(ROUNDS)]
    spawn = multiprocessing.get_context("spawn")
    barrier, answers = spawn.Barrier(2), spawn.Queue()
    helpers = [spawn.Process(target=claim_in_rounds, args=(url, name, ids, barrier, answers))
               for name in ("Aino", "Ville")]
    for process in helpers:
        process.start()
    got = [answers.get(timeout=120) for _ in range(2 * ROUNDS)]
    for process in helpers:
        process.join(60)
        assert process.exitcode == 0
    for request_id in ids:
        both = [(helper, claimed, holder) for rid, helper, claimed, holder in got if rid == request_id]
        winners = [helper for helper, claimed, _ in both if claimed]
        assert len(winners) == 1, both
        assert all(holder == winners[0] for _, _, holder in both), both  # the other is told who
        assert store.request(request_id)["helper"] == winners[0]


def test_a_change_in_one_process_reaches_the_other_and_a_lost_listener_catches_up(postgres):
    url = postgres.database("notices")
    here, there = Store(url), Store(url)
    heard_here, heard_there = queue.Queue(), queue.Queue()
    here.listen(heard_here.put)
    there.listen(heard_there.put)
    try:
        wait_for(lambda: here.notices.listening.is_set() and there.notices.listening.is_set(), 30)
        request_id = request_in(here)
        notice = heard_there.get(timeout=30)
        assert notice["kind"] == "help" and (notice["site"], notice["kiosk"], notice["id"]) == (
            "oodi", "oodi-1", request_id)
        assert set(notice) == {"o", "kind", "site", "kiosk", "id"}  # what changed, never the data
        there.accept(request_id, "Ville")
        # Notices arrive in the order of the commits: by the time "here" hears of the accept,
        # it would have heard of its own new request, had it been handed back.
        assert heard_here.get(timeout=30)["kind"] == "accepted" and heard_here.empty()
        assert heard_there.empty()
        # The listening connection cut (a restart of PostgreSQL, a network outage): back within
        # the reconnect delay, with a "resync" for what may have been missed meanwhile.
        with here.engine.begin() as connection:
            cut = connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN kiosk_desk_changes' "
                "AND pid <> pg_backend_pid()")).all()
        assert len(cut) == 2
        assert heard_there.get(timeout=30)["kind"] == "resync"
        wait_for(there.notices.listening.is_set, 30)
        here.resolve(request_id, "solved", "")
        assert heard_there.get(timeout=30)["kind"] == "resolved"
    finally:
        here.close()
        there.close()


def test_two_desk_processes_on_one_postgresql(postgres, tmp_path):
    """Two `kiosk-desk run` processes on one database, a helper logged in to each: a new
    request and an accept made in one reach the other's open page at once; accepting at the
    same moment, one gets it and the other is told who; the lockout counts across them."""
    url = postgres.database("two_desks")
    first, first_url, config = start_desk_on(url, tmp_path / "a", log=tmp_path / "a.log")
    second, second_url, _ = start_desk_on(url, tmp_path / "b", log=tmp_path / "b.log")
    streams, reader = [], None
    try:
        for name in ("Aino", "Ville"):
            assert desk_command(config, "add-user", name, "--sites", "oodi", password=PASSWORD).returncode == 0
        wait_for(lambda: serving(first_url) and serving(second_url), 60)
        aino, ville = StaffBrowser(first_url), StaffBrowser(second_url)
        assert aino.login("Aino", PASSWORD) == 200 and ville.login("Ville", PASSWORD) == 200
        # Ville's board on the second process, listening as the page's EventSource does.
        lines: queue.Queue = queue.Queue()
        stream = ville.opener.open(second_url + "/api/events", timeout=60)
        streams.append(stream)
        assert stream.readline() == b"retry: 2000\n"

        def read() -> None:
            try:
                while line := stream.readline():
                    if line.strip():
                        lines.put(line)
            except OSError:
                pass  # the desk stopped

        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def next_data(timeout: float = 10.0) -> bytes:
            """The next event that makes the page refresh; the stream's keep-alives (every
            15 s, comments the page ignores) and nothing else on the second process would
            send one: no kiosks, no broker, no polling."""
            deadline = time.monotonic() + timeout
            while True:
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    pytest.fail(f"the second desk's page heard of no change in {timeout:g} s")
                if line.startswith(b"data:"):
                    return line

        store = Store(url)  # a third process's writes: the kiosks' side, as the first desk's link would
        request_id = request_in(store)
        next_data()
        assert [q["id"] for q in ville.state()["queue"]] == [request_id]
        status, body = aino.answer("/api/accept", {"id": request_id})
        assert status == 200 and json.loads(body)["helper"] == "Aino"
        next_data()  # woken by the first process's notice
        [seen] = ville.state()["queue"]
        assert seen["accepted"] is not None and seen["helper"] == "Aino"

        for _ in range(HTTP_ROUNDS):
            request_id = request_in(store, f"oodi-{uuid.uuid4().hex[:8]}")
            barrier, answers = threading.Barrier(2), {}

            def accept(browser: StaffBrowser, name: str) -> None:
                barrier.wait(30)
                answers[name] = browser.answer("/api/accept", {"id": request_id})

            threads = [threading.Thread(target=accept, args=pair) for pair in ((aino, "Aino"), (ville, "Ville"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert sorted(status for status, _ in answers.values()) == [200, 409], answers
            winner = next(name for name, (status, _) in answers.items() if status == 200)
            assert {json.loads(body)["helper"] for _, body in answers.values()} == {winner}
            assert store.request(request_id)["helper"] == winner
        for browser in (aino, ville):  # both pages show who
            assert [q["helper"] for q in browser.state()["queue"] if q["id"] == request_id] == [winner]

        # Guesses spread over both processes lock the name on both.
        for number in range(5):
            assert StaffBrowser((first_url, second_url)[number % 2]).login("Aino", f"wrong {number}") == 401
        for base in (first_url, second_url):
            assert StaffBrowser(base).login("Aino", PASSWORD) == 401
        store.close()
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(20)
        if reader is not None:  # the stream ends with the desk; closed once no thread reads it
            reader.join(20)
        for stream in streams:
            stream.close()
    assert "Traceback" not in (tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()


def test_two_desk_links_share_the_kiosks_messages_and_each_hears_presence_and_its_replies(postgres):
    """Each desk process of several gets a share of the kiosks' messages (the broker's shared
    subscription), the retained statuses and every presence, and the replies to its own
    commands; what one stores, the database holds once."""
    import paho.mqtt.client as mqtt

    from kiosk.desk.link import BrokerSettings, DeskLink
    from testbed.mosquitto import Broker

    accounts = ("desk-a", "desk-b")
    broker = Broker({}, extra_acl="".join(f"user {a}\ntopic read kiosk/oodi/#\ntopic write kiosk/oodi/+/events\n"
                                          for a in accounts) + "user load\ntopic write kiosk/oodi/#\n").start()
    url = postgres.database("shared_links")
    stores, links = [Store(url) for _ in accounts], []
    load = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="load")
    try:
        load.username_pw_set("load", broker.password("load"))
        load.tls_set(ca_certs=str(broker.ca_file))
        load.connect("127.0.0.1", broker.port)
        load.loop_start()
        # Retained before any desk is there: a kiosk's status and presence.
        load.publish("kiosk/oodi/early/status", json.dumps({"session": "active"}), qos=1, retain=True).wait_for_publish(10)
        load.publish("kiosk/oodi/early/presence", b"online", qos=1, retain=True).wait_for_publish(10)
        handled: dict[str, list[str]] = {a: [] for a in accounts}
        replies: dict[str, list[tuple[str, str]]] = {a: [] for a in accounts}
        for account, store in zip(accounts, stores):
            link = DeskLink(BrokerSettings("127.0.0.1", broker.port, account, broker.password(account), True,
                                           str(broker.ca_file)), ["oodi"], store, share=True, catch_up_s=1.0)
            handle = link.handle
            link.handle = lambda topic, payload, h=handle, a=account: handled[a].append(topic) or h(topic, payload)
            link.on_reply = lambda command_id, result, a=account: replies[a].append((command_id, result))
            link.start()
            links.append(link)
        wait_for(lambda: all(link.caught_up.is_set() for link in links), 30)
        for account in accounts:  # every process read the retained status and presence
            assert {"kiosk/oodi/early/status", "kiosk/oodi/early/presence"} <= set(handled[account]), account
        assert stores[0].kiosks(["oodi"])[0]["status"] == {"session": "active"}
        for account in accounts:
            handled[account].clear()

        for number in range(40):
            load.publish(f"kiosk/oodi/k{number}/status", json.dumps({"session": "ready"}), qos=1)
        wait_for(lambda: sum(len(h) for h in handled.values()) >= 40, 30)
        time.sleep(0.5)  # a message handed to both would show by now
        topics = handled["desk-a"] + handled["desk-b"]
        assert sorted(topics) == sorted(f"kiosk/oodi/k{n}/status" for n in range(40))  # each once
        assert handled["desk-a"] and handled["desk-b"]  # shared between them
        assert len(stores[1].kiosks(["oodi"])) == 41

        # A request and its cancel reach every process, in order (stored once).
        for account in accounts:
            handled[account].clear()
        request_id = str(uuid.uuid4())
        load.publish("kiosk/oodi/k5/help", json.dumps({"type": "help", "id": request_id, "kiosk": "k5",
                                                       "topic": "printing"}), qos=1)
        load.publish("kiosk/oodi/k5/help", json.dumps({"type": "cancel", "id": request_id, "kiosk": "k5"}), qos=1)
        wait_for(lambda: all(handled[a].count("kiosk/oodi/k5/help") == 2 for a in accounts), 30)
        wait_for(lambda: stores[0].request(request_id) is not None
                 and stores[0].request(request_id)["cancelled"] is not None, 30)

        # A command's reply reaches the process that sent it, whichever gets the rest.
        command_id = str(uuid.uuid4())
        links[1].command("oodi", "k1", {"type": "message", "text": "Hei"}, command_id)
        load.publish("kiosk/oodi/k1/replies", json.dumps({"type": "reply", "id": command_id, "command": "message",
                                                          "result": "done"}), qos=1)
        wait_for(lambda: replies["desk-b"] == [(command_id, "done")], 30)
        assert replies["desk-a"] == []
    finally:
        load.loop_stop()
        for link in links:
            link.stop()
        for store in stores:
            store.close()
        broker.remove()
