"""Staff roles (kiosk.desk.roles): every route of the desk tried as every role, a site's
staff kept to their sites (ids of another site put into a POST included), a role change
ending sessions, the administrator's staff pages and the audit page, through Starlette's
TestClient over a real Store and a fake link."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date

import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from kiosk import release
from kiosk.desk.board import DeskApp
from kiosk.desk.rollout import Rollout
from kiosk.desk.roles import MAY, may
from kiosk.desk.schema import ROLES
from kiosk.desk.store import Store
from kiosk.desk.web import ROUTES, make_app
from tests.desk.test_web_pages import FakeLink

PASSWORD = "correct horse battery"
ROLLOUT_KEY = release.load_private_key_pem(release.new_key_pair()[0])
# One staff member of oodi in each role, and a site lead of the other site.
STAFF = {"helper": "Hilla", "site_lead": "Lauri", "admin": "Aada", "stats_reader": "Tilda"}
OTHER = "Kalle"


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    for role, name in STAFF.items():
        store.add_user(name, PASSWORD, ["oodi"], role)
    store.add_user(OTHER, PASSWORD, ["kallio"], "site_lead")
    store.status("oodi", "oodi-1", {"session": "active", "language": "fi"})
    store.status("kallio", "kallio-1", {"session": "active", "language": "fi"})
    today = date.today().isoformat()
    store.add_daily("oodi", "oodi-1", today, [(9, "session", "started", 3)])
    store.add_daily("kallio", "kallio-1", today, [(9, "session", "started", 5)])
    return store


@pytest.fixture
def desk(store):
    from kiosk.desk.enrolment import Enrolments

    made = DeskApp(store, FakeLink(), sites=["oodi", "kallio"], rollout_key=ROLLOUT_KEY)
    made.enrolments = Enrolments(store.engine, None, "127.0.0.1", 8883)  # no broker: nothing is collected here
    made.changes.close()  # an event stream answers and ends at once (TestClient reads it whole)
    made.ops.wake_to = ("127.0.0.1", 9)  # a wake-up the desk sends itself goes nowhere
    return made


class Staff:
    """A logged-in staff member's browser."""

    def __init__(self, desk, name: str, password: str = PASSWORD) -> None:
        self.desk = desk
        self.client = TestClient(make_app(desk), follow_redirects=False)
        self.login = self.client.post("/login", data={"name": name, "password": password})

    @property
    def csrf(self) -> str:
        return self.desk.sessions[self.client.cookies["desk_session"]]["csrf"]

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, body: dict | None = None, htmx: bool = False):
        headers = {"X-CSRF-Token": self.csrf, **({"HX-Request": "true"} if htmx else {})}
        if htmx:
            return self.client.post(path, data=body or {}, headers=headers)
        return self.client.post(path, json=body or {}, headers=headers)


def logged_in(desk, name: str, password: str = PASSWORD) -> Staff:
    staff = Staff(desk, name, password)
    assert staff.login.status_code == 303, staff.login.text
    return staff


def help_request(store, site: str = "oodi", kiosk: str = "oodi-1") -> str:
    request_id = str(uuid.uuid4())
    assert store.add_request(site, {"id": request_id, "kiosk": kiosk, "topic": "printing"})
    return request_id


# -- every route as every role -------------------------------------------------------------

def test_every_route_of_the_app_is_in_the_table_and_every_action_has_roles(desk):
    routes = set()
    for route in make_app(desk).routes:
        if isinstance(route, Mount):
            continue
        routes |= {(method, route.path) for method in route.methods if method != "HEAD"}
    assert routes == set(ROUTES)
    assert {action for action in ROUTES.values() if action not in (None, "session")} <= set(MAY)
    assert not may("root", "board") and not may(None, "stats") and not may("admin", "no such action")


