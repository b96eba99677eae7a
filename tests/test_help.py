"""The help service with the fake link (no broker): outbox, states, desk events, fuzzing."""

from __future__ import annotations

import json
import random

import pytest

from kiosk.devices.fleet import FakeLink
from kiosk.help import Help, Outbox, parse_event


def make(tmp_path, up=True):
    link = FakeLink(up=up)
    help_ = Help(link, Outbox(tmp_path / "outbox.sqlite"), "oodi-3", lambda: "2nd floor", post=lambda work: work())
    help_.start()
    return help_, link


def test_a_request_carries_no_person_only_the_kiosk_and_what_they_need(tmp_path):
    help_, link = make(tmp_path)
    request_id = help_.request("logging_in", "kela", "sv", ["speech", "large_text"])
    leaf, payload, qos, retain = link.published[-1]
    assert (leaf, qos, retain) == ("help", 1, False)
    assert payload["id"] == request_id and payload["kiosk"] == "oodi-3" and payload["place"] == "2nd floor"
    assert payload["service"] == "kela" and payload["language"] == "sv" and payload["topic"] == "logging_in"
    assert set(payload) == {"type", "id", "kind", "kiosk", "place", "service", "language", "accessibility",
                            "topic", "time"}
    assert help_.state == "queued"
    link.acknowledge_all()
    assert help_.state == "sent" and len(help_.outbox.pending()) == 1  # kept until a desk has seen it
    link.deliver({"type": "help_seen", "id": request_id})
    assert help_.state == "seen" and help_.outbox.pending() == []


def test_the_desk_sees_accepts_and_resolves(tmp_path):
    help_, link = make(tmp_path)
    request_id = help_.request("printing", "omavero", "fi", [])
    link.acknowledge_all()
    link.deliver({"type": "help_seen", "id": request_id})
    assert help_.state == "seen"
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Aino"})
    assert help_.state == "accepted" and help_.helper == "Aino"
    link.deliver({"type": "help_resolved", "id": request_id})
    assert help_.state == "resolved"


def test_a_released_request_waits_again_and_a_transfer_names_the_new_helper(tmp_path):
    help_, link = make(tmp_path)
    request_id = help_.request("printing", "omavero", "fi", [])
    link.acknowledge_all()
    link.deliver({"type": "help_seen", "id": request_id})
    link.deliver({"type": "help_released", "id": request_id})  # not accepted: nothing to release
    assert help_.state == "seen"
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Aino"})
    link.deliver({"type": "help_released", "id": request_id})
    assert help_.state == "seen" and help_.helper == ""
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Eero"})
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Aino"})  # handed to Aino
    assert help_.state == "accepted" and help_.helper == "Aino"
    link.deliver({"type": "help_released", "id": "someone-elses"})
    assert help_.state == "accepted"


def test_a_helper_at_another_service_point_is_said_to_arrange_help_not_to_come(tmp_path):
    from types import SimpleNamespace

    from kiosk.screens.help import request_words

    help_, link = make(tmp_path)
    request_id = help_.request("printing", "omavero", "fi", [])
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Kaisa", "from": "elsewhere"})
    tr = SimpleNamespace(_=lambda text: text)
    assert help_.helper_elsewhere and request_words(help_, tr, "0295 000") == (
        "Kaisa from another service point will arrange help for you. Please wait here.")
    link.deliver({"type": "help_accepted", "id": request_id, "helper": "Aino"})  # handed to Aino, on site
    assert not help_.helper_elsewhere and request_words(help_, tr, "0295 000") == "Aino is coming to help you."
    help_.reset()
    assert help_.left_over() == 0


def test_an_outage_queues_the_request_and_the_link_coming_back_sends_it_once(tmp_path):
    help_, link = make(tmp_path, up=False)
    request_id = help_.request("other", "", "fi", [])
    assert help_.state == "queued" and link.published == []
    link.set_up(True)
    assert [p[1]["id"] for p in link.published if p[0] == "help"] == [request_id]
    link.set_up(False)
    link.set_up(True)  # not acknowledged yet, but already on its way: not sent twice
    assert len([p for p in link.published if p[0] == "help"]) == 1
    link.acknowledge_all()
    assert help_.state == "sent"
    link.deliver({"type": "help_seen", "id": request_id})
    assert help_.outbox.pending() == []


def test_a_request_no_desk_has_seen_is_sent_again(tmp_path):
    now = [100.0]
    link = FakeLink(up=True)
    help_ = Help(link, Outbox(tmp_path / "outbox.sqlite"), "oodi-3", lambda: "2nd floor", post=lambda work: work(),
                 resend_s=10.0, clock=lambda: now[0])
    help_.start()
    request_id = help_.request("other", "", "fi", [])
    link.acknowledge_all()
    now[0] += 9.9
    help_.resend_pending()
    assert len([p for p in link.published if p[0] == "help"]) == 1  # not yet: just sent
    now[0] += 0.1
    help_.resend_pending()
    assert [p[1]["id"] for p in link.published if p[0] == "help"] == [request_id, request_id]


def test_a_restart_sends_what_the_outbox_kept(tmp_path):
    help_, link = make(tmp_path, up=False)
    request_id = help_.request("attaching", "kela", "en", [])
    help_.outbox.close()
    again, link2 = make(tmp_path, up=True)  # the kiosk came back
    assert [p[1]["id"] for p in link2.published if p[0] == "help"] == [request_id]


