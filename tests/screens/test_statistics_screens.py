"""Scripted sessions on the real screens produce exactly the expected counts at the desk,
and the statistics hold nothing of the people: identity codes, names, e-mail addresses,
URLs and file names planted during the sessions are found nowhere in them."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest

from kiosk.desk.link import BrokerSettings, DeskLink
from kiosk.desk.store import Store
from kiosk.stats import Delivery, Statistics

pytestmark = pytest.mark.gui

PLANTED = ("131052-308T", "Maija", "Meikäläinen", "maija@example.fi", "https://", "kela.fi/asiointi",
           "päätös", "Aino", "Mannerheimintie")


@pytest.fixture
def counted(fresh_app, tmp_path, monkeypatch):
    """The kiosk counting into a fresh statistics file, its clock in our hands."""
    app = fresh_app.app
    now = [datetime.now().timestamp()]
    stats = Statistics(tmp_path / "statistics.sqlite", app.kiosk_config.site.kiosk_id, "oodi",
                       clock=lambda: now[0])
    monkeypatch.setattr(app.services, "stats", stats)
    monkeypatch.setattr(app.counts, "stats", stats)  # the session's counts go to this file
    monkeypatch.setattr(app.services, "stats_delivery", Delivery(stats, lambda daily: app.help.link.publish(
        "stats", daily, qos=1) is not None))
    yield fresh_app, stats, now
    stats.close()


def test_scripted_sessions_give_exactly_the_expected_counts_at_the_desk_and_nothing_personal(counted, tmp_path):
    gui, stats, now = counted
    app = gui.app
    link = app.devices.link
    # Session 1: guided to Kela, typing an identity code, a document with a name printed,
    # on-site help accepted by Aino, "Yes, I got it done".
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.button("Opasta minua vaihe vaiheelta"))
    gui.tap(gui.button("Raha ja etuudet"))
    gui.tap(gui.button("Kela: tuet ja hakemukset"))
    app.errands.open_service()
    gui.frames()
    app.eservices.type_text("131052-308T Maija Meikäläinen maija@example.fi Mannerheimintie 5")
    app.devices.browser.navigate("https://www.kela.fi/asiointi?hetu=131052-308T")
    app.printing.documents_dir.mkdir(parents=True, exist_ok=True)
    from testbed.pdfs import make_pdf

    make_pdf(app.printing.documents_dir / "Maija Meikäläinen päätös.pdf", 2, "Maija Meikalainen {n}")
    app.printing.refresh_documents()
    gui.wait_until(lambda: app.printing.documents and app.printing.documents[0].pages, 10)
    app.printing.choose(app.printing.documents[0])
    gui.wait_until(lambda: not app.printing.preparing, 10)
    assert app.printing.confirm()
    gui.wait_until(lambda: app.printing.job_state == "done", 60)
    app.journey.go("help")
    gui.frames()
    gui.tap(gui.button("Kirjautuminen"))
    request = next(p for p in reversed(link.published) if p[0] == "help")[1]
    link.deliver({"type": "help_accepted", "id": request["id"], "helper": "Aino"})
    gui.frames()
    app.flow.end_session()
    gui.frames()
    gui.tap(gui.ids()["answer_yes"])
    gui.wait_until(lambda: app.journey.screen == "welcome" and "start_button" in gui.ids(), 20)
    # Session 2: in Swedish with large text, then left alone until the kiosk timed out.
    gui.tap(gui.ids()["start_button"])
    gui.tap(gui.button("Svenska"))
    app.look.set_text_scale(2.0)
    app.session.end("timeout")
    app.flow.leave_goodbye()
    gui.frames()

    # The next day the kiosk delivers the day to the desk (its real code) and gets the ack.
    now[0] += 86400
    store = Store(str(tmp_path / "desk.sqlite"))
    desk = DeskLink(BrokerSettings("127.0.0.1", 1, "desk-oodi", "x", False, ""), ["oodi"], store)
    desk.event = lambda site, kiosk, event: link.deliver(event)
    app.services.stats_delivery.tick(True)
    daily = next(p for p in reversed(link.published) if p[0] == "stats")[1]
    assert desk.handle(f"kiosk/oodi/{daily['kiosk']}/stats", json.dumps(daily).encode()) == "stats"
    gui.frames()
    assert stats.pending_days() == []  # acknowledged
    assert store.statistics(["oodi"])["totals"] == {
        "session": {"started": 2, "ended": 2},
        "duration": {"under_5_min": 2},
        "end": {"end": 1, "timeout": 1},
        "wipe": {"ok": 2},
        "language": {"fi": 1, "sv": 1},
        "accessibility": {"large_text": 1},
        "need": {"guided": 1},
        "service": {"kela": 1},
        "help": {"on_site.logging_in": 1, "remote.offered": 1},
        "help_service": {"kela": 1},
        "help_accepted": {"under_2_min": 1},
        "pages": {"printed": 2},
        "outcome": {"yes": 1, "no_answer": 1},
    }

    # Nothing of the people, in any table or anywhere in the file's bytes.
    path = tmp_path / "statistics.sqlite"
    stats.close()
    raw = path.read_bytes()
    with sqlite3.connect(path) as db:
        text = json.dumps([db.execute(f"SELECT * FROM {table}").fetchall() for (table,) in
                           db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")], ensure_ascii=False)
    for planted in PLANTED:
        assert planted not in text and planted.encode() not in raw, planted
