"""Change notices between desk processes that share one database.

A write that staff pages show (a new, cancelled, accepted or resolved request, kiosks'
presence and statuses, staff accounts) sends a small notice: what kind of change, and the
site, kiosk and request it concerns, never the data itself (the pages read that from the
database). With PostgreSQL a notice is a NOTIFY on `CHANNEL` inside the write's own
transaction, so it is delivered if and only if the change is committed; every desk process
LISTENs on a connection of its own and refreshes its pages' event streams at once. With
SQLite one process serves the desk and its own link tells its pages: `NoNotices`."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from typing import Callable

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

CHANNEL = "kiosk_desk_changes"
# A thousand kiosks send a status every ten seconds: the other processes hear of kiosks'
# statuses at most this often (the pages redraw the kiosks every two seconds at most).
KIOSKS_EVERY_S = 1.0
LISTEN_WAIT_S = 1.0  # how long a stop may take
RECONNECT_S = (1.0, 30.0)

OnNotice = Callable[[dict], None]
NOTIFY = select(func.pg_notify(CHANNEL, bindparam("payload")))


class NoNotices:
    """One desk process on its own (SQLite): nothing to tell anyone."""

    def __init__(self) -> None:
        self.listening = threading.Event()

    def send(self, connection: Connection, kind: str, **about: str) -> None:
        pass

    def kiosks_changed(self) -> None:
        pass

    def listen(self, on_notice: OnNotice) -> None:
        pass

    def close(self) -> None:
        pass


class PostgresNotices:
    """NOTIFY and LISTEN on `CHANNEL`. Notices from this process's own writes are not
    handed back to it (its link has told its pages already)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._origin = secrets.token_hex(8)
        self._lock = threading.Lock()
        self._kiosks_timer: threading.Timer | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while a LISTEN connection is up (tests wait on it)

    def send(self, connection: Connection, kind: str, **about: str) -> None:
        """Inside the write's transaction on `connection`: sent when it commits."""
        payload = json.dumps({"o": self._origin, "kind": kind, **about}, separators=(",", ":"))
        connection.execute(NOTIFY, {"payload": payload})

    def kiosks_changed(self) -> None:
        """A kiosk's presence or status was stored: one notice within `KIOSKS_EVERY_S`,
        whatever number of kiosks changed meanwhile."""
        with self._lock:
            if self._kiosks_timer is not None or self._stop.is_set():
                return
            self._kiosks_timer = threading.Timer(KIOSKS_EVERY_S, self._send_kiosks)
            self._kiosks_timer.daemon = True
            self._kiosks_timer.start()

    def _send_kiosks(self) -> None:
        with self._lock:
            self._kiosks_timer = None
        try:
            with self._engine.begin() as connection:
                self.send(connection, "kiosks")
        except Exception as error:  # the database away: the next status tries again
            log.warning("desk: could not tell the other desk processes of kiosks' statuses: %s", error)

    def listen(self, on_notice: OnNotice) -> None:
        """Hand every other process's notice to `on_notice` (on a thread of its own) until
        `close`. A notice lost while the connection was down is made up for by one notice
        of kind "resync" once it is back."""
        self._thread = threading.Thread(target=self._listen, args=(on_notice,), daemon=True, name="desk-notices")
        self._thread.start()

    def _listen(self, on_notice: OnNotice) -> None:
        import psycopg

        conninfo = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay, lost = RECONNECT_S[0], False
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    delay = RECONNECT_S[0]
                    if lost:
                        self._hand(on_notice, {"kind": "resync"})
                        lost = False
                    while not self._stop.is_set():
                        for notify in connection.notifies(timeout=LISTEN_WAIT_S):
                            self._received(notify.payload, on_notice)
            except Exception as error:  # psycopg.Error, or the server going away mid-read
                self.listening.clear()
                if self._stop.is_set():
                    return
                if not lost:
                    log.warning("desk: change notices from other desk processes lost (%s); reconnecting", error)
                lost = True
                self._stop.wait(delay)
                delay = min(RECONNECT_S[1], delay * 2)
        self.listening.clear()

    def _received(self, payload: str, on_notice: OnNotice) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            return  # not ours: anyone who may connect may NOTIFY
        if isinstance(notice, dict) and notice.get("o") != self._origin and isinstance(notice.get("kind"), str):
            self._hand(on_notice, notice)

    @staticmethod
    def _hand(on_notice: OnNotice, notice: dict) -> None:
        try:
            on_notice(notice)
        except Exception:  # a bug in a page's refresh must not stop the notices
            log.exception("desk: change notice %r not handled", notice)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._kiosks_timer is not None:
                self._kiosks_timer.cancel()
                self._kiosks_timer = None
        if self._thread is not None:
            self._thread.join(LISTEN_WAIT_S + 5)
