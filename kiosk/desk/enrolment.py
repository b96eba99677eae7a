"""Enrolment: one image for every terminal; an administrator makes each a kiosk on the desk.

A terminal with no identity asks the desk (over HTTPS, `kiosk/enrolment.py` on its side)
with a code of its own making and a secret only it knows, then shows the code. An
administrator reads the code off its screen, finds it on the enrolment page and gives it a
site, an id and a place. The terminal, waiting with its secret, then gets its broker
account, made there and then on the broker (Mosquitto's dynamic-security plugin) with a
password nobody else sees and the same topics the provisioned kiosks' ACL gives
(`KIOSK_WRITES`, `KIOSK_READS`). Nothing of the password is stored: asked again (an answer
lost on the way), the account gets a new one.

The code is not a secret: it is on a screen in a public room. It binds the administrator's
decision to the terminal in front of them, because the terminal shows it only once the
desk has taken it with the terminal's secret; whoever copies it later cannot take it
over, since a code is taken once, and only that secret gets the account.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from kiosk.desk.schema import enrolments as ENROLMENTS

log = logging.getLogger(__name__)

CODE_LETTERS = "ACDEFHJKLMNPRTUVWXY3479"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 6/G, 8/B)
CODE = re.compile(rf"[{CODE_LETTERS}]{{4}}-[{CODE_LETTERS}]{{4}}")
SECRET = re.compile(r"[A-Za-z0-9_-]{43,64}")
MAC = re.compile(r"([0-9a-f]{2}:){5}[0-9a-f]{2}|")
VERSION = re.compile(r"[0-9A-Za-z.+-]{0,40}")
KIOSK_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # as the kiosk's [site] kiosk_id
WAITING_S = 24 * 3600     # a terminal not seen for a day is forgotten
MAX_PENDING = 500         # terminals waiting at once, in all
MAX_PLACE = 80

# What every kiosk account may do on the broker: write these leaves of its own
# kiosk/<site>/<id>/, read its events. provisioning/mosquitto/acl.j2 gives provisioned
# kiosks the same (a test holds them equal).
KIOSK_WRITES = ("presence", "status", "help", "stats", "replies", "booking", "upload", "share", "screen", "ops")
KIOSK_READS = ("events",)
CONTROL = "$CONTROL/dynamic-security/v1"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class EnrolmentError(Exception):
    """A request the desk refuses: `reason` is a word the page or the terminal shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BrokerAccountSettings:
    host: str
    port: int
    username: str
    password: str
    tls: bool
    ca_file: str


class BrokerAccounts:
    """Kiosk accounts on Mosquitto through its dynamic-security plugin's control topic, as
    the desk's enrolment account (its ACL: that topic and nothing else). One connection
    per change: enrolments are rare, and a connection held open would be one more thing
    to watch."""

    def __init__(self, settings: BrokerAccountSettings, timeout_s: float = 10.0) -> None:
        self.settings, self.timeout_s = settings, timeout_s
        self._lock = threading.Lock()  # the account's client id is its name: one at a time

    @staticmethod
    def commands(site: str, kiosk: str, password: str) -> list[dict]:
        role = f"kiosk-{site}-{kiosk}"
        acls = [{"acltype": "publishClientSend", "topic": f"kiosk/{site}/{kiosk}/{leaf}", "allow": True}
                for leaf in KIOSK_WRITES]
        acls += [{"acltype": "subscribeLiteral", "topic": f"kiosk/{site}/{kiosk}/{leaf}", "allow": True}
                 for leaf in KIOSK_READS]
        return [{"command": "deleteClient", "username": kiosk}, {"command": "deleteRole", "rolename": role},
                {"command": "createRole", "rolename": role, "acls": acls},
                {"command": "createClient", "username": kiosk, "password": password,
                 "roles": [{"rolename": role}]}]

    def make(self, site: str, kiosk: str, password: str) -> None:
        """The account `kiosk` (of `site`) with `password`, made anew. OSError when the
        broker does not do it."""
        import paho.mqtt.client as mqtt

        commands = self.commands(site, kiosk, password)
        answered, connected = threading.Event(), threading.Event()
        answers: list[dict] = []
        with self._lock:
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.settings.username)
            client.username_pw_set(self.settings.username, self.settings.password)
            if self.settings.tls:
                client.tls_set(ca_certs=self.settings.ca_file or None)

            def on_connect(_client, _userdata, _flags, reason, _properties) -> None:
                if not reason.is_failure:
                    _client.subscribe(CONTROL + "/response", 1)

            def on_subscribe(*_args) -> None:
                connected.set()

            def on_message(_client, _userdata, message) -> None:
                try:
                    answers.append(json.loads(message.payload[:65536]))
                except ValueError:
                    return
                answered.set()

            client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
            try:
                client.connect(self.settings.host, self.settings.port)
            except (OSError, ValueError) as error:
                raise OSError(f"the broker: {error}") from error
            client.loop_start()
            try:
                if not connected.wait(self.timeout_s):
                    raise OSError("the broker did not take the enrolment account")
                client.publish(CONTROL, json.dumps({"commands": commands}), 1)
                if not answered.wait(self.timeout_s):
                    raise OSError("the broker's dynamic-security plugin did not answer")
            finally:
                client.disconnect()
                client.loop_stop()
        responses = answers[0].get("responses", []) if isinstance(answers[0], dict) else []
        failed = [r for r in responses[2:] if isinstance(r, dict) and r.get("error")]  # deletes may find nothing
        if len(responses) != len(commands) or failed:
            raise OSError(f"the broker refused the account: {failed or responses}")


