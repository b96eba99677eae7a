"""The queue as helpers work it: on duty and away, escalation to the region and to the
site's chat (a real HTTP server as the webhook), back to the queue, handing over to a
colleague, notes, and the closed requests' history. Through Starlette's TestClient over a
real Store and the real DeskLink (its MQTT publishing recorded instead of sent)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import update

from kiosk.desk.board import DeskApp
from kiosk.desk.cli import load
from kiosk.desk.escalation import Escalation
from kiosk.desk.link import BrokerSettings, DeskLink
from kiosk.desk.schema import duty as duty_table
from kiosk.desk.schema import requests as requests_table
from kiosk.desk.store import NOTES_PER_REQUEST, Store
from tests.desk.test_desk_roles import PASSWORD, logged_in

# oodi's helpers Aino and Eero, its site lead Lauri; kallio's helper Kaisa.
OODI = {"Aino": "helper", "Eero": "helper", "Lauri": "site_lead"}


class RecordingLink(DeskLink):
    """The desk's real link, its events to kiosks recorded rather than published."""

    def __init__(self, store: Store) -> None:
        super().__init__(BrokerSettings("127.0.0.1", 1, "desk", "", tls=False), ["oodi", "kallio"], store)
        self.connected = True
        self.events: list[tuple[str, str, dict]] = []

    def event(self, site: str, kiosk: str, event: dict) -> None:
        self.events.append((site, kiosk, event))


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    for name, role in OODI.items():
        store.add_user(name, PASSWORD, ["oodi"], role)
    store.add_user("Kaisa", PASSWORD, ["kallio"], "helper")
    store.status("oodi", "oodi-1", {"session": "active", "language": "fi"})
    store.status("kallio", "kallio-1", {"session": "active", "language": "sv"})
    yield store
    store.close()


@pytest.fixture
def desk(store):
    made = DeskApp(store, RecordingLink(store), sites=["oodi", "kallio"])
    made.changes.close()
    return made


def asked(store, site="oodi", kiosk="oodi-1", topic="printing", ago_s: float = 0.0) -> str:
    request_id = str(uuid.uuid4())
    assert store.add_request(site, {"id": request_id, "kiosk": kiosk, "topic": topic, "place": "2nd floor"})
    if ago_s:
        with store.engine.begin() as connection:
            connection.execute(update(requests_table).where(requests_table.c.id == request_id)
                               .values(created=time.time() - ago_s))
    return request_id


def kiosk_heard(desk, request_id: str) -> list[dict]:
    return [event for _s, _k, event in desk.link.events if event.get("id") == request_id]


# -- back to the queue, and handing over ------------------------------------------------------

def test_a_helper_who_cannot_come_puts_the_request_back_and_the_kiosk_waits_again(store, desk):
    request_id = asked(store)
    aino = logged_in(desk, "Aino")
    assert aino.post("/api/accept", {"id": request_id}).status_code == 200
    answer = aino.post("/api/release", {"id": request_id}, htmx=True)
    assert answer.status_code == 200
    assert "The request from oodi-1 is waiting in the queue again." in answer.text
    assert f'id="accept-{request_id}"' in answer.text  # the card offers Accept again
    request = store.request(request_id)
    assert request["accepted"] is None and request["helper"] is None and request["resolved"] is None
    assert [e["type"] for e in kiosk_heard(desk, request_id)] == ["help_accepted", "help_released"]
    assert aino.post("/api/release", {"id": request_id}).status_code == 404  # no longer hers to release
    [entry] = [e for e in store.audit_log() if e["action"] == "request_released"]
    assert (entry["actor"], entry["kiosk"], entry["detail"]) == ("Aino", "oodi-1", {"helper": "Aino"})
    # Eero takes it from the queue as any waiting request.
    eero = logged_in(desk, "Eero")
    assert eero.post("/api/accept", {"id": request_id}).json()["helper"] == "Eero"


