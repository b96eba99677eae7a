"""Kiosk ↔ real Mosquitto (the desk server's configuration: TLS, passwords, ACL) ↔ desk."""

from __future__ import annotations

import json
import random
import time
import uuid

import pytest
import sqlalchemy

from testbed.fakes import TimerScheduler
from testbed.desk import StaffBrowser as Browser
from testbed.desk import board_in_chromium, desk_in_process, raw_client, wait_for
from testbed.desk import kiosk as start_kiosk

SITES = {"oodi": ["oodi-1", "oodi-2"], "kallio": ["kallio-1"]}
FORGED, LEGIT, OODI = (str(uuid.UUID(int=n)) for n in (1, 2, 3))


@pytest.fixture
def desk(broker, tmp_path):
    with desk_in_process(broker, tmp_path, users={"Aino": ("correct horse battery", ["oodi"]),
                                                  "Ville": ("another long secret", ["kallio"])}) as started:
        yield started


def kiosk(broker, tmp_path, kiosk_id="oodi-1", password=None):
    return start_kiosk(broker, tmp_path, kiosk_id, password=password)


def test_help_pressed_reaches_the_desk_and_the_helpers_name_comes_back(broker, desk, tmp_path):
    help_ = kiosk(broker, tmp_path)
    try:
        wait_for(lambda: help_.connected)
        request_id = help_.request("logging_in", "kela", "fi", ["speech"])
        staff = Browser(desk.url)
        assert staff.login("Aino", "correct horse battery") == 200
        wait_for(lambda: [q["id"] for q in staff.state()["queue"]] == [request_id])
        wait_for(lambda: help_.state == "seen")
        request = staff.state()["queue"][0]
        assert (request["kiosk"], request["place"], request["topic"], request["accessibility"]) == (
            "oodi-1", "Floor 2", "logging_in", ["speech"])
        assert staff.post("/api/accept", {"id": request_id}) == 200
        wait_for(lambda: help_.state == "accepted")
        assert help_.helper == "Aino"
        assert staff.post("/api/resolve", {"id": request_id, "resolution": "e_service_fault",
                                           "service": "kela"}) == 200
        wait_for(lambda: help_.state == "resolved")
        assert staff.state()["queue"] == []
        assert desk.store.by_service(["oodi"])[0]["resolution"] == "e_service_fault"
        # The kiosk's presence and status reached the board too.
        help_.publish_status({"session": "active", "printer": {"faults": ["out_of_paper"]}})
        wait_for(lambda: any(k["status"].get("printer") for k in staff.state()["kiosks"]))
        assert staff.state()["kiosks"][0]["online"]
    finally:
        help_.stop()
    wait_for(lambda: not desk.store.kiosks(["oodi"])[0]["online"])  # a clean exit says offline


def test_broker_down_while_pressing_help_then_delivered_exactly_once(broker, desk, tmp_path):
    help_ = kiosk(broker, tmp_path)
    try:
        wait_for(lambda: help_.connected)
        broker.stop()
        wait_for(lambda: not help_.connected)
        request_id = help_.request("printing", "", "sv", [])
        assert help_.state == "queued" and help_.outbox.pending()
        broker.start_again()
        wait_for(lambda: help_.state == "seen", 40, kiosks=[help_])
        assert desk.store.request(request_id) is not None
        time.sleep(1)
        assert [q["id"] for q in desk.store.queue(["oodi"])].count(request_id) == 1
        assert help_.outbox.pending() == []
    finally:
        help_.stop()


def test_a_request_in_the_outbox_survives_a_killed_kiosk(broker, desk, tmp_path):
    broker.stop()
    first = kiosk(broker, tmp_path, "oodi-2")
    request_id = first.request("other", "", "en", [])
    first.link._client.loop_stop()  # killed: no goodbye, nothing sent
    broker.start_again()
    again = kiosk(broker, tmp_path, "oodi-2")  # the restarted kiosk, same outbox
    try:
        wait_for(lambda: desk.store.request(request_id) is not None, 40, kiosks=[again])
        wait_for(lambda: again.outbox.pending() == [], 10)
    finally:
        again.stop()


