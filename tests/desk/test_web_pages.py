"""The desk's pages and API through Starlette's TestClient, over a real Store and a fake link."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

import kiosk.desk.web as web
from kiosk.desk.board import DeskApp
from kiosk.desk.store import Store
from kiosk.desk.web import make_app

PASSWORD = "correct horse battery"
STATIC = web.HERE / "static"


class FakeLink:
    """The desk's MQTT link as the pages use it: records what it was asked to send."""

    def __init__(self, connected: bool = True, reply: str | None = "done") -> None:
        self.connected = connected
        self.reply = reply  # what the kiosk answers a command with (None: nothing)
        self.on_reply = lambda command_id, result: None
        self.events: list[tuple[str, str, dict]] = []
        self.accepted: list[tuple[str, str]] = []
        self.resolved: list[tuple[str, str, str]] = []

    def event(self, site: str, kiosk: str, event: dict) -> None:
        self.events.append((site, kiosk, event))

    def command(self, site: str, kiosk: str, event: dict, command_id: str) -> None:
        self.events.append((site, kiosk, event))
        if self.reply is not None:
            self.on_reply(command_id, self.reply)

    def accept(self, request_id: str, helper: str, elsewhere: bool = False) -> dict:
        self.accepted.append((request_id, helper))
        return {"id": request_id, "helper": helper}

    def release(self, request_id: str, holder: str) -> dict:
        self.events.append(("", "", {"type": "help_released", "id": request_id}))
        return {"id": request_id, "helper": None}

    def transfer(self, request_id: str, holder: str, to: str) -> dict:
        self.events.append(("", "", {"type": "help_accepted", "id": request_id, "helper": to}))
        return {"id": request_id, "helper": to}

    def resolve(self, request_id: str, resolution: str, service: str) -> dict:
        self.resolved.append((request_id, resolution, service))
        return {"id": request_id, "resolution": resolution}