def request_of(store, method: str, path: str) -> dict | None:
    """A body the route accepts from whoever may use it."""
    bodies = {"/login": None, "/logout": {},
              "/api/command": {"site": "oodi", "kiosk": "oodi-1", "command": "message", "ready": "coming"},
              "/api/accept": {"id": help_request(store)} if path == "/api/accept" else None,
              "/api/resolve": {"id": help_request(store), "resolution": "solved"} if path == "/api/resolve" else None,
              "/api/release": {"id": help_request(store)} if path == "/api/release" else None,
              "/api/transfer": {"id": help_request(store)} if path == "/api/transfer" else None,
              "/api/note": {"id": help_request(store), "text": "Printed at the desk"} if path == "/api/note" else None,
              "/api/duty": {"site": "oodi", "on": "1"},
              "/admin/users": {"name": f"New {uuid.uuid4().hex[:6]}", "role": "helper", "sites": "oodi",
                               "password": PASSWORD},
              "/admin/disable": {"name": OTHER}, "/admin/enable": {"name": OTHER},
              "/admin/forget": gone_kiosk(store) if path == "/admin/forget" else None,
              "/admin/password": {"name": OTHER, "password": "a brand new password"},
              "/bookings/cancel": {"id": booked_time(store)} if path == "/bookings/cancel" else None,
              # A phone's upload page and the kiosk's fetch: no staff role opens a link that
              # is not there (`NO_STAFF_NEEDED`).
              "/u/{token}": {},
              "/api/share": kiosk_in_use(store) if path == "/api/share" else None,
              "/admin/enrol/accept": {**waiting_terminal(store), "site": "oodi", "kiosk": f"new-{uuid.uuid4().hex[:6]}"}
              if path == "/admin/enrol/accept" else None,
              "/admin/enrol/refuse": waiting_terminal(store) if path == "/admin/enrol/refuse" else None,
              # A terminal's own: no secret it has sent, so nothing to collect (404).
              "/enrol/hello": {}, "/enrol/wait": {}, "/enrol/done": {},
              # Prometheus's scrape: a GET with a bearer token of its own, never a staff
              # login (`NO_STAFF_NEEDED`; this desk has no token file, so there is none).
              "/metrics": None,
              "/rollout/promote": pilot_release(store) if path == "/rollout/promote" else None,
              "/rollout/rollback": two_releases(store) if path == "/rollout/rollback" else None,
              "/rollout/ring": {"site": "oodi", "kiosk": "oodi-1", "ring": "pilot"},
              # IT's operations: to a kiosk that is off (answered "offline" at once), and
              # waking one whose address is known.
              "/api/ops/screenshot": gone_kiosk(store) if path == "/api/ops/screenshot" else None,
              "/api/ops/logs": {**gone_kiosk(store), "hours": "6"} if path == "/api/ops/logs" else None,
              "/api/ops/wake": gone_kiosk(store, mac="02:00:00:00:00:42") if path == "/api/ops/wake" else None}
    return bodies.get(path) if method == "POST" else None


NO_STAFF_NEEDED = {"/u/{token}": {410}, "/upload/fetch/{file_id}": {404}, "/enrol/hello": {400},
                   "/enrol/wait": {404}, "/enrol/done": {204}, "/metrics": {404},
                   "/rollout/fetch/{release_id}": {404}}


def waiting_terminal(store) -> dict:
    """A terminal waiting to be enrolled: the code it shows."""
    import secrets

    from kiosk.desk.enrolment import Enrolments
    from kiosk.enrolment import new_code

    code = new_code()
    Enrolments(store.engine, None, "127.0.0.1", 8883).hello(code, secrets.token_urlsafe(32), "127.0.0.1", "", "")
    return {"code": code}


def pilot_release(store) -> dict:
    """A configuration release of oodi for its pilot kiosks."""
    made = Rollout(store.engine, ROLLOUT_KEY).add("oodi", "config", b"[timeouts]\ninactivity_s = 240\n", "pilot", "t")
    return {"site": "oodi", "kind": "config", "version": made["version"]}


def two_releases(store) -> dict:
    """Two catalogue releases of oodi: one to go back to."""
    rollout = Rollout(store.engine, ROLLOUT_KEY)
    for _ in range(2):
        rollout.add("oodi", "catalog", b"# a catalogue", "all", "t")
    return {"site": "oodi", "kind": "catalog"}


def booked_time(store) -> str:
    """A time booked at a kiosk of oodi, tomorrow."""
    from datetime import timedelta

    from kiosk.desk.bookings import Bookings, local_now
    from kiosk.support import slot_text

    booking_id = str(uuid.uuid4())
    starts = slot_text((local_now() + timedelta(days=1)).replace(hour=10, minute=0) + timedelta(minutes=5 * (
        uuid.UUID(booking_id).int % 100)))
    outcome, _code = Bookings(store.engine).book("oodi", "oodi-1", {
        "id": booking_id, "provider": "library", "provider_name": "Kirjasto", "starts": starts, "minutes": 30,
        "topic": "other", "language": "fi"})
    assert outcome == "made"
    return booking_id


