"""The kiosk's side of a roll-out without a broker: what it keeps on disk and takes at start,
keys it refuses even when the desk signed them, which keys a running kiosk takes and which
restart it, and the root helper's browser policy from a verified catalogue only.
(Through the real desk and broker: tests/desk/test_desk_rollout.py.)"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import release
from kiosk.background import Immediate
from kiosk.compose import restart_needed
from kiosk.config import load_config
from kiosk.devices.fleet import FakeLink
from kiosk.help import Help, Outbox
from kiosk.root_daemon import RootDaemon
from kiosk.rollout import Rollout
from kiosk.rollout_files import Loader, RolloutFiles, load_at_start

CATALOG = (Path(__file__).resolve().parent.parent / "kiosk" / "data" / "catalog.toml").read_bytes()
NO_SYSTEM_FILE = Path("/nonexistent")  # no /etc/kiosk of the machine's


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def kiosk_config(tmp_path: Path, key) -> Path:
    from cryptography.hazmat.primitives import serialization

    public = tmp_path / "rollout.pub"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[site]\nkiosk_id = "oodi-1"\n[fleet]\nsite = "oodi"\nrollout_key_file = "{public}"\n'
                      f'[session]\nruntime_dir = "{tmp_path / "run"}"\nstate_dir = "{tmp_path / "state"}"\n'
                      '[browser]\nallow = ["kirjasto.example.fi"]\n')
    return config


def kept(files: RolloutFiles, key, kind: str, version: int, content: bytes, site: str = "oodi") -> None:
    """A release fetched and checked: kept as pending, as the roll-out keeps one."""
    digest = hashlib.sha256(content).hexdigest()
    files.directory.mkdir(parents=True, exist_ok=True)
    files.candidate(kind, version).write_bytes(content)
    files.keep_pending(kind, {"version": version, "sha256": digest,
                              "signature": release.sign(key, kind, site, version, digest)})


def test_what_was_pending_is_taken_at_start_and_a_changed_file_gives_way_to_the_one_before(tmp_path, key):
    config_file = kiosk_config(tmp_path, key)
    files = RolloutFiles(tmp_path / "state" / "rollout")
    kept(files, key, "config", 1, b"[timeouts]\ninactivity_s = 240\n")
    files.promote("config")
    kept(files, key, "config", 2, b"[timeouts]\ninactivity_s = 300\n")  # the process stopped before it was taken
    config, _catalog, _loader, started = load_at_start(config_file, NO_SYSTEM_FILE)
    assert config.timeouts.inactivity_s == 300 and started.version("config") == 2
    assert started.entry("config", "previous")["version"] == 1 and started.pending_kinds() == []
    assert sorted(p.name for p in started.directory.iterdir()) == ["config-1.toml", "config-2.toml", "state.json"]

    started.file("config", 2).write_bytes(b"[timeouts]\ninactivity_s = 30\n")  # not as signed
    config, _catalog, _loader, started = load_at_start(config_file, NO_SYSTEM_FILE)
    assert config.timeouts.inactivity_s == 240 and started.version("config") == 1
    assert started.status()["config_version"] == 1


def test_a_release_that_makes_the_kiosk_unusable_at_start_gives_way_to_the_one_before(tmp_path, key):
    config_file = kiosk_config(tmp_path, key)
    files = RolloutFiles(tmp_path / "state" / "rollout")
    kept(files, key, "catalog", 1, CATALOG)
    files.promote("catalog")
    kept(files, key, "catalog", 2, b"[identification]\ndomains = []\n")  # signed, yet no catalogue
    config, catalog, _loader, started = load_at_start(config_file, NO_SYSTEM_FILE)
    assert catalog.problems == () and started.version("catalog") == 1 and config.usable
    assert started.status()["rollout"]["catalog"]["refused"]["version"] == 2


def test_the_kiosk_refuses_its_own_keys_and_a_forged_release_without_fetching(tmp_path, key):
    config_file = kiosk_config(tmp_path, key)
    link = FakeLink()
    help_ = Help(link, Outbox(tmp_path / "outbox.sqlite"), "oodi-1", lambda: "", post=lambda work: work())
    files = RolloutFiles(tmp_path / "state" / "rollout")
    fetched: list[str] = []
    content = b'[timeouts]\ninactivity_s = 240\n[fleet]\nhost = "broker.example.net"\n'

    def fetch(url: str, token: str, max_bytes: int) -> bytes:
        fetched.append(url)
        return content

    rollout = Rollout(help_, files, "oodi", "https://desk.example.fi", key.public_key(), fetch, Immediate(),
                      Loader(config_file, NO_SYSTEM_FILE))
    help_.start()
    digest = hashlib.sha256(content).hexdigest()
    event = {"type": "rollout", "kind": "config", "site": "oodi", "version": 1, "sha256": digest, "size": len(content),
             "id": "0b9a5e4c-2f55-4d8e-9f0e-6c1d2b3a4f5e", "fetch": "t" * 43}
    link.deliver({**event, "signature": release.sign(Ed25519PrivateKey.generate(), "config", "oodi", 1, digest)})
    assert fetched == [] and files.status()["rollout"]["config"]["refused"]["reason"] == "signature"
    link.deliver({**event, "signature": release.sign(key, "config", "oodi", 1, digest)})
    refused = files.status()["rollout"]["config"]["refused"]
    assert fetched == ["https://desk.example.fi/rollout/fetch/0b9a5e4c-2f55-4d8e-9f0e-6c1d2b3a4f5e"]
    assert refused["reason"] == "invalid" and "fleet.host" in refused["detail"] and files.version("config") == 0
    assert sorted(p.name for p in files.directory.iterdir()) == ["state.json"]  # nothing of it kept


def test_which_keys_a_running_kiosk_takes_and_which_restart_it(tmp_path):
    config = load_config(None, config_dir=NO_SYSTEM_FILE)
    catalog = SimpleNamespace(problems=(), services=(1,), languages=("fi", "sv", "en"))
    s = SimpleNamespace(config=config, catalog=catalog)
    live = replace(config, timeouts=replace(config.timeouts, inactivity_s=240),
                   printing=replace(config.printing, quota_pages=10), help=replace(config.help, phone="09 123 4567"))
    assert restart_needed(s, live, catalog) == ""
    assert restart_needed(s, replace(live, speech=replace(config.speech, rate=200)), catalog) == "changed: speech.rate"
    assert restart_needed(s, config, SimpleNamespace(**{**vars(catalog), "languages": ("fi", "sv")})) \
        == "the languages offered change"


def test_the_root_helper_writes_the_browser_policy_of_a_verified_catalogue_only(tmp_path, key):
    config_file = kiosk_config(tmp_path, key)
    files = RolloutFiles(tmp_path / "state" / "rollout")
    kept(files, key, "catalog", 1, CATALOG.replace(b"domains = [\n", b'domains = [\n    "tunnistus.example.fi",\n', 1))
    files.promote("catalog")
    policy = tmp_path / "policies" / "kiosk.json"
    helper = RootDaemon(config_file=config_file, state_dir=tmp_path / "state", policy_file=policy)
    assert helper.handle({"op": "browser_policy"}) == {"ok": True}
    allowed = json.loads(policy.read_text())["URLAllowlist"]
    assert "tunnistus.example.fi" in allowed and "kirjasto.example.fi" in allowed and policy.stat().st_mode & 0o777 == 0o644

    files.file("catalog", 1).write_bytes(CATALOG.replace(b"domains = [\n", b'domains = [\n    "evil.example.net",\n', 1))
    answer = helper.handle({"op": "browser_policy"})
    assert not answer["ok"] and "does not verify" in answer["error"]
    assert "evil.example.net" not in policy.read_text()
    files.file("catalog", 1).unlink()
    files.file("catalog", 1).symlink_to("/etc/passwd")  # the kiosk user's link to a file of root's
    assert not helper.handle({"op": "browser_policy"})["ok"]
