"""The root helper: what it refuses, who it answers, and a real stick (an exFAT image on a
loop device; this machine's kernel has no vfat module, exFAT through FUSE is what sticks of
64 GB and more carry anyway) mounted read-only, written where allowed, unmounted, wiped."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.roothelper import InProcessHelper, RootHelper
from kiosk.root_daemon import JOURNAL_UNITS, MAX_JOURNAL_BYTES, RootDaemon, Refused, is_usb_storage, read_newest, \
    serve_connection


def policy_file(tmp_path: Path, policy: str | None) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[devices]\nusb_storage = "{policy}"\n' if policy else "[site]\n")
    return path


class Recorder:
    def __init__(self, fstype: str = "vfat") -> None:
        self.calls: list[list[str]] = []
        self.fstype = fstype

    def __call__(self, argv: list[str]) -> str:
        self.calls.append(argv)
        return self.fstype + "\n" if argv[0] == "blkid" else ""


@pytest.mark.parametrize("request_", [None, [], {"op": 5}, {"op": "format"}, {"op": "mount", "device": "/dev/sda; rm -rf /"},
                                      {"op": "mount", "device": "/etc/passwd"}, {"op": "unmount", "device": "../../dev/sda"}])
def test_anything_but_its_few_requests_is_refused(request_, tmp_path):
    recorder = Recorder()
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, "allowed"), media=tmp_path / "media",
                        usb_check=lambda device: True, runner=recorder)
    answer = helper.handle(request_)
    assert answer["ok"] is False and answer["error"]
    assert recorder.calls == []


def test_the_sites_policy_decides_read_only_writable_or_not_at_all(tmp_path):
    recorder = Recorder()
    helper = RootDaemon(kiosk_user="nobody", media=tmp_path / "media", usb_check=lambda device: True, runner=recorder)
    helper.config_file = policy_file(tmp_path, "blocked")
    assert helper.handle({"op": "mount", "device": "/dev/sdb1"}) == {"ok": False,
                                                                     "error": "USB storage is not allowed here"}
    for policy in ("read-only", None, "nonsense"):  # unset or unknown: read-only
        helper.config_file = policy_file(tmp_path, policy)
        assert helper.handle({"op": "mount", "device": "/dev/sdb1", "write": True})["error"] == \
            "USB storage is read-only here"
    answer = helper.handle({"op": "mount", "device": "/dev/sdb1"})
    assert answer == {"ok": True, "path": str(tmp_path / "media" / "sdb1"), "writable": False}
    mount = recorder.calls[-1]
    assert mount[:4] == ["mount", "-t", "vfat", "-o"] and mount[5:] == ["/dev/sdb1", str(tmp_path / "media" / "sdb1")]
    assert mount[4].startswith("ro,nosuid,nodev,noexec,uid=")


def test_the_policy_is_the_merged_configurations_and_read_only_when_any_layer_is_broken(tmp_path):
    etc = tmp_path / "etc"
    (etc / "kiosk.d").mkdir(parents=True)
    (etc / "kiosk.toml").write_text('[devices]\nusb_storage = "blocked"\n')
    (etc / "kiosk.d" / "50-provisioning.toml").write_text('[devices]\nusb_storage = "allowed"\n')
    helper = RootDaemon(kiosk_user="nobody", config_dir=etc, media=tmp_path / "media", usb_check=lambda device: True,
                        runner=Recorder())
    assert helper.handle({"op": "mount", "device": "/dev/sdb1", "write": True})["writable"] is True
    (etc / "kiosk.d" / "90-local.toml").write_text("[devices\n")  # a drop-in that cannot be read
    assert helper.handle({"op": "mount", "device": "/dev/sdb1", "write": True})["error"] == \
        "USB storage is read-only here"


def test_a_disk_that_is_not_usb_or_a_filesystem_a_stick_does_not_carry_is_refused(tmp_path):
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, "allowed"), media=tmp_path / "media",
                        usb_check=lambda device: False, runner=Recorder())
    assert helper.handle({"op": "mount", "device": "/dev/sda1"})["error"] == "/dev/sda1 is not USB storage"
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, "allowed"), media=tmp_path / "media",
                        usb_check=lambda device: True, runner=Recorder("ext4"))
    assert "unsupported filesystem" in helper.handle({"op": "mount", "device": "/dev/sdb1"})["error"]
    assert not is_usb_storage("/dev/loop0")  # a virtual block device is no stick


CLIENT = """
import socket, sys
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
    client.connect("\\0" + sys.argv[1])
    client.sendall(b'{"op": "reboot"}\\n')
    sys.stdout.write(client.makefile().readline())