def test_a_request_is_handed_to_a_colleague_of_the_site_and_the_kiosk_shows_the_new_name(store, desk):
    request_id = asked(store)
    aino = logged_in(desk, "Aino")
    aino.post("/api/accept", {"id": request_id})
    store.set_duty("Eero", "oodi", True)
    card = aino.get("/").text
    assert f'id="transfer-to-{request_id}"' in card and "Eero (on duty)" in card
    assert ">Lauri<" in card and ">Kaisa<" not in card and ">Aino<" not in card  # Kaisa works at kallio
    for wrong in ("Kaisa", "Aino", "Nobody", ""):
        assert aino.post("/api/transfer", {"id": request_id, "to": wrong}).status_code == 400, wrong
    answer = aino.post("/api/transfer", {"id": request_id, "to": "Eero"}, htmx=True)
    assert answer.status_code == 200 and "Eero now has the request from oodi-1" in answer.text
    assert store.request(request_id)["helper"] == "Eero"
    assert kiosk_heard(desk, request_id)[-1] == {"type": "help_accepted", "id": request_id, "helper": "Eero"}
    [entry] = [e for e in store.audit_log() if e["action"] == "request_transferred"]
    assert entry["actor"] == "Aino" and entry["detail"] == {"from": "Aino", "to": "Eero"}
    # Aino no longer has it: she may not pass it on again; the site lead may.
    assert aino.post("/api/transfer", {"id": request_id, "to": "Lauri"}).status_code == 404
    assert aino.post("/api/release", {"id": request_id}).status_code == 404
    lauri = logged_in(desk, "Lauri")
    assert lauri.post("/api/transfer", {"id": request_id, "to": "Aino"}).status_code == 200
    assert store.request(request_id)["helper"] == "Aino"


def test_a_page_a_moment_old_does_not_undo_a_colleagues_new_accept(store, desk):
    request_id = asked(store)
    store.accept(request_id, "Aino")
    seen_by_lauri = store.request(request_id)  # what Lauri's page showed: Aino has it
    store.release(request_id, "Aino")
    store.accept(request_id, "Eero")  # meanwhile Eero took it
    assert store.release(request_id, seen_by_lauri["helper"]) is None
    assert store.transfer(request_id, seen_by_lauri["helper"], "Lauri") is None
    assert store.request(request_id)["helper"] == "Eero"


def test_a_waiting_request_cannot_be_handed_over_nor_released(store, desk):
    request_id = asked(store)
    lauri = logged_in(desk, "Lauri")
    assert lauri.post("/api/transfer", {"id": request_id, "to": "Eero"}).status_code == 409
    assert lauri.post("/api/release", {"id": request_id}).status_code == 409
    assert store.request(request_id)["accepted"] is None and kiosk_heard(desk, request_id) == []


# -- notes ------------------------------------------------------------------------------------

def test_notes_show_on_the_card_and_in_the_history_as_text_never_as_markup(store, desk):
    request_id = asked(store)
    aino = logged_in(desk, "Aino")
    answer = aino.post("/api/note", {"id": request_id, "text": "  Sent to Kela's phone service  "}, htmx=True)
    assert answer.status_code == 200 and "Note added to the request from oodi-1." in answer.text
    assert aino.post("/api/note", {"id": request_id, "text": "<img src=x onerror=alert(1)>"}).status_code == 200
    assert aino.post("/api/note", {"id": request_id, "text": "   "}).status_code == 400
    board = aino.get("/").text
    assert "Aino:</span> Sent to Kela&#39;s phone service</li>" in board
    assert "<img src=x" not in board and "&lt;img src=x onerror=alert(1)&gt;" in board
    for _ in range(NOTES_PER_REQUEST - 2):
        aino.post("/api/note", {"id": request_id, "text": "x" * 600})
    assert aino.post("/api/note", {"id": request_id, "text": "one too many"}).status_code == 409
    assert all(len(n["text"]) <= 500 for n in store.notes([request_id])[request_id])
    aino.post("/api/accept", {"id": request_id})
    aino.post("/api/resolve", {"id": request_id, "resolution": "referred", "service": "kela"})
    history = aino.get("/history").text
    assert "Sent to Kela&#39;s phone service" in history and "Referred elsewhere" in history


