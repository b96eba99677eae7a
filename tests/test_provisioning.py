"""The provisioning playbook as Ansible reads it, and the configuration it writes as the kiosk reads it."""

from __future__ import annotations

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
