"""Configuration and catalogue roll-out through the real desk and the real broker: an
administrator logs in and uploads over HTTP, the desk signs and announces over MQTT (TLS,
passwords, ACL), the kiosk's services, composed as `kiosk run` composes them, fetch over
HTTP, check, and take a release when nobody's session runs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kivy.clock import Clock

from kiosk import release
from kiosk.compose import build_services
from kiosk.desk.rollout import announcement
from kiosk.desk_commands import StatusReporter
from kiosk.rollout_apply import BetweenSessions
from kiosk.rollout_files import load_at_start
from kiosk.session_flow import SessionFlow
from kiosk.session_stats import SessionStatistics
from testbed.desk import desk_in_process, staff_in_chromium

SITES = {"oodi": ["oodi-1"]}
ADMIN, PASSWORD = "Aada", "correct horse battery"
NO_SYSTEM_FILE = Path("/nonexistent")  # no /etc/kiosk of the machine's
CATALOG = (Path(__file__).resolve().parents[2] / "kiosk" / "data" / "catalog.toml").read_bytes()


@pytest.fixture
def keys(tmp_path):
    private, public = release.new_key_pair()
    (tmp_path / "rollout.key").write_bytes(private)
    (tmp_path / "rollout.pub").write_bytes(public)
    return release.load_private_key(tmp_path / "rollout.key"), tmp_path / "rollout.pub"


@pytest.fixture
def desk(broker, tmp_path, keys):
    with desk_in_process(broker, tmp_path, users={ADMIN: (PASSWORD, ["oodi"], "admin")},
                         rollout_key=keys[0]) as started:
        yield started


class Kiosk:
    """The kiosk's services, flow, status and roll-out as the app composes them, on the real
    broker; `restarts` records the app's stop (systemd would start it again)."""

    def __init__(self, broker, directory: Path, desk_url: str, public_key: Path, own: str = "") -> None:
        (directory / "kiosk-password").write_text(broker.password("oodi-1"))
        config_file = directory / "kiosk.toml"
        config_file.write_text(
            f'[site]\nkiosk_id = "oodi-1"\n[languages]\noffered = ["fi", "sv", "en"]\n'
            '[devices]\nprinter = "none"\nspeaker = "fake"\nbrowser = "fake"\nfleet = "mqtt"\nheadset = "none"\n'
            'camera = "none"\nusb = "none"\nscanner = "none"\nroot_helper = ""\n[browser]\npractice_port = 0\n'
            f'[fleet]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{broker.ca_file}"\n'
            f'username = "oodi-1"\npassword_file = "{directory / "kiosk-password"}"\nsite = "oodi"\n'
            f'rollout_key_file = "{public_key}"\n'
            f'[session]\nruntime_dir = "{directory / "run"}"\nstate_dir = "{directory / "state"}"\n' + own)
        self.config_file = config_file
        config, catalog, loader, files = load_at_start(config_file, NO_SYSTEM_FILE)
        assert config.problems == () and catalog.problems == ()
        s = self.s = build_services(config, catalog, loader=loader, rolled_out=files)
        s.rollout.desk_url = desk_url  # the test's desk serves plain HTTP on loopback
        counts = SessionStatistics(s.stats, s.session, s.journey, s.help, s.printing, s.tr, lambda: [])
        self.flow = SessionFlow(s, counts)
        self.reporter = StatusReporter(s, self.flow, lambda: [])
        self.restarts: list[str] = []
        self.applier = BetweenSessions(s, lambda: self.flow.waiting() or s.session.state == "out_of_service",
                                       restart=lambda: self.restarts.append(s.session.state))
        s.help.start()
        self.flow.start()
        self.reporter.watch()

    def until(self, condition, timeout: float = 15.0) -> None:
        """Until `condition`, the kiosk's clock running (its link's messages, its checks) and
        its status sent as soon as it changed (the app sends it at most once a second)."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "not so in time"
            Clock.tick()
            self.reporter.publish()
            time.sleep(0.01)

    def session_ends(self) -> None:
        """The person ends the session and the goodbye is over: the welcome screen waits."""
        self.flow.end_session()
        self.flow.leave_goodbye()

    def stop(self) -> None:
        self.s.help.stop()


@pytest.fixture
def kiosk(broker, desk, tmp_path, keys):
    started = Kiosk(broker, tmp_path, desk.url, keys[1])
    started.until(lambda: desk_status(desk).get("config_version") == 0)
    yield started
    started.stop()


def desk_status(desk) -> dict:
    found = desk.store.kiosks(["oodi"])
    return found[0]["status"] if found else {}


def told(desk, kind: str) -> dict:
    return (desk_status(desk).get("rollout") or {}).get(kind) or {}


class Admin:
    """An administrator's browser on the desk: a real login, the CSRF token from the page."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30)
        assert self.client.post("/login", data={"name": ADMIN, "password": PASSWORD}).status_code == 303
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', self.page()).group(1)

    def page(self) -> str:
        answer = self.client.get("/rollout", params={"site": "oodi"})
        assert answer.status_code == 200
        return answer.text

    def upload(self, kind: str, content: bytes, ring: str = "all") -> httpx.Response:
        return self.client.post("/rollout/upload", data={"site": "oodi", "kind": kind, "ring": ring},
                                files={"file": (f"{kind}.toml", content, "application/toml")},
                                headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"})

    def post(self, path: str, form: dict) -> httpx.Response:
        return self.client.post(path, data=form, headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"})


@pytest.mark.gui
def test_a_catalogue_uploaded_by_an_administrator_applies_between_two_sessions_without_a_restart(
        desk, kiosk, tmp_path, xvfb_display):
    s = kiosk.s
    services_before = (s.eservices, s.session, s.speech)
    kiosk.flow.start_session()
    upload = tmp_path / "catalog.toml"
    upload.write_bytes(CATALOG.replace(b'en = "Money and benefits"', b'en = "Money, benefits and pensions"'))
    with staff_in_chromium(desk.url, tmp_path / "admin", ADMIN, PASSWORD) as staff:  # the page as it is used
        staff.goto("/rollout?site=oodi")
        assert staff.js("document.getElementById('release-ring').value") == "pilot"  # the careful choice first
        staff.js("document.getElementById('release-kind').value = 'catalog';"
                 "document.getElementById('release-ring').value = 'all'")
        document = staff.browser.call("DOM.getDocument")["root"]["nodeId"]
        field = staff.browser.call("DOM.querySelector", {"nodeId": document, "selector": "#release-file"})["nodeId"]
        staff.browser.call("DOM.setFileInputFiles", {"nodeId": field, "files": [str(upload)]})
        staff.click("#release-upload")
        staff.wait("document.getElementById('announce').textContent.includes('Version 1 is out')")
        staff.wait("document.getElementById('release-file').value === ''")  # the form emptied
        assert "Money, benefits and pensions" not in staff.js("document.body.innerText")
        assert staff.console == []  # nothing refused by the Content-Security-Policy
    admin = Admin(desk.url)
    kiosk.until(lambda: told(desk, "catalog").get("pending") == 1)  # fetched, checked, waiting
    assert s.session.state == "active" and kiosk.restarts == []
    assert s.catalog.category("money").title.in_("en") == "Money and benefits"
    assert desk_status(desk)["catalog_version"] == 0
    assert "version 1 waits until nobody is using the kiosk" in admin.page()

    kiosk.session_ends()
    kiosk.until(lambda: desk_status(desk).get("catalog_version") == 1)
    assert s.catalog.category("money").title.in_("en") == "Money, benefits and pensions"
    assert s.eservices.catalog is s.catalog and (s.eservices, s.session, s.speech) == services_before
    assert kiosk.restarts == [] and told(desk, "catalog") == {"pending": None, "refused": None}
    page = admin.page()
    assert re.search(r'<td class="runs-catalog">version 1\s*</td>', page), page
    kiosks_list = admin.client.get("/admin").text.split('id="kiosks"')[1]  # configuration and catalogue
    assert re.search(r"<th scope=\"row\">oodi-1</th>.*?<td>0\.1\.0</td>\s*<td>–</td><td>1</td>", kiosks_list, re.S)
    (entry,) = [e for e in desk.store.audit_log() if e["action"] == "rollout_released"]
    assert entry["actor"] == ADMIN and entry["detail"]["version"] == 1 and entry["detail"]["kind"] == "catalog"


def test_a_release_the_kiosk_finds_wrong_is_refused_and_the_desk_says_why(desk, kiosk, broker, tmp_path, keys):
    admin = Admin(desk.url)
    broken = CATALOG.replace(b'url = "https://www.kela.fi/asiointi"', b'url = "http://www.kela.fi/asiointi"')
    answer = admin.upload("catalog", broken)  # the desk's own check first
    assert answer.status_code == 400 and "only https:// addresses are allowed" in answer.text
    assert desk.board.rollout.listing("oodi", "catalog") == []
    # A desk whose checks were fewer (an older one, a bug) signs it all the same: the kiosk
    # checks again.
    desk.board.rollout.add("oodi", "catalog", broken, "all", "a desk of old")
    desk.board.rollout.release_to("oodi", "catalog", desk.store.kiosks(["oodi"]))
    kiosk.until(lambda: told(desk, "catalog").get("refused"))
    refused = told(desk, "catalog")["refused"]
    assert refused["version"] == 1 and refused["reason"] == "invalid" and "only https://" in refused["detail"]
    assert refused["detail"].startswith("catalog-1.toml:")  # the file's name, not where it was checked
    assert kiosk.s.catalog.service("kela").url == "https://www.kela.fi/asiointi"  # what it had
    assert desk_status(desk)["catalog_version"] == 0
    page = admin.page()
    assert "Catalogue version 1: the kiosk&#39;s checks found problems" in page and "only https://" in page

    # Valid on its own, not with this kiosk's own timeouts: the desk signs, the kiosk refuses.
    kiosk.stop()
    strict = Kiosk(broker, tmp_path, desk.url, keys[1], own="[timeouts]\ninactivity_s = 300\n")
    try:
        assert admin.upload("config", b"[timeouts]\naccessible_inactivity_s = 200\n").status_code == 200
        strict.until(lambda: told(desk, "config").get("refused"))
        assert "shorter than inactivity_s" in told(desk, "config")["refused"]["detail"]
        assert strict.s.session.timeouts.accessible_inactivity_s == 360 and strict.restarts == []
    finally:
        strict.stop()


def test_a_forged_a_wrong_sites_a_replayed_and_a_changed_release_are_refused(desk, kiosk, keys):
    rollout = desk.board.rollout
    for inactivity in (240, 300):  # versions 1 and 2, taken at once: nobody is at the kiosk
        assert Admin(desk.url).upload("config", f"[timeouts]\ninactivity_s = {inactivity}\n".encode()).status_code == 200
        kiosk.until(lambda: kiosk.s.session.timeouts.inactivity_s == inactivity)
    first, second = sorted(rollout.listing("oodi", "config"), key=lambda r: r["version"])
    assert kiosk.restarts == [] and kiosk.s.rollout.files.version("config") == 2

    def refused_for(event: dict, reason: str) -> None:
        desk.link.event("oodi", "oodi-1", event)
        kiosk.until(lambda: (told(desk, "config").get("refused") or {}).get("reason") == reason)
        assert kiosk.s.rollout.files.version("config") == 2 and kiosk.s.session.timeouts.inactivity_s == 300

    third = rollout.add("oodi", "config", b"[timeouts]\ninactivity_s = 360\n", "pilot", ADMIN)  # for no kiosk yet
    forged = {**announcement(third), "signature": release.sign(Ed25519PrivateKey.generate(), "config", "oodi", 3,
                                                               third["sha256"])}
    refused_for(forged, "signature")
    refused_for({**announcement(third), "site": "kallio", "signature": release.sign(
        keys[0], "config", "kallio", 3, third["sha256"])}, "site")
    refused_for({**announcement(third), "signature": release.sign(keys[0], "config", "kallio", 3,
                                                                  third["sha256"])}, "signature")
    refused_for(announcement(first), "older")  # a replay of what the desk once sent
    refused_for({**announcement(third), "size": release.MAX_BYTES["config"] + 1}, "size")
    with desk.store.engine.begin() as connection:  # the file changed where the desk keeps it
        from kiosk.desk.schema import releases

        connection.execute(releases.update().where(releases.c.id == third["id"]).values(
            content=b"[timeouts]\ninactivity_s = 999\n"))
    refused_for(announcement(third), "hash")
    page = Admin(desk.url).page()
    assert "Configuration version 3: the file fetched was not the one announced" in page


def test_rollback_restores_the_previous_version_as_a_new_one(desk, kiosk):
    admin = Admin(desk.url)
    for inactivity in (240, 300):
        assert admin.upload("config", f"[timeouts]\ninactivity_s = {inactivity}\n".encode()).status_code == 200
        kiosk.until(lambda: desk_status(desk).get("config_version") == (1 if inactivity == 240 else 2))
    answer = admin.post("/rollout/rollback", {"site": "oodi", "kind": "config"})
    assert answer.status_code == 200 and "Version 3 has the content of version 1" in answer.text
    kiosk.until(lambda: desk_status(desk).get("config_version") == 3)
    assert kiosk.s.session.timeouts.inactivity_s == 240 and kiosk.restarts == []
    assert kiosk.s.rollout.files.entry("config", "previous")["version"] == 2  # kept to fall back to
    (entry,) = [e for e in desk.store.audit_log() if e["action"] == "rollout_rolled_back"]
    assert entry["detail"] == {"kind": "config", "version": 3, "content_of": 1}


def test_a_key_only_a_rebuilt_kiosk_takes_restarts_it_between_sessions_and_pilots_go_first(desk, kiosk, tmp_path):
    admin = Admin(desk.url)
    kiosk.flow.start_session()
    assert admin.upload("config", b"[speech]\nrate = 200\n", ring="pilot").status_code == 200
    assert admin.post("/rollout/ring", {"site": "oodi", "kiosk": "oodi-1", "ring": "pilot"}).status_code == 200
    kiosk.until(lambda: told(desk, "config").get("pending") == 1)  # a pilot kiosk takes the pilot's release
    assert kiosk.restarts == []
    kiosk.session_ends()
    kiosk.until(lambda: kiosk.restarts)
    assert kiosk.restarts == ["ready"]  # between sessions, once
    assert kiosk.s.config.speech.rate == 160  # this process never took it: the next one reads it
    config, _catalog, _loader, files = load_at_start(kiosk.config_file, NO_SYSTEM_FILE)
    assert config.speech.rate == 200 and files.version("config") == 1


def test_the_desk_makes_its_key_once_and_reads_it_from_its_configuration(tmp_path):
    from kiosk.desk.cli import load, main

    key = tmp_path / "rollout.key"
    assert main(["rollout-key", str(key)]) == 0 and key.stat().st_mode & 0o777 == 0o600
    assert main(["rollout-key", str(key)]) == 1  # never replaced by accident: the kiosks have its other half
    signature = release.sign(release.load_private_key(key), "config", "oodi", 1, "0" * 64)
    assert release.verify(release.load_public_key(tmp_path / "rollout.key.pub"), signature, "config", "oodi", 1, "0" * 64)
    config = tmp_path / "desk.toml"
    config.write_text(f'[rollout]\nkey_file = "{key}"\n')
    assert load(config)["rollout"]["key_file"] == str(key)
    config.write_text('[rollout]\nkey_file = "rollout.key"\n')
    with pytest.raises(SystemExit, match=r"desk.toml:2: \[rollout\] key_file must be the absolute path"):
        load(config)


def test_a_hostile_kiosks_rollout_status_keeps_only_known_keys_of_the_right_types():
    from kiosk.desk.link import clean_status

    status = clean_status({"config_version": "7", "catalog_version": 10**12, "rollout": {
        "config": {"pending": True, "refused": {"version": 3, "reason": "x" * 999, "detail": "<b>" * 999,
                                                "more": [1] * 100}},
        "catalog": "no", "script": {"pending": 1}}})
    assert "config_version" not in status and "catalog_version" not in status
    assert status["rollout"] == {"config": {"pending": None, "refused": {"version": 3, "reason": "x" * 20,
                                                                         "detail": "<b>" * 200}},
                                 "catalog": {"pending": None, "refused": None}}