class PageShape(HTMLParser):
    """What a page would run inline: scripts without src, on* handler attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.csrf: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        self.handlers += [name for name in attributes if name.lower().startswith("on")]
        if tag == "meta" and attributes.get("name") == "csrf-token":
            self.csrf = attributes.get("content")


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi"], "site_lead")  # the roles' own tests: test_desk_roles.py
    store.presence("oodi", "oodi-1", True)
    store.presence("kallio", "kallio-1", True)
    return store


@pytest.fixture
def link():
    return FakeLink()


@pytest.fixture
def desk(store, link):
    return DeskApp(store, link)


@pytest.fixture
def client(desk):
    with TestClient(make_app(desk), follow_redirects=False) as client:
        yield client


def log_in(client) -> str:
    """Log in as Aino; the CSRF token her board page carries."""
    answer = client.post("/login", data={"name": "Aino", "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    board = client.get("/")
    assert board.status_code == 200
    return PageShape(board.text).csrf


def help_request(store, site: str = "oodi", kiosk: str = "oodi-1", **fields) -> str:
    request_id = str(uuid.uuid4())
    assert store.add_request(site, {"id": request_id, "kiosk": kiosk, "topic": "printing", **fields})
    return request_id


def assert_csp(answer) -> None:
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["cache-control"] == "no-store"


# -- logging in and out ---------------------------------------------------------------------

def test_the_login_page_is_a_form_that_posts_to_itself(client):
    answer = client.get("/login")
    assert answer.status_code == 200
    assert '<form method="post" action="/login"' in answer.text
    assert 'name="password" type="password"' in answer.text
    assert_csp(answer)


def test_the_right_password_sets_a_cookie_scripts_cannot_read_and_goes_to_the_board(client, desk):
    answer = client.post("/login", data={"name": "Aino", "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("desk_session=")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain HTTP here; the proxy's HTTPS is tested elsewhere
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    assert desk.session(token)["name"] == "Aino"
    assert_csp(answer)


@pytest.mark.parametrize("name, password", [("Aino", "wrong horse"), ("Nobody", PASSWORD), ("", "")])
def test_a_wrong_name_or_password_is_refused_with_the_same_words(client, name, password):
    answer = client.post("/login", data={"name": name, "password": password})
    assert answer.status_code == 401
    assert "Wrong name or password." in answer.text
    assert "set-cookie" not in answer.headers
    assert client.get("/").headers["location"] == "/login"


def test_five_failures_lock_the_name_and_the_page_says_for_how_long(client):
    for _ in range(4):
        assert "Wrong name or password." in client.post("/login", data={"name": "Aino", "password": "x"}).text
    locked = client.post("/login", data={"name": "Aino", "password": "x"})
    assert locked.status_code == 401 and "try again in five minutes" in locked.text
    assert client.post("/login", data={"name": "Aino", "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize("path", ["/", "/report", "/stats", "/stats.csv"])
def test_pages_without_a_session_go_to_the_login(client, path):
    answer = client.get(path)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    client.cookies.set("desk_session", "made-up-token")
    assert client.get(path).headers["location"] == "/login"


def test_logging_out_ends_the_session_and_its_token(client, desk):
    csrf = log_in(client)
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).json() == {}
    assert desk.sessions == {}
    assert client.get("/").headers["location"] == "/login"
    assert client.get("/api/state").status_code == 401
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 401


def test_logging_out_needs_the_csrf_token(client, desk):
    log_in(client)
    assert client.post("/logout").status_code == 403
    assert len(desk.sessions) == 1
    assert client.get("/api/state").status_code == 200


# -- the pages ------------------------------------------------------------------------------

def test_the_board_carries_the_sessions_csrf_token_and_its_script_by_address(client, desk):
    csrf = log_in(client)
    (session,) = desk.sessions.values()
    assert csrf == session["csrf"]
    board = client.get("/")
    assert '<script src="/static/board.js" defer></script>' in board.text
    assert "Aino · oodi" in board.text
    assert_csp(board)


def test_no_page_runs_inline_script(client, store):
    help_request(store, service="<script>alert(1)</script>", place="<img src=x onerror=alert(2)>")
    store.add_daily("oodi", "oodi-1", date.today().isoformat(), [(9, "service", "<script>x</script>", 1)])
    login_page = client.get("/login").text
    wrong = client.post("/login", data={"name": "Aino", "password": "x"}).text
    log_in(client)
    pages = {"login": login_page, "wrong": wrong, "board": client.get("/").text,
             "report": client.get("/report").text, "stats": client.get("/stats").text}
    for name, text in pages.items():
        shape = PageShape(text)
        assert (name, shape.inline_scripts, shape.handlers) == (name, 0, []), text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["report"]
    assert "&lt;script&gt;x&lt;/script&gt;" in pages["stats"]


def test_the_state_is_the_staff_members_own_sites_as_json(client, store):
    mine = help_request(store, place="Upstairs", accessibility=["speech"])
    help_request(store, site="kallio", kiosk="kallio-1")
    store.status("oodi", "oodi-1", {"session": "active"})
    assert client.get("/api/state").status_code == 401
    log_in(client)
    answer = client.get("/api/state")
    assert answer.headers["content-type"] == "application/json"
    assert_csp(answer)
    state = answer.json()
    assert (state["me"], state["broker"]) == ("Aino", True)
    kiosks = [(k["site"], k["kiosk"], k["status"]) for k in state["kiosks"]]
    assert kiosks == [("oodi", "oodi-1", {"session": "active"})]
    (request,) = state["queue"]
    assert (request["id"], request["place"], request["accessibility"]) == (mine, "Upstairs", ["speech"])
    assert 0 <= request["waiting_s"] < 60


def test_the_state_says_when_the_broker_is_not_there(store):
    for desk in (DeskApp(store, None), DeskApp(store, FakeLink(connected=False))):
        with TestClient(make_app(desk), follow_redirects=False) as client:
            log_in(client)
            assert client.get("/api/state").json()["broker"] is False


def test_the_report_shows_each_day_and_where_people_needed_help(client, store):
    first = help_request(store, service="kela")
    help_request(store, service="vero")
    store.accept(first, "Aino")
    store.resolve(first, "solved", "kela-etuudet")
    help_request(store, site="kallio", kiosk="kallio-1", service="kallio-only")
    log_in(client)
    report = client.get("/report")
    assert report.status_code == 200
    text = report.text
    assert f'<tr><th scope="row">{date.today().isoformat()}</th><td>2</td>' in text
    assert '<tr><th scope="row">kela-etuudet</th><td>Printing</td><td>Solved</td><td>1</td></tr>' in text
    assert '<tr><th scope="row">vero</th><td>Printing</td><td>Still open</td><td>1</td></tr>' in text
    assert "kallio-only" not in text
    assert text.count("<rect ") == 2 * 30 + 2  # accept and resolve of every day, an empty one as 0; the legend


def test_the_statistics_page_sums_the_kiosks_days(client, store):
    today = date.today().isoformat()
    store.add_daily("oodi", "oodi-1", today, [(9, "session", "started", 3), (14, "session", "started", 2),
                                              (9, "service", "kela", 4), (9, "outcome", "yes", 2),
                                              (9, "outcome", "no", 1), (9, "pages", "printed", 7)])
    store.add_daily("kallio", "kallio-1", today, [(9, "session", "started", 50)])
    log_in(client)
    page = client.get("/stats").text
    assert "<strong>5</strong> sessions on <strong>1</strong> kiosks" in page
    assert "<strong>7</strong> pages printed" in page
    assert "<strong>67 %</strong> of those who answered got their matter done" in page
    assert "<title>kela: 4</title>" in page
    assert client.get("/stats?site=kallio").text.count("<strong>5</strong> sessions") == 1  # not hers: all of hers


def test_the_statistics_period_comes_from_the_query_within_bounds(client, store):
    old = (date.today() - timedelta(days=20)).isoformat()
    store.add_daily("oodi", "oodi-1", old, [(9, "session", "started", 4)])
    log_in(client)
    assert "<strong>0</strong> sessions" in client.get("/stats?days=7").text
    assert "<strong>4</strong> sessions" in client.get("/stats?days=30").text
    assert "<strong>4</strong> sessions" in client.get("/stats?days=many").text  # not a number: 30
    assert "Sessions per day (last 1 days)" in client.get("/stats?days=-5").text
    assert "Sessions per day (last 3650 days)" in client.get("/stats?days=99999999").text


def test_the_statistics_csv_has_the_rows_of_her_sites_in_the_period(client, store):
    today, old = date.today().isoformat(), (date.today() - timedelta(days=40)).isoformat()
    store.add_daily("oodi", "oodi-1", today, [(9, "session", "started", 3), (10, "session", "started", 2)])
    store.add_daily("oodi", "oodi-2", today, [(9, "language", "fi", 1)])
    store.add_daily("oodi", "oodi-1", old, [(9, "session", "started", 9)])
    store.add_daily("kallio", "kallio-1", today, [(9, "session", "started", 50)])
    log_in(client)
    answer = client.get("/stats.csv?site=oodi")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == "attachment; filename=kiosk-statistics-oodi.csv"
    assert_csp(answer)
    assert list(csv.reader(io.StringIO(answer.text))) == [
        ["day", "site", "counter", "value", "count"],
        [today, "oodi", "language", "fi", "1"],
        [today, "oodi", "session", "started", "5"],
    ]
    assert "kiosk-statistics-all.csv" in client.get("/stats.csv?site=kallio").headers["content-disposition"]


def test_the_boards_script_is_served_as_a_static_file(client):
    answer = client.get("/static/board.js")
    assert answer.status_code == 200
    assert answer.content == (STATIC / "board.js").read_bytes()
    assert "javascript" in answer.headers["content-type"]
    assert_csp(answer)
    missing = client.get("/static/nothing.js")
    assert missing.status_code == 404
    assert_csp(missing)


# -- changes: CSRF, help requests, commands -------------------------------------------------

def test_a_change_without_the_csrf_token_is_refused_and_nothing_is_sent(client, store, link):
    request_id = help_request(store)
    csrf = log_in(client)
    for headers in ({}, {"X-CSRF-Token": "not-" + csrf}, {"X-CSRF-Token": ""}):
        answer = client.post("/api/accept", json={"id": request_id}, headers=headers)
        assert (answer.status_code, answer.text) == (403, "missing or wrong CSRF token")
        assert_csp(answer)
    assert link.accepted == []


def test_a_change_without_a_session_is_refused(client, store, link):
    answer = client.post("/api/accept", json={"id": help_request(store)}, headers={"X-CSRF-Token": "x"})
    assert (answer.status_code, answer.text) == (401, "log in first")
    assert link.accepted == []


def test_accept_goes_to_the_link_with_the_name_of_who_is_logged_in(client, store, link, desk):
    request_id = help_request(store)
    csrf = log_in(client)
    before = desk.version
    answer = client.post("/api/accept", json={"id": request_id}, headers={"X-CSRF-Token": csrf})
    assert answer.json() == {"id": request_id, "helper": "Aino"}
    assert desk.version > before  # the pages are told
    # Whatever name the page says, the accept is hers (the report credits who accepted).
    client.post("/api/accept", json={"id": request_id, "helper": "Kalle"}, headers={"X-CSRF-Token": csrf})
    assert link.accepted == [(request_id, "Aino"), (request_id, "Aino")]


def test_resolve_goes_to_the_link_with_a_known_resolution(client, store, link):
    request_id = help_request(store)
    csrf = log_in(client)
    headers = {"X-CSRF-Token": csrf}
    answer = client.post("/api/resolve", json={"id": request_id, "resolution": "referred", "service": "kela"},
                         headers=headers)
    assert answer.json() == {"id": request_id, "resolution": "referred"}
    client.post("/api/resolve", json={"id": request_id, "resolution": "<b>made up</b>", "service": "s" * 99},
                headers=headers)
    client.post("/api/resolve", json={"id": request_id, "service": ["not", "text"]}, headers=headers)
    assert link.resolved == [(request_id, "referred", "kela"), (request_id, "other", "s" * 40),
                             (request_id, "other", "")]


@pytest.mark.parametrize("request_id", ["x');alert(1);//", str(uuid.uuid4()).upper(),
                                        str(uuid.uuid4()).replace("-", ""), 12, None])
def test_a_help_request_id_that_is_not_a_canonical_uuid_is_refused(client, link, request_id):
    csrf = log_in(client)
    answer = client.post("/api/accept", json={"id": request_id}, headers={"X-CSRF-Token": csrf})
    assert (answer.status_code, answer.text) == (400, "bad request")
    assert link.accepted == []


def test_a_request_of_another_site_or_none_at_all_is_not_found(client, store, link):
    theirs = help_request(store, site="kallio", kiosk="kallio-1")
    csrf = log_in(client)
    for request_id in (theirs, str(uuid.uuid4())):
        for path in ("/api/accept", "/api/resolve"):
            answer = client.post(path, json={"id": request_id}, headers={"X-CSRF-Token": csrf})
            assert (answer.status_code, answer.text) == (404, "no such request")
    assert (link.accepted, link.resolved) == ([], [])


class ClaimingLink(FakeLink):
    """A link whose accept is the store's claim, as DeskLink's is (without a broker)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def accept(self, request_id: str, helper: str, elsewhere: bool = False) -> dict | None:
        super().accept(request_id, helper)
        return self.store.accept(request_id, helper)


