"""The root daemon (the units call it the root helper): the only things the kiosk may ask
root to do.

The kiosk runs as an unprivileged user. A few things need root: mounting a USB stick (read
only, or writable where the site allows it), unmounting it, wiping what the kiosk user
cannot reach (every CUPS job with its history, files the kiosk user left outside its own
directories), reading the journal of the kiosk's own units (for the desk's log bundle)
and rebooting. `kiosk-helper.socket` listens on /run/kiosk-helper.sock (group
kiosk, mode 0660) and starts `kiosk-helper@.service` for each connection with the socket as
stdin and stdout: one request, one JSON line, one answer, one JSON line.

Requests: {"op": "mount", "device": "/dev/sdb1", "write": false} → {"ok": true, "path":
"/media/kiosk/sdb1", "writable": false}; {"op": "unmount", "device": ...}; {"op":
"unmount_all"}; {"op": "wipe"}; {"op": "journal", "hours": 6} → {"ok": true, "text": "..."}
(the kiosk's units only, at most 24 hours and MAX_JOURNAL_BYTES, the newest kept); {"op":
"reboot"} (nothing else in it, and not within REBOOT_AFTER_S of the last boot: a reboot
asked again and again cannot keep the terminal from ever starting); {"op":
"browser_policy"}. Anything else, a device that is not USB storage, or a write the site's
policy ([devices] usb_storage, from every layer of the kiosk's configuration:
/etc/kiosk/kiosk.toml and kiosk.d/*.toml) does not allow is refused with {"ok": false,
"error": "..."}. The policy is read here, by root, so a kiosk process that misbehaves
cannot widen it.

`browser_policy` writes Chromium's managed policy for the catalogue the desk rolled out
(kiosk/rollout_files.py): from the kiosk's state directory, but only releases that verify
against the desk's key named in /etc/kiosk/kiosk.toml, for its site; a kiosk process that
misbehaves cannot allow a domain the desk did not sign.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kiosk.config_layers import CONFIG_DIR

log = logging.getLogger("kiosk.root_daemon")

MEDIA = Path("/media/kiosk")
SOCKET = "/run/kiosk-helper.sock"
# What sticks carry (blkid's name) → mount types to try in turn: the kernel's driver, then
# FUSE's where the kernel has none (exFAT before Linux 5.7, NTFS before 5.15).
FILESYSTEMS = {"vfat": ["vfat"], "exfat": ["exfat", "exfat-fuse"], "ntfs": ["ntfs3", "ntfs-3g"],
               "iso9660": ["iso9660"], "udf": ["udf"]}
# Filesystems without owners: mounted as the kiosk user's, for it alone.
OWNED_FILESYSTEMS = {"vfat", "exfat", "ntfs"}
DEVICE = re.compile(r"/dev/(sd[a-z]{1,2}[0-9]{0,2}|loop[0-9]{1,3})")
POLICIES = ("allowed", "read-only", "blocked")
MAX_REQUEST = 4096
# Files the kiosk user may keep in its home: X's cookie from xinit.
HOME_KEEP = {".Xauthority"}
# The kiosk's own units, whose journal a log bundle carries; never another unit's.
JOURNAL_UNITS = ("kiosk.service", "kiosk-x.service", "kiosk-helper@*.service", "kiosk-helper.socket",
                 "kiosk-reboot.service")
MAX_JOURNAL_HOURS = 24
MAX_JOURNAL_LINES = 50_000
MAX_JOURNAL_BYTES = 2 * 1024 * 1024
REBOOT_AFTER_S = 180.0


class Refused(Exception):
    """A request the helper will not carry out; the message goes back to the kiosk."""


def is_usb_storage(device: str, sys_block: Path = Path("/sys/class/block")) -> bool:
    """A block device whose sysfs path runs through a USB bus (a stick, a card reader)."""
    name = Path(device).name
    try:
        return "/usb" in str((sys_block / name).resolve())
    except OSError:
        return False


def read_policy(config_file: Path | None = None, config_dir: Path = CONFIG_DIR) -> str:
    """[devices] usb_storage as the kiosk reads it (every layer merged, `config_file` last);
    "read-only" while the configuration keeps the kiosk out of service or [devices] is wrong."""
    from kiosk.config import load_config

    config = load_config(config_file, config_dir=config_dir)
    unsure = [str(problem) for problem in config.core_problems] + ([config.disabled["devices"]]
                                                                    if "devices" in config.disabled else [])
    if unsure:
        log.warning("the USB policy is not certain (%s): read-only", "; ".join(unsure)[:500])
        return "read-only"
    return config.devices.usb_storage if config.devices.usb_storage in POLICIES else "read-only"


def uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def read_newest(argv: list[str], limit: int, timeout_s: float = 60.0) -> str:
    """The output of `argv` (journalctl --reverse: the newest first), at most `limit` bytes
    of whole lines, put back in time order."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s
    data = b""
    try:
        while len(data) <= limit and time.monotonic() < deadline:
            chunk = process.stdout.read1(65536)
            if not chunk:
                break
            data += chunk
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
    lines = data[:limit].split(b"\n")
    if len(data) > limit:
        lines = lines[:-1]  # cut short: not half a line
    return "\n".join(line.decode("utf-8", "replace") for line in reversed(lines) if line)


