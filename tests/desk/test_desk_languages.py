"""Every page and message of the desk in Finnish, Swedish and English: the catalogues are
complete, and what a page shows, read as a person reads it (text, labels, titles), has no
English msgid left untranslated and no raw code."""

from __future__ import annotations

import re
import uuid
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kiosk.desk.board import DeskApp
from kiosk.desk.language import LANGUAGES, WORDS, negotiate
from kiosk.desk.pages import BoardView, Pages
from kiosk.desk.store import RESOLUTIONS, Store
from kiosk.desk.web import make_app
from kiosk.languages import LOCALE_DIR
from kiosk.po import extract_desk, read_po
from tests.desk.test_web_pages import FakeLink

DESK = Path(__file__).resolve().parents[2] / "kiosk" / "desk"
PASSWORD = "correct horse battery"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# Attributes a person meets: read out, shown as a tooltip, or put in the page by board.js.
SHOWN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-on", "data-off", "data-blocked",
                    "data-denied", "data-title", "data-sending", "data-failed", "data-lost")


def catalogue(language: str) -> dict[str, str]:
    return {e.msgid: e.msgstr for e in read_po(LOCALE_DIR / language / "LC_MESSAGES" / "desk.po")
            if e.msgid and not e.fuzzy}


class Shown(HTMLParser):
    """The texts of a page as a person meets them, but for those marked as in another
    language (each language's own name in the language chooser)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip: list[str] = []
        self._language = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self._language = attributes.get("lang", "")
        elif tag in ("script", "style") or attributes.get("lang", self._language) != self._language:
            self._skip.append(tag)
            return
        if not self._skip:
            self.texts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(texts: list[str], language: str) -> list[tuple[str, str]]:
    """(text, English msgid) where a text still says the msgid, not its translation."""
    found = []
    for msgid, msgstr in catalogue(language).items():
        if msgstr == msgid or not re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", msgid)):
            continue  # the same in both ("%(minutes)s min"), or no words of its own
        literal = msgid.replace("%%", "%")
        pattern = r"(?<!\w)" + ".+?".join(re.escape(part) for part in PLACEHOLDER.split(literal)) + r"(?!\w)"
        one_word = " " not in literal.strip()
        for text in texts:
            if (text == literal) if one_word else re.search(pattern, text):
                found.append((text, msgid))
    return found


def raw_codes(texts: list[str]) -> list[str]:
    codes = {code for words in WORDS.values() for code in words if "_" in code} | {
        r for r in RESOLUTIONS if "_" in r}
    return [f"{code} in {text!r}" for text in texts for code in codes if re.search(rf"\b{code}\b", text)]


# -- the catalogues ------------------------------------------------------------------------------

MESSAGES = extract_desk(DESK)


def test_the_catalogues_hold_exactly_what_the_desk_says():
    assert len(MESSAGES) > 150
    for language in LANGUAGES:
        assert set(catalogue(language)) == set(MESSAGES), f"{language}: run 'make po'"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_string_is_translated_with_its_placeholders(language):
    entries = catalogue(language)
    assert [m for m in MESSAGES if not entries.get(m, "").strip()] == []
    for msgid, msgstr in entries.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert msgid.count("%%") == msgstr.count("%%"), msgid
    same = [m for m, s in entries.items() if s == m and len(m) > 12 and not PLACEHOLDER.fullmatch(m.split()[0])]
    assert same == []


def test_the_check_finds_english_left_in_a_page():
    assert untranslated(["Waiting: 3 · being helped: 1", "Accept", "Kirjaudu sisään"], "fi") == [
        ("Waiting: 3 · being helped: 1", "Waiting: %(waiting)s · being helped: %(helped)s"), ("Accept", "Accept")]
    assert raw_codes(["Printer: out_of_paper", "oodi-1"]) == ["out_of_paper in 'Printer: out_of_paper'"]


@pytest.mark.parametrize("header, cookie, chosen", [
    (None, None, "en"), ("fi-FI,fi;q=0.9,en;q=0.8", None, "fi"), ("de-DE,sv;q=0.5,en;q=0.7", None, "en"),
    ("sv", None, "sv"), ("en", "fi", "fi"), ("fi", "xx", "fi"), ("q=;;,,x" * 200, None, "en"),
])
def test_the_language_is_the_chosen_one_else_the_browsers(header, cookie, chosen):
    assert negotiate(cookie, header) == chosen


# -- every page, read as a person reads it -----------------------------------------------------

@pytest.fixture
def desk(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi", "kallio"], "admin")  # an administrator sees every page
    store.status("oodi", "oodi-1", {"session": "active", "language": "sv", "accessibility": ["large_text"],
                                    "printer": {"state": "stopped", "faults": ["out_of_paper", "door_open"]}})
    store.status("oodi", "oodi-2", {"session": "ready", "out_of_service": True})
    store.presence("kallio", "kallio-1", False)
    waiting = str(uuid.uuid4())
    store.add_request("oodi", {"id": waiting, "kiosk": "oodi-1", "topic": "logging_in", "service": "kela",
                               "language": "sv", "accessibility": ["large_text", "speech"], "place": "2"})
    helped = str(uuid.uuid4())
    store.add_request("oodi", {"id": helped, "kiosk": "oodi-2", "topic": "attaching", "language": "fi"})
    store.accept(helped, "Aino")
    done = str(uuid.uuid4())
    store.add_request("oodi", {"id": done, "kiosk": "oodi-1", "topic": "printing"})
    store.resolve(done, "e_service_fault", "omavero")
    today = date.today().isoformat()
    store.add_daily("oodi", "oodi-1", today, [
        (9, "session", "started", 3), (9, "service", "kela", 4), (9, "outcome", "yes", 2),
        (9, "outcome", "no_answer", 1),
        (9, "pages", "printed", 7), (9, "help", "on_site.filling_form", 2), (9, "help_service", "kela", 2),
        (9, "help_accepted", "under_2_min", 2), (9, "need", "guided", 1), (9, "accessibility", "high_contrast", 1),
        (9, "language", "sv", 2), (9, "duration", "5_15_min", 3)])
    made = DeskApp(store, FakeLink(reply="no_session"))
    made.ids = {"waiting": waiting, "helped": helped}
    return made


def pages_in(desk, language: str) -> dict[str, str]:
    """Every page and answer of the desk in `language`."""
    with TestClient(make_app(desk), follow_redirects=False) as client:
        client.cookies.set("desk_language", language)
        shown = {"login": client.get("/login").text,
                 "login refused": client.post("/login", data={"name": "Aino", "password": "wrong"}).text}
        assert client.post("/login", data={"name": "Aino", "password": PASSWORD}).status_code == 303
        shown["board"] = client.get("/").text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', shown["board"]).group(1)
        htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
        shown["report"] = client.get("/report").text
        for days in (7, 30, 365):
            shown[f"stats {days}"] = client.get(f"/stats?days={days}").text
        shown["stats oodi"] = client.get("/stats?site=oodi").text
        for body in ({"site": "oodi", "kiosk": "oodi-1", "command": "message", "ready": "coming"},
                     {"site": "oodi", "kiosk": "oodi-1", "command": "lift_print_limit"},
                     {"site": "kallio", "kiosk": "kallio-1", "command": "restart"},
                     {"site": "oodi", "kiosk": "oodi-1", "command": "message"},
                     {"site": "oodi", "kiosk": "nobody", "command": "message"}):
            shown[f"command {body}"] = client.post("/api/command", data=body, headers=htmx).text
        shown["accept"] = client.post("/api/accept", data={"id": desk.ids["waiting"]}, headers=htmx).text
        shown["accepted already"] = client.post("/api/accept", data={"id": desk.ids["helped"]}, headers=htmx).text
        shown["resolve"] = client.post("/api/resolve", data={"id": desk.ids["helped"], "resolution": "referred"},
                                       headers=htmx).text
        shown["refused"] = client.post("/api/accept", data={"id": "x"}, headers=htmx).text
        shown["board after"] = client.get("/").text
        shown["admin"] = client.get("/admin").text
        stina = {"name": "Stina", "role": "stats_reader", "sites": "oodi", "password": PASSWORD}
        for change, body in (("users", stina),
                             ("users", {"name": "Stina", "role": "stats_reader", "sites": "oodi,kallio",
                                        "password": PASSWORD}),
                             ("users", {"name": "Stina", "role": "root", "sites": "oodi", "password": PASSWORD}),
                             ("users", {"name": "Stina", "role": "helper", "sites": "elsewhere",
                                        "password": PASSWORD}),
                             ("users", {"name": "", "role": "helper", "sites": "oodi", "password": PASSWORD}),
                             ("password", {"name": "Stina", "password": "short"}),
                             ("password", {"name": "Stina", "password": "another long password"}),
                             ("disable", {"name": "Stina"}), ("enable", {"name": "Stina"}),
                             ("disable", {"name": "Aino"}), ("disable", {"name": "Nobody"})):
            shown[f"admin {change} {body}"] = client.post(f"/admin/{change}", data=body, headers=htmx).text
        shown["audit"] = client.get("/audit").text
        assert client.post("/login", data={"name": "Stina", "password": "another long password"}).status_code == 303
        shown["refused page"] = client.get("/").text
        token = next(s for s in desk.sessions.values() if s["name"] == "Stina")["csrf"]
        refused = client.post("/api/command", data={"site": "oodi", "kiosk": "oodi-1", "command": "message"},
                              headers={**htmx, "X-CSRF-Token": token})
        assert refused.status_code == 403
        shown["refused command"] = refused.text
        session = next(s for s in desk.sessions.values() if s["name"] == "Aino")
        shown["stream"] = BoardView(Pages(), desk, session, language).update()
    return shown


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_no_page_shows_an_untranslated_string_or_a_code(desk, language):
    shown = pages_in(desk, language)
    for name, html in shown.items():
        texts = Shown(html).texts
        assert texts, name
        if language != "en":
            assert untranslated(texts, language) == [], name
        assert raw_codes(texts) == [], name
        assert f'<html lang="{language}">' in html or name not in ("login", "board", "report", "stats 30")


def test_choosing_a_language_keeps_it_in_a_cookie_and_leads_back_only_to_the_desks_pages(desk):
    with TestClient(make_app(desk), follow_redirects=False) as client:
        chosen = client.get("/language?to=sv&next=/stats?site=oodi%26days=7")
        assert chosen.status_code == 303 and chosen.headers["location"] == "/stats?site=oodi&days=7"
        cookie = chosen.headers["set-cookie"]
        assert cookie.startswith("desk_language=sv;") and "HttpOnly" in cookie and "Max-Age=31536000" in cookie
        assert '<html lang="sv">' in client.get("/login", headers={"Accept-Language": "fi"}).text  # the choice wins
        for elsewhere in ("//evil.example/", "https://evil.example/", "/api/command", "\\\\evil"):
            assert client.get("/language", params={"to": "fi", "next": elsewhere}).headers["location"] == "/"
        unknown = client.get("/language?to=xx&next=/login")
        assert "set-cookie" not in unknown.headers and unknown.headers["location"] == "/login"
