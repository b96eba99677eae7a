"""The provisioning playbook as Ansible reads it, and the configuration it writes as the kiosk reads it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROVISIONING = ROOT / "provisioning"


def ansible(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    if shutil.which(argv[0]) is None:
        pytest.fail(f"{argv[0]} is missing (Debian package 'ansible-core'; 'make test' installs it)")
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=PROVISIONING,
                          env={"PATH": "/usr/bin:/bin", "ANSIBLE_NOCOLOR": "1", "HOME": "/tmp",
                               "ANSIBLE_LOCAL_TEMP": "/tmp/ansible-local"}, **kwargs)


def render(template: str, target: Path, host: str = "oodi-kiosk-01", *extra: str) -> str:
    """A role's template as provisioning writes it for a host of the example inventory
    (`extra`: variables given as `-e name=value`)."""
    result = ansible("ansible", host, "-i", "inventory.example.yml", "-c", "local", "-m",
                     "ansible.builtin.template", "-a", f"src={PROVISIONING}/roles/{template} dest={target}",
                     *(arg for value in extra for arg in ("-e", value)))
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


@pytest.mark.parametrize("script", ["provisioning/bootstrap.sh", "provisioning/image/build.sh",
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


def test_the_configuration_provisioning_writes_passes_the_kiosks_own_check(tmp_path):
    target = tmp_path / "kiosk.toml"
    text = render("kiosk_app/templates/kiosk.toml.j2", target)
    assert 'kiosk_id = "oodi-01"' in text and 'site = "oodi"' in text and "Våning 2" in text
    check = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(target)], capture_output=True,
                           text=True, timeout=120, cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr


def test_digital_support_files_are_rolled_out_with_the_configuration(tmp_path):
    """With the region's snapshot and the site's entries in the inventory, the kiosk reads both
    from /etc/kiosk (here: files put where the rendered paths point)."""
    target = tmp_path / "kiosk.toml"
    assert "[support]" not in render("kiosk_app/templates/kiosk.toml.j2", target)  # none given: none
    text = render("kiosk_app/templates/kiosk.toml.j2", target, "oodi-kiosk-01",
                  "kiosk_support_snapshot=files/support.toml", "kiosk_support_local=files/support.local.toml",
                  "kiosk_support_max_age_days=21")
    assert '[support]\nsnapshot = "/etc/kiosk/support.toml"\nlocal_file = "/etc/kiosk/support.local.toml"\n' \
           'max_age_days = 21\n' in text
    for name in ("support.toml", "support.local.toml"):
        shutil.copy(ROOT / "kiosk" / "data" / "support-demo.toml", tmp_path / name)
        text = text.replace(f"/etc/kiosk/{name}", str(tmp_path / name))
    target.write_text(text)
    check = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(target)], capture_output=True,
                           text=True, timeout=120, cwd=ROOT)
    assert check.returncode == 2 and "is used by another provider" in check.stdout  # the same file twice
    (tmp_path / "support.toml").write_text("format = 1\n")
    check = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(target)], capture_output=True,
                           text=True, timeout=120, cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr


def test_bootstrap_says_what_is_wrong_before_doing_anything(tmp_path):
    script = str(PROVISIONING / "bootstrap.sh")
    usage = subprocess.run([script, "--nonsense"], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage" in usage.stderr
    missing = subprocess.run([script, "--check", "--inventory", str(tmp_path / "none.yml")], capture_output=True,
                             text=True)
    assert missing.returncode == 1 and "no inventory" in missing.stderr


def test_the_x_configuration_keeps_the_screen_on_and_the_kiosks(tmp_path):
    text = render("graphical/templates/10-kiosk.conf.j2", tmp_path / "10-kiosk.conf")
    for option in ('"DontVTSwitch" "true"', '"DontZap" "true"', '"BlankTime" "0"', '"DPMS" "false"',
                   '"CalibrationMatrix" "0 1 0 -1 0 1 0 0 1"'):
        assert option in text


def test_the_desk_configuration_provisioning_writes_is_what_the_desk_reads(tmp_path):
    from kiosk.desk.cli import load

    target = tmp_path / "desk.toml"
    render("desk/templates/desk.toml.j2", target, host="desk.oodi.example.fi")
    config = load(target)
    assert config["desk"]["sites"] == ["oodi"] and config["broker"]["username"] == "desk-oodi"
    assert config["rollup"] == {"url": "", "name": "desk.oodi.example.fi", "every_s": 3600}
    assert config["escalation"] == {"after_min": 5, "webhook_url": "", "language": "fi",
                                    "site_webhooks": {"oodi": "https://chat.oodi.example.fi/hooks/digituki"}}


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