def run(argv: list[str]) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise Refused(f"{argv[0]} failed: {(result.stderr or result.stdout).strip()[:200]}")
    return result.stdout


@dataclass
class RootDaemon:
    kiosk_user: str = "kiosk"
    config_file: Path | None = None  # read over the configuration's layers, as `kiosk run --config`
    config_dir: Path = CONFIG_DIR
    media: Path = MEDIA
    usb_check: Callable[[str], bool] = is_usb_storage
    runner: Callable[[list[str]], str] = run
    reboot_command: list[str] = field(default_factory=lambda: ["systemctl", "--no-block", "reboot"])
    journal_reader: Callable[[list[str], int], str] = read_newest
    uptime: Callable[[], float] = uptime
    clock: Callable[[], float] = time.time
    home: Path | None = None  # the kiosk user's home (from the password database if None)
    temp_dirs: tuple[Path, ...] = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
    state_dir: Path = Path("/var/lib/kiosk")  # the kiosk's (its unit's StateDirectory=)
    policy_file: Path = Path("/etc/chromium/policies/managed/kiosk.json")

    def handle(self, request: object) -> dict:
        try:
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise Refused("a request is a JSON object with an op")
            op = request["op"]
            if op == "mount":
                return self.mount(request.get("device"), request.get("write") is True)
            if op == "unmount":
                return self.unmount(request.get("device"))
            if op == "unmount_all":
                return {"ok": True, "unmounted": self.unmount_all()}
            if op == "wipe":
                return self.wipe()
            if op == "journal":
                return self.journal(request.get("hours"))
            if op == "reboot":
                return self.reboot(request)
            if op == "browser_policy":
                return self.browser_policy()
            raise Refused(f"unknown op {op!r}")
        except Refused as refusal:
            log.warning("refused: %s", refusal)
            return {"ok": False, "error": str(refusal)}

    # --- the journal, and a reboot ---

    def journal(self, hours: object) -> dict:
        """The kiosk's units' journal for the last `hours` (1 to MAX_JOURNAL_HOURS)."""
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= MAX_JOURNAL_HOURS:
            raise Refused(f"hours must be a whole number from 1 to {MAX_JOURNAL_HOURS}")
        since = int(self.clock()) - hours * 3600
        argv = ["journalctl", "--no-pager", "--quiet", "--utc", "--output=short-iso", "--reverse",
                f"--since=@{since}", f"--lines={MAX_JOURNAL_LINES}", *(f"--unit={unit}" for unit in JOURNAL_UNITS)]
        try:
            text = self.journal_reader(argv, MAX_JOURNAL_BYTES)
        except (OSError, subprocess.SubprocessError) as error:
            raise Refused(f"cannot read the journal: {error}") from None
        return {"ok": True, "text": text[-MAX_JOURNAL_BYTES:]}

    def reboot(self, request: dict) -> dict:
        if set(request) != {"op"}:
            raise Refused("a reboot takes nothing more")
        started = self.uptime()
        if started < REBOOT_AFTER_S:
            raise Refused(f"the terminal started {int(started)} s ago: a reboot is possible "
                          f"{int(REBOOT_AFTER_S - started) + 1} s from now")
        self.runner(self.reboot_command)
        log.info("rebooting, as the kiosk asked")
        return {"ok": True}

    # --- USB storage ---

    def _device(self, device: object) -> str:
        if not isinstance(device, str) or not DEVICE.fullmatch(device):
            raise Refused("not a storage device name")
        if not self.usb_check(device):
            raise Refused(f"{device} is not USB storage")
        return device

    def mount(self, device: object, write: bool) -> dict:
        device = self._device(device)
        policy = read_policy(self.config_file, self.config_dir)
        if policy == "blocked":
            raise Refused("USB storage is not allowed here")
        if write and policy != "allowed":
            raise Refused("USB storage is read-only here")
        fstype = self.runner(["blkid", "-o", "value", "-s", "TYPE", device]).strip()
        if fstype not in FILESYSTEMS:
            raise Refused(f"unsupported filesystem {fstype or 'none'!r}")
        target = self.media / Path(device).name
        if device in self.mounts():  # again, perhaps now writable
            self.unmount(device)
        target.mkdir(parents=True, exist_ok=True, mode=0o755)
        options = ["rw" if write else "ro", "nosuid", "nodev", "noexec"]
        if fstype in OWNED_FILESYSTEMS:
            user = pwd.getpwnam(self.kiosk_user)
            options += [f"uid={user.pw_uid}", f"gid={user.pw_gid}", "fmask=0177", "dmask=0077"]
        failures = []
        for kind in FILESYSTEMS[fstype]:
            try:
                self.runner(["mount", "-t", kind, "-o", ",".join(options), device, str(target)])
                break
            except Refused as refusal:
                failures.append(str(refusal))
        else:
            target.rmdir()
            raise Refused(f"cannot mount {device}: {'; '.join(failures)}")
        log.info("mounted %s (%s) %s", device, fstype, "writable" if write else "read-only")
        return {"ok": True, "path": str(target), "writable": write}

    def mounts(self) -> dict[str, Path]:
        """Our mounts: device → mount point under the media directory."""
        found = {}
        for line in Path("/proc/self/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2:
                point = Path(parts[1].replace("\\040", " "))
                if point.parent == self.media:
                    found[parts[0]] = point
        return found

    def unmount(self, device: object) -> dict:
        if not isinstance(device, str) or not DEVICE.fullmatch(device):
            raise Refused("not a storage device name")
        point = self.mounts().get(device)
        if point is None:
            return {"ok": True, "was_mounted": False}
        self.runner(["sync", "-f", str(point)])
        self.runner(["umount", str(point)])
        point.rmdir()
        log.info("unmounted %s", device)
        return {"ok": True, "was_mounted": True}

    def unmount_all(self) -> int:
        done = 0
        for device in self.mounts():
            try:
                self.unmount(device)
                done += 1
            except Refused as refusal:  # busy: lazily, so the next person cannot reach it
                log.warning("unmounting %s: %s; detaching it", device, refusal)
                self.runner(["umount", "--lazy", str(self.mounts()[device])])
                done += 1
        return done

    # --- the root part of the wipe ---

    def wipe(self) -> dict:
        """What the kiosk user cannot wipe itself, or could miss after a crash."""
        unmounted = self.unmount_all()
        user = pwd.getpwnam(self.kiosk_user)
        removed = 0
        for directory in self.temp_dirs:
            removed += remove_owned(directory, user.pw_uid)
        home = self.home or Path(user.pw_dir)
        if home.is_dir() and home != Path("/"):
            for entry in home.iterdir():
                if entry.name not in HOME_KEEP:
                    remove(entry)
                    removed += 1
        jobs = "purged"
        try:  # every job of every queue, finished ones with their files too
            self.runner(["cancel", "-a", "-x"])
        except (Refused, OSError) as error:
            jobs = f"not purged: {error}"
        log.info("wipe: %d sticks unmounted, %d entries removed, jobs %s", unmounted, removed, jobs)
        return {"ok": True, "unmounted": unmounted, "removed": removed, "jobs": jobs}

    def browser_policy(self) -> dict:
        """The browser's policy for the rolled-out catalogue, verified here (see above)."""
        import tempfile

        from kiosk.rollout_files import browser_policy_text

        with tempfile.TemporaryDirectory(prefix="kiosk-policy-") as private:
            try:
                text = browser_policy_text(self.config_file, self.state_dir, Path(private), self.config_dir)
            except (ValueError, OSError) as error:
                raise Refused(f"no browser policy written: {error}") from None
        self.policy_file.parent.mkdir(parents=True, exist_ok=True)
        draft = self.policy_file.with_name(self.policy_file.name + ".new")
        draft.write_text(text, encoding="utf-8")
        draft.chmod(0o644)
        draft.replace(self.policy_file)
        log.info("browser policy written for the rolled-out catalogue")
        return {"ok": True}


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_owned(directory: Path, uid: int) -> int:
    removed = 0
    try:
        entries = list(directory.iterdir())
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.lstat().st_uid == uid:
                remove(entry)
                removed += 1
        except OSError:
            continue
    return removed


def peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def serve_connection(sock: socket.socket, helper: RootDaemon, timeout_s: float = 10.0) -> None:
    """One request from a connected socket (stdin of kiosk-helper@.service), one answer.

    The request is read before anyone is refused: answering and closing first would make
    a client that is still sending see a broken pipe instead of its refusal."""
    uid = peer_uid(sock)
    sock.settimeout(timeout_s)
    data = b""
    try:
        while b"\n" not in data and len(data) < MAX_REQUEST:
            chunk = sock.recv(MAX_REQUEST)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass  # answered as an empty request
    if uid not in {0, pwd.getpwnam(helper.kiosk_user).pw_uid}:
        answer = {"ok": False, "error": "not the kiosk user"}
        log.warning("refused a request from uid %d", uid)
    else:
        try:
            request = json.loads(data.split(b"\n", 1)[0] or b"null")
        except ValueError:
            request = None
        answer = helper.handle(request)
    sock.sendall(json.dumps(answer).encode() + b"\n")


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="kiosk-helper", description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="kiosk", help="the kiosk user, the only one served besides root")
    parser.add_argument("--config", type=Path, help="a file read after /etc/kiosk/kiosk.toml and kiosk.d/*.toml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    sock = socket.socket(fileno=os.dup(0))  # the connection systemd accepted for us
    try:
        serve_connection(sock, RootDaemon(kiosk_user=args.user, config_file=args.config))
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
