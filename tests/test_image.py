"""A real run of the provisioning: debootstrap a minimal Debian 12 root, apply the kiosk's
roles through Ansible's chroot connection (provisioning/image/build.sh), apply them again
and find nothing to change, then look at the result inside the root.

The root is kept in /var/tmp/kiosk-image-test between runs on the same machine (the
packages in the host's apt cache, which the build shares, and the Python wheels in the
build's wheel cache, /var/tmp/kiosk-build/wheel-cache), so a second run only provisions.

Every command in the root runs with pip's index an address where nothing listens
(OFFLINE_CHROOT): the kiosk's Python packages must all come from the wheelhouse the
build machine filled, as on a kiosk that cannot reach PyPI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from testbed.locks import canonical, locked

ROOT_DIR = Path(__file__).resolve().parent.parent
BUILD = ROOT_DIR / "provisioning" / "image" / "build.sh"
IMAGE_ROOT = Path("/var/tmp/kiosk-image-test")
INVENTORY = """\
all:
  children:
    kiosks:
      hosts:
        test-kiosk:
          kiosk_id: test-01
          kiosk_site: testsite
          kiosk_site_name: { fi: "Testikirjasto", sv: "Testbiblioteket", en: "Test Library" }
          kiosk_place: { fi: "Aula", sv: "Entrén", en: "Lobby" }
          kiosk_languages: [fi, sv, en]
          kiosk_usb_storage: read-only
          kiosk_broker_host: desk.example.fi
          kiosk_reboot_time: "02:45"
          ansible_chroot_exe: "{chroot}"
          broker_passwords: { test-01: "secret-for-the-test" }
          it_ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOnly it@example"]
          kiosk_config:
            staff: { pin_hash: "pbkdf2-sha256$200000$000102030405060708090a0b0c0d0e0f$37cff31b6ad22b037e276408739e6702ab1a83eca9924fef485e1089b3c3ce2d" }
            printing: { quota_pages: 20, price_cents: 20 }