def kiosk_in_use(store) -> dict:
    """A kiosk of oodi, online, with a person at it."""
    kiosk = f"used-{uuid.uuid4().hex[:6]}"
    store.presence("oodi", kiosk, True)
    store.status("oodi", kiosk, {"session": "active", "language": "fi"})
    return {"site": "oodi", "kiosk": kiosk}


def gone_kiosk(store, mac: str = "") -> dict:
    """A kiosk that was on the board and is offline now (its wired card's `mac` known)."""
    kiosk = f"gone-{uuid.uuid4().hex[:6]}"
    store.presence("oodi", kiosk, False)
    if mac:
        store.status("oodi", kiosk, {"session": "ready", "mac": mac})
    return {"site": "oodi", "kiosk": kiosk}


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(store, desk, role):
    name = STAFF[role]
    staff = None
    for (method, path), action in ROUTES.items():
        if staff is None or desk.session(staff.client.cookies.get("desk_session")) is None \
                or "desk_language" in staff.client.cookies:
            staff = logged_in(desk, name)  # once, and after Log out or a language (argon2 is slow on purpose)
        if path in ("/api/resolve", "/api/release", "/api/transfer"):  # a request this person has
            body = request_of(store, method, path)
            store.accept(body["id"], name)
            if path == "/api/transfer":
                body["to"] = "Hilla" if name == "Lauri" else "Lauri"
        elif path == "/api/share/stop":  # a share this person asked for
            body = {"id": desk.shares.start(name, **kiosk_in_use(store)).id}
        elif path == "/rollout/upload":  # a file, as the page's form sends it
            body = {"site": "oodi", "kind": "config", "ring": "pilot"}
        else:
            body = request_of(store, method, path)
        if (method, path) == ("POST", "/login"):
            answer = staff.client.post("/login", data={"name": name, "password": PASSWORD})
        elif path == "/rollout/upload":
            answer = staff.client.post(path, data=body, files={"file": ("c.toml", b"[timeouts]\ninactivity_s = 200\n")},
                                       headers={"X-CSRF-Token": staff.csrf})
        elif method == "POST":
            answer = staff.post(path, body)
        else:
            answer = staff.get(path + ("?to=fi&next=/" if path == "/language" else ""))
        expected = {200, 303} if action in (None, "session") or may(role, action) else {403}
        expected = NO_STAFF_NEEDED.get(path, expected)
        assert answer.status_code in expected, (role, method, path, answer.status_code, answer.text[:200])
        if answer.status_code == 403 and method == "GET":
            assert "Your role does not allow this." in answer.text and "<h1>Not allowed</h1>" in answer.text


@pytest.mark.parametrize("role", ROLES)
def test_only_site_leads_and_admins_send_commands_but_a_message_helpers_too(desk, link_events, role):
    staff = logged_in(desk, STAFF[role])
    lift = staff.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "lift_print_limit"})
    message = staff.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "message",
                                          "ready": "coming"})
    assert lift.status_code == (200 if role in ("site_lead", "admin") else 403)
    assert message.status_code == (200 if role != "stats_reader" else 403)
    sent = [event["type"] for _site, _kiosk, event in link_events(desk)]
    assert sent == [t for t, answer in (("lift_print_limit", lift), ("message", message))
                    if answer.status_code == 200]
    board = staff.get("/")
    if role == "stats_reader":
        assert board.status_code == 403
        return
    assert board.status_code == 200
    assert ('id="kiosk-oodi--oodi-1-lift_print_limit"' in board.text) == (role != "helper")
    assert 'id="kiosk-oodi--oodi-1-message"' in board.text
    assert ('id="dialog-end_session"' in board.text) == (role != "helper")


@pytest.fixture
def link_events():
    return lambda desk: desk.link.events


def test_a_helpers_refusal_on_the_board_is_in_her_language(desk):
    staff = logged_in(desk, STAFF["helper"])
    staff.client.cookies.set("desk_language", "fi")
    answer = staff.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "restart"}, htmx=True)
    assert answer.status_code == 403 and "Roolisi ei salli tätä." in answer.text
    page = staff.get("/report")
    assert page.status_code == 403 and '<html lang="fi">' in page.text and "Roolisi ei salli tätä." in page.text


