"""The desk's memory: kiosks, help requests with their times, staff users, statistics and
the audit log. SQLAlchemy Core over a SQLite file by default, or over PostgreSQL when
several desk processes share one database ([desk] database_url). The tables are
`kiosk.desk.schema`'s; opening a database runs its migrations first.

Several processes may write at once: accepting a request is one conditional UPDATE (an
atomic claim: exactly one helper gets it, the others are told who has it), a login attempt
is counted in the same statement that checks the lock, and every change the pages show is
announced to the other processes (`kiosk.desk.notices`)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import statistics
import time
from typing import Callable

from sqlalchemy import case, create_engine, delete, event, func, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row, make_url

from kiosk.desk import schema
from kiosk.desk.notices import NoNotices, PostgresNotices
from kiosk.desk.passwords import decoy_hash, hash_password, needs_rehash, password_matches
from kiosk.desk.schema import ROLES, audit, kiosks, login_attempts, requests, stats, users
from kiosk.wire import encode

RESOLUTIONS = ("solved", "solved_partly", "referred", "e_service_fault", "no_show", "other")
LOCKOUT_FAILURES = 5
LOCKOUT_S = 300
OPEN_REQUESTS_PER_KIOSK = 3  # a kiosk has one person at a time: more is a resend storm or a flood
AUDIT_KEEP_DAYS = 365
# An audit entry's detail: its texts cut to this many characters, and at most this many
# bytes of JSON in all (a message typed to a kiosk fits; an entry never grows the log much).
AUDIT_TEXT_CHARS = 500
AUDIT_DETAIL_BYTES = 4096
AUDIT_ROWS = 1000  # at most this many entries in one listing

REQUEST = (requests.c.id, requests.c.site, requests.c.kiosk, requests.c.place, requests.c.topic,
           requests.c.service, requests.c.language, requests.c.accessibility, requests.c.created,
           requests.c.accepted, requests.c.helper, requests.c.resolved, requests.c.cancelled)
OPEN = (requests.c.resolved.is_(None), requests.c.cancelled.is_(None))


def database_url(database: str) -> str:
    """A SQLAlchemy URL as it is; anything else is the path of a SQLite file."""
    return database if re.match(r"[a-z][a-z0-9+]*://", database) else f"sqlite+pysqlite:///{database}"


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    # Writers wait for each other (busy timeout) rather than fail.
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def pragmas(connection, _record) -> None:
        # A thousand kiosks' statuses a minute: a write-ahead log, synced at checkpoints.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Store:
    """`database`: a SQLite file's path, or a SQLAlchemy URL (postgresql+psycopg://...)."""

    def __init__(self, database: str, audit_keep_days: int = AUDIT_KEEP_DAYS) -> None:
        self.engine = _engine(database_url(database))
        self.postgres = self.engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if self.postgres else sqlite.insert
        self.audit_keep_days = audit_keep_days
        with self.engine.begin() as connection:
            schema.upgrade(connection)
        self.notices = PostgresNotices(self.engine) if self.postgres else NoNotices()

    def listen(self, on_notice: Callable[[dict], None]) -> None:
        """Hand the changes other desk processes make to `on_notice` ({"kind": ..., "site":
        ..., "kiosk": ..., "id": ...}), on a thread of its own; nothing with SQLite."""
        self.notices.listen(on_notice)

    def close(self) -> None:
        self.notices.close()
        self.engine.dispose()

    def _rows(self, statement) -> list[Row]:
        with self.engine.connect() as connection:
            return list(connection.execute(statement))

    # -- kiosks ------------------------------------------------------------------------------

    def presence(self, site: str, kiosk: str, online: bool) -> None:
        self._kiosk(site, kiosk, {"online": int(online), "status": "{}"}, "online")

    def status(self, site: str, kiosk: str, status: dict) -> None:
        self._kiosk(site, kiosk, {"online": 1, "status": encode(status)}, "status")

    def _kiosk(self, site: str, kiosk: str, values: dict, changed: str) -> None:
        """A kiosk's row: inserted with `values`, or its `changed` column updated."""
        statement = self._insert(kiosks).values(site=site, kiosk=kiosk, updated=time.time(), **values)
        with self.engine.begin() as connection:
            connection.execute(statement.on_conflict_do_update(index_elements=["site", "kiosk"], set_={
                changed: statement.excluded[changed], "updated": statement.excluded.updated}))
        self.notices.kiosks_changed()

    def known_kiosk(self, site: str, kiosk: str) -> bool:
        return bool(self._rows(select(1).where(kiosks.c.site == site, kiosks.c.kiosk == kiosk)))

    def kiosks(self, sites: list[str]) -> list[dict]:
        rows = self._rows(select(kiosks.c.site, kiosks.c.kiosk, kiosks.c.online, kiosks.c.status, kiosks.c.updated)
                          .where(kiosks.c.site.in_(sites)).order_by(kiosks.c.site, kiosks.c.kiosk))
        return [{"site": r.site, "kiosk": r.kiosk, "online": bool(r.online), "status": json.loads(r.status or "{}"),
                 "updated": r.updated} for r in rows]

    # -- help requests -----------------------------------------------------------------------

    def add_request(self, site: str, request: dict) -> bool:
        """A new request; False if this id is known (a resend after an outage). A kiosk keeps
        at most `OPEN_REQUESTS_PER_KIOSK` open: a newer one supersedes its oldest, so a kiosk
        that floods the queue pushes out only its own requests, never other kiosks'."""
        now = time.time()
        kiosk = request["kiosk"]
        with self.engine.begin() as connection:
            added = connection.execute(self._insert(requests).values(
                id=request["id"], site=site, kiosk=kiosk, place=request.get("place", ""),
                topic=request.get("topic", "other"), service=request.get("service", ""),
                language=request.get("language", ""), accessibility=",".join(request.get("accessibility", [])),
                created=now).on_conflict_do_nothing(index_elements=["id"]).returning(requests.c.id)).first()
            if added is None:
                return False
            older = (select(requests.c.id).where(requests.c.site == site, requests.c.kiosk == kiosk, *OPEN)
                     .order_by(requests.c.created.desc(), requests.c.id.desc()).offset(OPEN_REQUESTS_PER_KIOSK))
            connection.execute(update(requests).where(requests.c.id.in_(older)).values(cancelled=now))
            self.notices.send(connection, "help", site=site, kiosk=kiosk, id=request["id"])
        return True

    def cancel(self, site: str, request_id: str, kiosk: str) -> bool:
        """The kiosk called its request off; False if it had no such open request."""
        with self.engine.begin() as connection:
            cancelled = connection.execute(
                update(requests).where(requests.c.id == request_id, requests.c.site == site,
                                       requests.c.kiosk == kiosk, *OPEN)
                .values(cancelled=time.time()).returning(requests.c.id)).first()
            if cancelled is not None:
                self.notices.send(connection, "queue", site=site, kiosk=kiosk, id=request_id)
        return cancelled is not None

    def accept(self, request_id: str, helper: str) -> dict | None:
        """Claim a waiting request for `helper`: of any number of helpers accepting it at
        once, in any desk process, exactly one gets it. The request as it stands (None if
        there is none), with "claimed": whether this call took it; if not, "helper" says
        who has it (None if it was cancelled or resolved before anyone accepted it)."""
        with self.engine.begin() as connection:
            row = connection.execute(
                update(requests).where(requests.c.id == request_id, requests.c.accepted.is_(None), *OPEN)
                .values(accepted=time.time(), helper=helper).returning(*REQUEST)).first()
            if row is not None:
                self.notices.send(connection, "accepted", site=row.site, kiosk=row.kiosk, id=request_id)
        if row is not None:
            return {**_request(row), "claimed": True}
        request = self.request(request_id)
        return None if request is None else {**request, "claimed": False}

    def resolve(self, request_id: str, resolution: str, service: str) -> dict | None:
        if resolution not in RESOLUTIONS:
            resolution = "other"
        with self.engine.begin() as connection:
            row = connection.execute(
                update(requests).where(requests.c.id == request_id, requests.c.resolved.is_(None))
                .values(resolved=time.time(), resolution=resolution, resolution_service=service)
                .returning(requests.c.site, requests.c.kiosk)).first()
            if row is not None:
                self.notices.send(connection, "resolved", site=row.site, kiosk=row.kiosk, id=request_id)
        return self.request(request_id)

    def request(self, request_id: str) -> dict | None:
        rows = self._rows(select(*REQUEST).where(requests.c.id == request_id))
        return _request(rows[0]) if rows else None

    def queue(self, sites: list[str]) -> list[dict]:
        """Open requests, the longest waiting first."""
        return [_request(r) for r in self._rows(select(*REQUEST).where(requests.c.site.in_(sites), *OPEN)
                                                .order_by(requests.c.created, requests.c.id))]

    def report(self, sites: list[str]) -> list[dict]:
        """Per day: requests, median and 90th percentile seconds to accept and to resolve."""
        rows = self._rows(select(requests.c.created, requests.c.accepted, requests.c.resolved)
                          .where(requests.c.site.in_(sites), requests.c.cancelled.is_(None))
                          .order_by(requests.c.created))
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
        # A literal '' (not a bound parameter): PostgreSQL groups by the same expression it selects.
        service = func.coalesce(func.nullif(requests.c.resolution_service, literal_column("''")), requests.c.service)
        count = func.count()
        rows = self._rows(select(service, requests.c.topic, requests.c.resolution, count)
                          .where(requests.c.site.in_(sites))
                          .group_by(service, requests.c.topic, requests.c.resolution).order_by(count.desc()))
        return [{"service": r[0] or "-", "topic": r[1], "resolution": r[2] or "open", "count": r[3]} for r in rows]

    # -- usage statistics (daily aggregates from the kiosks) ------------------------------------

    def add_daily(self, site: str, kiosk: str, day: str, counts: list[tuple[int, str, str, int]]) -> None:
        """A kiosk's day, replacing what an earlier delivery of the same day stored."""
        with self.engine.begin() as connection:
            connection.execute(delete(stats).where(stats.c.kiosk == kiosk, stats.c.day == day))
            if counts:
                connection.execute(stats.insert(), [
                    {"site": site, "kiosk": kiosk, "day": day, "hour": hour, "counter": counter, "value": value,
                     "n": n} for hour, counter, value, n in counts])

    def statistics(self, sites: list[str], first_day: str = "0000-00-00", last_day: str = "9999-99-99") -> dict:
        """The statistics page's figures for these sites and days: {counter: {value: n}},
        sessions per day and per hour of the day, and the help rate of each service."""
        where = (stats.c.site.in_(sites), stats.c.day.between(first_day, last_day))
        started = (*where, stats.c.counter == "session", stats.c.value == "started")
        total = func.sum(stats.c.n)
        totals: dict[str, dict[str, int]] = {}
        for counter, value, n in self._rows(select(stats.c.counter, stats.c.value, total).where(*where)
                                            .group_by(stats.c.counter, stats.c.value)):
            totals.setdefault(counter, {})[value] = int(n)
        per_day = {day: int(n) for day, n in self._rows(
            select(stats.c.day, total).where(*started).group_by(stats.c.day).order_by(stats.c.day))}
        per_hour = {hour: int(n) for hour, n in self._rows(
            select(stats.c.hour, total).where(*started).group_by(stats.c.hour).order_by(stats.c.hour))}
        opened, helped = totals.get("service", {}), totals.get("help_service", {})
        services = sorted(({"service": s, "opened": n, "help": helped.get(s, 0),
                            "help_rate": round(helped.get(s, 0) / n, 3) if n else None}
                           for s, n in opened.items()), key=lambda s: -s["opened"])
        return {"totals": totals, "per_day": per_day, "per_hour": per_hour, "services": services,
                "kiosks": self._rows(select(func.count(stats.c.kiosk.distinct())).where(*started))[0][0]}

    def statistics_rows(self, sites: list[str], first_day: str = "0000-00-00",
                        last_day: str = "9999-99-99") -> list[tuple]:
        """The same aggregates as rows (day, site, counter, value, n) for CSV: kiosks summed."""
        keys = (stats.c.day, stats.c.site, stats.c.counter, stats.c.value)
        return [(*r[:4], int(r[4])) for r in self._rows(
            select(*keys, func.sum(stats.c.n)).where(stats.c.site.in_(sites), stats.c.day.between(first_day, last_day))
            .group_by(*keys).order_by(*keys))]

    # -- staff -------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, sites: list[str], role: str | None = None) -> None:
        """Add a user (a helper unless `role` says otherwise), or give one a new password,
        sites and, if given, role: their open sessions end. Either way the user may log in
        (a disabled user is enabled again)."""
        if role is not None and role not in ROLES:
            raise ValueError(f"not a role: {role!r} (roles: {', '.join(ROLES)})")
        statement = self._insert(users).values(name=name, sites=",".join(sites), hash=hash_password(password),
                                               stamp=secrets.token_hex(16), role=role or "helper", disabled=False)
        changed = ("sites", "hash", "stamp", "disabled") + (("role",) if role else ())
        with self.engine.begin() as connection:
            connection.execute(statement.on_conflict_do_update(
                index_elements=["name"], set_={key: statement.excluded[key] for key in changed}))
            self.notices.send(connection, "users")

    def disable_user(self, name: str) -> bool:
        """The user can no longer log in and their open sessions end; False if no such user."""
        with self.engine.begin() as connection:
            done = connection.execute(update(users).where(users.c.name == name)
                                      .values(disabled=True, stamp=secrets.token_hex(16))
                                      .returning(users.c.name)).first()
            if done is not None:
                self.notices.send(connection, "users")
        return done is not None

    def users(self) -> list[dict]:
        """Every staff user: name, sites, role, disabled (never the hash)."""
        return [_user(r) for r in self._rows(select(users.c.name, users.c.sites, users.c.role, users.c.disabled)
                                             .order_by(users.c.name))]

    def user(self, name: str) -> dict | None:
        rows = self._rows(select(users.c.name, users.c.sites, users.c.role, users.c.disabled)
                          .where(users.c.name == name))
        return _user(rows[0]) if rows else None

    def user_stamp(self, name: str) -> str | None:
        """Changes with every new password, change of sites or role, and when the user is
        disabled; None once the user is gone or disabled."""
        rows = self._rows(select(users.c.stamp, users.c.disabled).where(users.c.name == name))
        return rows[0].stamp if rows and not rows[0].disabled else None

    def login(self, name: str, password: str) -> tuple[list[str] | None, str, str]:
        """(sites, "", stamp) on success; (None, "locked" | "wrong" | "disabled", "")
        otherwise. Five failures lock the name, known or not, for five minutes; nothing
        typed is recorded. A known user's logins and failures go to the audit log.

        The attempt is counted before the slow hash, in one statement with the lock check,
        so parallel guesses (in any number of desk processes) cannot all read the same
        count; an unknown name is checked against a decoy hash, so it takes as long and
        locks the same way as a real one. A hash of older settings is replaced on success."""
        now = time.time()
        typed = hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
        locked = self._count_attempt(typed, now)
        if locked is None:
            return None, "locked", ""
        rows = self._rows(select(users.c.sites, users.c.hash, users.c.stamp, users.c.disabled)
                          .where(users.c.name == name))
        user = rows[0] if rows else None
        right = password_matches(password, user.hash if user else decoy_hash())
        if not (right and user):
            if user is not None:
                self.audit(name, "login_failed", detail={"locked": bool(locked)})
            return None, "locked" if locked else "wrong", ""
        with self.engine.begin() as connection:
            connection.execute(delete(login_attempts).where(login_attempts.c.name == typed))
        if user.disabled:
            self.audit(name, "login_refused", detail={"disabled": True})
            return None, "disabled", ""
        if needs_rehash(user.hash):
            with self.engine.begin() as connection:  # unless the password changed meanwhile
                connection.execute(update(users).where(users.c.name == name, users.c.hash == user.hash)
                                   .values(hash=hash_password(password)))
        self.audit(name, "login")
        return [s for s in user.sites.split(",") if s], "", user.stamp

    def _count_attempt(self, typed: str, now: float) -> float | None:
        """Count one login attempt for the name typed: None if the name is locked (the
        attempt is not counted), else when the lock this attempt set ends (0: none)."""
        attempts = login_attempts
        failures = attempts.c.failures + 1
        count = (update(attempts).where(attempts.c.name == typed, attempts.c.locked_until <= now)
                 .values(failures=case((failures >= LOCKOUT_FAILURES, 0), else_=failures),
                         locked_until=case((failures >= LOCKOUT_FAILURES, now + LOCKOUT_S), else_=0.0),
                         updated=now)
                 .returning(attempts.c.locked_until))
        first = (self._insert(attempts).values(name=typed, failures=1, locked_until=0.0, updated=now)
                 .on_conflict_do_nothing(index_elements=["name"]).returning(attempts.c.name))
        with self.engine.begin() as connection:
            connection.execute(delete(attempts).where(attempts.c.updated < now - LOCKOUT_S,
                                                      attempts.c.locked_until < now))
            for _ in range(2):  # a second round when a parallel first attempt inserted the row
                counted = connection.execute(count).first()
                if counted is not None:
                    return counted.locked_until
                if connection.execute(first).first() is not None:
                    return 0.0
        return None

    # -- the audit log -----------------------------------------------------------------------

    def audit(self, actor: str, action: str, site: str = "", kiosk: str = "", detail: dict | None = None) -> None:
        """Append to the audit log: who (a staff name, or "cli:<account>"), did what, where."""
        entry = {"at": time.time(), "actor": actor[:60], "action": action[:40], "site": site[:64],
                 "kiosk": kiosk[:64], "detail": _bounded(detail or {})}
        with self.engine.begin() as connection:
            connection.execute(audit.insert().values(**entry))

    def audit_log(self, sites: list[str] | None = None, limit: int = 200, before: int | None = None) -> list[dict]:
        """The newest entries first: of these sites (None: all, account changes included),
        at most `limit`, older than entry id `before` (the next page)."""
        statement = select(audit).order_by(audit.c.id.desc()).limit(max(1, min(limit, AUDIT_ROWS)))
        if sites is not None:
            statement = statement.where(audit.c.site.in_(sites))
        if before is not None:
            statement = statement.where(audit.c.id < before)
        return [{**r._asdict(), "detail": json.loads(r.detail)} for r in self._rows(statement)]

    def prune_audit(self, now: float | None = None) -> int:
        """Delete entries older than `audit_keep_days`; how many went."""
        cutoff = (now if now is not None else time.time()) - self.audit_keep_days * 86400
        with self.engine.begin() as connection:
            return connection.execute(delete(audit).where(audit.c.at < cutoff)).rowcount


def _request(row: Row) -> dict:
    request = row._asdict()
    request["accessibility"] = [a for a in (request["accessibility"] or "").split(",") if a]
    return request


def _user(row: Row) -> dict:
    return {"name": row.name, "sites": [s for s in (row.sites or "").split(",") if s], "role": row.role,
            "disabled": bool(row.disabled)}


def _bounded(detail: dict) -> str:
    """An audit entry's detail as JSON: texts cut, and no more than `AUDIT_DETAIL_BYTES`."""
    cut = {str(key)[:40]: value[:AUDIT_TEXT_CHARS] if isinstance(value, str) else value
           for key, value in list(detail.items())[:20]}
    try:
        text = encode(cut)
    except (TypeError, ValueError):
        text = encode({"unreadable": True})
    return text if len(text.encode()) <= AUDIT_DETAIL_BYTES else encode({"too_long": len(text.encode())})


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))], 1)
