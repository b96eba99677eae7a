"""The provisioning playbook as Ansible reads it, and the configuration it writes as the kiosk reads it."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_config

ROOT = Path(__file__).resolve().parent.parent
PROVISIONING = ROOT / "provisioning"


def ansible(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    if shutil.which(argv[0]) is None:
        pytest.fail(f"{argv[0]} is missing (Debian package 'ansible-core'; 'make test' installs it)")
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=PROVISIONING,
                          env={"PATH": "/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1", "HOME": "/tmp",
                               "ANSIBLE_LOCAL_TEMP": "/tmp/ansible-local", "PYTHONPATH": str(ROOT),
                               "ANSIBLE_PIPELINING": "1", "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
                               "ANSIBLE_ROLES_PATH": str(PROVISIONING / "roles"),
                               "ANSIBLE_FILTER_PLUGINS": str(PROVISIONING / "roles/kiosk_app/filter_plugins")},
                          **kwargs)


def render(template: str, target: Path, host: str = "oodi-kiosk-01", *extra: str) -> str:
    """A role's template as provisioning writes it for a host of the example inventory
    (`extra`: variables given as `-e name=value`, or `-e @file`)."""
    result = ansible("ansible", host, "-i", "inventory.example.yml", "-c", "local", "-m",
                     "ansible.builtin.template", "-a", f"src={PROVISIONING}/roles/{template} dest={target}",
                     *(arg for value in ("kiosk_app_etc=/etc/kiosk", *extra) for arg in ("-e", value)))
    assert result.returncode == 0, result.stdout + result.stderr
    return target.read_text()


def test_the_playbook_is_valid_ansible():
    result = ansible("ansible-playbook", "-i", "inventory.example.yml", "--syntax-check", "site.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_playbook_passes_ansible_lint():
    lint = Path(sys.executable).parent / "ansible-lint"
    if not lint.exists():
        pytest.fail("ansible-lint is missing (the test extra of pyproject.toml; 'make test' installs it)")
    result = subprocess.run([str(lint), "--offline", "-q", "site.yml"], capture_output=True, text=True, timeout=600,
                            cwd=PROVISIONING, env={"PATH": f"{lint.parent}:/usr/bin:/bin", "HOME": "/tmp",
                                                   "ANSIBLE_LOCAL_TEMP": "/tmp/ansible-local"})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", ["provisioning/bootstrap.sh", "provisioning/image/build.sh", "provisioning/ca.sh",
                                    "tools/install-system-deps.sh", ".ci/run"])
def test_the_shell_scripts_pass_shellcheck(script):
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is missing (Debian package 'shellcheck'; 'make test' installs it)")
    result = subprocess.run(["shellcheck", str(ROOT / script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_builder_says_what_is_wrong_before_doing_anything(tmp_path):
    script = str(PROVISIONING / "image" / "build.sh")
    usage = subprocess.run([script, "--host"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
    missing = subprocess.run([script, "--inventory", str(tmp_path / "none.yml"), "--host", "x"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "no inventory" in missing.stderr


def check_config(etc: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "check-config", "--config-dir", str(etc)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_configuration_provisioning_writes_passes_the_kiosks_own_check(tmp_path):
    target = tmp_path / "kiosk.d" / "50-provisioning.toml"
    target.parent.mkdir()
    text = render("kiosk_app/templates/kiosk.toml.j2", target)
    assert 'kiosk_id = "oodi-01"' in text and 'site = "oodi"' in text and "Våning 2" in text
    check = check_config(tmp_path)
    assert check.returncode == 0 and f"{target}" in check.stdout, check.stdout + check.stderr


def test_digital_support_files_are_rolled_out_with_the_configuration(tmp_path):
    """With the region's snapshot and the site's entries in the inventory, the kiosk reads both
    from /etc/kiosk (here: kiosk_app_etc, where the files are put)."""
    target = tmp_path / "kiosk.d" / "50-provisioning.toml"
    target.parent.mkdir()
    assert 'snapshot = ""' in render("kiosk_app/templates/kiosk.toml.j2", target)  # none given: none
    text = render("kiosk_app/templates/kiosk.toml.j2", target, "oodi-kiosk-01", f"kiosk_app_etc={tmp_path}",
                  "kiosk_support_snapshot=files/support.toml", "kiosk_support_local=files/support.local.toml",
                  "kiosk_support_max_age_days=21")
    assert f'local_file = "{tmp_path}/support.local.toml"\nmax_age_days = 21\nsnapshot = "{tmp_path}/support.toml"' \
        in text
    for name in ("support.toml", "support.local.toml"):
        shutil.copy(ROOT / "kiosk" / "data" / "support-demo.toml", tmp_path / name)
    check = check_config(tmp_path)
    assert check.returncode == 2 and "is used by another provider" in check.stdout  # the same file twice
    (tmp_path / "support.toml").write_text("format = 1\n")
    check = check_config(tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


# Every key of defaults.toml gets a value other than its default: generically (true for
# false, one more, a half, another choice, texts changed), or from here where a key's text
# has a form (a path that must exist, an address) or a few allowed values.
OWNED = {("site", "kiosk_id"): "kiosk_id", ("fleet", "username"): "kiosk_id", ("fleet", "site"): "kiosk_site",
         ("devices", "usb_storage"): "kiosk_usb_storage"}  # always the role's own variables'
VALUES = {("site", "kiosk_id"): "test-07", ("fleet", "username"): "test-07", ("fleet", "site"): "testsite",
          ("devices", "usb_storage"): "blocked", ("languages", "offered"): ["sv", "fi", "en"],
          ("languages", "default"): "en", ("session", "runtime_dir"): "/run/kiosk-test",
          ("session", "state_dir"): "/var/lib/kiosk-test", ("display", "input_device"): "/dev/input/event3",
          ("devices", "root_helper"): "/run/other-helper.sock", ("devices", "scanner_device"): "epson2:libusb:001:004",
          ("speech", "device"): "plughw:1", ("speech", "key"): "f11", ("printing", "server"): "cups.example.fi:631",
          ("printing", "job_user"): "kioskprint", ("printing", "queue"): "Lobby",
          ("browser", "allow"): ["kirjasto.example.fi", "localhost:8000"], ("fleet", "host"): "desk.example.fi",
          ("fleet", "ca_file"): "/etc/ssl/region-ca.pem", ("fleet", "password_file"): "/etc/kiosk/other-password",
          ("fleet", "desk_url"): "https://desk.example.fi", ("fleet", "rollout_key_file"): "/etc/kiosk/other.pub",
          ("hours", "weekly"): [{"from": "mon", "to": "fri", "opens": "09:00", "closes": "20:00"}],
          ("hours", "exception"): [{"first": "2026-12-24", "last": "2026-12-26", "closed": True}],
          ("hours", "place"): "oodi-library",
          ("help", "phone"): "09 310 85000",
          ("help", "chat_url"): "https://chat.example.fi/digituki", ("help", "video_url"): "https://meet.example.fi/x",
          ("support", "book_with"): "example-library", ("support", "book_minutes"): 45}


def other_value(section: str, key: str, default, tmp_path: Path):
    from kiosk.config import SECTIONS
    from kiosk.config_keys import declared

    files = {("catalog", "file"): ROOT / "kiosk/data/catalog.toml", ("support", "snapshot"): None,
             ("support", "local_file"): ROOT / "kiosk/data/support-demo.toml"}
    if (section, key) in files:  # a copy of a packaged file (the snapshot: an empty one)
        copy = tmp_path / f"{section}-{key}.toml"
        copy.write_text(files[section, key].read_text() if files[section, key] else "format = 1\n")
        return str(copy)
    if (section, key) == ("staff", "pin_hash"):
        return hash_pin_of("2468")
    if (section, key) in VALUES:
        return VALUES[section, key]
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)):
        return default + 1 if isinstance(default, int) else default / 2
    if isinstance(default, dict):  # a text per language; quotes and backslashes must arrive as written
        return {language: f'{text} "{language}" \\ \u00e5' for language, text in default.items()}
    choices = declared(SECTIONS[section])[key].checks.get("choices") if section in SECTIONS else None
    if choices:
        return next(choice for choice in choices if choice != default)
    pytest.fail(f"[{section}] {key} is new: give it a value other than its default in VALUES")


# Keys read into something other than what the file says, and how to see they arrived
# ([hours] place is rendered on its own: it excludes weekly rows).
READ_AS = {("hours", "weekly"): lambda hours: [(w.first, w.last, str(w.opens), str(w.closes)) for w in hours.weekly]
           == [(0, 4, "09:00:00", "20:00:00")],
           ("hours", "exception"): lambda hours: [(str(x.first), str(x.last), x.closed) for x in hours.exceptions]
           == [("2026-12-24", "2026-12-26", True)],
           ("hours", "place"): lambda hours: hours.place == ""}


def render_drop_in(variables: dict, tmp_path: Path) -> Path:
    """The kiosk's drop-in as the role's template writes it, with ansible's own templating."""
    (tmp_path / "variables.json").write_text(json.dumps(variables))
    target = tmp_path / "etc" / "kiosk.d" / "50-provisioning.toml"
    target.parent.mkdir(parents=True)
    result = ansible("ansible", "localhost", "-i", "localhost,", "-c", "local", "-m", "ansible.builtin.template", "-a",
                     f"src={PROVISIONING}/roles/kiosk_app/templates/kiosk.toml.j2 dest={target}",
                     "-e", f"@{tmp_path / 'variables.json'}")
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def test_provisioning_renders_every_key_the_kiosk_has(tmp_path):
    from kiosk.config import DEFAULTS_FILE

    defaults = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    variables = {"kiosk_config": {}, "kiosk_app_etc": str(tmp_path / "etc")}
    expected = {}
    for section, table in defaults.items():
        for key, default in table.items():
            expected[section, key] = value = other_value(section, key, default, tmp_path)
            assert value != default, (section, key)
            if (section, key) in OWNED:
                variables[OWNED[section, key]] = value
            elif (section, key) == ("hours", "place"):
                continue  # rendered below, without the weekly rows it excludes
            else:
                variables["kiosk_config"].setdefault(section, {})[key] = value
    target = render_drop_in(variables, tmp_path)
    config = load_config(config_dir=tmp_path / "etc")
    assert config.problems == () and config.files[1:] == (str(target),)
    for (section, key), value in expected.items():
        if (section, key) in READ_AS:
            continue
        got = config.catalog_file if section == "catalog" else getattr(getattr(config, section), key)
        got = str(got) if isinstance(got, Path) else list(got) if isinstance(got, tuple) else got
        assert got == value, f"[{section}] {key}: {got!r}, not {value!r}"
    for (section, key), arrived in READ_AS.items():
        assert arrived(getattr(config, section)), f"[{section}] {key}: {getattr(config, section)!r}"
    # [hours] place names a place instead of weekly rows: the one or the others, never both.
    variables["kiosk_config"]["hours"] = {"place": expected["hours", "place"]}
    (tmp_path / "place").mkdir()
    render_drop_in(variables, tmp_path / "place")
    assert load_config(config_dir=tmp_path / "place" / "etc").hours.place == expected["hours", "place"]