class Enrolments:
    """The enrolment table: terminals asking, administrators deciding, terminals collecting."""

    def __init__(self, engine, accounts: BrokerAccounts | None, broker_host: str, broker_port: int,
                 known_kiosks=lambda: set(), clock=time.time) -> None:
        """`known_kiosks()`: (site, id) of the kiosks the desk knows, so that an id is not
        given twice."""
        self.engine, self.accounts, self.clock = engine, accounts, clock
        self.broker_host, self.broker_port, self.known_kiosks = broker_host, broker_port, known_kiosks

    # -- the terminal ---------------------------------------------------------------------

    def hello(self, code: str, secret: str, address: str, mac: str, version: str) -> None:
        """A terminal's code and secret, taken once. EnrolmentError("taken") if the code is
        another terminal's (it makes another), "invalid", or "full"."""
        if not (CODE.fullmatch(code or "") and SECRET.fullmatch(secret or "") and MAC.fullmatch(mac or "")
                and VERSION.fullmatch(version or "")):
            raise EnrolmentError("invalid")
        now = self.clock()
        with self.engine.begin() as db:
            db.execute(delete(ENROLMENTS).where(ENROLMENTS.c.expires < now))
            mine = db.execute(select(ENROLMENTS.c.code).where(ENROLMENTS.c.secret == secret_hash(secret))).first()
            if mine is not None:
                if mine.code != code:
                    raise EnrolmentError("taken")
                return  # said again (its answer lost): nothing new
            pending = db.execute(select(ENROLMENTS.c.code).where(ENROLMENTS.c.state == "pending")).fetchall()
            if len(pending) >= MAX_PENDING:
                raise EnrolmentError("full")
        try:
            with self.engine.begin() as db:
                db.execute(insert(ENROLMENTS).values(code=code, secret=secret_hash(secret), address=address[:64],
                                                     mac=mac, version=version, state="pending", seen=now,
                                                     expires=now + WAITING_S))
        except IntegrityError:
            raise EnrolmentError("taken") from None

    def collect(self, secret: str) -> dict | None:
        """What the terminal with `secret` is to be: None while it waits; its identity
        and a new broker password once accepted. EnrolmentError("refused"/"unknown")."""
        if not SECRET.fullmatch(secret or ""):
            raise EnrolmentError("unknown")
        now = self.clock()
        with self.engine.begin() as db:
            row = db.execute(select(ENROLMENTS).where(ENROLMENTS.c.secret == secret_hash(secret))).first()
            if row is None or row.expires < now:
                raise EnrolmentError("unknown")
            if row.state == "refused":
                raise EnrolmentError("refused")
            db.execute(update(ENROLMENTS).where(ENROLMENTS.c.code == row.code).values(seen=now,
                                                                                      expires=now + WAITING_S))
        if row.state != "accepted":
            return None
        password = secrets.token_urlsafe(24)
        if self.accounts is None:
            raise EnrolmentError("no_broker")
        self.accounts.make(row.site, row.kiosk, password)  # OSError: the terminal asks again
        return {"site": row.site, "kiosk_id": row.kiosk, "place": row.place or "", "broker_host": self.broker_host,
                "broker_port": self.broker_port, "username": row.kiosk, "password": password}

    def collected(self, secret: str) -> None:
        """The terminal has its identity (it said so): the row goes."""
        with self.engine.begin() as db:
            db.execute(delete(ENROLMENTS).where(ENROLMENTS.c.secret == secret_hash(secret),
                                                ENROLMENTS.c.state == "accepted"))

    # -- the administrator ----------------------------------------------------------------

    def waiting(self) -> list[dict]:
        now = self.clock()
        with self.engine.connect() as db:
            rows = db.execute(select(ENROLMENTS).where(ENROLMENTS.c.expires >= now)
                              .order_by(ENROLMENTS.c.seen.desc()).limit(MAX_PENDING)).fetchall()
        return [{"code": r.code, "address": r.address, "mac": r.mac, "version": r.version, "state": r.state,
                 "seen": r.seen, "site": r.site or "", "kiosk": r.kiosk or "", "place": r.place or "",
                 "by": r.by or ""} for r in rows]

    def accept(self, code: str, site: str, kiosk: str, place: str, by: str) -> None:
        """The terminal showing `code` is kiosk `kiosk` of `site`. EnrolmentError:
        "unknown" code, "invalid" id or place, "in_use" id."""
        if not CODE.fullmatch(code or ""):
            raise EnrolmentError("unknown")
        place = " ".join((place or "").split())
        if not KIOSK_ID.fullmatch(kiosk or "") or kiosk.startswith("desk-") or len(place) > MAX_PLACE:
            raise EnrolmentError("invalid")
        if any(k == kiosk for _s, k in self.known_kiosks()):  # an account's name is its id, in every site
            raise EnrolmentError("in_use")
        with self.engine.begin() as db:
            taken = db.execute(select(ENROLMENTS.c.code).where(ENROLMENTS.c.kiosk == kiosk,
                                                               ENROLMENTS.c.code != code)).first()
            if taken is not None:
                raise EnrolmentError("in_use")
            done = db.execute(update(ENROLMENTS).where(ENROLMENTS.c.code == code, ENROLMENTS.c.state == "pending",
                                                       ENROLMENTS.c.expires >= self.clock())
                              .values(state="accepted", site=site, kiosk=kiosk, place=place, by=by,
                                      decided=self.clock()))
            if done.rowcount != 1:
                raise EnrolmentError("unknown")

    def refuse(self, code: str, by: str) -> None:
        with self.engine.begin() as db:
            done = db.execute(update(ENROLMENTS).where(ENROLMENTS.c.code == code, ENROLMENTS.c.state == "pending")
                              .values(state="refused", by=by, decided=self.clock()))
            if done.rowcount != 1:
                raise EnrolmentError("unknown")
