"""provisioning/ca.sh: the region's CA, the broker's and the desk's certificates and every
account's password, made once and then only what is new or due."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = """\
all:
  children:
    kiosks:
      vars: {kiosk_site: oodi, kiosk_broker_host: mqtt.oodi.example.fi}
      children:
        oodi:
          hosts:
            oodi-kiosk-01: {kiosk_id: oodi-01}
            oodi-kiosk-02: {kiosk_id: oodi-02}
    desks:
      hosts:
        desk.oodi.example.fi: {desk_sites: [oodi]}
"""


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    for program in ("openssl", "ansible-vault"):
        if shutil.which(program, path="/usr/bin:/bin") is None:
            pytest.fail(f"{program} is missing (Debian packages openssl, ansible-core; 'make test' installs them)")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=cwd,
                            env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "ANSIBLE_LOCAL_TEMP": "/tmp/ansible-local",
                                 "PAGER": "cat"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def contents(directory: Path) -> dict[str, bytes]:
    """What ca.sh wrote beside the inventory: its secrets and the vault."""
    return {str(path.relative_to(directory)): path.read_bytes() for made in ("secrets", "group_vars")
            for path in sorted((directory / made).rglob("*")) if path.is_file()}


def names(cert: Path) -> str:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext", "subjectAltName"],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()[1].strip()


def passwords(tmp_path: Path) -> dict:
    view = run("ansible-vault", "view", "--vault-password-file", "secrets/vault-password", "group_vars/all/vault.yml",
               cwd=tmp_path)
    return yaml.safe_load(view.stdout)


def test_certificates_and_passwords_are_made_once_and_then_only_what_is_new_or_due(tmp_path):
    (tmp_path / "inventory.yml").write_text(INVENTORY)
    ca = [str(ROOT / "provisioning" / "ca.sh"), "--inventory", "inventory.yml", "--desk-name", "10.0.0.5"]
    run(*ca, cwd=tmp_path)
    secrets = tmp_path / "secrets"
    verify = run("openssl", "verify", "-CAfile", "secrets/ca.pem", "secrets/broker.pem", "secrets/desk.pem",
                 cwd=tmp_path)
    assert verify.stdout == "secrets/broker.pem: OK\nsecrets/desk.pem: OK\n"
    assert names(secrets / "broker.pem") == "DNS:desk.oodi.example.fi, DNS:mqtt.oodi.example.fi"
    assert names(secrets / "desk.pem") == "DNS:desk.oodi.example.fi, IP Address:10.0.0.5"
    for secret in ("ca.key", "broker.key", "desk.key", "vault-password"):
        assert stat.S_IMODE((secrets / secret).stat().st_mode) == 0o600, secret
    first = passwords(tmp_path)
    assert set(first) == {"broker_passwords", "desk_admin_passwords"}
    assert set(first["broker_passwords"]) == {"oodi-01", "oodi-02", "desk-oodi"}
    assert set(first["desk_admin_passwords"]) == {"desk.oodi.example.fi"}
    every = [*first["broker_passwords"].values(), *first["desk_admin_passwords"].values()]
    assert len(set(every)) == 4 and all(len(password) == 32 and password.isalnum() for password in every)

    before = contents(tmp_path)
    again = run(*ca, cwd=tmp_path)
    assert contents(tmp_path) == before and again.stdout == ""

    # A kiosk more, the desk at another address, the broker's certificate about to end.
    (tmp_path / "inventory.yml").write_text(INVENTORY.replace(
        "            oodi-kiosk-02: {kiosk_id: oodi-02}\n",
        "            oodi-kiosk-02: {kiosk_id: oodi-02}\n            oodi-kiosk-03: {kiosk_id: oodi-03}\n"))
    (tmp_path / "names.cnf").write_text("subjectAltName = DNS:desk.oodi.example.fi, DNS:mqtt.oodi.example.fi\n")
    request = run("openssl", "req", "-new", "-key", "secrets/broker.key", "-subj", "/CN=broker", cwd=tmp_path).stdout
    subprocess.run(["openssl", "x509", "-req", "-CA", "secrets/ca.pem", "-CAkey", "secrets/ca.key", "-days", "10",
                    "-set_serial", "7", "-extfile", "names.cnf", "-out", "secrets/broker.pem"], input=request,
                   capture_output=True, text=True, check=True, cwd=tmp_path)
    expiring = (secrets / "broker.pem").read_bytes()
    run(*ca[:-1], "10.0.0.6", cwd=tmp_path)
    after = contents(tmp_path)
    assert {name for name in before if before[name] != after[name]} == {
        "secrets/broker.pem", "secrets/desk.pem", "group_vars/all/vault.yml"}
    assert after["secrets/broker.pem"] != expiring
    run("openssl", "x509", "-in", "secrets/broker.pem", "-noout", "-checkend", str(60 * 86400), cwd=tmp_path)
    assert names(secrets / "desk.pem") == "DNS:desk.oodi.example.fi, IP Address:10.0.0.6"
    run("openssl", "verify", "-CAfile", "secrets/ca.pem", "secrets/broker.pem", "secrets/desk.pem", cwd=tmp_path)
    added = passwords(tmp_path)
    assert set(added["broker_passwords"]) - set(first["broker_passwords"]) == {"oodi-03"}
    del added["broker_passwords"]["oodi-03"]
    assert added == first
