"""The desk's memory: kiosks, help requests with their times, staff users. SQLite."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import statistics
import threading
import time

from kiosk.wire import encode

SCHEMA = """
CREATE TABLE IF NOT EXISTS kiosks (site TEXT, kiosk TEXT, online INTEGER, status TEXT, updated REAL,
                                   PRIMARY KEY (site, kiosk));
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, site TEXT, kiosk TEXT, place TEXT, topic TEXT,
    service TEXT, language TEXT, accessibility TEXT, created REAL, accepted REAL, helper TEXT, resolved REAL,
    cancelled REAL, resolution TEXT, resolution_service TEXT);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, sites TEXT, hash TEXT, failures INTEGER DEFAULT 0,
                                  locked_until REAL DEFAULT 0);
-- Failed logins by the name typed, known or not (an unknown name locks like a real one,
-- so the answers do not tell which names exist), kept as a hash: what someone typed into
-- the name field may be their password. Old rows are pruned.
CREATE TABLE IF NOT EXISTS login_attempts (name TEXT PRIMARY KEY, failures INTEGER NOT NULL,
                                           locked_until REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stats (site TEXT NOT NULL, kiosk TEXT NOT NULL, day TEXT NOT NULL, hour INTEGER NOT NULL,
    counter TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kiosk, day, hour, counter, value));
-- Covers every query of the statistics page (no table lookups over millions of rows).
CREATE INDEX IF NOT EXISTS stats_report ON stats (counter, value, site, day, hour, kiosk, n);
"""
RESOLUTIONS = ("solved", "solved_partly", "referred", "e_service_fault", "no_show", "other")
LOCKOUT_FAILURES = 5
LOCKOUT_S = 300
OPEN_REQUESTS_PER_KIOSK = 3  # a kiosk has one person at a time: more is a resend storm or a flood


def hash_password(password: str, salt: bytes | None = None) -> str:
    """scrypt (memory-hard), as 'scrypt$n$r$p$salt$hash'."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