def test_a_request_a_colleague_accepted_first_is_answered_409_with_who_has_it(store):
    store.add_user("Ville", PASSWORD, ["oodi"])
    request_id = help_request(store)
    desk = DeskApp(store, ClaimingLink(store))
    with TestClient(make_app(desk), follow_redirects=False) as client:
        csrf = log_in(client)
        assert store.accept(request_id, "Ville")["claimed"]  # in another tab, or another desk process
        before = desk.version
        answer = client.post("/api/accept", json={"id": request_id}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 409
    assert (answer.json()["helper"], answer.json()["claimed"]) == ("Ville", False)
    assert store.request(request_id)["helper"] == "Ville" and desk.version == before  # nothing changed


def test_a_disabled_account_hears_so_only_with_the_right_password(client, store):
    store.disable_user("Aino")
    wrong = client.post("/login", data={"name": "Aino", "password": "not her password"})
    assert wrong.status_code == 401 and "Wrong name or password." in wrong.text
    right = client.post("/login", data={"name": "Aino", "password": PASSWORD})
    assert right.status_code == 401 and "This account is disabled" in right.text
    assert "set-cookie" not in right.headers


def test_without_a_link_help_requests_cannot_be_answered(store):
    request_id = help_request(store)
    with TestClient(make_app(DeskApp(store, None)), follow_redirects=False) as client:
        csrf = log_in(client)
        answer = client.post("/api/accept", json={"id": request_id}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 404
    assert store.request(request_id)["accepted"] is None


def test_a_command_reaches_a_kiosk_of_her_own_site_only(client, link):
    csrf = log_in(client)
    headers = {"X-CSRF-Token": csrf}
    ok = client.post("/api/command", json={"site": "oodi", "kiosk": "oodi-1", "command": "message",
                                           "text": "Tulen kohta"}, headers=headers)
    assert ok.status_code == 200
    for body in ({"site": "kallio", "kiosk": "kallio-1", "command": "end_session"},
                 {"site": "oodi", "kiosk": "oodi-9", "command": "end_session"},
                 {"site": "oodi", "kiosk": "oodi-1", "command": "shutdown"}):
        assert client.post("/api/command", json=body, headers=headers).status_code == 404
    assert client.post("/api/command", json={"site": "oodi/#", "kiosk": "oodi-1", "command": "message"},
                       headers=headers).status_code == 400
    assert link.events == [("oodi", "oodi-1", {"type": "message", "text": "Tulen kohta"})]


def test_no_command_is_kept_for_later_while_the_broker_is_away(client, link):
    """Sent after an outage, an "end session" could reach the next person at that kiosk."""
    csrf = log_in(client)
    link.connected = False
    answer = client.post("/api/command", json={"site": "oodi", "kiosk": "oodi-1", "command": "end_session"},
                         headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 503 and link.events == []


# -- what arrives is bounded ----------------------------------------------------------------

def test_a_body_over_16_kib_is_refused(client, link, store):
    request_id = help_request(store)
    csrf = log_in(client)
    padding = "x" * (16 * 1024)
    big = client.post("/api/accept", json={"id": request_id, "padding": padding}, headers={"X-CSRF-Token": csrf})
    assert big.status_code == 413
    assert_csp(big)
    assert client.post("/login", content=b"name=Aino&password=" + b"a" * 17000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413
    # No Content-Length at all (chunked): counted as it arrives.
    chunked = client.post("/api/accept", content=iter([b'{"id": "' + request_id.encode() + b'", "p": "',
                                                      b"y" * 10_000, b"y" * 10_000, b'"}']),
                          headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 413
    assert link.accepted == []
    just_under = client.post("/api/accept", content=json.dumps({"id": request_id, "p": ""}).encode().ljust(
        16 * 1024), headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert just_under.status_code == 200
    assert link.accepted == [(request_id, "Aino")]


def test_json_nested_deeper_than_16_is_refused(client, link, store):
    request_id = help_request(store)
    csrf = log_in(client)
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}

    def nested(levels: int) -> bytes:  # the object itself is the first level
        return (f'{{"id": "{request_id}", "x": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}").encode()

    deep = client.post("/api/accept", content=nested(17), headers=headers)
    assert (deep.status_code, deep.text) == (400, "bad request")
    assert client.post("/api/accept", content=b"[" * 5000 + b"]" * 5000, headers=headers).status_code == 400
    assert client.post("/api/accept", content=b'{"id": NaN}', headers=headers).status_code == 400
    assert client.post("/api/accept", content=b'["a list"]', headers=headers).status_code == 400
    assert link.accepted == []
    assert client.post("/api/accept", content=nested(16), headers=headers).status_code == 200
    assert link.accepted == [(request_id, "Aino")]


def test_one_account_logging_in_again_and_again_pushes_out_only_its_own_sessions(store, desk):
    from kiosk.desk.board import SESSIONS_PER_USER

    store.add_user("Ville", PASSWORD, ["oodi"])
    ville, _ = desk.login("Ville", PASSWORD)
    aino = [desk.login("Aino", PASSWORD)[0] for _ in range(SESSIONS_PER_USER + 3)]
    assert desk.session(ville) is not None
    assert [desk.session(t) is not None for t in aino] == [False] * 3 + [True] * SESSIONS_PER_USER


def test_a_command_says_what_became_of_it_and_a_ready_message_goes_in_the_persons_language(client, store, link,
                                                                                         desk):
    headers = {"X-CSRF-Token": log_in(client)}
    store.status("oodi", "oodi-1", {"session": "active", "language": "sv"})

    def send(command: str, **fields):
        return client.post("/api/command", json={"site": "oodi", "kiosk": "oodi-1", "command": command, **fields},
                           headers=headers)

    link.reply = "no_session"
    assert send("message", ready="coming").json() == {"result": "no_session"}
    assert link.events[-1] == ("oodi", "oodi-1", {"type": "message", "text": "En handledare är på väg till dig."})
    assert send("message", ready="", text="  ").status_code == 400  # neither chosen nor written
    link.reply, desk.reply_s = None, 0.2  # an older kiosk that does not answer
    assert send("restart").json() == {"result": "no_answer"}
    store.presence("oodi", "oodi-1", False)
    sent = len(link.events)
    assert send("lift_print_limit").json() == {"result": "offline"} and len(link.events) == sent  # not sent
    assert desk.results[("oodi", "oodi-1")]["result"] == "offline" and desk.results[("oodi", "oodi-1")]["by"] == "Aino"
    answer = client.post("/api/command", data={"site": "oodi", "kiosk": "oodi-1", "command": "end_session"},
                         headers={**headers, "HX-Request": "true"})  # the board's form, answered in words
    assert "oodi-1, End session: Not sent: the kiosk is offline" in answer.text
    assert 'id="kiosk-oodi--oodi-1" ' in answer.text and 'hx-swap-oob="true"' in answer.text  # its card, at once
