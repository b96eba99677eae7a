"""One image for every terminal: a fresh kiosk process with no identity asks the desk through
the site's HTTPS proxy, an administrator accepts its code on the desk's page in real
Chromium, and the terminal comes up as that kiosk on the real broker with an account made
for it there and then, which writes only its own topics."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testbed.desk import desk_command, raw_client, staff_in_chromium, start_region_desk, wait_for
from kiosk.desk.store import Store
from testbed.https_proxy import HttpsProxy

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
SITES = {"oodi": ["oodi-1"]}
BROKER_ACL = "user desk-enrol\ntopic readwrite $CONTROL/dynamic-security/#\n"
ADMIN = ("Riikka", "a long admin password")


@pytest.fixture
def desk(broker, tmp_path):
    (tmp_path / "enrol-password").write_text(broker.password("desk-enrol"))
    made = subprocess.run([sys.executable, "-m", "kiosk.desk", "rollout-key", str(tmp_path / "rollout.key")],
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    lines = (f'\n[enrolment]\nusername = "desk-enrol"\npassword_file = "{tmp_path / "enrol-password"}"\n'
             f'kiosk_broker_host = "127.0.0.1"\nkiosk_broker_port = {broker.port}\n'
             f'[rollout]\nkey_file = "{tmp_path / "rollout.key"}"\n')
    start, url, config = start_region_desk(broker, tmp_path / "desk", ["oodi"], "desk-oodi",
                                           str(tmp_path / "desk.sqlite"), log=tmp_path / "desk.log",
                                           desk_lines=lines, start=False)
    added = desk_command(config, "add-user", ADMIN[0], "--sites", "oodi", "--role", "admin", password=ADMIN[1])
    assert added.returncode == 0, added.stderr
    process = start()
    port = int(url.rsplit(":", 1)[1])
    proxy = HttpsProxy(broker.root / "server.pem", broker.root / "server.key", port)
    try:
        wait_for(lambda: _answers(url), 30)
        yield url, proxy
    finally:
        proxy.close()
        process.terminate()
        process.wait(10)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(url + "/login", timeout=2).read()
        return True
    except OSError:
        return False


def terminal_config(tmp_path: Path, proxy: HttpsProxy, broker) -> Path:
    """The image's configuration: no identity, enrolment on, the desk behind its proxy."""
    from testbed.config import demo_text

    text = demo_text()
    text = re.sub(r'^kiosk_id = .*\n', "", text, flags=re.MULTILINE)
    text = re.sub(r'^place = .*\n', "", text, count=1, flags=re.MULTILINE)
    text = text.replace('fleet = "fake"', 'fleet = "mqtt"')
    text = re.sub(r"^offered = .*$", 'offered = ["fi", "sv", "en"]', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^desk_url = .*$', f'desk_url = "{proxy.url}"\nenrol = true\nca_file = "{broker.ca_file}"\n'
                  f'rollout_key_file = "{tmp_path / "rollout.key.pub"}"', text, count=1, flags=re.MULTILINE)
    text += f'\n[session]\nruntime_dir = "{tmp_path / "run"}"\nstate_dir = "{tmp_path / "state"}"\n'
    path = tmp_path / "image.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_terminal_of_the_one_image_is_enrolled_on_the_desk_and_comes_up_as_its_kiosk(
        broker, desk, tmp_path, xvfb_display):
    url, proxy = desk
    config = terminal_config(tmp_path, proxy, broker)
    state = tmp_path / "state"
    env = dict(os.environ, DISPLAY=xvfb_display, STATE_DIRECTORY=str(state), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    first_log = tmp_path / "first.log"
    terminal = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)],
                                stdout=first_log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        wait_for(lambda: "enrolment: waiting with code" in first_log.read_text() or terminal.poll() is not None, 90)
        shown = re.search(r"waiting with code (\S+)", first_log.read_text())
        assert shown, first_log.read_text()[-3000:]
        code = shown.group(1)
        assert not (state / "enrolled.toml").exists()

        with staff_in_chromium(url, tmp_path / "admin", *ADMIN) as admin:
            admin.js(f"location.href = '/admin/enrol?code={code}'")
            admin.wait("location.pathname === '/admin/enrol' && document.readyState === 'complete'"
                       " && typeof htmx === 'object'")
            assert admin.js("document.querySelector('h2.code').innerText") == code  # the one on the terminal
            admin.js("document.getElementById('kiosk-1').value = 'oodi-7';"
                     "document.getElementById('place-1').value = '2nd floor, by the window'")
            admin.click("#accept-1")
            assert terminal.wait(60) == 0  # enrolled: it ends, and systemd starts it again
    finally:
        if terminal.poll() is None:
            terminal.kill()
            terminal.wait(10)
    enrolled = (state / "enrolled.toml").read_text()
    assert 'kiosk_id = "oodi-7"' in enrolled and 'site = "oodi"' in enrolled
    assert (state / "broker-password").stat().st_mode & 0o077 == 0
    assert not (state / "enrolment-secret").exists()

    # The site's configuration, rolled out on the desk before this terminal existed.
    from kiosk.desk.rollout import Rollout
    from kiosk.release import load_private_key

    store = Store(str(tmp_path / "desk.sqlite"))
    Rollout(store.engine, load_private_key(tmp_path / "rollout.key")).add(
        "oodi", "config", b"[timeouts]\ninactivity_s = 240\n", "all", ADMIN[0])

    second_log = tmp_path / "second.log"
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)],
                             stdout=second_log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        wait_for(lambda: any(k["kiosk"] == "oodi-7" and k["online"] for k in store.kiosks(["oodi"])), 90)
        # ... and comes up with its site's configuration: the release, fetched through the
        # proxy, verified and taken before anyone has used it.
        wait_for(lambda: any(k["kiosk"] == "oodi-7" and k["status"].get("config_version") == 1
                             for k in store.kiosks(["oodi"])), 90)
        assert "Traceback" not in second_log.read_text()
        kinds = [row["action"] for row in store.audit_log()]
        assert "kiosk_enrolled" in kinds and "kiosk_credentials" in kinds
    finally:
        kiosk.terminate()
        kiosk.wait(15)

    # The account made for it writes its own topics and nobody else's.
    password = (state / "broker-password").read_text().strip()
    broker_password = broker.password
    broker.password = lambda user: password if user == "oodi-7" else broker_password(user)
    client = raw_client(broker, "oodi-7", client_id="oodi-7")
    try:
        forged = {"type": "help", "id": "0f8fad5b-d9cb-469f-a165-70867728950e", "kiosk": "oodi-1", "topic": "other"}
        client.publish("kiosk/oodi/oodi-1/help", json.dumps(forged), qos=1).wait_for_publish(5)
        own = {"type": "help", "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "kiosk": "oodi-7", "topic": "other"}
        client.publish("kiosk/oodi/oodi-7/help", json.dumps(own), qos=1).wait_for_publish(5)
        wait_for(lambda: store.request(own["id"]) is not None)  # after the forged one, in order
        assert store.request(forged["id"]) is None
    finally:
        client.disconnect()
        client.loop_stop()
        store.close()


def test_the_desk_refuses_what_a_terminal_must_not_do(broker, desk, tmp_path):
    """A code is taken once; a guessed secret gets nothing; an id in use or a desk- name is refused."""
    from kiosk.desk.enrolment import EnrolmentError, Enrolments
    from kiosk.desk.store import Store
    from kiosk.enrolment import EnrolmentClient

    url, proxy = desk
    first = EnrolmentClient(proxy.url, str(broker.ca_file), tmp_path / "one")
    code = first.hello()
    second = EnrolmentClient(proxy.url, str(broker.ca_file), tmp_path / "two")
    second.code = code  # another terminal trying the code shown on the first one's screen
    assert second.hello() != code
    assert first.ask() is None  # waiting
    stranger = EnrolmentClient(proxy.url, str(broker.ca_file), tmp_path / "three")
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / "enrolment-secret").write_text("x" * 43)
    with pytest.raises(OSError):
        stranger.ask()  # a secret the desk never saw: 404
    store = Store(str(tmp_path / "desk.sqlite"))
    enrolments = Enrolments(store.engine, None, "127.0.0.1", broker.port, known_kiosks=lambda: {("oodi", "oodi-1")})
    for kiosk_id in ("oodi-1", "desk-oodi", "Oodi 9", ""):
        with pytest.raises(EnrolmentError):
            enrolments.accept(code, "oodi", kiosk_id, "", "Riikka")
    store.close()


def test_an_enrolled_kiosks_account_may_do_what_a_provisioned_one_may():
    """The topics the desk gives an enrolled kiosk are those provisioning's ACL gives."""
    from kiosk.desk.enrolment import BrokerAccounts
    from testbed.mosquitto import render_acl

    lines = [line.split() for line in render_acl({"oodi": ["oodi-7"]}).splitlines()]
    provisioned = {(kind, topic) for _topic, kind, topic in (line for line in lines if line[:1] == ["topic"])
                   if "/oodi-7/" in topic}
    acls = BrokerAccounts.commands("oodi", "oodi-7", "x")[2]["acls"]
    enrolled = {({"publishClientSend": "write", "subscribeLiteral": "read"}[acl["acltype"]], acl["topic"])
                for acl in acls}
    assert enrolled == provisioned and all(acl["allow"] for acl in acls)