# -- on duty and away -------------------------------------------------------------------------

def test_logging_out_is_going_away_and_a_disabled_or_stale_on_duty_does_not_count(store, desk):
    aino = logged_in(desk, "Aino")
    aino.post("/api/duty", {"site": "oodi", "on": "1"})
    store.set_duty("Eero", "oodi", True)
    assert store.on_duty(["oodi"]) == {"oodi": ["Aino", "Eero"]}
    assert aino.post("/logout", {}).status_code == 200
    assert store.on_duty(["oodi"]) == {"oodi": ["Eero"]}
    store.disable_user("Eero")
    assert store.on_duty(["oodi"]) == {} and store.duty_used(["oodi", "kallio"]) == {"oodi"}
    store.enable_user("Eero")
    with store.engine.begin() as connection:  # said on duty yesterday morning and never went away
        connection.execute(update(duty_table).values(updated=time.time() - 13 * 3600))
    assert store.on_duty(["oodi"]) == {} and store.duty_used(["oodi"]) == set()


def test_on_duty_and_away_per_site_show_on_every_board_of_the_site(store, desk):
    aino, eero = logged_in(desk, "Aino"), logged_in(desk, "Eero")
    assert "Nobody is on duty at oodi." in eero.get("/").text
    answer = aino.post("/api/duty", {"site": "oodi", "on": "1"}, htmx=True)
    assert answer.status_code == 200 and "You are on duty at oodi." in answer.text
    assert 'id="duty"' in answer.text and "I am away from oodi" in answer.text
    assert "On duty at oodi: Aino" in eero.get("/").text
    assert aino.post("/api/duty", {"site": "kallio", "on": "1"}).status_code == 400  # not her site
    assert aino.post("/api/duty", {"site": "oodi", "on": "maybe"}).status_code == 400
    aino.post("/api/duty", {"site": "oodi", "on": "0"})
    assert store.on_duty(["oodi", "kallio"]) == {}


# -- escalation -------------------------------------------------------------------------------