"""


def test_only_the_kiosk_user_and_root_are_answered(tmp_path):
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, "allowed"),
                        media=tmp_path / "media", runner=Recorder(), reboot_command=["true"], uptime=lambda: 3600.0)
    name = f"kiosk-helper-test-{os.getpid()}"  # an abstract socket: any user may connect
    for uid, expected in ((0, {"ok": True}), (pwd.getpwnam("nobody").pw_uid, {"ok": True}),
                          (pwd.getpwnam("daemon").pw_uid, {"ok": False, "error": "not the kiosk user"})):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind("\0" + name)
            listener.listen(1)
            # The client, as that user (the system's Python: the test's may be in root's home).
            client = subprocess.Popen(["/usr/bin/python3", "-c", CLIENT, name], stdout=subprocess.PIPE, text=True,
                                      cwd="/", preexec_fn=lambda uid=uid: os.setuid(uid))
            listener.settimeout(30)
            connection, _ = listener.accept()
            with connection:
                serve_connection(connection, helper)
            output, _ = client.communicate(timeout=30)
        assert json.loads(output) == expected, uid


def test_the_kiosk_side_says_when_the_helper_is_not_there(tmp_path):
    with pytest.raises(DeviceError, match="did not answer"):
        RootHelper(str(tmp_path / "no.sock")).request("wipe")
    assert not RootHelper(str(tmp_path / "no.sock")).available()


def test_a_real_stick_is_mounted_read_only_written_only_where_allowed_and_unmounted(stick, tmp_path):
    config = policy_file(tmp_path, "read-only")
    helper = InProcessHelper(RootDaemon(kiosk_user="nobody", config_file=config, media=tmp_path / "media",
                                        usb_check=lambda device: device == stick))
    with pytest.raises(DeviceError, match="read-only here"):
        helper.request("mount", device=stick, write=True)
    mounted = helper.request("mount", device=stick)
    path = Path(mounted["path"])
    assert sorted(p.name for p in path.iterdir()) == ["kuva.jpg", "lomake.pdf", "run.sh"]
    assert path.stat().st_uid == pwd.getpwnam("nobody").pw_uid  # the kiosk user's
    with pytest.raises(OSError):
        (path / "new.pdf").write_bytes(b"x")
    with pytest.raises(PermissionError):  # noexec
        subprocess.run([str(path / "run.sh")], capture_output=True)
    assert helper.request("unmount", device=stick) == {"ok": True, "was_mounted": True}
    assert not path.exists()

    config.write_text('[devices]\nusb_storage = "allowed"\n')
    path = Path(helper.request("mount", device=stick, write=True)["path"])
    (path / "oma-asiakirja.pdf").write_bytes(b"%PDF-1.4\n")
    assert helper.request("wipe")["unmounted"] == 1  # the wipe takes the stick away too
    path = Path(helper.request("mount", device=stick)["path"])
    assert (path / "oma-asiakirja.pdf").read_bytes() == b"%PDF-1.4\n"  # written through before unmounting
    assert helper.request("unmount_all") == {"ok": True, "unmounted": 1}


def test_the_wipe_removes_the_kiosk_users_leftovers_and_nothing_else(tmp_path):
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    nobody = pwd.getpwnam("nobody").pw_uid
    for path in (home / ".cache", home / "Downloads", temp / "left.pdf"):
        path.mkdir() if path.suffix == "" else path.write_bytes(b"x")
        os.chown(path, nobody, nobody)
    (home / ".Xauthority").write_bytes(b"cookie")
    (temp / "roots.txt").write_bytes(b"not the kiosk's")
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, None), media=tmp_path / "media",
                        home=home, temp_dirs=(temp,), runner=Recorder())
    answer = helper.handle({"op": "wipe"})
    assert answer == {"ok": True, "unmounted": 0, "removed": 3, "jobs": "purged"}
    assert sorted(p.name for p in home.iterdir()) == [".Xauthority"]
    assert sorted(p.name for p in temp.iterdir()) == ["roots.txt"]
    assert helper.runner.calls == [["cancel", "-a", "-x"]]


def test_the_journal_is_the_kiosks_units_only_for_at_most_a_day_and_bounded(tmp_path):
    asked = []

    def reader(argv, limit):
        asked.append((argv, limit))
        return "older\nnewer"

    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, None), runner=Recorder(),
                        journal_reader=reader, clock=lambda: 1_000_000.0)
    for hours in (0, 25, "6", 6.0, True, None, -1):
        assert helper.handle({"op": "journal", "hours": hours})["ok"] is False
    assert asked == []
    assert helper.handle({"op": "journal", "hours": 6}) == {"ok": True, "text": "older\nnewer"}
    (argv, limit), = asked
    assert argv[0] == "journalctl" and "--since=@978400" in argv and limit == MAX_JOURNAL_BYTES
    assert sorted(a for a in argv if a.startswith("--unit=")) == sorted(f"--unit={u}" for u in JOURNAL_UNITS)
    assert all(unit.startswith("kiosk") for unit in JOURNAL_UNITS)


def test_the_newest_lines_are_kept_whole_and_in_order():
    script = "for n in $(seq 1 5000); do echo \"line $n\"; done | tac"  # as journalctl --reverse gives them
    text = read_newest(["sh", "-c", script], 200)
    lines = text.split("\n")
    assert lines[-1] == "line 5000" and lines == [f"line {n}" for n in range(5001 - len(lines), 5001)]
    assert len(text) <= 200


def test_a_reboot_takes_nothing_more_and_not_right_after_a_boot(tmp_path):
    recorder = Recorder()
    started = [60.0]
    helper = RootDaemon(kiosk_user="nobody", config_file=policy_file(tmp_path, None), runner=recorder,
                        uptime=lambda: started[0])
    answer = helper.handle({"op": "reboot"})
    assert answer["ok"] is False and "started 60 s ago" in answer["error"]
    started[0] = 3600.0
    for more in ({"op": "reboot", "target": "poweroff"}, {"op": "reboot", "when": "+1"}):
        assert helper.handle(more) == {"ok": False, "error": "a reboot takes nothing more"}
    assert recorder.calls == []
    assert helper.handle({"op": "reboot"}) == {"ok": True}
    assert recorder.calls == [["systemctl", "--no-block", "reboot"]]
