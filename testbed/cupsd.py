"""A private cupsd with virtual printers, listening on a socket in a temporary directory.

`KioskTest` writes to /dev/null; jobs held with `job-hold-until=indefinite` (or sent to a
queue added with `held=True`) stay queued, which makes cancel and purge deterministic to
test. `KioskPDF` is cups-pdf: every job comes out as a PDF in `pdf_dir`, through the same
filters a real printer's jobs go through, so tests can read what was printed.

CUPS refuses to run its filters as root, so its files belong to the `lp` user, and the
directory must be reachable by `lp` and `nobody` (cups-pdf writes as `nobody` for a job
user the system does not know): not under pytest's private temporary directory.
cups-pdf reads its configuration only from /etc/cups; each server writes its own file
there (named after the server) and removes it when stopped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from kiosk.devices import terminate

PRINTER = "KioskTest"
PDF_PRINTER = "KioskPDF"
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")

CUPSD_CONF = """\
Listen {socket}
LogLevel warn
PreserveJobFiles No
PreserveJobHistory No
MaxJobs 0
WebInterface No
Browsing No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """\
ServerRoot {root}/etc
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/spool
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice Yes
Printcap {root}/state/printcap
User {user}
Group {group}
SystemGroup root
"""


class CupsServer:
    def __init__(self, root: Path | None = None) -> None:
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
        self.socket = str(self.root / "cups.sock")
        self.pdf_dir = self.root / "pdf-out"
        self.process: subprocess.Popen | None = None
        self._pdf_config: Path | None = None

    def start(self) -> "CupsServer":
        cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
        if not Path(cupsd).exists():
            raise RuntimeError("cupsd is not installed (Debian package 'cups-daemon'; 'make test' installs it)")
        user = pwd.getpwnam("lp")
        for name in ("etc/ppd", "etc/ssl", "spool", "cache", "state", "log"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(socket=self.socket))
        (self.root / "etc" / "cups-files.conf").write_text(
            CUPS_FILES_CONF.format(root=self.root, user="lp", group="lp"))
        os.chmod(self.root, 0o755)
        for parent in self.root.parents:
            if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
                raise RuntimeError(f"{parent} is closed to the lp user: put the test cupsd elsewhere")
        for name in ("spool", "cache", "state", "log"):
            os.chown(self.root / name, user.pw_uid, user.pw_gid)
        self.process = subprocess.Popen(
            [cupsd, "-f", "-c", str(self.root / "etc" / "cupsd.conf"), "-s", str(self.root / "etc" / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not Path(self.socket).exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.root / "log" / "error_log"
                errors = [l for l in log.read_text().splitlines() if l.startswith("E ")] if log.exists() else []
                raise RuntimeError(f"cupsd did not start: {'; '.join(errors) or 'no socket after 15 s'}")
            time.sleep(0.05)
        self.add_queue(PRINTER)
        self._add_pdf_queue()
        return self

    def add_queue(self, name: str, held: bool = False) -> str:
        """Another virtual printer (to disable or reject without touching the shared one);
        `held`: every job waits until cancelled, while the printer itself looks fine."""
        options = ["-o", "job-hold-until-default=indefinite"] if held else []
        self._run("lpadmin", "-h", self.socket, "-p", name, "-E", "-v", "file:///dev/null", "-m", "raw", *options)
        return name

    def _add_pdf_queue(self) -> None:
        if not CUPS_PDF_BACKEND.exists():
            raise RuntimeError("cups-pdf is not installed (Debian package 'printer-driver-cups-pdf'; "
                               "'make test' installs it)")
        tag = f"kiosktest{os.getpid()}"
        for name in ("pdf-out", "pdf-spool", "gs-tmp"):
            (self.root / name).mkdir(exist_ok=True)
            os.chmod(self.root / name, 0o1777)
        self._pdf_config = Path(f"/etc/cups/cups-pdf-{tag}.conf")
        self._pdf_config.write_text(
            f"Out {self.pdf_dir}\nAnonDirName {self.pdf_dir}\nAnonUMask 0000\nUserUMask 0000\n"
            f"Spool {self.root / 'pdf-spool'}\nGSTmp {self.root / 'gs-tmp'}\nLog {self.root / 'log'}\n"
            "LogType 1\nLabel 1\n")
        self._run("lpadmin", "-h", self.socket, "-p", PDF_PRINTER, "-E", "-v", f"cups-pdf:/{tag}",
                  "-P", str(CUPS_PDF_PPD))

    def printed(self, job: int) -> Path | None:
        """The PDF cups-pdf made of `job`, once it is complete."""
        found = sorted(self.pdf_dir.glob(f"*job_{job}.pdf"))
        return found[0] if found else None

    def pause(self, name: str, reason: str = "") -> None:
        self._run("cupsdisable", "-h", self.socket, *(["-r", reason] if reason else []), name)

    def reject(self, name: str) -> None:
        self._run("cupsreject", "-h", self.socket, name)

    def set_reasons(self, name: str, *reasons: str) -> None:
        """Give queue `name` these printer-state-reasons ("media-empty-error"), as a printer's
        backend reports a fault; none at all: "none". One CUPS-Add-Modify-Printer request
        (which makes the queue if there is none): no CUPS command sets them but ipptool, and
        its package (cups-ipp-utils) is not among those the tests install."""
        import http.client
        import socket
        import struct

        def attribute(tag: int, name: str, value: str) -> bytes:
            return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value.encode()

        uri = f"ipp://localhost/printers/{name}"
        body = struct.pack(">BBHI", 2, 0, 0x4003, 1) + b"\x01" + attribute(0x47, "attributes-charset", "utf-8") \
            + attribute(0x48, "attributes-natural-language", "en") + attribute(0x45, "printer-uri", uri) + b"\x04" \
            + attribute(0x44, "printer-state-reasons", reasons[0]) \
            + b"".join(attribute(0x44, "", reason) for reason in reasons[1:]) + b"\x03"
        connection = http.client.HTTPConnection("localhost", timeout=30)
        connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.sock.settimeout(30)
        connection.sock.connect(self.socket)
        try:
            connection.request("POST", "/admin/", body, {"Content-Type": "application/ipp"})
            answer = connection.getresponse().read()
        finally:
            connection.close()
        status = struct.unpack(">H", answer[2:4])[0] if len(answer) >= 4 else -1
        if not 0 <= status <= 0xFF:  # 0x0000-0x00FF: successful
            raise RuntimeError(f"cupsd refused printer-state-reasons {reasons} for {name}: IPP status {status:#06x}")

    def _run(self, *argv: str) -> str:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")
        return result.stdout

    def hold_job(self, user: str, title: str = "canary") -> int:
        """Queue a job as `user` that stays held until cancelled."""
        import cups

        document = self.root / "canary.txt"
        document.write_text("canary\n")
        cups.setServer(self.socket)
        cups.setUser(user)
        return cups.Connection().printFile(PRINTER, str(document), title, {"job-hold-until": "indefinite"})

    def jobs(self, user: str | None = None) -> list[int]:
        """Not-completed jobs (of `user`, or everyone's)."""
        import cups

        cups.setServer(self.socket)
        if user:
            cups.setUser(user)
        jobs = cups.Connection().getJobs(which_jobs="not-completed", my_jobs=bool(user),
                                         requested_attributes=["job-id"])
        return sorted(jobs)

    def spool_files(self) -> list[str]:
        """Job files CUPS still keeps (must be none after a purge)."""
        return sorted(p.name for p in (self.root / "spool").glob("d*"))

    def stop(self) -> None:
        terminate(self.process)
        self.process = None
        if self._pdf_config is not None:
            self._pdf_config.unlink(missing_ok=True)
            self._pdf_config = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
