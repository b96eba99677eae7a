"""A real Mosquitto for tests: the desk server's configuration (provisioning/mosquitto) with
a TLS listener on a free loopback port, a certificate authority made for the run, and
per-kiosk and per-desk credentials."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from kiosk.devices import terminate
from testbed.config import free_port

PROVISIONING = Path(__file__).resolve().parent.parent / "provisioning" / "mosquitto"
DYNSEC_PLUGIN = f"/usr/lib/{platform.machine()}-linux-gnu/mosquitto_dynamic_security.so"  # Debian's multiarch path
# The dynamic-security plugin's file with no account yet; enrolled kiosks' accounts come
# in through its control topic. Unknown accounts are left to the password and ACL files.
DYNSEC_EMPTY = ('{"defaultACLAccess": {"publishClientSend": false, "publishClientReceive": true, '
                '"subscribe": false, "unsubscribe": true}, "clients": [], "groups": [], "roles": []}\n')


def render_acl(sites: dict[str, list[str]]) -> str:
    """The ACL provisioning writes (provisioning/mosquitto/acl.j2: every kiosk topic, `ops`
    of remote operations too, comes from there), for these sites' kiosks and one desk per site."""
    import jinja2

    template = jinja2.Template((PROVISIONING / "acl.j2").read_text(), undefined=jinja2.StrictUndefined)
    return template.render(kiosks=[{"kiosk_id": kiosk, "kiosk_site": site} for site, kiosks in sites.items()
                                   for kiosk in kiosks],
                           desks=[{"user": f"desk-{site}", "sites": [site]} for site in sites])


def make_certificates(root: Path) -> None:
    """In `root`: a certificate authority made for the run (ca.pem, ca.key) and a server
    certificate it signed for 127.0.0.1 and localhost (server.pem, server.key), valid two days."""
    run = lambda *argv: subprocess.run(argv, cwd=root, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Kiosk test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
        "-out", "server.csr")
    (root / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.pem")


class Broker:
    def __init__(self, sites: dict[str, list[str]], extra_acl: str = "") -> None:
        """`sites`: site -> its kiosk ids. Every kiosk's password is its id + "-secret",
        every desk's (user desk-<site>) "desk-secret"."""
        self.sites = sites
        self.extra_acl = extra_acl  # e.g. a load generator allowed to write as many kiosks
        self.root = Path(tempfile.mkdtemp(prefix="kiosk-mosquitto-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.ca_file = self.root / "ca.pem"

    def password(self, user: str) -> str:
        return "desk-secret" if user.startswith("desk-") else f"{user}-secret"

    def start(self) -> "Broker":
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(mosquitto).exists():
            raise RuntimeError("mosquitto is not installed (Debian package 'mosquitto'; 'make test' installs it)")
        make_certificates(self.root)
        passwords = self.root / "passwords"
        users = [kiosk for kiosks in self.sites.values() for kiosk in kiosks] + [f"desk-{s}" for s in self.sites]
        users += [line.split()[1] for line in self.extra_acl.splitlines() if line.startswith("user ")]
        for number, user in enumerate(users):
            subprocess.run(["mosquitto_passwd", "-b", *([] if number else ["-c"]), str(passwords), user,
                            self.password(user)], check=True, capture_output=True)
        (self.root / "acl").write_text(render_acl(self.sites) + "\n" + self.extra_acl)
        config = (PROVISIONING / "mosquitto.conf.template").read_text().format(
            password_file=passwords, acl_file=self.root / "acl", persistence="false", state_dir=self.root,
            log_dest=f"file {self.root / 'mosquitto.log'}\nlog_type all", port=self.port, bind="127.0.0.1",
            dynsec_plugin=DYNSEC_PLUGIN, dynsec_file=self.root / "dynamic-security.json",
            ca_file=self.ca_file, cert_file=self.root / "server.pem", key_file=self.root / "server.key")
        (self.root / "mosquitto.conf").write_text(config)
        (self.root / "dynamic-security.json").write_text(DYNSEC_EMPTY)
        # Started as root, mosquitto drops to its own user: it must reach these files.
        (self.root / "mosquitto.log").touch()
        for path in self.root.iterdir():
            path.chmod(0o666 if path.name in ("mosquitto.log", "dynamic-security.json") else 0o644)
        self.root.chmod(0o755)
        self._launch()
        return self

    def _launch(self) -> None:
        """Run mosquitto on the configuration written by `start`, until it answers."""
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen([mosquitto, "-c", str(self.root / "mosquitto.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.root / "mosquitto.log")
                    raise RuntimeError("mosquitto did not start: " + (
                        self.process.stderr.read().decode() if self.process.poll() is not None else "") + (
                        log.read_text()[-2000:] if log.exists() else ""))
                time.sleep(0.05)

    def stop(self) -> None:
        terminate(self.process)
        self.process = None

    def start_again(self) -> None:
        """After `stop`: the same broker (port, users, certificates), as a restart would bring it."""
        self._launch()

    def remove(self) -> None:
        self.stop()
        if os.environ.get("KEEP_MOSQUITTO"):
            print("mosquitto files kept in", self.root)
            return
        shutil.rmtree(self.root, ignore_errors=True)
