"""A terminal of the one image becoming a kiosk: it asks the desk, shows a code, and once an
administrator has accepted the code on the desk (kiosk/desk/enrolment.py), writes what it
was given (its id, site, place and broker account) into its state directory and starts
again as that kiosk.

`[fleet] enrol = true` with `desk_url` and `ca_file` is all the image's configuration needs;
`enrolled.toml` in the state directory is then a layer of the configuration
(`kiosk.config.config_files`), above the site's files, and `broker-password` beside it is
readable by the kiosk's user only. The secret that proves which terminal asked never leaves
the terminal except to the desk over TLS, and is forgotten once enrolled.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.wake import wired_mac

log = logging.getLogger(__name__)

ENROLLED_FILE = "enrolled.toml"
PASSWORD_FILE = "broker-password"
SECRET_FILE = "enrolment-secret"
CODE_LETTERS = "ACDEFHJKLMNPRTUVWXY3479"  # as the desk's: no look-alikes
ASK_S = 3.0             # between asks while waiting for the administrator
TIMEOUT_S = 15.0
MAX_ANSWER = 4096
SITE = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
KIOSK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
HOST = re.compile(r"[A-Za-z0-9.-]{1,253}")
PASSWORD = re.compile(r"[A-Za-z0-9_-]{16,128}")


def state_dir() -> Path:
    """Where systemd keeps the kiosk's state (STATE_DIRECTORY), else XDG's."""
    from kiosk.config_layers import state_directory

    return state_directory()


def enrolled_file(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / ENROLLED_FILE


def needs_enrolment(config, directory: Path | None = None) -> bool:
    return bool(config.fleet.enrol and config.fleet.desk_url) and not enrolled_file(directory).exists()


class EnrolmentRefused(Exception):
    """The desk said no to this terminal (an administrator refused it)."""


@dataclass
class Identity:
    site: str
    kiosk_id: str
    place: str
    broker_host: str
    broker_port: int
    username: str
    password: str

    @classmethod
    def of(cls, answer: dict) -> "Identity":
        """What the desk answered, checked as the configuration would check it. ValueError."""
        identity = cls(str(answer.get("site", "")), str(answer.get("kiosk_id", "")), str(answer.get("place", "")),
                       str(answer.get("broker_host", "")), answer.get("broker_port"), str(answer.get("username", "")),
                       str(answer.get("password", "")))
        if not (SITE.fullmatch(identity.site) and KIOSK_ID.fullmatch(identity.kiosk_id)
                and HOST.fullmatch(identity.broker_host) and isinstance(identity.broker_port, int)
                and 0 < identity.broker_port < 65536 and identity.username == identity.kiosk_id
                and PASSWORD.fullmatch(identity.password) and len(identity.place) <= 80
                and identity.place.isprintable()):
            raise ValueError("the desk's answer is not an identity")
        return identity


def new_code() -> str:
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def write_identity(identity: Identity, directory: Path) -> Path:
    """`enrolled.toml` and `broker-password` in `directory`, each written whole or not at
    all (the password first: a configuration naming a missing file is never seen)."""
    directory.mkdir(parents=True, exist_ok=True)
    password = directory / PASSWORD_FILE
    _write(password, identity.password + "\n", 0o600)
    q = json.dumps  # a JSON string of these characters is a TOML basic string
    _write(enrolled_file(directory), (
        "# Written at enrolment (kiosk/enrolment.py) from what the staff desk gave this terminal.\n"
        f"[site]\nkiosk_id = {q(identity.kiosk_id)}\nplace = {q(identity.place)}\n\n"
        f"[fleet]\nsite = {q(identity.site)}\nhost = {q(identity.broker_host)}\nport = {identity.broker_port}\n"
        f"username = {q(identity.username)}\npassword_file = {q(str(password))}\n"), 0o644)
    return enrolled_file(directory)


def _write(path: Path, text: str, mode: int) -> None:
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


class EnrolmentClient:
    """The terminal's side of the desk's three enrolment requests, over HTTPS."""

    def __init__(self, desk_url: str, ca_file: str, directory: Path, version: str = "") -> None:
        self.base = desk_url.rstrip("/")
        self.directory, self.version = directory, version
        self.context = ssl.create_default_context(cafile=ca_file or None) if self.base.startswith("https:") else None
        self.code = ""

    def _secret(self) -> str:
        """The terminal's secret: made once, kept across restarts until enrolled."""
        path = self.directory / SECRET_FILE
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write(path, secrets.token_urlsafe(32) + "\n", 0o600)
            return path.read_text().strip()

    def _post(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.base + path, json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        handlers = [urllib.request.HTTPSHandler(context=self.context)] if self.context else []
        opener = urllib.request.build_opener(*handlers)
        opener.handlers = [h for h in opener.handlers if not isinstance(h, urllib.request.HTTPRedirectHandler)]
        try:
            with opener.open(request, timeout=TIMEOUT_S) as answer:
                status, data = answer.status, answer.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read(MAX_ANSWER + 1)
        if len(data) > MAX_ANSWER:
            raise OSError("the desk's answer is too long")
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            answer = {}
        return status, answer if isinstance(answer, dict) else {}

    def hello(self) -> str:
        """The code to show, once the desk has taken it with this terminal's secret. OSError."""
        secret = self._secret()
        for _ in range(5):
            code = self.code or new_code()
            status, _answer = self._post("/enrol/hello", {"code": code, "secret": secret, "mac": wired_mac() or "",
                                                          "version": self.version})
            if status == 200:
                self.code = code
                return code
            if status != 409:  # 409: the code is another terminal's, or ours had another
                raise OSError(f"the desk answered {status}")
            self.code = ""
        raise OSError("the desk took none of five codes")

    def ask(self) -> Identity | None:
        """None while the administrator has not decided; the identity once accepted.
        EnrolmentRefused; OSError (the desk away, or forgot us: hello again)."""
        status, answer = self._post("/enrol/wait", {"secret": self._secret()})
        if status == 403:
            raise EnrolmentRefused()
        if status == 200 and answer.get("state") == "accepted":
            return Identity.of(answer)
        if status in (200, 503):
            return None
        raise OSError(f"the desk answered {status}")

    def done(self) -> None:
        try:
            self._post("/enrol/done", {"secret": self._secret()})
        except OSError as error:  # the desk's row expires by itself
            log.warning("enrolment: could not tell the desk: %s", error)