"""

# Ansible's chroot (the connection's chroot_exe) for the root being provisioned: in the
# root, pip's index is the discard port on loopback, so a pip there that needed anything
# from the network fails at once. Only the root's commands see it: the build machine's
# own (the wheelhouse it fills, with its cache) keep their index.
OFFLINE_CHROOT = """#!/bin/sh
PIP_INDEX_URL=http://127.0.0.1:9/ PIP_RETRIES=0 exec chroot "$@"
"""

pytestmark = pytest.mark.timeout(1800)  # a fresh debootstrap and the first provisioning


DISK = Path("/var/tmp/kiosk-image-test.img")


def offline_chroot(directory: Path) -> Path:
    path = directory / "chroot-offline"
    path.write_text(OFFLINE_CHROOT)
    path.chmod(0o755)
    return path


def build(inventory: Path, *more: str) -> str:
    result = subprocess.run([str(BUILD), "--inventory", str(inventory), "--host", "test-kiosk", "--root",
                             str(IMAGE_ROOT), "--trust-local-cas", *more], capture_output=True, text=True, timeout=1500,
                            env=dict(os.environ, ANSIBLE_LOCAL_TEMP="/tmp/ansible-local"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory) -> tuple[Path, str, str]:
    for program in ("debootstrap", "ansible-playbook"):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing ('make test' installs the Debian packages debootstrap and ansible)")
    inventory = tmp_path_factory.mktemp("image") / "inventory.yml"
    inventory.write_text(INVENTORY.replace("{chroot}", str(offline_chroot(inventory.parent))))
    first = build(inventory)
    # The second run also writes the disk image; the journal goes to the serial console.
    second = build(inventory, "--out", str(DISK), "--size", "6G", "--kernel-args",
                   "console=ttyS0,115200 systemd.journald.forward_to_console=1")
    return IMAGE_ROOT, first, second


def recap(output: str, host: str = "test-kiosk") -> dict[str, int]:
    line = re.search(rf"^{host}\s+:(.*)$", output, re.MULTILINE)
    assert line, output[-3000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line.group(1))}


def test_the_playbook_applies_through_the_chroot_and_a_second_run_changes_nothing(provisioned):
    _root, first, second = provisioned
    assert recap(first)["failed"] == 0 and recap(first)["unreachable"] == 0
    again = recap(second)
    assert again["changed"] == 0 and again["failed"] == 0, second[-6000:]


def test_the_kiosk_user_is_unprivileged_and_cannot_log_in(provisioned):
    root = provisioned[0]
    passwd = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    shadow = {line.split(":")[0]: line.split(":") for line in (root / "etc/shadow").read_text().splitlines()}
    assert passwd["kiosk"][6] == "/usr/sbin/nologin" and shadow["kiosk"][1] == "!"
    groups = {line.split(":")[0]: line.split(":")[3].split(",") for line in (root / "etc/group").read_text().splitlines()}
    assert "kiosk" not in groups.get("sudo", []) and not (root / "etc/sudoers.d/kiosk").exists()
    assert {"audio", "video", "input", "lp", "scanner"} <= {name for name, members in groups.items() if "kiosk" in members}


def test_the_consoles_escape_hatches_are_masked_and_the_kiosk_is_what_boots(provisioned):
    units = provisioned[0] / "etc/systemd/system"
    for masked in ("ctrl-alt-del.target", "getty@tty1.service"):
        assert os.readlink(units / masked) == "/dev/null", masked
    assert os.readlink(units / "default.target").endswith("graphical.target")
    for wants, unit in (("graphical.target.wants", "kiosk.service"), ("graphical.target.wants", "kiosk-x.service"), ("sockets.target.wants", "kiosk-helper.socket"),
                        ("timers.target.wants", "kiosk-reboot.timer"), ("multi-user.target.wants", "ssh.service"),
                        ("multi-user.target.wants", "cups.service")):
        assert (units / wants / unit).is_symlink(), f"{unit} is not enabled"
    for unwanted in ("cups-browsed.service", "avahi-daemon.service"):
        assert not (units / "multi-user.target.wants" / unwanted).exists(), unwanted
    assert "OnCalendar=*-*-* 02:45" in (units / "kiosk-reboot.timer.d/time.conf").read_text()


def test_the_units_are_valid_against_the_programs_in_the_root(provisioned):
    root = provisioned[0]
    result = subprocess.run(["systemd-analyze", "verify", f"--root={root}", "kiosk.service", "kiosk-x.service", "kiosk-helper.socket",
                             "kiosk-reboot.timer"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and (result.stdout + result.stderr).strip() == "", result.stdout + result.stderr


def test_lockdown_sysctl_usb_and_no_other_browser_or_terminal(provisioned):
    root = provisioned[0]
    assert (root / "etc/sysctl.d/60-kiosk.conf").read_text() == "kernel.sysrq = 0\n"
    rule = (root / "etc/udev/rules.d/60-kiosk-usb-read-only.rules").read_text()
    assert 'ENV{ID_BUS}=="usb"' in rule and "blockdev --setro" in rule
    assert not (root / "etc/modprobe.d/kiosk-usb-storage.conf").exists()
    for program in ("firefox-esr", "xterm", "x-terminal-emulator", "gnome-terminal", "lxterminal"):
        assert not (root / "usr/bin" / program).exists(), program
    alternatives = root / "etc/alternatives/x-www-browser"  # the one browser there is: the kiosk's Chromium
    assert not alternatives.is_symlink() or "chromium" in os.readlink(alternatives)
    assert not (root / "etc/X11/Xwrapper.config").exists() or "needs_root_rights=yes" not in \
        (root / "etc/X11/Xwrapper.config").read_text()
    xorg = (root / "etc/X11/xorg.conf.d/10-kiosk.conf").read_text()
    assert '"DontVTSwitch" "true"' in xorg and '"DontZap" "true"' in xorg
    ssh = (root / "etc/ssh/sshd_config.d/10-kiosk.conf").read_text()
    assert "PasswordAuthentication no" in ssh
    keys = root / "root/.ssh/authorized_keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and "it@example" in keys.read_text()


def test_cups_keeps_nothing_of_a_person(provisioned):
    conf = (provisioned[0] / "etc/cups/cupsd.conf").read_text()
    for line in ("PreserveJobFiles No", "PreserveJobHistory No", "ErrorPolicy stop-printer"):
        assert re.search(rf"^{line}$", conf, re.MULTILINE), line


def test_the_kiosk_is_installed_configured_and_its_secrets_are_its_own(provisioned):
    root = provisioned[0]
    policy = json.loads((root / "etc/chromium/policies/managed/kiosk.json").read_text())
    assert "*" in policy["URLBlocklist"] and "chrome://*" in policy["URLBlocklist"]
    assert any("suomi.fi" in url for url in policy["URLAllowlist"])
    password = root / "etc/kiosk/broker-password"
    info = password.stat()
    kiosk_gid = next(int(line.split(":")[2]) for line in (root / "etc/group").read_text().splitlines()
                     if line.startswith("kiosk:"))
    assert stat.S_IMODE(info.st_mode) == 0o640 and info.st_uid == 0 and info.st_gid == kiosk_gid
    drop_in = root / "etc/kiosk/kiosk.d/50-provisioning.toml"  # it holds the staff PIN's hash: kiosk's group only
    assert stat.S_IMODE(drop_in.stat().st_mode) == 0o640 and drop_in.stat().st_gid == kiosk_gid
    assert not (root / "etc/kiosk/kiosk.toml").exists()  # provisioning's old file, if the root had one, is gone
    check = subprocess.run(["chroot", str(root), "/opt/kiosk/venv/bin/kiosk", "check-config"],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "staff PIN: set" in check.stdout and "/etc/kiosk/kiosk.d/50-provisioning.toml" in check.stdout
    imports = subprocess.run(["chroot", str(root), "/opt/kiosk/venv/bin/python", "-c",
                              "import cups, pyudev, pyttsx3, paho.mqtt.client, kivy, kiosk.root_daemon"],
                             capture_output=True, text=True, timeout=120)
    assert imports.returncode == 0, imports.stderr
    for language in ("fi", "sv", "en"):  # speech mode speaks every offered language
        assert (root / f"usr/lib/x86_64-linux-gnu/espeak-ng-data/{language}_dict").exists(), language


def venv_packages(root: Path) -> dict[str, str]:
    """{name: version} of what the root's /opt/kiosk/venv has, as its pip lists it."""
    listed = subprocess.run(["chroot", str(root), "/opt/kiosk/venv/bin/python", "-m", "pip", "list", "--format=json",
                             "--disable-pip-version-check"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    return {canonical(package["name"]): package["version"] for package in json.loads(listed.stdout)}


def assert_the_lock_is_installed(root: Path, lock: str) -> None:
    """The venv holds exactly the lock's versions (its own: Debian's packages stay out), from
    the wheelhouse on the target: one wheel per locked package, and the kiosk's."""
    pins = {name: version for name, (version, _hashes) in locked(ROOT_DIR / "requirements" / f"{lock}.txt").items()}
    installed = venv_packages(root)
    assert {name: installed.get(name) for name in pins} == pins
    assert set(installed) - set(pins) == {"kiosk", "pip", "setuptools"}
    assert "include-system-site-packages = false" in (root / "opt/kiosk/venv/pyvenv.cfg").read_text()
    wheels = root / "opt/kiosk/wheels"
    assert len(list(wheels.glob("*.whl"))) == len(pins) + 1 and len(list(wheels.glob("kiosk-*.whl"))) == 1
    assert set(locked(wheels / "requirements.txt")) == set(pins)


def test_the_kiosk_runs_exactly_its_lock_from_the_wheelhouse_with_no_index(provisioned):
    """Installed in the first run with no index in the root (OFFLINE_CHROOT): a fresh root
    needs nothing from PyPI. pycups, which PyPI has as source only, is a wheel built on the
    build machine: the root has no compiler."""
    root = provisioned[0]
    assert_the_lock_is_installed(root, "kiosk")
    assert list((root / "opt/kiosk/wheels").glob("pycups-*-cp311-cp311-linux_x86_64.whl"))
    assert not (root / "usr/bin/gcc").exists()


def test_the_disk_image_boots_to_the_kiosk_which_says_ready_and_keeps_the_watchdog_fed(provisioned, tmp_path):
    """GRUB, Linux, systemd, X on tty1 and the kiosk in QEMU: the unit counts as started only
    when the kiosk says READY after its first frame, and WatchdogSec=30 would restart a
    kiosk that stopped saying WATCHDOG, so a minute without a watchdog failure shows both."""
    qemu = shutil.which("qemu-system-x86_64")
    assert qemu, "qemu-system-x86_64 is missing (Debian package qemu-system-x86)"
    serial = tmp_path / "serial.log"
    process = subprocess.Popen([qemu, "-m", "2048", "-smp", "2", "-display", "none", "-net", "none", "-no-reboot",
                                "-drive", f"file={DISK},format=raw,snapshot=on", "-serial", f"file:{serial}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started_at = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            time.sleep(2)
            log = serial.read_text(errors="replace") if serial.exists() else ""
            assert "Failed to start kiosk.service" not in log, log[-4000:]
            assert "Kernel panic" not in log, log[-4000:]
            if started_at is None and "Started kiosk.service" in log:
                started_at = time.monotonic()
            if started_at is not None and time.monotonic() - started_at > 60:
                break
        assert started_at is not None, "the kiosk never said READY:\n" + log[-4000:]
        assert "Start application main loop" in log and "Started kiosk-x.service" in log
        assert "watchdog timeout" not in log.lower(), log[-4000:]
        assert "kiosk.service: Main process exited" not in log, log[-4000:]
        assert "Listening on kiosk-helper.socket" in log
    finally:
        process.kill()
        process.wait(timeout=30)


DESK_ROOT = Path("/var/tmp/kiosk-image-test-desk")


@pytest.fixture(scope="module")
def desk_server(tmp_path_factory):
    """A desk server provisioned by the playbook into its own debootstrapped root, twice,
    with a real TLS certificate for its broker."""
    from testbed.config import free_port
    from testbed.mosquitto import make_certificates

    certificates = tmp_path_factory.mktemp("certificates")
    make_certificates(certificates)
    broker_port, desk_port = free_port(), free_port()
    inventory = tmp_path_factory.mktemp("desk") / "inventory.yml"
    inventory.write_text(f"""\
all:
  children:
    kiosks:
      hosts:
        test-kiosk:
          kiosk_id: test-01
          kiosk_site: testsite
    desks:
      hosts:
        test-desk:
          ansible_chroot_exe: "{offline_chroot(inventory.parent)}"
          desk_sites: [testsite]
          desk_port: {desk_port}
          desk_broker_port: {broker_port}
          desk_tls_cert: {certificates / "server.pem"}
          desk_tls_key: {certificates / "server.key"}
          desk_tls_ca: {certificates / "ca.pem"}
          broker_passwords: {{ test-01: "kiosk-secret", desk-testsite: "desk-secret" }}
""")
    runs = []
    for _ in range(2):
        result = subprocess.run([str(BUILD), "--inventory", str(inventory), "--host", "test-desk", "--root",
                                 str(DESK_ROOT), "--trust-local-cas"], capture_output=True, text=True, timeout=1500,
                                env=dict(os.environ, ANSIBLE_LOCAL_TEMP="/tmp/ansible-local"))
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        runs.append(result.stdout)
    yield DESK_ROOT, runs, certificates, broker_port, desk_port


def test_the_desk_server_is_provisioned_idempotently_and_serves_kiosks_over_tls(desk_server):
    import http.cookiejar
    import urllib.request

    from kiosk.devices.fleet import LinkSettings, MqttLink
    from kiosk.help import Help, Outbox

    root, runs, certificates, broker_port, desk_port = desk_server
    assert recap(runs[1], "test-desk")["changed"] == 0, runs[1][-4000:]
    assert_the_lock_is_installed(root, "desk")
    assert "kiosk-desk.service" in os.listdir(root / "etc/systemd/system/multi-user.target.wants")
    assert not (root / "etc/mosquitto/conf.d/kiosk.conf").exists()
    mounts = []
    processes = []
    try:
        for source in ("/proc", "/dev"):
            subprocess.run(["mount", "--bind", source, str(root / source.lstrip("/"))], check=True)
            mounts.append(root / source.lstrip("/"))
        # systemd's StateDirectory, empty as on a new server (the root is kept between runs).
        shutil.rmtree(root / "var/lib/kiosk-desk", ignore_errors=True)
        (root / "var/lib/kiosk-desk").mkdir(parents=True)
        (root / "var/lib/mosquitto/mosquitto.db").unlink(missing_ok=True)
        # The broker and the desk as their units start them, inside the provisioned root.
        processes.append(subprocess.Popen(["chroot", str(root), "/usr/sbin/mosquitto", "-c",
                                           "/etc/mosquitto/mosquitto.conf"], stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True))
        subprocess.run(["chroot", str(root), "/opt/kiosk/venv/bin/kiosk-desk", "add-user", "aino", "--sites",
                        "testsite", "--config", "/etc/kiosk/desk.toml"], input="correct horse battery\n",
                       check=True, capture_output=True, text=True)
        processes.append(subprocess.Popen(["chroot", str(root), "/opt/kiosk/venv/bin/kiosk-desk", "run", "--config",
                                           "/etc/kiosk/desk.toml"], stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True))
        # A kiosk with its password and the site's CA, over TLS, as provisioning configured it.
        link = MqttLink(LinkSettings("127.0.0.1", broker_port, "testsite", "test-01", "test-01", "kiosk-secret", True,
                                     str(certificates / "ca.pem")))
        help_ = Help(link, Outbox(certificates / "outbox.sqlite"), "test-01", lambda: "Aula",
                     post=lambda work: work())
        help_.start()
        deadline = time.monotonic() + 60
        while help_.state != "seen":
            assert time.monotonic() < deadline, "the provisioned desk never saw the kiosk's request"
            assert all(p.poll() is None for p in processes), "the broker or the desk stopped"
            if help_.connected and not help_.request_id:
                help_.request("printing", "kela", "fi", [])
            help_.resend_pending()
            time.sleep(0.2)
        staff = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        staff.open(f"http://127.0.0.1:{desk_port}/login", b"name=aino&password=correct horse battery")
        state = json.loads(staff.open(f"http://127.0.0.1:{desk_port}/api/state").read())
        assert [r["kiosk"] for r in state["queue"]] == ["test-01"]
        help_.stop()
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for mount in reversed(mounts):
            subprocess.run(["umount", "--lazy", str(mount)])
