"""The desk as staff work it, end to end: kiosks (their help service and the app's real desk
commands) ↔ the real Mosquitto ↔ the desk ↔ its pages in real Chromium, clicked and typed
into as a person would. One Chromium at a time (the tests share its policy folder)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from types import SimpleNamespace

import pytest

from testbed.desk import desk_in_process, raw_client, staff_in_chromium, wait_for
from testbed.desk import kiosk as start_kiosk

pytestmark = pytest.mark.gui

SITES = {"oodi": ["oodi-1", "oodi-2", "oodi-3"]}
STAFF = {"Aino": ("correct horse battery", ["oodi"])}
PASSWORD = STAFF["Aino"][0]


@pytest.fixture(autouse=True)
def display(xvfb_display):
    return xvfb_display


@pytest.fixture
def desk(broker, tmp_path):
    with desk_in_process(broker, tmp_path, users=STAFF) as started:
        yield started


class Kiosk:
    """A kiosk on the broker: its help service, and the app's own desk commands
    (kiosk.desk_commands) over fakes that record what they were asked."""

    def __init__(self, broker, directory, kiosk_id: str, busy: bool = True) -> None:
        from kiosk.desk_commands import DeskCommands

        self.help = start_kiosk(broker, directory, kiosk_id)
        self.busy = busy
        self.done: list[str] = []
        services = SimpleNamespace(
            help=self.help, journey=SimpleNamespace(go=lambda screen: self.done.append(f"screen {screen}"),
                                                    service_id=""),
            speech=SimpleNamespace(say=lambda text: self.done.append(f"said {text}")),
            tr=SimpleNamespace(_=lambda text: text), session=SimpleNamespace(recover=lambda: self.done.append("wiped")),
            printing=SimpleNamespace(lift_quota=lambda: self.done.append("limit lifted")),
            catalog=SimpleNamespace(service=lambda _id: None), eservices=SimpleNamespace(service_id=""))
        flow = SimpleNamespace(busy=lambda: self.busy, put_out=lambda reason: self.done.append("out of service"),
                               lift=lambda *reasons: self.done.append("back in service"))
        self.commands = DeskCommands(services, flow, changed=lambda: None)
        wait_for(lambda: self.help.connected)

    def status(self, **status) -> None:
        self.help.publish_status({"session": "active" if self.busy else "ready", **status})

    def stop(self) -> None:
        self.help.stop()


@pytest.fixture
def kiosks(broker, tmp_path):
    made: list[Kiosk] = []

    def start(kiosk_id: str, busy: bool = True, **status) -> Kiosk:
        kiosk = Kiosk(broker, tmp_path, kiosk_id, busy)
        kiosk.status(**status)
        made.append(kiosk)
        return kiosk

    yield start
    for kiosk in made:
        kiosk.stop()


def card(request_id: str) -> str:
    return f"#request-{request_id}"


# -- the resolve form and the keyboard focus across updates ---------------------------------------

def test_the_resolve_form_keeps_what_was_chosen_and_typed_and_its_focus_across_updates(desk, kiosks, tmp_path):
    first = kiosks("oodi-1", language="sv")
    with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD) as staff:
        request_id = first.help.request("logging_in", "", "sv", [])
        wait_for(lambda: staff.settled(f"#accept-{request_id}"))
        assert staff.js("document.title") == "(1) Help desk"  # the waiting count, in the tab
        assert "New request for help: oodi-1, Logging in" in staff.js("document.getElementById('alert').innerText")
        assert staff.js("document.getElementById('alert').getAttribute('role')") == "alert"
        staff.click(f"#accept-{request_id}")
        wait_for(lambda: first.help.state == "accepted")
        staff.wait(f"document.activeElement.id === 'resolution-{request_id}'")  # in the form, not on the body
        assert staff.js("document.title") == "Help desk"
        staff.key("ArrowDown")
        staff.key("ArrowDown")
        assert staff.js(f"document.getElementById('resolution-{request_id}').value") == "referred"
        staff.key("Tab")
        assert staff.focused() == f"service-{request_id}"
        staff.type("Kela, asumistuki")

        # The person leaves: the kiosk says so, an update for the card arrives over the
        # event stream. The card holds the focus: it waits, and nothing is reset.
        first.busy = False
        first.status()
        staff.wait("document.getElementById('kiosk-oodi--oodi-1').innerText.includes('free')")
        form = staff.js(f"[document.getElementById('resolution-{request_id}').value,"
                        f" document.getElementById('service-{request_id}').value, document.activeElement.id,"
                        f" document.querySelector('{card(request_id)}').innerText]")
        assert form[:3] == ["referred", "Kela, asumistuki", f"service-{request_id}"]
        assert "The person is at the kiosk." in form[3]

        # Focus leaves the card: it is brought up to date, the form as it was.
        staff.click("#queue-heading")
        staff.wait(f"document.querySelector('{card(request_id)}').innerText.includes('may have left')")
        assert staff.js(f"[document.getElementById('resolution-{request_id}').value,"
                        f" document.getElementById('service-{request_id}').value]") == ["referred", "Kela, asumistuki"]

        # Updates that swap the card while focus is elsewhere keep the form too (hx-preserve),
        # and a new request beside it takes no focus from where it is.
        second = kiosks("oodi-2")
        other = second.help.request("printing", "", "fi", [])
        wait_for(lambda: staff.settled(f"#accept-{other}"))
        first.busy = True
        first.status()
        staff.wait(f"document.querySelector('{card(request_id)}').innerText.includes('The person is at the kiosk.')")
        assert staff.focused() == "queue-heading"
        assert staff.js(f"[document.getElementById('resolution-{request_id}').value,"
                        f" document.getElementById('service-{request_id}').value]") == ["referred", "Kela, asumistuki"]

        staff.click(f"#resolve-button-{request_id}")
        wait_for(lambda: first.help.state == "resolved")
        (row,) = [r for r in desk.store.by_service(["oodi"]) if r["resolution"] != "open"]
        assert (row["service"], row["resolution"]) == ("Kela, asumistuki", "referred")  # the report is right
        staff.wait(f"!document.querySelector('{card(request_id)}')")
        assert staff.focused() != "BODY"

        # A card swapped in a moment ago (htmx takes it in as the swap settles, 20 ms on):
        # a press at once is sent all the same, and the page stays where it is.
        staff.js(f"(() => {{ const c = document.querySelector('{card(other)}'); const html = c.outerHTML; c.remove();"
                 " htmx.swap('#queue-list', html, {swapStyle: 'beforeend', settleDelay: 20});"
                 f" document.querySelector('#accept-{other}').form.requestSubmit(); }})()")
        wait_for(lambda: second.help.state == "accepted")
        assert staff.js("location.pathname + location.search") == "/"
        assert staff.console == []


# -- commands: confirmed, answered, reported -------------------------------------------------------

def test_commands_are_confirmed_answered_by_the_kiosk_and_reported(desk, kiosks, broker, tmp_path):
    busy = kiosks("oodi-1", language="sv")
    free = kiosks("oodi-2", busy=False)
    gone = kiosks("oodi-3")
    gone.stop()
    wait_for(lambda: not [k for k in desk.store.kiosks(["oodi"]) if k["kiosk"] == "oodi-3"][0]["online"])
    with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD) as staff:
        def result(kiosk: str) -> str:
            return staff.js(f"document.querySelector('#kiosk-oodi--{kiosk} .result')?.innerText || ''")

        # End session asks first; Cancel sends nothing and gives the focus back.
        staff.click("#kiosk-oodi--oodi-1-end_session")
        staff.wait("document.getElementById('dialog-end_session').open")
        assert "oodi-1" in staff.js("document.getElementById('dialog-end_session').innerText")
        assert staff.focused() == "dialog-end_session-cancel"  # Enter at once ends nothing
        staff.key("Escape")
        staff.wait("!document.getElementById('dialog-end_session').open")
        assert staff.focused() == "kiosk-oodi--oodi-1-end_session"
        assert busy.done == []
        staff.click("#kiosk-oodi--oodi-1-end_session")
        staff.wait("document.getElementById('dialog-end_session').open")
        staff.click("#dialog-end_session-ok")
        wait_for(lambda: "screen end_session" in busy.done)
        staff.wait("document.getElementById('announce').innerText.includes('The person was asked to end the session')")
        assert "End session: The person was asked to end the session (Aino" in result("oodi-1")
        assert staff.focused() != "BODY"

        # A ready-made message goes in the person's language (Swedish at oodi-1).
        staff.click("#kiosk-oodi--oodi-1-message")
        staff.wait("document.getElementById('dialog-message').open")
        assert "Swedish" in staff.js("document.getElementById('dialog-message').innerText")
        staff.click("#ready-come_to_desk")
        staff.click("#dialog-message-ok")
        wait_for(lambda: busy.help.message == "Kom till servicedisken.")
        staff.wait("document.querySelector('#kiosk-oodi--oodi-1 .result')?.innerText.includes('Message shown')")

        # Free text to a free kiosk: reported as not shown, not as a success.
        staff.click("#kiosk-oodi--oodi-2-message")
        staff.wait("document.getElementById('dialog-message').open")
        staff.click("#message-text")
        staff.type("Tulen kohta")
        assert staff.js("document.getElementById('ready-own').checked")
        staff.click("#dialog-message-ok")
        staff.wait("document.querySelector('#kiosk-oodi--oodi-2 .result')?.innerText"
                   ".includes('Not shown: nobody is using the kiosk')")
        assert free.help.message == "Tulen kohta" and not any(d.startswith("said") for d in free.done)

        # Lift print limit, confirmed, on a free kiosk; Restart on one that is offline.
        staff.click("#kiosk-oodi--oodi-2-lift_print_limit")
        staff.wait("document.getElementById('dialog-lift_print_limit').open")
        staff.click("#dialog-lift_print_limit-ok")
        staff.wait("document.querySelector('#kiosk-oodi--oodi-2 .result')?.innerText.includes('Nothing lifted')")
        staff.click("#kiosk-oodi--oodi-3-restart")
        staff.wait("document.getElementById('dialog-restart').open")
        staff.click("#dialog-restart-ok")
        staff.wait("document.querySelector('#kiosk-oodi--oodi-3 .result')?.innerText"
                   ".includes('Not sent: the kiosk is offline')")

        # Out of service needs no dialog to come back; Reopen browser asks nothing either.
        staff.click("#kiosk-oodi--oodi-1-service")
        staff.wait("document.getElementById('dialog-out_of_service').open")
        staff.click("#dialog-out_of_service-ok")
        wait_for(lambda: "out of service" in busy.done)
        busy.status(out_of_service=True)
        # The kiosk's card changes under the focus (Out of service becomes Back in service,
        # in its place): it is swapped at once, the focus kept on that place.
        staff.wait("document.getElementById('kiosk-oodi--oodi-1-service').innerText === 'Back in service'")
        assert staff.focused() == "kiosk-oodi--oodi-1-service"
        wait_for(lambda: staff.settled("#kiosk-oodi--oodi-1-service"))
        staff.click("#kiosk-oodi--oodi-1-service")
        wait_for(lambda: "back in service" in busy.done)
        staff.wait("document.querySelector('#kiosk-oodi--oodi-1 .result')?.innerText.includes('Back in service:')")
        wait_for(lambda: staff.settled("#kiosk-oodi--oodi-1-reopen_browser"))
        staff.click("#kiosk-oodi--oodi-1-reopen_browser")
        staff.wait("document.querySelector('#kiosk-oodi--oodi-1 .result')?.innerText"
                   ".includes('Nothing reopened: no e-service was open')")
        assert staff.console == []


# -- the new-request sound and the controls beside it -----------------------------------------------

def test_the_sound_is_allowed_by_the_first_gesture_and_notifications_are_asked_for_on_a_click(desk, tmp_path):
    with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD) as staff:
        assert staff.js("document.getElementById('sound').getAttribute('aria-pressed')") == "true"
        staff.click("#queue-heading")  # any first gesture
        staff.wait("audio !== null && audio.state === 'running'")
        staff.wait("document.getElementById('sound').innerText === 'Sound on'")
        staff.click("#sound")
        staff.wait("document.getElementById('sound').getAttribute('aria-pressed') === 'false'")
        assert staff.js("document.getElementById('sound').innerText") == "Sound off"
        # Desktop notifications: asked for on a click (the browser's permission, given here
        # as staff would give it), then on, and off again on the next click.
        assert staff.js("document.getElementById('notifications').innerText") == "Desktop notifications off"
        staff.browser.call("Browser.grantPermissions", {"permissions": ["notifications"], "origin": desk.url},
                           page=False)
        staff.click("#notifications")
        staff.wait("document.getElementById('notifications').getAttribute('aria-pressed') === 'true'")
        assert staff.js("document.getElementById('notifications').innerText") == "Desktop notifications on"
        staff.click("#notifications")
        staff.wait("document.getElementById('notifications').getAttribute('aria-pressed') === 'false'")
        assert staff.console == []


# -- a stolen kiosk account against the real desk in real Chromium ----------------------------------

def test_script_sent_through_a_kiosk_account_runs_nowhere_on_the_board(broker, desk, tmp_path):
    """The issue's attack: a help id that closes a JavaScript string in an attribute, and
    script in every field a kiosk sends. Refused or shown as text; nothing runs, and the
    page's console says nothing (no script refused by the CSP either: none got in)."""
    script = ("x');window.pwned=1;//\"><img src=x onerror=\"window.pwned=2\"><script>window.pwned=3</script>"
              "<svg onload=\"window.pwned=4\"></svg>{{7*7}}")
    attacker = raw_client(broker, "oodi-1")
    good = str(uuid.uuid4())
    try:
        for payload in ({"type": "help", "id": "x');window.pwned=5;//", "kiosk": "oodi-1", "topic": "other"},
                        {"type": "help", "id": good, "kiosk": "oodi-1", "topic": script, "place": script,
                         "service": script, "language": script,
                         "accessibility": ["<img src=x onerror=pwned=7>", "x');pwned=8;//"]}):
            attacker.publish("kiosk/oodi/oodi-1/help", json.dumps(payload), qos=1).wait_for_publish(10)
        attacker.publish("kiosk/oodi/oodi-1/status", json.dumps({
            "session": "active", "language": script, "screen": script, "out_of_service": False,
            "printer": {"state": script, "faults": [script]}}), qos=1, retain=True).wait_for_publish(10)
        wait_for(lambda: desk.store.request(good) is not None)
        wait_for(lambda: "pwned" in json.dumps(desk.store.kiosks(["oodi"])))
        with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD) as staff:
            wait_for(lambda: staff.settled(f"#accept-{good}"))
            text = staff.js("document.getElementById('main').innerText")
            assert "window.pwned=3" in text and "{{7*7}}" in text  # shown as text
            assert staff.js("document.querySelectorAll('main img, main script, main svg, [onerror], [onload]')"
                            ".length") == 0
            staff.click(f"#accept-{good}")
            wait_for(lambda: desk.store.request(good)["accepted"] is not None)
            staff.wait(f"!!document.getElementById('resolution-{good}')")
            staff.click("#kiosk-oodi--oodi-1-message")  # the dialog fills in what the kiosk said, as text
            staff.wait("document.getElementById('dialog-message').open")
            staff.key("Escape")
            staff.goto("/report")
            assert "window.pwned=3" in staff.js("document.body.innerText")
            staff.goto("/")
            wait_for(lambda: staff.settled(f"#resolve-button-{good}"))
            assert staff.js("typeof window.pwned") == "undefined"
            assert staff.console == []
            # The console is heard: script put in the page by hand is refused, and said so.
            staff.js("const s = document.createElement('script'); s.textContent = 'window.pwned = 6';"
                     " document.body.append(s)")
            wait_for(lambda: any("Content Security Policy" in line for line in staff.console))
            assert staff.js("typeof window.pwned") == "undefined"
    finally:
        attacker.publish("kiosk/oodi/oodi-1/status", b"", retain=True).wait_for_publish(10)
        attacker.disconnect()