class Webhook:
    """A chat's incoming webhook on loopback: what it was sent; `status` is what it answers."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict] = []
        self.status = status
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                webhook.received.append({"type": self.headers["Content-Type"], **json.loads(body)})
                self.send_response(webhook.status)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/oodi"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def test_a_request_nobody_accepts_in_time_reaches_the_region_and_the_sites_chat(store, desk, webhook):
    late, fresh = asked(store, ago_s=6 * 60), asked(store, kiosk="oodi-2", ago_s=60)
    kaisa = logged_in(desk, "Kaisa")  # kallio's helper
    assert late not in kaisa.get("/").text
    assert kaisa.post("/api/accept", {"id": late}).status_code == 404  # not hers before escalation
    changes = []
    escalation = Escalation(store, ["oodi", "kallio"], 5 * 60, {"oodi": webhook.url}, "fi", changes.append)
    [escalated] = escalation.run_once()
    assert escalated["id"] == late and store.request(fresh)["escalated"] is None and changes == ["help"]
    assert escalation.run_once() == []  # once only
    [sent] = webhook.received
    assert sent["type"] == "application/json"
    assert sent["text"] == ("Apua tarvitaan: oodi, laite oodi-1 (2nd floor): Tulostaminen. Odottanut 6 min, "
                            "kukaan ei ole vielä ottanut pyyntöä hoitoon.")
    assert {k: sent[k] for k in ("site", "kiosk", "topic", "waited_min")} == {
        "site": "oodi", "kiosk": "oodi-1", "topic": "printing", "waited_min": 6}
    board = kaisa.get("/").text
    assert late in board and fresh not in board and "From oodi: nobody there has accepted it in time." in board
    assert "oodi-1" in board and 'id="note-' not in board  # no notes on another site's request before taking it
    # She takes it: the kiosk hears her name, and that she is at another service point (she
    # arranges help, she is not walking over); it stays on her board to resolve.
    assert kaisa.post("/api/accept", {"id": late}).json()["helper"] == "Kaisa"
    assert kiosk_heard(desk, late)[-1] == {"type": "help_accepted", "id": late, "helper": "Kaisa",
                                           "from": "elsewhere"}
    board = kaisa.get("/").text
    assert f'id="resolve-{late}"' in board and f'id="note-{late}"' in board
    assert kaisa.post("/api/note", {"id": late, "text": "Called the person's helpline"}).status_code == 200
    assert kaisa.post("/api/resolve", {"id": late, "resolution": "solved"}).status_code == 200
    # Still nothing else of oodi's: its kiosks and its other requests.
    state = kaisa.get("/api/state").json()
    assert {k["site"] for k in state["kiosks"]} == {"kallio"} and state["queue"] == []
    assert kaisa.post("/api/accept", {"id": fresh}).status_code == 404
    assert kaisa.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "message",
                                       "ready": "coming"}).status_code == 404
    [entry] = [e for e in store.audit_log() if e["action"] == "request_escalated"]
    assert (entry["actor"], entry["site"], entry["detail"]) == ("desk", "oodi", {"topic": "printing",
                                                                                  "waited_min": 6})


def test_an_escalated_request_already_accepted_elsewhere_cannot_be_taken_or_seen_by_the_region(store, desk):
    request_id = asked(store, ago_s=600)
    Escalation(store, ["oodi", "kallio"], 300).run_once()
    logged_in(desk, "Aino").post("/api/accept", {"id": request_id})
    kaisa = logged_in(desk, "Kaisa")
    assert request_id not in kaisa.get("/").text
    answer = kaisa.post("/api/accept", {"id": request_id})
    assert answer.status_code == 409 and answer.json()["helper"] == "Aino"


def test_a_chat_that_is_down_is_logged_and_audited_and_the_boards_have_it_all_the_same(store, desk):
    down = Webhook(status=500)
    try:
        request_id = asked(store, ago_s=600)
        [escalated] = Escalation(store, ["oodi", "kallio"], 300, {"": down.url}).run_once()
        assert escalated["id"] == request_id and len(down.received) == 1
    finally:
        down.close()
    assert [e["action"] for e in store.audit_log()][:2] == ["webhook_failed", "request_escalated"]
    assert request_id in logged_in(desk, "Kaisa").get("/").text
    # No chat at all (refused at once): the same.
    late = asked(store, kiosk="oodi-2", ago_s=600)
    assert Escalation(store, ["oodi"], 300, {"": down.url}).run_once()[0]["id"] == late


def test_when_escalation_counts_from_and_what_it_leaves_alone(store, desk):
    escalation = Escalation(store, ["oodi", "kallio"], 300)
    # Accepted for 20 minutes, then back to the queue: waiting again from now.
    released = asked(store, ago_s=1200)
    store.accept(released, "Aino")
    store.release(released, "Aino")
    # The person left (their kiosk is free again): nobody to help.
    store.status("oodi", "oodi-2", {"session": "ready"})
    left = asked(store, kiosk="oodi-2", ago_s=1200)
    # Two requests of one kiosk: one a round.
    store.status("oodi", "oodi-3", {"session": "active"})
    first, second = asked(store, kiosk="oodi-3", ago_s=900), asked(store, kiosk="oodi-3", ago_s=800)
    assert [r["id"] for r in escalation.run_once()] == [first]
    assert [r["id"] for r in escalation.run_once()] == [second]
    assert escalation.run_once() == []
    assert store.request(released)["escalated"] is None and store.request(left)["escalated"] is None


def test_at_a_site_whose_staff_use_the_duty_switch_nobody_on_duty_escalates_at_once(store, desk):
    escalation = Escalation(store, ["oodi", "kallio"], 300)
    fresh = asked(store)
    assert escalation.run_once() == []  # nobody uses the switch at oodi: the usual 5 minutes
    store.set_duty("Aino", "oodi", True)
    assert escalation.run_once() == []  # Aino is there
    store.set_duty("Aino", "oodi", False)
    assert [r["id"] for r in escalation.run_once()] == [fresh]  # she went away, nobody else is there


def test_what_a_kiosk_sends_reaches_the_chat_only_as_plain_words(store, webhook):
    request_id = str(uuid.uuid4())
    store.add_request("oodi", {"id": request_id, "kiosk": "oodi-1", "topic": "<!channel> [click](https://x.example)",
                               "place": "Floor 2 @here <!everyone> *now* [x](https://evil.example)"})
    with store.engine.begin() as connection:
        connection.execute(update(requests_table).values(created=time.time() - 600))
    Escalation(store, ["oodi"], 300, {"": webhook.url}, "en").run_once()
    [sent] = webhook.received
    assert sent["text"] == ("Help needed at oodi, kiosk oodi-1 (Floor 2 here everyone now x (https //evil.example)): "
                            "Something else. Waiting 10 min, nobody has accepted yet.")
    assert sent["topic"] == "other" and "@" not in json.dumps(sent) and "<" not in json.dumps(sent)


def test_escalation_off_and_requests_of_other_regions_are_left_alone(store):
    asked(store, ago_s=3600)
    asked(store, site="pasila", kiosk="pasila-1", ago_s=3600)
    assert Escalation(store, ["oodi", "kallio"], 0).run_once() == []
    assert [r["site"] for r in Escalation(store, ["kallio", "pasila"], 300).run_once()] == ["pasila"]


def test_two_desk_processes_on_one_postgresql_escalate_a_request_once(postgres, webhook):
    url = postgres.database("escalate_once")
    first, second = Store(url), Store(url)
    try:
        ids = [asked(first, kiosk=f"oodi-{n}", ago_s=600) for n in range(10)]
        barrier, claimed = threading.Barrier(2), {}

        def escalate(name: str, store: Store) -> None:
            barrier.wait(30)
            claimed[name] = Escalation(store, ["oodi"], 300, {"": webhook.url}).run_once()

        threads = [threading.Thread(target=escalate, args=pair) for pair in (("a", first), ("b", second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        escalated = [r["id"] for found in claimed.values() for r in found]
        assert sorted(escalated) == sorted(ids)  # each once, by one process or the other
        assert sorted(m["kiosk"] for m in webhook.received) == sorted(f"oodi-{n}" for n in range(10))
    finally:
        first.close()
        second.close()


# -- the history of closed requests -----------------------------------------------------------

def test_the_history_lists_closed_requests_of_the_staffs_sites_newest_first_and_pages(store, desk, monkeypatch):
    import kiosk.desk.web as web

    monkeypatch.setattr(web, "HISTORY_PAGE", 2)
    first, second, third = asked(store), asked(store, kiosk="oodi-2"), asked(store, kiosk="oodi-3")
    theirs = asked(store, site="kallio", kiosk="kallio-1")
    open_one = asked(store, kiosk="oodi-4")
    for request_id, how in ((first, "solved"), (second, "no_show"), (theirs, "solved")):
        store.accept(request_id, "Aino")
        store.resolve(request_id, how, "")
        time.sleep(0.01)
    store.cancel("oodi", third, "oodi-3")
    aino = logged_in(desk, "Aino")
    page = aino.get("/history").text
    assert page.index("oodi-3") < page.index("oodi-2") and "oodi-1" not in page  # two a page
    assert "Called off at the kiosk" in page and "Nobody there" in page
    assert "kallio-1" not in page and "oodi-4" not in page and open_one not in page
    older = page.split('href="/history?before=')[1].split('"')[0]
    rest = aino.get(f"/history?before={older}").text
    assert "oodi-1" in rest and "oodi-2" not in rest and 'href="/history?before=' not in rest
    assert aino.get("/history?before=nonsense").status_code == 200


# -- configuration ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, problem", [
    ("after_min = -1", "after_min must be minutes"),
    ('after_min = "5"', "after_min must be minutes"),
    ('webhook_url = "ftp://chat.example.fi/x"', "webhook_url must be the chat's https:// address"),
    ('site_webhooks = { "Oodi!" = "https://chat.example.fi/x" }', "site_webhooks must map site ids"),
    ('language = "de"', "language must be one of fi, sv, en"),
])
def test_a_wrong_escalation_setting_names_the_file_line_and_key(tmp_path, text, problem):
    config = tmp_path / "desk.toml"
    config.write_text(f'[desk]\nsites = ["oodi"]\n\n[escalation]\n{text}\n')
    with pytest.raises(SystemExit) as stopped:
        load(config)
    assert problem in str(stopped.value) and f"{config}:5" in str(stopped.value)


def test_escalation_settings_are_read(tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text('[desk]\nsites = ["oodi"]\n\n[escalation]\nafter_min = 3\n'
                      'site_webhooks = { oodi = "https://chat.example.fi/hooks/abc" }\n')
    escalation = load(config)["escalation"]
    assert escalation["after_min"] == 3 and escalation["site_webhooks"] == {"oodi": "https://chat.example.fi/hooks/abc"}
    assert load(None)["escalation"]["after_min"] == 5


# -- kiosks taken away, and notes kept no longer than the audit log ---------------------------

def test_a_kiosk_taken_away_stays_off_the_board_until_it_comes_online_again(store, desk):
    store.presence("oodi", "oodi-9", False)
    request_id = asked(store, kiosk="oodi-9")
    admin = "Aada"
    store.add_user(admin, PASSWORD, ["oodi"], "admin")
    assert logged_in(desk, admin).post("/admin/forget", {"site": "oodi", "kiosk": "oodi-9"}).status_code == 200
    assert store.request(request_id)["cancelled"] is not None  # its waiting request went with it
    # The broker sends its retained "offline" and status again when the desk restarts.
    desk.link.handle("kiosk/oodi/oodi-9/presence", b"offline")
    desk.link.handle("kiosk/oodi/oodi-9/status", json.dumps({"session": "ready"}).encode())
    assert "oodi-9" not in [k["kiosk"] for k in store.kiosks(["oodi"])]
    desk.link.handle("kiosk/oodi/oodi-9/presence", b"online")  # it was put back to use
    desk.link.handle("kiosk/oodi/oodi-9/status", json.dumps({"session": "ready"}).encode())
    [back] = [k for k in store.kiosks(["oodi"]) if k["kiosk"] == "oodi-9"]
    assert back["online"] and back["status"] == {"session": "ready"}


def test_the_administrators_kiosk_list_is_one_site_or_every_site_offline_first(store, desk, monkeypatch):
    import kiosk.desk.web as web

    monkeypatch.setattr(web, "ADMIN_KIOSKS", 2)
    store.presence("kallio", "kallio-9", False)
    store.add_user("Aada", PASSWORD, ["oodi"], "admin")
    aada = logged_in(desk, "Aada")
    everything = aada.get("/admin").text.split('id="kiosks"', 1)[1]
    assert "2 of 3 kiosks, those offline first" in everything and everything.index("kallio-9") < everything.index(
        "kallio-1")
    one_site = aada.get("/admin?site=oodi").text.split('id="kiosks"', 1)[1]
    assert "oodi-1" in one_site and "kallio" not in one_site.split("</table>")[0]


def test_notes_go_with_the_audit_log_after_its_keeping_time(store):
    request_id = asked(store)
    store.add_note(request_id, "Aino", "Phoned the helpline")
    store.prune_audit(now=time.time() + 366 * 86400)
    assert store.notes([request_id]) == {}