def test_the_navigation_shows_only_the_pages_the_role_may_see(desk):
    for role, name in STAFF.items():
        staff = logged_in(desk, name)
        page = staff.get(staff.login.headers["location"])
        assert page.status_code == 200, role
        links = set(re.findall(r'<a href="(/[a-z]*)"', page.text))
        wanted = {path for path, action in (("/", "board"), ("/report", "report"), ("/stats", "stats"),
                                            ("/audit", "audit"), ("/admin", "admin")) if may(role, action)}
        assert links & {"/", "/report", "/stats", "/audit", "/admin"} == wanted, role
    # A statistics reader has no board: her login leads to the statistics.
    assert Staff(desk, STAFF["stats_reader"]).login.headers["location"] == "/stats"


# -- a site's staff and another site -------------------------------------------------------

@pytest.mark.parametrize("role", ["helper", "site_lead"])
def test_a_sites_staff_never_see_or_act_on_another_sites_kiosks_or_requests(store, desk, role):
    theirs = help_request(store, "kallio", "kallio-1")
    taken = help_request(store, "kallio", "kallio-1")
    store.accept(taken, OTHER)
    staff = logged_in(desk, STAFF[role])
    board = staff.get("/").text
    assert "kallio-1" not in board and theirs not in board and "oodi-1" in board
    state = staff.get("/api/state").json()
    assert {k["site"] for k in state["kiosks"]} == {"oodi"} and state["queue"] == []
    for body in ({"site": "kallio", "kiosk": "kallio-1", "command": "message", "ready": "coming"},
                 {"site": "kallio", "kiosk": "kallio-1", "command": "lift_print_limit"},
                 {"site": "oodi", "kiosk": "kallio-1", "command": "message", "ready": "coming"}):
        assert staff.post("/api/command", body).status_code in (403, 404), body
    assert staff.post("/api/accept", {"id": theirs}).status_code == 404
    assert staff.post("/api/resolve", {"id": taken, "resolution": "solved"}).status_code == 404
    assert desk.link.events == [] and desk.link.accepted == [] and desk.link.resolved == []
    assert store.request(theirs)["accepted"] is None and store.request(taken)["resolved"] is None


def test_a_site_lead_reads_reports_statistics_and_audit_of_her_sites_only(store, desk):
    kalle = logged_in(desk, OTHER)
    assert kalle.post("/api/command", {"site": "kallio", "kiosk": "kallio-1", "command": "lift_print_limit"}
                      ).status_code == 200
    lauri = logged_in(desk, STAFF["site_lead"])
    assert "<strong>3</strong> sessions" in lauri.get("/stats?site=kallio").text  # not hers: all of hers
    rows = list(csv.reader(io.StringIO(lauri.get("/stats.csv?site=kallio&days=7").text)))
    assert {row[1] for row in rows[1:]} == {"oodi"}
    assert "kallio" not in lauri.get("/audit").text
    assert "kallio-1" in logged_in(desk, STAFF["admin"]).get("/audit").text  # an administrator sees all


def test_a_statistics_reader_reads_every_site_of_the_region_and_nothing_else(store, desk):
    tilda = logged_in(desk, STAFF["stats_reader"])  # her account lists oodi only
    assert "<strong>5</strong> sessions" in tilda.get("/stats?site=kallio").text
    assert "<strong>8</strong> sessions" in tilda.get("/stats").text
    rows = list(csv.reader(io.StringIO(tilda.get("/stats.csv?days=7").text)))
    assert {row[1] for row in rows[1:]} == {"oodi", "kallio"}
    assert tilda.get("/report").status_code == 200
    for path in ("/", "/api/state", "/api/events", "/audit", "/admin"):
        assert tilda.get(path).status_code == 403, path
    request_id = help_request(store)
    assert tilda.post("/api/accept", {"id": request_id}).status_code == 403
    assert store.request(request_id)["accepted"] is None


# -- a role change -------------------------------------------------------------------------

def test_a_role_change_ends_the_users_sessions_and_the_new_role_holds_at_once(store, desk):
    hilla = logged_in(desk, STAFF["helper"])
    other_tab = logged_in(desk, STAFF["helper"])
    assert hilla.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "restart"}).status_code == 403
    aada = logged_in(desk, STAFF["admin"])
    changed = aada.post("/admin/users", {"name": STAFF["helper"], "role": "site_lead", "sites": "oodi",
                                         "password": "her new long password"})
    assert changed.status_code == 200
    for tab in (hilla, other_tab):
        assert tab.get("/").headers["location"] == "/login"
        assert tab.get("/api/state").status_code == 401
    hilla = logged_in(desk, STAFF["helper"], "her new long password")
    assert hilla.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "restart"}).status_code == 200
    # The same through the store (as kiosk-desk add-user --role does).
    store.add_user(STAFF["helper"], "her new long password", ["oodi"], "stats_reader")
    assert hilla.get("/").headers["location"] == "/login"
    assert logged_in(desk, STAFF["helper"], "her new long password").get("/").status_code == 403