def test_cancel_and_the_wipe_call_the_request_off(tmp_path):
    help_, link = make(tmp_path)
    request_id = help_.request("other", "", "fi", [])
    help_.cancel()
    assert help_.state == "cancelled" and link.published[-1][1] == {"type": "cancel", "id": request_id,
                                                                     "kiosk": "oodi-3"}
    help_.request("other", "", "fi", [])
    help_.reset()
    assert help_.left_over() == 0 and help_.outbox.pending() == []


def test_events_for_an_earlier_request_change_nothing(tmp_path):
    help_, link = make(tmp_path)
    help_.request("other", "", "fi", [])
    link.deliver({"type": "help_accepted", "id": "someone-elses", "helper": "Aino"})
    assert help_.state == "queued" and help_.helper == ""


def test_desk_commands_reach_the_app(tmp_path):
    help_, link = make(tmp_path)
    seen = []
    help_.bind(on_desk=lambda _h, event: seen.append(event["type"]))
    link.deliver({"type": "message", "text": "Tulen kohta"})
    link.deliver({"type": "end_session"})
    link.deliver({"type": "out_of_service"})
    assert seen == ["message", "end_session", "out_of_service"] and help_.message == "Tulen kohta"


def test_a_command_with_an_id_is_answered_with_what_became_of_it(tmp_path):
    help_, link = make(tmp_path)
    help_.bind(on_desk=lambda h, event: h.reply(event, "no_session" if event["type"] == "message" else "done"))
    link.deliver({"type": "message", "text": "Tulen kohta", "id": "c1"})
    link.deliver({"type": "restart", "id": "c2"})
    link.deliver({"type": "end_session"})  # a desk that asks for no reply gets none
    replies = [(p[1], p[2]) for p in link.published if p[0] == "replies"]
    assert replies == [({"type": "reply", "id": "c1", "command": "message", "result": "no_session"}, 1),
                       ({"type": "reply", "id": "c2", "command": "restart", "result": "done"}, 1)]
    assert parse_event(b'{"type": "restart", "id": "' + b"x" * 65 + b'"}') is None


@pytest.mark.parametrize("payload", [
    b"", b"not json", b"[1,2,3]", b"null", b'{"type": 5}', b'{"type": "format_disk"}',
    b'{"type": "help_accepted", "id": 3, "helper": "A"}', b'{"type": "help_accepted", "id": "x", "helper": ""}',
    b'{"type": "message", "text": "' + b"x" * 600 + b'"}', b"\xff\xfe\x00", b'{"type": "message"}',
])
def test_malformed_events_are_ignored(tmp_path, payload):
    assert parse_event(payload) is None
    help_, link = make(tmp_path)
    link.deliver(payload)  # no exception, nothing changed
    assert help_.state == "" and help_.message == ""


def test_fuzzed_events_never_crash_the_kiosk(tmp_path):
    help_, link = make(tmp_path)
    help_.request("other", "", "fi", [])
    rng = random.Random(7)
    kinds = [None, 1, 1.5, "x" * 70, "", [], {}, True, "help_accepted"]
    for _ in range(2000):
        event = {key: rng.choice(kinds) for key in rng.sample(["type", "id", "helper", "text", "extra"], 3)}
        if rng.random() < 0.5:
            event["type"] = rng.choice(list(("help_seen", "help_accepted", "help_resolved", "message",
                                             "end_session", "nope")))
        data = json.dumps(event).encode()
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data) + 1)]
        link.deliver(data)
    assert help_.state in ("queued", "seen", "accepted", "resolved")


def test_status_is_retained_and_sent_again_when_the_link_returns(tmp_path):
    help_, link = make(tmp_path)
    help_.publish_status({"state": "ready"})
    assert link.published[-1] == ("status", {"state": "ready"}, 1, True)
    help_.publish_status({"state": "ready"})
    assert len([p for p in link.published if p[0] == "status"]) == 1  # unchanged: not sent again
    link.set_up(False)
    link.set_up(True)
    assert link.published[-1] == ("status", {"state": "ready"}, 1, True)


def test_the_apps_desk_commands_answer_with_what_they_did(tmp_path):
    from types import SimpleNamespace

    from kiosk.desk_commands import DeskCommands

    help_, link = make(tmp_path)
    done = []
    busy = [False]
    services = SimpleNamespace(help=help_, session=SimpleNamespace(recover=lambda: done.append("wiped")),
                               journey=SimpleNamespace(go=done.append, service_id=""),
                               speech=SimpleNamespace(say=done.append), tr=SimpleNamespace(_=lambda text: text),
                               printing=SimpleNamespace(lift_quota=lambda: done.append("lifted")),
                               catalog=SimpleNamespace(service=lambda _id: None),
                               eservices=SimpleNamespace(service_id=""))
    flow = SimpleNamespace(busy=lambda: busy[0], put_out=done.append, lift=lambda *reasons: done.append("lifted out"))
    DeskCommands(services, flow, changed=lambda: None)
    for number, command in enumerate(("message", "lift_print_limit", "reopen_browser", "end_session")):
        link.deliver({"type": command, "id": f"free-{number}", **({"text": "Hei"} if command == "message" else {})})
    busy[0] = True
    for number, command in enumerate(("message", "lift_print_limit", "reopen_browser")):
        link.deliver({"type": command, "id": f"busy-{number}", **({"text": "Hei"} if command == "message" else {})})
    replies = {p[1]["id"]: p[1]["result"] for p in link.published if p[0] == "replies"}
    assert replies == {"free-0": "no_session", "free-1": "no_session", "free-2": "no_session", "free-3": "no_session",
                       "busy-0": "done", "busy-1": "done", "busy-2": "no_service"}
    assert done == ["wiped", "help", "Message from the staff: Hei", "lifted"]  # nothing done for nobody