def test_the_toml_filter_writes_what_tomllib_reads_back_and_refuses_what_toml_cannot_hold():
    import importlib.util

    from ansible.errors import AnsibleFilterError

    plugin = PROVISIONING / "roles/kiosk_app/filter_plugins/kiosk_toml.py"
    spec = importlib.util.spec_from_file_location("kiosk_toml", plugin)
    filters = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(filters)
    settings = {"help": {"on_site": {"fi": 'a "b" \\ c\nd\te\x01\x7f ä', "sv": ""}, "phone": "1"},
                "printing": {"two_sided": True, "quota_pages": 0, "price_cents": 25}, "speech": {"volume": 0.5},
                "browser": {"allow": ["a.fi", "b.fi:8000"]}, "odd key": {"x.y": 1}}
    assert tomllib.loads(filters.kiosk_app_toml(settings)) == settings
    with pytest.raises(AnsibleFilterError, match=r"help.phone has no value"):
        filters.kiosk_app_toml({"help": {"phone": None}})
    owned = [["site.kiosk_id", "kiosk_id", "oodi-01"], ["site.place", "kiosk_place", None]]
    assert filters.kiosk_app_settings({"site": {"place": "x"}}, {"site": {"place": "y"}}, owned) == \
        {"site": {"place": "y", "kiosk_id": "oodi-01"}}
    with pytest.raises(AnsibleFilterError, match=r"kiosk_config.site.kiosk_id \(it comes from kiosk_id\)"):
        filters.kiosk_app_settings({}, {"site": {"kiosk_id": "other"}}, owned)