# -- the administrator's staff pages ------------------------------------------------------

def test_the_staff_page_lists_every_account_with_role_sites_state_and_last_login(store, desk):
    store.disable_user(OTHER)
    aada = logged_in(desk, STAFF["admin"])
    page = aada.get("/admin")
    assert page.status_code == 200
    staff_table = page.text.split('id="staff"', 1)[1].split("</table>", 1)[0]
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', staff_table, re.S))
    assert set(rows) == {*STAFF.values(), OTHER}
    assert "Helper" in rows["Hilla"] and "Statistics reader" in rows["Tilda"] and "Administrator" in rows["Aada"]
    assert "kallio" in rows[OTHER] and "Disabled" in rows[OTHER] and "Enable" in rows[OTHER]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows["Aada"]) and "–" in rows["Hilla"]  # never logged in
    assert 'hx-post="/admin/users"' in page.text and '<script src="/static/staff.js"' in page.text
    assert "onclick" not in page.text and re.search(r'name="csrf-token" content="[^"]+"', page.text)


def test_an_administrator_adds_disables_enables_and_resets_and_each_is_audited(store, desk):
    aada = logged_in(desk, STAFF["admin"])
    added = aada.post("/admin/users", {"name": "Niko", "role": "site_lead", "sites": "oodi, kallio",
                                       "password": "niko's first password"}, htmx=True)
    assert added.status_code == 200 and "Niko can now log in." in added.text
    assert 'id="staff" class="table" tabindex="0" hx-swap-oob="true"' in added.text and ">Niko</th>" in added.text
    assert store.user("Niko") == {"name": "Niko", "sites": ["oodi", "kallio"], "role": "site_lead",
                                  "disabled": False}
    niko = logged_in(desk, "Niko", "niko's first password")
    assert aada.post("/admin/disable", {"name": "Niko"}).status_code == 200
    assert niko.get("/").headers["location"] == "/login"
    assert Staff(desk, "Niko", "niko's first password").login.status_code == 401
    assert aada.post("/admin/enable", {"name": "Niko"}).status_code == 200
    niko = logged_in(desk, "Niko", "niko's first password")
    assert aada.post("/admin/password", {"name": "Niko", "password": "a password from the admin"}).status_code == 200
    assert niko.get("/").headers["location"] == "/login"
    assert Staff(desk, "Niko", "niko's first password").login.status_code == 401
    logged_in(desk, "Niko", "a password from the admin")
    changes = [(e["actor"], e["action"], e["detail"]) for e in store.audit_log()
               if e["action"] not in ("login", "login_failed", "login_refused")]
    assert changes == [("Aada", "password_reset", {"name": "Niko"}), ("Aada", "user_enabled", {"name": "Niko"}),
                       ("Aada", "user_disabled", {"name": "Niko"}),
                       ("Aada", "user_added", {"name": "Niko", "sites": "oodi,kallio", "role": "site_lead"})]
    assert "niko's first password" not in str(store.audit_log())


@pytest.mark.parametrize("change, body, status", [
    ("users", {"name": "Niko", "role": "root", "sites": "oodi", "password": PASSWORD}, 400),
    ("users", {"name": "Niko", "role": "helper", "sites": "elsewhere", "password": PASSWORD}, 400),
    ("users", {"name": "Niko", "role": "helper", "sites": "", "password": PASSWORD}, 400),
    ("users", {"name": "Niko", "role": "helper", "sites": "oodi", "password": "short"}, 400),
    ("users", {"name": "", "role": "helper", "sites": "oodi", "password": PASSWORD}, 400),
    ("users", {"name": "N" * 61, "role": "helper", "sites": "oodi", "password": PASSWORD}, 400),
    ("disable", {"name": "Aada"}, 400),  # not herself: nobody would be left to enable her
    ("disable", {"name": "Nobody"}, 404),
    ("password", {"name": "Hilla", "password": "short"}, 400),
    ("password", {"name": "Nobody", "password": PASSWORD}, 404),
])
def test_a_wrong_account_change_is_refused_and_nothing_is_recorded(store, desk, change, body, status):
    aada = logged_in(desk, STAFF["admin"])
    before = store.users()
    answer = aada.post(f"/admin/{change}", body)
    assert answer.status_code == status, answer.text
    assert store.users() == before
    assert [e["action"] for e in store.audit_log()] == ["login"] * 1  # Aada's login only