# -- the queue as helpers work it: on duty, a note, handing over, back to the queue -----------------

def test_a_helper_notes_hands_over_and_her_colleague_puts_it_back_in_the_queue(desk, kiosks, tmp_path):
    desk.store.add_user("Eero", PASSWORD, ["oodi"])
    first = kiosks("oodi-1")
    request_id = first.help.request("filling_form", "kela", "fi", [])
    with staff_in_chromium(desk.url, tmp_path / "aino", "Aino", PASSWORD) as staff:
        wait_for(lambda: staff.settled(f"#accept-{request_id}"))
        assert "Nobody is on duty at oodi." in staff.js("document.getElementById('duty').innerText")
        staff.click("#duty-oodi")
        staff.wait("document.getElementById('duty').innerText.includes('On duty at oodi: Aino')")
        assert staff.focused() == "duty-oodi"  # the same switch, now saying the other thing
        assert staff.js("document.getElementById('duty-oodi').innerText") == "I am away from oodi"
        staff.click(f"#accept-{request_id}")
        wait_for(lambda: first.help.state == "accepted" and first.help.helper == "Aino")
        staff.click(f"#note-text-{request_id}")
        staff.type("Needs the paper form, printed one")
        staff.click(f"#note-button-{request_id}")
        staff.wait(f"document.querySelector('{card(request_id)} .notes').innerText.includes('Needs the paper form')"
                   f" && document.getElementById('note-text-{request_id}').value === ''")
        staff.js(f"document.getElementById('transfer-to-{request_id}').value = 'Eero'")
        staff.click(f"#transfer-button-{request_id}")
        wait_for(lambda: first.help.helper == "Eero")
        # The choice is made again from who may take it now (Aino, a site lead, may still).
        staff.wait(f"document.querySelector('{card(request_id)}').innerText.includes('Accepted by Eero')"
                   f" && [...document.getElementById('transfer-to-{request_id}').options].map(o => o.value)"
                   f".join() === 'Aino'")
        assert "Eero now has the request from oodi-1" in staff.js("document.getElementById('announce').innerText")
        assert first.help.state == "accepted" and staff.console == []
    with staff_in_chromium(desk.url, tmp_path / "eero", "Eero", PASSWORD) as staff:
        wait_for(lambda: staff.settled(f"#release-{request_id}"))
        assert "Needs the paper form, printed one" in staff.js(f"document.querySelector('{card(request_id)}').innerText")
        staff.click(f"#release-{request_id}")
        wait_for(lambda: first.help.state == "seen" and first.help.helper == "")
        staff.wait(f"!!document.getElementById('accept-{request_id}')")  # waiting again, for anyone
        assert staff.focused() != "BODY" and staff.console == []
    actions = [entry["action"] for entry in desk.store.audit_log(["oodi"])]
    assert actions[:2] == ["request_released", "request_transferred"]