def test_a_kiosk_cannot_write_into_another_kiosks_topics(broker, desk, tmp_path):
    client = raw_client(broker, "oodi-1")
    try:
        forged = {"type": "help", "id": FORGED, "kiosk": "oodi-2", "topic": "other"}
        client.publish("kiosk/oodi/oodi-2/help", json.dumps(forged), qos=1).wait_for_publish(5)
        client.publish("kiosk/oodi/oodi-2/presence", "online", qos=1).wait_for_publish(5)
        # Its own topic works, and speaking for another kiosk there is refused by the desk.
        client.publish("kiosk/oodi/oodi-1/help", json.dumps(forged), qos=1).wait_for_publish(5)
        legit = {"type": "help", "id": LEGIT, "kiosk": "oodi-1", "topic": "other"}
        client.publish("kiosk/oodi/oodi-1/help", json.dumps(legit), qos=1).wait_for_publish(5)
        wait_for(lambda: desk.store.request(LEGIT) is not None)
        assert desk.store.request(FORGED) is None
        assert [k["kiosk"] for k in desk.store.kiosks(["oodi"]) if k["kiosk"] == "oodi-2" and k["online"]] == []
    finally:
        client.disconnect()
        client.loop_stop()


def test_staff_log_in_with_lockout_csrf_and_their_own_sites_only(desk):
    staff = Browser(desk.url)
    for _ in range(4):
        assert staff.login("Aino", "wrong") == 401
    assert staff.login("Aino", "wrong") == 401  # the fifth failure locks the name
    assert staff.login("Aino", "correct horse battery") == 401  # locked, even with the right password
    other = Browser(desk.url)
    assert other.login("Ville", "another long secret") == 200
    desk.store.add_request("oodi", {"id": OODI, "kiosk": "oodi-1"})
    assert other.state()["queue"] == []  # another site's request is not shown
    assert other.post("/api/accept", {"id": OODI}) == 404
    assert other.post("/api/accept", {"id": OODI}, csrf=False) == 403


def test_the_desk_drops_malformed_and_hostile_messages(desk):
    rng = random.Random(3)
    topics = ["kiosk/oodi/oodi-1/help", "kiosk/oodi/oodi-1/status", "kiosk/oodi/oodi-1/presence",
              "kiosk/kallio/kallio-1/help", "kiosk/oodi/../help", "x", "kiosk/oodi/oodi-1/help/extra",
              "kiosk/oodi/" + "a" * 200 + "/help"]
    payloads = [b"", b"null", b"[]", b"{", b"\xff\xfe", b'{"type": "help"}', b'{"type": "help", "id": 5}',
                b'{"type": "help", "id": "' + FORGED.encode() + b'", "kiosk": "oodi-1", "accessibility": "x"}',
                b'{"type": "cancel", "id": "' + b"x" * 100 + b'"}', b"x" * 70000,
                json.dumps({"type": "help", "id": LEGIT, "kiosk": "oodi-1", "topic": ["x"]}).encode()]
    for _ in range(3000):
        payload = rng.choice(payloads)
        if rng.random() < 0.3:
            payload = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        desk.link.handle(rng.choice(topics), payload)
    assert desk.store.queue(["oodi", "kallio"]) == []


@pytest.mark.gui
def test_the_desk_page_in_chromium_shows_help_and_accept_reaches_the_kiosk(broker, desk, tmp_path, xvfb_display):
    """Kiosk → Mosquitto → desk → the page in a real browser; Accept → the kiosk shows the name."""
    help_ = kiosk(broker, tmp_path)
    try:
        with board_in_chromium(desk.url, tmp_path, "Aino", "correct horse battery") as page:
            wait_for(lambda: "No one is waiting" in (page("document.body.innerText") or ""))
            wait_for(lambda: help_.connected)
            request_id = help_.request("filling_form", "omavero", "sv", ["large_text"])
            # The page is told at once (server-sent events), not on its next poll.
            wait_for(lambda: request_id in (page("document.getElementById('queue-list').innerHTML") or ""), 3)
            text = page("document.getElementById('queue-list').innerText")
            # Codes as words: filling_form, large_text, sv.
            assert "oodi-1" in text and "Filling in a form" in text and "omavero" in text and "Large text" in text
            assert "Swedish" in text
            # Clickable once htmx has taken in the new card (it does so as it settles).
            card = f"[data-id=\"{request_id}\"]:not(.htmx-added) button.act"
            wait_for(lambda: page(f"!!document.querySelector('{card}')"))
            page(f"document.querySelector('[data-id=\"{request_id}\"] button.act').click()")
            wait_for(lambda: help_.state == "accepted")
            assert help_.helper == "Aino"
            wait_for(lambda: "Accepted by Aino" in (page("document.getElementById('queue-list').innerText") or ""))
    finally:
        help_.stop()


def test_staff_lift_the_print_limit_of_a_kiosk_in_their_site(broker, desk, tmp_path):
    help_ = kiosk(broker, tmp_path)
    commands = []
    help_.bind(on_desk=lambda _h, event: commands.append(event["type"]))
    try:
        wait_for(lambda: help_.connected)
        staff = Browser(desk.url)
        assert staff.login("Aino", "correct horse battery") == 200
        assert staff.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "lift_print_limit"}) == 200
        wait_for(lambda: commands == ["lift_print_limit"])
        assert staff.post("/api/command", {"site": "kallio", "kiosk": "kallio-1", "command": "end_session"}) == 404
        assert staff.post("/api/command", {"site": "oodi", "kiosk": "oodi-1", "command": "format"}) == 404
    finally:
        help_.stop()


