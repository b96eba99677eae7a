"""The board's fragments as a page's event stream sends them (kiosk.desk.pages.BoardView),
over a real Store and the fake link: all of it first, then only what changed."""

from __future__ import annotations

import re
import uuid

import pytest

from kiosk.desk.board import DeskApp
from kiosk.desk.pages import BoardView, Pages
from kiosk.desk.store import Store
from tests.desk.test_web_pages import FakeLink

PAGES = Pages()


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.status("oodi", "oodi-1", {"session": "active", "language": "sv"})
    store.status("oodi", "oodi-2", {"session": "ready"})
    return store


@pytest.fixture
def view(store):
    desk = DeskApp(store, FakeLink())
    clock = Clock(0.0)
    made = BoardView(PAGES, desk, {"name": "Aino", "sites": ["oodi"], "role": "site_lead"}, "en", clock=clock)
    made.clock_ = clock
    return made


def ask(store, kiosk="oodi-1", **fields) -> str:
    request_id = str(uuid.uuid4())
    store.add_request("oodi", {"id": request_id, "kiosk": kiosk, "topic": "logging_in", **fields})
    return request_id


def swapped(fragments: str) -> list[tuple[str, str]]:
    """(id or target, how) of every out-of-band swap in an update."""
    found = re.findall(r'<[a-z]+ (?:id="([^"]+)"[^>]*?)?hx-swap-oob="([^"]+)"', fragments)
    return [(ident, how) for ident, how in found]


def test_the_first_update_is_the_whole_board_and_the_next_nothing(view, store):
    first_request = ask(store)
    view.clock_.at = store.request(first_request)["created"] + 30
    first = view.update()
    assert [ident for ident, _ in swapped(first)] == ["kiosk-list", "queue-list", "queue-summary", "broker", "duty"]
    assert "<title>(1) Help desk</title>" in first
    assert f'id="request-{first_request}"' in first and "Waiting 30 s" in first
    assert view.update() == ""


def test_a_new_request_is_appended_and_told_then_a_gone_one_deleted(view, store):
    view.update()
    request_id = ask(store, kiosk="oodi-2", topic="printing")
    update = view.update()
    assert ("", "beforeend:#queue-list") in swapped(update)
    assert '<div id="alert" hx-swap-oob="innerHTML">' in update and "New request for help: oodi-2, Printing" in update
    assert ("kiosk-oodi--oodi-2", "true") in swapped(update)  # the kiosk list says who is asking
    assert "Asking for help" in update
    store.cancel("oodi", request_id, "oodi-2")
    update = view.update()
    assert (f"request-{request_id}", "delete") in swapped(update)
    assert "alert" not in update


def test_waiting_counts_by_the_minute_says_long_waits_in_words_and_stops_at_accept(view, store):
    request_id = ask(store)
    created = store.request(request_id)["created"]
    view.clock_.at = created + 10
    view.update()
    view.clock_.at = created + 20
    assert swapped(view.update()) == [(f"wait-{request_id}", "true")]  # the seconds, only that fragment
    view.clock_.at = created + 6 * 60
    update = view.update()
    assert "Waiting 6 min: a long wait" in update and "wait-long" in update  # in words, not colour alone
    view.clock_.at = created + 11 * 60
    assert "Waiting 11 min: a very long wait" in view.update()
    store.accept(request_id, "Aino")
    update = view.update()
    assert (f"request-{request_id}", "true") in swapped(update)  # the card: accepted, with the resolve form
    # Accepted at once by the store's clock: the wait it shows stops there.
    assert re.search(r"Waited \d+ s", update) and "Accepted by Aino" in update
    assert f'id="resolve-{request_id}"' in update
    assert 'hx-preserve="true"' in update
    view.clock_.at = created + 40 * 60
    assert view.update() == ""  # the wait no longer counts


def test_a_kiosk_changing_updates_its_card_and_the_cards_of_its_requests_only(view, store):
    request_id = ask(store)
    view.update()
    store.status("oodi", "oodi-1", {"session": "ready"})  # the person left
    update = view.update()
    assert sorted(ident for ident, _ in swapped(update)) == ["kiosk-oodi--oodi-1", f"request-{request_id}"]
    assert "Nobody is using the kiosk now: the person may have left." in update


def test_codes_are_words_in_the_staff_members_language(store):
    desk = DeskApp(store, FakeLink())
    store.status("oodi", "oodi-1", {"session": "active", "language": "sv",
                                    "printer": {"state": "idle", "faults": ["out_of_paper", "jammed"]}})
    ask(store, accessibility=["large_text", "plain_language"], language="sv")
    update = BoardView(PAGES, desk, {"name": "Aino", "sites": ["oodi"], "role": "site_lead"}, "fi").update()
    text = re.sub(r"<[^>]+>", " ", update)
    for code in ("logging_in", "large_text", "plain_language", "out_of_paper", "jammed", "active"):
        assert code not in text
    for words in ("Kirjautuminen", "Suuri teksti", "Selkokieli", "Tulostin: paperi loppu, paperitukos",
                  "käytössä (ruotsi)", "ruotsi"):
        assert words in text, words


def test_a_note_a_hand_over_and_a_colleague_going_on_duty_reach_the_other_pages(view, store):
    store.add_user("Eero", "correct horse battery", ["oodi"])
    request_id = ask(store)
    view.update()
    store.add_note(request_id, "Eero", "Needs the Kela form on paper")
    note = view.update()
    assert [ident for ident, _ in swapped(note)] == [f"request-{request_id}"]
    assert "Needs the Kela form on paper" in note
    store.set_duty("Eero", "oodi", True)
    duty = view.update()
    assert [ident for ident, _ in swapped(duty)] == ["duty"] and "On duty at oodi: Eero" in duty
    store.accept(request_id, "Eero")
    view.update()
    store.transfer(request_id, "Eero", "Aino")
    handed = view.update()
    assert f'id="request-{request_id}"' in handed and "Accepted by Aino" in handed