# -- axe-core on every page and state ------------------------------------------------------------------

def test_axe_finds_no_violation_on_any_page_or_state(desk, kiosks, tmp_path):
    from testbed.axe import axe_source

    source = axe_source()
    found: dict[str, list] = {}
    one = kiosks("oodi-1", language="sv", printer={"state": "stopped", "faults": ["out_of_paper"]})
    kiosks("oodi-2", busy=False)
    desk.store.add_user("Eero", PASSWORD, ["oodi"])  # a colleague to hand a request over to
    today = date.today().isoformat()
    desk.store.add_daily("oodi", "oodi-1", today, [(9, "session", "started", 3), (14, "session", "started", 1),
                                                   (9, "service", "kela", 2), (9, "outcome", "yes", 1),
                                                   (9, "help", "on_site.printing", 1), (9, "language", "fi", 2)])
    with staff_in_chromium(desk.url, tmp_path, "Aino", PASSWORD, language="fi") as staff:
        staff.goto("/login")
        found["login"] = staff.axe(source)
        staff.goto("/")
        found["board, empty queue"] = staff.axe(source)
        request_id = one.help.request("printing", "kela", "sv", ["large_text"])
        wait_for(lambda: staff.settled(f"#accept-{request_id}"))
        found["board, a waiting request"] = staff.axe(source)
        staff.click("#duty-oodi")  # the page's first press: what it presses is what it gets
        staff.wait("document.getElementById('duty').innerText.includes('Aino')")
        staff.click(f"#accept-{request_id}")
        staff.wait(f"!!document.getElementById('resolution-{request_id}')")
        found["board, an accepted request"] = staff.axe(source)
        staff.click(f"#note-text-{request_id}")
        staff.type("Tulostin oli tukossa")
        staff.click(f"#note-button-{request_id}")
        staff.wait(f"!!document.querySelector('{card(request_id)} .notes')")
        assert staff.js(f"!!document.getElementById('transfer-to-{request_id}')")
        found["board, a request with a note, to hand over"] = staff.axe(source)
        for command in ("message", "lift_print_limit", "end_session", "out_of_service", "restart", "reboot",
                        "log_bundle"):
            staff.click(f"#kiosk-oodi--oodi-1-{'service' if command == 'out_of_service' else command}")
            staff.wait(f"document.getElementById('dialog-{command}').open")
            found[f"dialog {command}"] = staff.axe(source)
            staff.key("Escape")
            staff.wait(f"!document.getElementById('dialog-{command}').open")
        staff.goto("/report")
        found["report"] = staff.axe(source)
        for query in ("", "?days=7", "?days=365&site=oodi"):
            staff.goto("/stats" + query)
            found[f"statistics{query}"] = staff.axe(source)
        staff.click(".languages a[lang=sv]")  # the language chooser, on the page itself
        staff.wait("document.documentElement.lang === 'sv' && location.pathname === '/stats'"
                   " && document.readyState === 'complete'")
        found["statistics in Swedish"] = staff.axe(source)
        staff.goto("/audit")
        found["audit log"] = staff.axe(source)
        staff.goto("/history")
        found["closed requests, none"] = staff.axe(source)
        staff.goto("/")
        staff.wait("document.getElementById('stream').dataset.state === 'live'")
        wait_for(lambda: staff.settled(f"#resolve-button-{request_id}"))
        staff.click(f"#resolve-button-{request_id}")
        wait_for(lambda: one.help.state == "resolved")
        staff.goto("/history")
        found["closed requests"] = staff.axe(source)
    desk.store.add_user("Aino", PASSWORD, ["oodi"], "admin")  # the staff accounts too (her session ends)
    with staff_in_chromium(desk.url, tmp_path / "admin", "Aino", PASSWORD, language="sv") as staff:
        staff.goto("/admin")
        found["staff accounts"] = staff.axe(source)
        staff.js("document.getElementById('new-name').value = 'Niko';"
                 "document.getElementById('new-sites').value = 'oodi';"
                 "document.getElementById('new-password').value = 'niko first password'")
        staff.click("#add-user")  # through htmx, the CSRF token from staff.js
        staff.wait("document.getElementById('announce').innerText.includes('Niko')"
                   " && document.getElementById('new-password').value === ''")
        found["staff accounts after a change"] = staff.axe(source)
        assert desk.store.user("Niko")["role"] == "helper"
    assert {state: violations for state, violations in found.items() if violations} == {}
    assert len(found) == 22