def test_a_kiosk_offline_for_three_days_delivers_its_days_once_in_order_and_staff_see_them(broker, desk, tmp_path):
    from datetime import date, datetime, timedelta

    from kiosk.stats import Delivery, Statistics

    # Recent days: the desk takes no day older than its kiosks keep.
    d0, d1, d2 = ((date.today() - timedelta(days=10 - n)).isoformat() for n in range(3))
    now = [datetime.fromisoformat(f"{d0} 09:30").timestamp()]
    statistics = Statistics(tmp_path / "statistics.sqlite", "oodi-2", "oodi", clock=lambda: now[0])
    help_ = kiosk(broker, tmp_path, "oodi-2")
    delivery = Delivery(statistics, lambda daily: help_.link.publish("stats", daily, qos=1) is not None,
                        resend_s=2.0)
    help_.bind(on_desk=lambda _h, event: event["type"] == "stats_ack" and delivery.acknowledged(event["day"]))
    stored = []
    add_daily = desk.store.add_daily
    desk.store.add_daily = lambda site, kiosk_id, day, counts: (stored.append(day), add_daily(site, kiosk_id, day,
                                                                                                 counts))
    try:
        wait_for(lambda: help_.connected)
        broker.stop()
        wait_for(lambda: not help_.connected)
        for day in range(3):  # three days without the desk
            for _ in range(day + 1):
                statistics.count("session", "started")
            statistics.count("service", "kela")
            statistics.count("outcome", "yes" if day else "no")
            now[0] += 86400
            delivery.tick(help_.connected)
        assert statistics.pending_days() == [d0, d1, d2]
        broker.start_again()
        deadline = time.monotonic() + 60
        while statistics.pending_days():
            assert time.monotonic() < deadline, f"still pending: {statistics.pending_days()}"
            delivery.tick(help_.connected)  # the app's clock does this every 15 s
            time.sleep(0.1)
        assert stored == [d0, d1, d2]  # once each, in order
        figures = desk.store.statistics(["oodi"])
        assert figures["per_day"] == {d0: 1, d1: 2, d2: 3}
        assert figures["totals"]["outcome"] == {"no": 1, "yes": 2} and figures["kiosks"] == 1
        assert figures["services"] == [{"service": "kela", "opened": 3, "help": 0, "help_rate": 0.0}]
        staff = Browser(desk.url)
        assert staff.login("Aino", "correct horse battery") == 200
        page = staff.opener.open(desk.url + "/stats?days=3650").read().decode()
        assert "<strong>6</strong> sessions on <strong>1</strong> kiosks" in page and "Got it done" in page
        csv_text = staff.opener.open(desk.url + "/stats.csv?days=3650").read().decode()
        assert f"{d2},oodi,session,started,3" in csv_text.splitlines()
        other = Browser(desk.url)
        other.login("Ville", "another long secret")  # kallio only: none of oodi's figures
        assert "<strong>0</strong> sessions" in other.opener.open(desk.url + "/stats?site=oodi").read().decode()
    finally:
        help_.stop()
        statistics.close()


def test_the_desk_refuses_statistics_outside_the_vocabulary_or_the_days_kiosks_keep(desk):
    from datetime import date, timedelta

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    good = {"type": "daily", "kiosk": "oodi-1", "day": yesterday, "counts": [[9, "session", "started", 2]]}
    assert desk.link.handle("kiosk/oodi/oodi-1/stats", json.dumps(good).encode()) == "stats"
    long_ago, ahead = (date.today() - timedelta(days=200)).isoformat(), (date.today() + timedelta(days=30)).isoformat()
    for bad in ({**good, "kiosk": "oodi-2"}, {**good, "day": "2026-13-01"}, {**good, "day": "0001-01-01"},
                {**good, "day": long_ago}, {**good, "day": ahead},
                {**good, "counts": [[9, "service", "https://www.kela.fi/", 1]]},
                {**good, "counts": [[9, "language", "Maija Meikäläinen", 1]]},
                {**good, "counts": [[24, "session", "started", 1]]}, {**good, "counts": [[9, "session", "started", -5]]},
                {**good, "counts": "lots"}):
        assert desk.link.handle("kiosk/oodi/oodi-1/stats", json.dumps(bad).encode()) == "ignored"
    assert desk.store.statistics(["oodi"])["totals"] == {"session": {"started": 2}}