def test_a_provisioning_run_keeps_local_drop_ins_and_removes_the_old_kiosk_toml_once(tmp_path):
    """The role's configuration tasks, run for real into a directory of their own."""
    etc = tmp_path / "etc"
    (etc / "kiosk.d").mkdir(parents=True)
    (etc / "kiosk.toml").write_text(  # as provisioning wrote it before drop-ins
        "# Written by provisioning (roles/kiosk_app); change the inventory, not this file.\n"
        '[site]\nkiosk_id = "old-01"\n[timeouts]\ninactivity_s = 240\n')
    local = etc / "kiosk.d" / "90-local.toml"
    local.write_text("# the library's own\n[timeouts]\nwarning_s = 45\n")
    (tmp_path / "play.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                                       "    - ansible.builtin.import_role: {name: kiosk_app, tasks_from: configuration}\n")
    (tmp_path / "variables.json").write_text(json.dumps({
        "kiosk_app_etc": str(etc), "kiosk_app_command": f"{sys.executable} -m kiosk", "kiosk_app_group": "root",
        "kiosk_id": "test-07", "kiosk_site": "testsite", "kiosk_config": {"staff": {"pin_hash": hash_pin_of("2468")}},
        "broker_passwords": {"test-07": "secret-for-the-test"}}))

    def provision() -> dict[str, int]:
        result = ansible("ansible-playbook", "-i", "localhost,", "-c", "local",
                         "-e", f"@{tmp_path / 'variables.json'}", str(tmp_path / "play.yml"))
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "secret-for-the-test" not in result.stdout + result.stderr
        recap = re.search(r"^localhost\s+:(.*)$", result.stdout, re.MULTILINE).group(1)
        return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", recap)}

    provision()
    assert not (etc / "kiosk.toml").exists()  # the old provisioned file: gone, or it would be read too
    assert local.read_text() == "# the library's own\n[timeouts]\nwarning_s = 45\n"
    for secret in (etc / "kiosk.d" / "50-provisioning.toml", etc / "broker-password"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o640, secret
    config = load_config(config_dir=etc)
    assert config.problems == () and (config.site.kiosk_id, config.timeouts.warning_s) == ("test-07", 45)
    assert config.staff.pin_hash and config.timeouts.inactivity_s == 180  # the old file's 240 went with it
    (etc / "kiosk.toml").write_text("[timeouts]\ninactivity_s = 240\n")  # a site's own, hand-written
    assert provision()["changed"] == 0
    assert (etc / "kiosk.toml").read_text() == "[timeouts]\ninactivity_s = 240\n"
    assert load_config(config_dir=etc).timeouts.inactivity_s == 240


def hash_pin_of(pin: str) -> str:
    from kiosk.config import hash_pin

    return hash_pin(pin, salt=bytes(range(16)))


def test_bootstrap_says_what_is_wrong_before_doing_anything(tmp_path):
    script = str(PROVISIONING / "bootstrap.sh")
    usage = subprocess.run([script, "--nonsense"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
    missing = subprocess.run([script, "--check", "--inventory", str(tmp_path / "none.yml")], capture_output=True,
                             text=True)
    assert missing.returncode == 1 and "no inventory" in missing.stderr


def test_the_x_configuration_keeps_the_screen_on_and_the_kiosks(tmp_path):
    text = render("graphical/templates/10-kiosk.conf.j2", tmp_path / "10-kiosk.conf")
    for option in ('"DontVTSwitch" "true"', '"DontZap" "true"', '"BlankTime" "0"', '"OffTime" "0"',
                   '"CalibrationMatrix" "0 1 0 -1 0 1 0 0 1"'):
        assert option in text
    assert '"DPMS" "false"' not in text  # the kiosk turns the screen off at night through DPMS


def test_the_desk_configuration_provisioning_writes_is_what_the_desk_reads(tmp_path):
    from kiosk.desk.cli import load

    target = tmp_path / "desk.toml"
    render("desk/templates/desk.toml.j2", target, host="desk.oodi.example.fi")
    config = load(target)
    assert config["desk"]["sites"] == ["oodi"] and config["broker"]["username"] == "desk-oodi"
    assert config["rollup"] == {"url": "", "name": "desk.oodi.example.fi", "every_s": 3600}
    assert config["escalation"] == {"after_min": 5, "webhook_url": "", "language": "fi",
                                    "site_webhooks": {"oodi": "https://chat.oodi.example.fi/hooks/digituki"}}
    assert config["desk"]["metrics_token_file"] == ""  # no token in the inventory: no /metrics
    render("desk/templates/desk.toml.j2", target, "desk.oodi.example.fi", f"desk_metrics_token={'a' * 64}")
    assert load(target)["desk"]["metrics_token_file"] == "/etc/kiosk/desk-metrics-token"


# A kiosk's network as the firewall sees it, in a network namespace of its own (the
# machine's rules are never touched): the node exporter's port on loopback, asked from
# several loopback addresses.
FIREWALL_PROBE = r"""
import json, socket, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["nft", "-f", sys.argv[1]], check=True)
listening = []
for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    server = socket.socket(family)
    server.bind((host, 9100))
    server.listen()
    listening.append(server)
answers = {}
for family, source, target in ((socket.AF_INET, "127.0.0.2", "127.0.0.1"),
                               (socket.AF_INET, "127.0.0.3", "127.0.0.1"), (socket.AF_INET6, "::1", "::1")):
    client = socket.socket(family)
    client.settimeout(10)
    client.bind((source, 0))
    try:
        client.connect((target, 9100))
        answers[source] = "open"
    except ConnectionRefusedError:
        answers[source] = "refused"
    client.close()
print(json.dumps(answers))
"""


def test_the_node_exporter_answers_only_the_monitoring_hosts(tmp_path):
    import json

    for program in ("unshare", "nft", "ip"):
        if shutil.which(program, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
            pytest.fail(f"{program} is missing (Debian packages util-linux, nftables, iproute2; 'make test' "
                        f"installs them)")
    listed = render("lockdown/templates/firewall.nft.j2", tmp_path / "listed.nft", "oodi-kiosk-01",
                    '{"kiosk_monitoring_from": ["127.0.0.2", "::1"]}')
    assert "elements = { 127.0.0.2 }" in listed and "elements = { ::1 }" in listed
    # The example inventory's desk has no kiosk_monitoring_from: nobody.
    unset = render("lockdown/templates/firewall.nft.j2", tmp_path / "unset.nft", "desk.oodi.example.fi")
    assert "elements" not in unset
    for rules, wanted in (("listed.nft", {"127.0.0.2": "open", "127.0.0.3": "refused", "::1": "open"}),
                          ("unset.nft", {"127.0.0.2": "refused", "127.0.0.3": "refused", "::1": "refused"})):
        probe = subprocess.run(["unshare", "--net", sys.executable, "-c", FIREWALL_PROBE, str(tmp_path / rules)],
                               capture_output=True, text=True, timeout=60,
                               env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        assert probe.returncode == 0, probe.stderr
        assert json.loads(probe.stdout) == wanted, rules


def test_the_one_image_has_no_identity_and_asks_the_desk_to_enrol_it(tmp_path):
    """A host with no kiosk_id is the one image for every terminal: its drop-in names no
    kiosk, has enrolment on, and passes the kiosk's own check."""
    variables = {"kiosk_app_etc": str(tmp_path / "etc"), "kiosk_broker_ca": "ca.pem",
                 "kiosk_config": {"fleet": {"desk_url": "https://desk.oodi.example.fi"}}}
    target = render_drop_in(variables, tmp_path)
    written = tomllib.loads(target.read_text())
    assert "kiosk_id" not in written.get("site", {}) and "username" not in written["fleet"]
    assert written["fleet"]["enrol"] is True and "password_file" not in written["fleet"]
    config = load_config(config_dir=tmp_path / "etc")
    assert config.problems == () and config.fleet.enrol and config.fleet.desk_url
    assert check_config(tmp_path / "etc").returncode == 0


def role_tasks(role: str) -> list[dict]:
    """A role's tasks, those in blocks too."""
    def flatten(tasks):
        for task in tasks:
            yield from flatten(task["block"]) if "block" in task else [task]
    import yaml

    return list(flatten(yaml.safe_load((PROVISIONING / "roles" / role / "tasks" / "main.yml").read_text())))


def test_a_target_installs_python_packages_only_from_its_wheelhouse_with_the_locks_hashes():
    tasks = role_tasks("app_install")
    pips = [task["ansible.builtin.pip"] for task in tasks if "ansible.builtin.pip" in task
            and task["ansible.builtin.pip"].get("state") != "absent"]
    assert len(pips) == 2
    for pip in pips:
        options = pip["extra_args"].split()
        assert "--no-index" in options and pip["virtualenv"] == "/opt/kiosk/venv"
        if "requirements" in pip:  # everything the lock pins, checked against its hashes
            assert "--require-hashes" in options and pip["requirements"] == "/opt/kiosk/wheels/requirements.txt"
            assert options[options.index("--find-links") + 1] == "/opt/kiosk/wheels"
        else:  # the kiosk's own wheel, built from this checkout
            assert "--no-deps" in options and pip["name"].startswith("/opt/kiosk/wheels/")
    on_target = [str(task) for task in tasks if task.get("delegate_to") != "localhost"]
    for text in on_target:
        if "pip install" in text:
            assert "--no-index" in text, text
    filled = next(task for task in tasks if "wheelhouse.py" in str(task))
    assert filled["delegate_to"] == "localhost"  # the build machine downloads, never the target
    assert "requirements/{{ app_install_lock }}.txt" in str(filled)
    for role in (PROVISIONING / "roles").iterdir():
        if role.name != "app_install":
            text = "".join(path.read_text() for path in role.rglob("*.yml"))
            assert not re.search(r"\bpip3?\b", text), f"{role.name} installs Python packages (only app_install does)"


def test_a_desk_server_installs_the_desk_lock_and_a_kiosk_the_kiosks(tmp_path):
    for host, lock in (("oodi-kiosk-01", "kiosk"), ("desk.oodi.example.fi", "desk")):
        result = ansible("ansible", host, "-i", "inventory.example.yml", "-c", "local", "-m", "ansible.builtin.debug",
                         "-a", "msg={{ app_install_lock }}", "-e", "@roles/app_install/defaults/main.yml")
        assert result.returncode == 0 and f'"msg": "{lock}"' in result.stdout, result.stdout + result.stderr
        assert (ROOT / "requirements" / f"{lock}.txt").exists()


def wheel(directory: Path, name: str, version: str, *requires: str) -> Path:
    """A minimal pure-Python wheel with one module."""
    import zipfile

    path = directory / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    files = {f"{name}.py": f"VERSION = {version!r}\n",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files[f"{info}/RECORD"] = "".join(f"{file},,\n" for file in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for file, text in files.items():
            archive.writestr(file, text)
    return path


def test_the_wheelhouse_takes_only_wheels_with_the_locks_hashes_and_installs_offline(tmp_path):
    """The role's wheelhouse.py from a warm cache: no index (pip's is an address where
    nothing listens), the target's install from the wheelhouse alone; a cached wheel whose
    bytes are not the lock's is refused."""
    import hashlib
    import os

    cache = tmp_path / "cache" / "cp311-manylinux_2_36_x86_64"
    cache.mkdir(parents=True)
    alpha, beta = wheel(cache, "alpha", "1.0", "beta==2.0"), wheel(cache, "beta", "2.0")
    lock = tmp_path / "lock.txt"
    lock.write_text("".join(f"{path.name.split('-')[0]}=={path.name.split('-')[1]} \\\n"
                            f"    --hash=sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}\n    # via test\n"
                            for path in (alpha, beta)))
    offline = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    offline.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/", PIP_RETRIES="0")
    fill = [sys.executable, str(PROVISIONING / "roles/app_install/files/wheelhouse.py"), "--lock", str(lock),
            "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--arch", "x86_64"]
    filled = subprocess.run(fill, capture_output=True, text=True, timeout=120, env=offline)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    out = tmp_path / "out"
    assert sorted(path.name for path in out.iterdir()) == [alpha.name, beta.name, "requirements.txt"]
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(out),
                                "--require-hashes", "-r", str(out / "requirements.txt"), "--target",
                                str(tmp_path / "target")], capture_output=True, text=True, timeout=120, env=offline)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "target" / "alpha.py").exists() and (tmp_path / "target" / "beta.py").exists()
    wheel(cache, "beta", "2.0", "gamma")  # the same name, other bytes
    refused = subprocess.run(fill, capture_output=True, text=True, timeout=120, env=offline)
    assert refused.returncode == 1 and "No matching distribution found for beta==2.0" in refused.stderr