def test_account_changes_need_the_csrf_token_and_an_administrator(store, desk):
    aada = logged_in(desk, STAFF["admin"])
    body = {"name": "Niko", "role": "admin", "sites": "oodi", "password": PASSWORD}
    assert aada.client.post("/admin/users", json=body).status_code == 403
    assert aada.client.post("/admin/users", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    for role in ("helper", "site_lead", "stats_reader"):
        assert logged_in(desk, STAFF[role]).post("/admin/users", body).status_code == 403
    assert store.user("Niko") is None


# -- the audit page ------------------------------------------------------------------------

def test_the_audit_page_shows_a_command_sent_newest_first_in_words(store, desk):
    lauri = logged_in(desk, STAFF["site_lead"])
    assert lauri.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "lift_print_limit"}
                      ).status_code == 200
    assert lauri.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "message",
                                       "text": "Tulen heti"}).status_code == 200
    page = lauri.get("/audit")
    assert page.status_code == 200
    rows = re.findall(r'<tr><th scope="row">[^<]+</th>(.*?)</tr>', page.text, re.S)
    assert len(rows) == 2
    assert "Lauri" in rows[0] and "Command to a kiosk" in rows[0] and "Message: Message shown" in rows[0] \
        and "Tulen heti" in rows[0]
    assert "Lift print limit: Print limit lifted" in rows[1] and "oodi-1" in rows[1]
    assert "lift_print_limit" not in page.text.split("<main", 1)[1]
    lauri.client.cookies.set("desk_language", "sv")
    assert "Kommando till en terminal" in lauri.get("/audit").text


def test_the_audit_page_is_paged(store, desk):
    for n in range(75):
        store.audit("Lauri", "command", "oodi", f"oodi-{n}", {"command": "restart", "result": "done"})
    lauri = logged_in(desk, STAFF["site_lead"])
    first = lauri.get("/audit").text
    assert first.count('<tr><th scope="row">') == 50 and ">oodi-74<" in first and ">oodi-25<" in first
    assert ">oodi-24<" not in first
    older = re.search(r'href="/audit\?before=(\d+)"', first)
    second = lauri.get(f"/audit?before={older.group(1)}").text
    assert second.count('<tr><th scope="row">') == 25 and ">oodi-24<" in second and ">oodi-0<" in second
    assert "before=" not in second and 'href="/audit"' in second
    assert lauri.get("/audit?before=junk").status_code == 200


def test_an_administrator_sees_every_kiosk_and_removes_one_taken_away(store, desk):
    store.status("oodi", "oodi-1", {"session": "active", "version": "0.1.0"})
    store.presence("kallio", "kallio-9", False)
    aada = logged_in(desk, STAFF["admin"])
    page = aada.get("/admin").text
    assert "<th scope=\"row\">oodi-1</th>" in page and "0.1.0" in page and "kallio-9" in page
    assert page.count('hx-post="/admin/forget"') == 1  # only the offline one can go
    assert aada.post("/admin/forget", {"site": "oodi", "kiosk": "oodi-1"}).status_code == 409  # online
    assert aada.post("/admin/forget", {"site": "elsewhere", "kiosk": "x-1"}).status_code == 400
    answer = aada.post("/admin/forget", {"site": "kallio", "kiosk": "kallio-9"}, htmx=True)
    assert answer.status_code == 200 and "kallio-9 is off the board" in answer.text
    assert 'id="kiosks"' in answer.text and "kallio-9" not in answer.text.split("</p>", 1)[1]
    assert [k["kiosk"] for k in store.kiosks(["kallio"])] == ["kallio-1"]
    [entry] = [e for e in store.audit_log() if e["action"] == "kiosk_forgotten"]
    assert (entry["actor"], entry["site"], entry["kiosk"]) == (STAFF["admin"], "kallio", "kallio-9")
    assert "Kiosk removed from the board" in aada.get("/audit").text