def test_a_time_booked_at_two_kiosks_through_the_broker_and_the_desk(broker, desk, tmp_path):
    """Issue 19: the free times come from the desk, a booking comes back with a code, the
    same time from another kiosk is refused as taken, the helper sees the booking and
    cancels it, and the time is offered again."""
    from datetime import datetime, time as clock

    from kiosk.booking import Booking
    from kiosk.config_keys import Text
    from kiosk.support import HELSINKI, Provider, Support, Weekly

    every_day = Provider("oodi-digituki", Text({"fi": "Oodin digituki"}), ("eservice_help",), Text(),
                         Text({"fi": "Töölönlahdenkatu 4"}), "", Text(), "", ("fi",),
                         (Weekly(0, 6, clock(9), clock(17)),), (), Text(), True)
    support = Support((every_day,), None, "", "", 30)
    first_help, second_help = kiosk(broker, tmp_path), kiosk(broker, tmp_path, "oodi-2")
    try:
        wait_for(lambda: first_help.connected and second_help.connected)
        now = lambda: datetime.now(HELSINKI)  # noqa: E731 - the desk's clock too
        first, second = (Booking(h, support, "oodi-digituki", 30, 14, TimerScheduler(), now=now)
                         for h in (first_help, second_help))
        first.ask()
        second.ask()
        wait_for(lambda: first.state == "choosing" and second.state == "choosing")
        wanted = first.free[0]
        assert wanted in second.free
        first.choose(wanted)
        first.book("filling_form", "kela", "sv", ["large_text"])
        wait_for(lambda: first.state == "booked")
        assert len(first.code) == 4
        second.choose(wanted)  # the other kiosk still shows it: its person was slower
        second.book("other", "", "fi", [])
        wait_for(lambda: second.state == "choosing" and second.was_taken)
        assert wanted not in second.free

        staff = Browser(desk.url)
        assert staff.login("Aino", "correct horse battery") == 200
        status, page = staff.get("/bookings")
        text = page.decode()
        assert status == 200 and first.code in text and wanted.replace("T", " ") in text
        assert "Oodin digituki" in text and "Filling in a form" in text and "Large text" in text
        others = Browser(desk.url)  # a helper of another site sees none of it
        assert others.login("Ville", "another long secret") == 200
        assert first.code not in others.get("/bookings")[1].decode()
        (booked,) = desk.store.engine.connect().execute(
            sqlalchemy.text("SELECT id FROM bookings WHERE code = :c"), {"c": first.code}).all()
        assert others.post("/bookings/cancel", {"id": booked[0]}) == 404
        assert staff.post("/bookings/cancel", {"id": booked[0]}) == 200
        assert first.code not in staff.get("/bookings")[1].decode()
        assert [e["action"] for e in desk.store.audit_log(["oodi"])][:1] == ["booking_cancelled"]
        second.ask()
        wait_for(lambda: second.state == "choosing")
        assert wanted in second.free  # free again
    finally:
        first_help.stop()
        second_help.stop()


def test_a_kiosk_account_cannot_book_as_another_kiosk_or_outside_the_bounds(broker, desk, tmp_path):
    answers = []
    client = raw_client(broker, "oodi-1", on_message=lambda _c, _u, message: answers.append(
        json.loads(message.payload)))
    client.subscribe("kiosk/oodi/oodi-1/events", qos=1)
    try:
        forged = {"type": "book", "id": str(uuid.uuid4()), "kiosk": "oodi-2", "provider": "p",
                  "provider_name": "x", "starts": "2030-01-01T10:00", "minutes": 30, "topic": "other",
                  "language": "fi"}
        client.publish("kiosk/oodi/oodi-2/booking", json.dumps(forged), qos=1).wait_for_publish(5)  # the ACL
        client.publish("kiosk/oodi/oodi-1/booking", json.dumps(forged), qos=1).wait_for_publish(5)  # not itself
        far = {**forged, "kiosk": "oodi-1", "id": str(uuid.uuid4())}  # 2030: beyond 60 days
        client.publish("kiosk/oodi/oodi-1/booking", json.dumps(far), qos=1).wait_for_publish(5)
        wait_for(lambda: any(a.get("id") == far["id"] for a in answers))
        assert [a for a in answers if a.get("id") == far["id"]] == [
            {"type": "booking_refused", "id": far["id"], "reason": "invalid"}]
        assert not any(a.get("id") == forged["id"] for a in answers)
        assert desk.store.engine.connect().execute(
            sqlalchemy.text("SELECT count(*) FROM bookings")).scalar_one() == 0
    finally:
        client.disconnect()
        client.loop_stop()