@functools.cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as real ones."""
    return hash_password(secrets.token_urlsafe(16))


def password_matches(password: str, stored: str) -> bool:
    try:
        _kind, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


class Store:
    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # A thousand kiosks' statuses a minute: a write-ahead log, synced at checkpoints.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        if "stamp" not in [row[1] for row in self._db.execute("PRAGMA table_info(users)")]:
            # A staff session holds its user's stamp; a new password or sites change it.
            self._db.execute("ALTER TABLE users ADD COLUMN stamp TEXT NOT NULL DEFAULT ''")
        self._lock = threading.Lock()

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- kiosks ------------------------------------------------------------------------------

    def presence(self, site: str, kiosk: str, online: bool) -> None:
        self._run("INSERT INTO kiosks VALUES (?, ?, ?, '{}', ?) ON CONFLICT (site, kiosk) DO UPDATE SET "
                  "online = excluded.online, updated = excluded.updated", (site, kiosk, int(online), time.time()))

    def status(self, site: str, kiosk: str, status: dict) -> None:
        self._run("INSERT INTO kiosks VALUES (?, ?, 1, ?, ?) ON CONFLICT (site, kiosk) DO UPDATE SET "
                  "status = excluded.status, updated = excluded.updated",
                  (site, kiosk, encode(status), time.time()))

    def known_kiosk(self, site: str, kiosk: str) -> bool:
        return bool(self._run("SELECT 1 FROM kiosks WHERE site = ? AND kiosk = ?", (site, kiosk)))

    def kiosks(self, sites: list[str]) -> list[dict]:
        marks = ",".join("?" * len(sites))
        rows = self._run(f"SELECT site, kiosk, online, status, updated FROM kiosks WHERE site IN ({marks}) "
                         "ORDER BY site, kiosk", tuple(sites))
        return [{"site": r[0], "kiosk": r[1], "online": bool(r[2]), "status": json.loads(r[3] or "{}"),
                 "updated": r[4]} for r in rows]

    # -- help requests -----------------------------------------------------------------------

    def add_request(self, site: str, request: dict) -> bool:
        """A new request; False if this id is known (a resend after an outage). A kiosk keeps
        at most `OPEN_REQUESTS_PER_KIOSK` open: a newer one supersedes its oldest, so a kiosk
        that floods the queue pushes out only its own requests, never other kiosks'."""
        now = time.time()
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO requests (id, site, kiosk, place, topic, service, language, accessibility, "
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (request["id"], site, request["kiosk"], request.get("place", ""), request.get("topic", "other"),
                 request.get("service", ""), request.get("language", ""),
                 ",".join(request.get("accessibility", [])), now))
            if cursor.rowcount != 1:
                return False
            self._db.execute(
                "UPDATE requests SET cancelled = ? WHERE id IN (SELECT id FROM requests WHERE site = ? AND kiosk = ? "
                "AND resolved IS NULL AND cancelled IS NULL ORDER BY created DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (now, site, request["kiosk"], OPEN_REQUESTS_PER_KIOSK))
            return True

    def cancel(self, site: str, request_id: str, kiosk: str) -> bool:
        """The kiosk called its request off; False if it had no such open request."""
        with self._lock:
            return self._db.execute("UPDATE requests SET cancelled = ? WHERE id = ? AND site = ? AND kiosk = ? "
                                    "AND resolved IS NULL AND cancelled IS NULL",
                                    (time.time(), request_id, site, kiosk)).rowcount == 1

    def accept(self, request_id: str, helper: str) -> dict | None:
        self._run("UPDATE requests SET accepted = ?, helper = ? WHERE id = ? AND accepted IS NULL",
                  (time.time(), helper, request_id))
        return self.request(request_id)

    def resolve(self, request_id: str, resolution: str, service: str) -> dict | None:
        if resolution not in RESOLUTIONS:
            resolution = "other"
        self._run("UPDATE requests SET resolved = ?, resolution = ?, resolution_service = ? WHERE id = ? "
                  "AND resolved IS NULL", (time.time(), resolution, service, request_id))
        return self.request(request_id)

    def request(self, request_id: str) -> dict | None:
        rows = self._run("SELECT id, site, kiosk, place, topic, service, language, accessibility, created, "
                         "accepted, helper, resolved, cancelled FROM requests WHERE id = ?", (request_id,))
        return _request(rows[0]) if rows else None

    def queue(self, sites: list[str]) -> list[dict]:
        """Open requests, the longest waiting first."""
        marks = ",".join("?" * len(sites))
        rows = self._run("SELECT id, site, kiosk, place, topic, service, language, accessibility, created, "
                         f"accepted, helper, resolved, cancelled FROM requests WHERE site IN ({marks}) AND "
                         "resolved IS NULL AND cancelled IS NULL ORDER BY created", tuple(sites))
        return [_request(r) for r in rows]

    def report(self, sites: list[str]) -> list[dict]:
        """Per day: requests, median and 90th percentile seconds to accept and to resolve."""
        marks = ",".join("?" * len(sites))
        rows = self._run(f"SELECT created, accepted, resolved FROM requests WHERE site IN ({marks}) "
                         "AND cancelled IS NULL ORDER BY created", tuple(sites))
        days: dict[str, list[tuple]] = {}
        for created, accepted, resolved in rows:
            days.setdefault(time.strftime("%Y-%m-%d", time.localtime(created)), []).append(
                (created, accepted, resolved))
        report = []
        for day, items in days.items():
            to_accept = [a - c for c, a, _ in items if a]
            to_resolve = [r - c for c, _, r in items if r]
            report.append({"day": day, "requests": len(items),
                           "accept_median_s": _median(to_accept), "accept_p90_s": _p90(to_accept),
                           "resolve_median_s": _median(to_resolve), "resolve_p90_s": _p90(to_resolve)})
        return report

    def by_service(self, sites: list[str]) -> list[dict]:
        """Where people needed help: topics and resolutions by catalogue service."""
        marks = ",".join("?" * len(sites))
        rows = self._run("SELECT COALESCE(NULLIF(resolution_service, ''), service), topic, resolution, COUNT(*) "
                         f"FROM requests WHERE site IN ({marks}) GROUP BY 1, 2, 3 ORDER BY 4 DESC", tuple(sites))
        return [{"service": r[0] or "-", "topic": r[1], "resolution": r[2] or "open", "count": r[3]} for r in rows]

    # -- usage statistics (daily aggregates from the kiosks) ------------------------------------

    def add_daily(self, site: str, kiosk: str, day: str, counts: list[tuple[int, str, str, int]]) -> None:
        """A kiosk's day, replacing what an earlier delivery of the same day stored."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.execute("DELETE FROM stats WHERE kiosk = ? AND day = ?", (kiosk, day))
                self._db.executemany("INSERT INTO stats VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     [(site, kiosk, day, hour, counter, value, n) for hour, counter, value, n in counts])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def statistics(self, sites: list[str], first_day: str = "0000-00-00", last_day: str = "9999-99-99") -> dict:
        """The statistics page's figures for these sites and days: {counter: {value: n}},
        sessions per day and per hour of the day, and the help rate of each service."""
        marks = ",".join("?" * len(sites))
        where = f"site IN ({marks}) AND day BETWEEN ? AND ?"
        args = (*sites, first_day, last_day)
        totals: dict[str, dict[str, int]] = {}
        for counter, value, n in self._run(f"SELECT counter, value, SUM(n) FROM stats WHERE {where} "
                                           "GROUP BY counter, value", args):
            totals.setdefault(counter, {})[value] = n
        per_day = dict(self._run(f"SELECT day, SUM(n) FROM stats WHERE {where} AND counter = 'session' AND "
                                 "value = 'started' GROUP BY day ORDER BY day", args))
        per_hour = dict(self._run(f"SELECT hour, SUM(n) FROM stats WHERE {where} AND counter = 'session' AND "
                                  "value = 'started' GROUP BY hour ORDER BY hour", args))
        opened, helped = totals.get("service", {}), totals.get("help_service", {})
        services = sorted(({"service": s, "opened": n, "help": helped.get(s, 0),
                            "help_rate": round(helped.get(s, 0) / n, 3) if n else None}
                           for s, n in opened.items()), key=lambda s: -s["opened"])
        return {"totals": totals, "per_day": per_day, "per_hour": per_hour, "services": services,
                "kiosks": self._run(f"SELECT COUNT(DISTINCT kiosk) FROM stats WHERE {where} AND counter = 'session' "
                                    "AND value = 'started'", args)[0][0]}

    def statistics_rows(self, sites: list[str], first_day: str = "0000-00-00",
                        last_day: str = "9999-99-99") -> list[tuple]:
        """The same aggregates as rows (day, site, counter, value, n) for CSV: kiosks summed."""
        marks = ",".join("?" * len(sites))
        return self._run(f"SELECT day, site, counter, value, SUM(n) FROM stats WHERE site IN ({marks}) "
                         "AND day BETWEEN ? AND ? GROUP BY day, site, counter, value "
                         "ORDER BY day, site, counter, value", (*sites, first_day, last_day))

    # -- staff -------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, sites: list[str]) -> None:
        """Add a user, or give one a new password and sites: their open sessions end."""
        self._run("INSERT OR REPLACE INTO users (name, sites, hash, stamp) VALUES (?, ?, ?, ?)",
                  (name, ",".join(sites), hash_password(password), secrets.token_hex(16)))

    def user_stamp(self, name: str) -> str | None:
        """Changes with every new password or change of sites; None once the user is gone."""
        rows = self._run("SELECT stamp FROM users WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def login(self, name: str, password: str) -> tuple[list[str] | None, str, str]:
        """(sites, "", stamp) on success; (None, "locked" | "wrong", "") otherwise. Five
        failures lock the name, known or not, for five minutes; nothing typed is recorded.

        The attempt is counted before the slow hash, in one step with the lock check, so
        parallel guesses cannot all read the same count; an unknown name is checked against
        a decoy hash, so it takes as long and locks the same way as a real one."""
        now = time.time()
        typed = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
        with self._lock:
            self._db.execute("DELETE FROM login_attempts WHERE updated < ? AND locked_until < ?",
                             (now - LOCKOUT_S, now))
            attempt = self._db.execute("SELECT failures, locked_until FROM login_attempts WHERE name = ?",
                                       (typed,)).fetchone()
            if attempt and attempt[1] > now:
                return None, "locked", ""
            failures = (attempt[0] if attempt else 0) + 1
            locked = now + LOCKOUT_S if failures >= LOCKOUT_FAILURES else 0.0
            self._db.execute("INSERT OR REPLACE INTO login_attempts VALUES (?, ?, ?, ?)",
                             (typed, 0 if locked else failures, locked, now))
            user = self._db.execute("SELECT sites, hash, stamp FROM users WHERE name = ?", (name,)).fetchone()
        right = password_matches(password, user[1] if user else _decoy_hash())
        if not (right and user):
            return None, "locked" if locked else "wrong", ""
        self._run("DELETE FROM login_attempts WHERE name = ?", (typed,))
        return [s for s in user[0].split(",") if s], "", user[2]


def _request(row: tuple) -> dict:
    keys = ("id", "site", "kiosk", "place", "topic", "service", "language", "accessibility", "created", "accepted",
            "helper", "resolved", "cancelled")
    request = dict(zip(keys, row))
    request["accessibility"] = [a for a in (request["accessibility"] or "").split(",") if a]
    return request


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))], 1)
