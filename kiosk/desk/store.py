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

from sqlalchemy import and_, bindparam, case, or_, create_engine, delete, event, func, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, Row, make_url

from kiosk.desk import schema
from kiosk.desk.notices import NoNotices, PostgresNotices
from kiosk.desk.passwords import decoy_hash, hash_password, needs_rehash, password_matches
from kiosk.desk.schema import ROLES, audit, duty, forgotten, kiosks, login_attempts, notes, requests, stats, users
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
NOTE_CHARS = 500
NOTES_PER_REQUEST = 20  # a note is a line or two; a request with more is being misused
HISTORY_ROWS = 200  # at most this many closed requests in one listing
DUTY_KEPT_S = 12 * 3600  # "on duty" said longer ago than a staff session lasts is away

REQUEST = (requests.c.id, requests.c.site, requests.c.kiosk, requests.c.place, requests.c.topic,
           requests.c.service, requests.c.language, requests.c.accessibility, requests.c.created,
           requests.c.accepted, requests.c.helper, requests.c.resolved, requests.c.cancelled,
           requests.c.escalated, requests.c.resolution, requests.c.resolution_service, requests.c.waiting_since)
REQUEST_KEYS = tuple(column.name for column in REQUEST)
OPEN = (requests.c.resolved.is_(None), requests.c.cancelled.is_(None))

# The statements are built once: building one costs SQLAlchemy more than SQLite takes to
# run it, and a thousand kiosks send a hundred statuses a second.
SITES = bindparam("sites", expanding=True)
KNOWN_KIOSK = select(1).where(kiosks.c.site == bindparam("site"), kiosks.c.kiosk == bindparam("kiosk"))
KIOSKS = (select(kiosks.c.site, kiosks.c.kiosk, kiosks.c.online, kiosks.c.status, kiosks.c.updated)
          .where(kiosks.c.site.in_(SITES)).order_by(kiosks.c.site, kiosks.c.kiosk))
SUPERSEDE = update(requests).where(requests.c.id.in_(
    select(requests.c.id).where(requests.c.site == bindparam("of_site"), requests.c.kiosk == bindparam("of_kiosk"),
                                *OPEN)
    .order_by(requests.c.created.desc(), requests.c.id.desc()).offset(OPEN_REQUESTS_PER_KIOSK))).values(
    cancelled=bindparam("at"))
CANCEL = (update(requests).where(requests.c.id == bindparam("rid"), requests.c.site == bindparam("of_site"),
                                 requests.c.kiosk == bindparam("of_kiosk"), *OPEN)
          .values(cancelled=bindparam("at")).returning(requests.c.id))
ACCEPT = (update(requests).where(requests.c.id == bindparam("rid"), requests.c.accepted.is_(None), *OPEN)
          .values(accepted=bindparam("at"), helper=bindparam("who")).returning(*REQUEST))
RESOLVE = (update(requests).where(requests.c.id == bindparam("rid"), requests.c.resolved.is_(None))
           .values(resolved=bindparam("at"), resolution=bindparam("how"), resolution_service=bindparam("why"))
           .returning(requests.c.site, requests.c.kiosk))
# Back to the queue, or to a colleague: only an open request, and only from the helper the
# staff member saw holding it (a page a moment old must not undo a colleague's new accept).
_HELD = (requests.c.accepted.is_not(None), requests.c.helper == bindparam("holder"))
RELEASE = (update(requests).where(requests.c.id == bindparam("rid"), *_HELD, *OPEN)
           .values(accepted=None, helper=None, waiting_since=bindparam("at")).returning(*REQUEST))
TRANSFER = (update(requests).where(requests.c.id == bindparam("rid"), *_HELD, *OPEN)
            .values(helper=bindparam("to")).returning(*REQUEST))
# A waiting request's escalation is claimed like an accept: one desk process sends it.
ESCALATE = (update(requests).where(requests.c.id == bindparam("rid"), requests.c.escalated.is_(None),
                                   requests.c.accepted.is_(None), *OPEN)
            .values(escalated=bindparam("at")).returning(*REQUEST))
NOT_ESCALATED = (select(*REQUEST).where(requests.c.site.in_(SITES), requests.c.escalated.is_(None),
                                        requests.c.accepted.is_(None), *OPEN)
                 .order_by(requests.c.created))
REQUEST_BY_ID = select(*REQUEST).where(requests.c.id == bindparam("rid"))
QUEUE = select(*REQUEST).where(requests.c.site.in_(SITES), *OPEN).order_by(requests.c.created, requests.c.id)
# Other sites' requests that went to the region's staff and still wait, or that this
# helper took.
ESCALATED = (select(*REQUEST).where(requests.c.site.in_(bindparam("others", expanding=True)), *OPEN,
                                    or_(and_(requests.c.escalated.is_not(None), requests.c.accepted.is_(None)),
                                        and_(requests.c.accepted.is_not(None), requests.c.helper == bindparam("me"))))
             .order_by(requests.c.created, requests.c.id))
_CLOSED = func.coalesce(requests.c.resolved, requests.c.cancelled)
HISTORY = (select(*REQUEST).where(requests.c.site.in_(SITES), _CLOSED.is_not(None))
           .order_by(_CLOSED.desc(), requests.c.id.desc()))
NOTE = notes.insert()
NOTE_COUNT = select(func.count()).where(notes.c.request == bindparam("rid"))
NOTES = (select(notes.c.request, notes.c.at, notes.c.author, notes.c.text)
         .where(notes.c.request.in_(bindparam("rids", expanding=True))).order_by(notes.c.at, notes.c.id))
# On duty: said so within DUTY_KEPT_S, and the account still in use. A site whose staff say
# on duty or away at all "uses duty": nobody on duty there escalates a request at once.
_FRESH_DUTY = (duty.c.site.in_(SITES), duty.c.updated >= bindparam("since"))
ON_DUTY = (select(duty.c.site, duty.c.name).join(users, users.c.name == duty.c.name)
           .where(*_FRESH_DUTY, duty.c.on_duty.is_(True), users.c.disabled.is_(False))
           .order_by(duty.c.site, duty.c.name))
DUTY_USED = select(duty.c.site).where(*_FRESH_DUTY).distinct()
AWAY_EVERYWHERE = update(duty).where(duty.c.name == bindparam("who")).values(on_duty=False, updated=bindparam("at"))
REPORT = (select(requests.c.created, requests.c.accepted, requests.c.resolved)
          .where(requests.c.site.in_(SITES), requests.c.cancelled.is_(None)).order_by(requests.c.created))
# A literal '' (not a bound parameter): PostgreSQL groups by the same expression it selects.
_SERVICE = func.coalesce(func.nullif(requests.c.resolution_service, literal_column("''")), requests.c.service)
BY_SERVICE = (select(_SERVICE, requests.c.topic, requests.c.resolution, func.count())
              .where(requests.c.site.in_(SITES)).group_by(_SERVICE, requests.c.topic, requests.c.resolution)
              .order_by(func.count().desc()))
STATS = stats.insert()
DELETE_DAY = delete(stats).where(stats.c.kiosk == bindparam("kiosk"), stats.c.day == bindparam("day"))
_DAYS = (stats.c.site.in_(SITES), stats.c.day.between(bindparam("first"), bindparam("last")))
_STARTED = (*_DAYS, stats.c.counter == "session", stats.c.value == "started")
_TOTAL = func.sum(stats.c.n)
TOTALS = select(stats.c.counter, stats.c.value, _TOTAL).where(*_DAYS).group_by(stats.c.counter, stats.c.value)
PER_DAY = select(stats.c.day, _TOTAL).where(*_STARTED).group_by(stats.c.day).order_by(stats.c.day)
PER_HOUR = select(stats.c.hour, _TOTAL).where(*_STARTED).group_by(stats.c.hour).order_by(stats.c.hour)
KIOSKS_COUNTED = select(func.count(stats.c.kiosk.distinct())).where(*_STARTED)
_ROW_KEYS = (stats.c.day, stats.c.site, stats.c.counter, stats.c.value)
STATS_ROWS = select(*_ROW_KEYS, _TOTAL).where(*_DAYS).group_by(*_ROW_KEYS).order_by(*_ROW_KEYS)
# A kiosk taken away for good: off the board (only while it is offline; one that connects
# again is back at once), and its open requests called off.
FORGET_KIOSK = (delete(kiosks).where(kiosks.c.site == bindparam("site"), kiosks.c.kiosk == bindparam("kiosk"),
                                     kiosks.c.online == 0).returning(kiosks.c.kiosk))
CANCEL_KIOSKS_REQUESTS = (update(requests).where(requests.c.site == bindparam("of_site"),
                                                 requests.c.kiosk == bindparam("of_kiosk"), *OPEN)
                          .values(cancelled=bindparam("at")))
FORGOTTEN = select(forgotten.c.site, forgotten.c.kiosk)
REMEMBER = delete(forgotten).where(forgotten.c.site == bindparam("site"), forgotten.c.kiosk == bindparam("kiosk"))
FORGOTTEN_KEPT_S = 60.0  # how long a process trusts its list of forgotten kiosks
DISABLE = (update(users).where(users.c.name == bindparam("who"))
           .values(disabled=True, stamp=bindparam("new_stamp")).returning(users.c.name))
ENABLE = (update(users).where(users.c.name == bindparam("who"))
          .values(disabled=False, stamp=bindparam("new_stamp")).returning(users.c.name))
NEW_PASSWORD = (update(users).where(users.c.name == bindparam("who"))
                .values(hash=bindparam("new_hash"), stamp=bindparam("new_stamp")).returning(users.c.name))
LAST_LOGINS = (select(audit.c.actor, func.max(audit.c.at)).where(audit.c.action == "login")
               .group_by(audit.c.actor))
KNOWN_SITES = select(kiosks.c.site).distinct().order_by(kiosks.c.site)
_USER = (users.c.name, users.c.sites, users.c.role, users.c.disabled)
USERS = select(*_USER).order_by(users.c.name)
USER = select(*_USER).where(users.c.name == bindparam("who"))
STAMP = select(users.c.stamp, users.c.disabled).where(users.c.name == bindparam("who"))
LOGIN_USER = select(users.c.sites, users.c.hash, users.c.stamp, users.c.disabled).where(
    users.c.name == bindparam("who"))
REHASH = update(users).where(users.c.name == bindparam("who"), users.c.hash == bindparam("old")).values(
    hash=bindparam("new"))
_attempts = login_attempts
PRUNE_ATTEMPTS = delete(_attempts).where(_attempts.c.updated < bindparam("stale"),
                                         _attempts.c.locked_until < bindparam("at"))
_FAILURES = _attempts.c.failures + 1
COUNT_ATTEMPT = (update(_attempts).where(_attempts.c.name == bindparam("typed"),
                                         _attempts.c.locked_until <= bindparam("at"))
                 .values(failures=case((_FAILURES >= LOCKOUT_FAILURES, 0), else_=_FAILURES),
                         locked_until=case((_FAILURES >= LOCKOUT_FAILURES, bindparam("until")), else_=0.0),
                         updated=bindparam("at"))
                 .returning(_attempts.c.locked_until))
CLEAR_ATTEMPTS = delete(_attempts).where(_attempts.c.name == bindparam("typed"))
AUDIT = audit.insert()
PRUNE_AUDIT = delete(audit).where(audit.c.at < bindparam("cutoff"))
PRUNE_NOTES = delete(notes).where(notes.c.at < bindparam("cutoff"))


class _Upserts:
    """The statements whose INSERT ... ON CONFLICT is the dialect's own."""

    def __init__(self, insert) -> None:
        # `updated` is when the desk last heard from the kiosk, or when it went offline: the
        # retained "offline" and status the broker sends again at every desk start are not
        # news (the monitoring's "offline since" and the admin page's "last heard from").
        presence = insert(kiosks).values(site=bindparam("site"), kiosk=bindparam("kiosk"), online=bindparam("online"),
                                         status="{}", updated=bindparam("at"))
        self.presence = presence.on_conflict_do_update(index_elements=["site", "kiosk"], set_={
            "online": presence.excluded.online,
            "updated": case((kiosks.c.online == presence.excluded.online, kiosks.c.updated),
                            else_=presence.excluded.updated)})
        status = insert(kiosks).values(site=bindparam("site"), kiosk=bindparam("kiosk"), online=1,
                                       status=bindparam("status"), updated=bindparam("at"))
        self.status = status.on_conflict_do_update(index_elements=["site", "kiosk"], set_={
            "status": status.excluded.status,
            "updated": case((kiosks.c.online == 0, kiosks.c.updated), else_=status.excluded.updated)})
        self.request = (insert(requests).values(**{key: bindparam(f"new_{key}") for key in (
            "id", "site", "kiosk", "place", "topic", "service", "language", "accessibility", "created")})
            .on_conflict_do_nothing(index_elements=["id"]).returning(requests.c.id))
        user = insert(users).values(**{key: bindparam(f"new_{key}") for key in (
            "name", "sites", "hash", "stamp", "role", "disabled")})
        changed = ("sites", "hash", "stamp", "disabled")
        self.user_keeping_role = user.on_conflict_do_update(index_elements=["name"], set_={
            key: user.excluded[key] for key in changed})
        self.user = user.on_conflict_do_update(index_elements=["name"], set_={
            key: user.excluded[key] for key in (*changed, "role")})
        on_duty = insert(duty).values(name=bindparam("who"), site=bindparam("site"), on_duty=bindparam("on"),
                                      updated=bindparam("at"))
        self.duty = on_duty.on_conflict_do_update(index_elements=["name", "site"], set_={
            "on_duty": on_duty.excluded.on_duty, "updated": on_duty.excluded.updated})
        self.forget = insert(forgotten).values(site=bindparam("site"), kiosk=bindparam("kiosk"),
                                               at=bindparam("at")).on_conflict_do_nothing(
            index_elements=["site", "kiosk"])
        self.first_attempt = (insert(_attempts).values(name=bindparam("typed"), failures=1, locked_until=0.0,
                                                       updated=bindparam("at"))
                              .on_conflict_do_nothing(index_elements=["name"]).returning(_attempts.c.name))


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
        # A deleted row's bytes zeroed in the file, not left in a free page (a file from a
        # person's phone is encrypted as well: the log's old frames keep it a while).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return engine


class Store:
    """`database`: a SQLite file's path, or a SQLAlchemy URL (postgresql+psycopg://...)."""

    def __init__(self, database: str, audit_keep_days: int = AUDIT_KEEP_DAYS) -> None:
        self.engine = _engine(database_url(database))
        self.postgres = self.engine.dialect.name == "postgresql"
        self._upserts = _Upserts(postgresql.insert if self.postgres else sqlite.insert)
        self.audit_keep_days = audit_keep_days
        self._forgotten_now: set[tuple[str, str]] = set()
        self._forgotten_at = float("-inf")
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

    def _rows(self, statement, **values) -> list[Row]:
        with self.engine.connect() as connection:
            return connection.execute(statement, values).all()

    def _write(self, statement, **values) -> Row | None:
        """Run one change; its first returned row, if it returns any."""
        with self.engine.begin() as connection:
            result = connection.execute(statement, values)
            return result.first() if result.returns_rows else None

    # -- kiosks ------------------------------------------------------------------------------

    def presence(self, site: str, kiosk: str, online: bool) -> None:
        if (site, kiosk) in self._forgotten():
            if not online:
                return  # a kiosk taken away, its "offline" sent again by the broker
            self._write(REMEMBER, site=site, kiosk=kiosk)
            self._forgotten_now.discard((site, kiosk))
        self._write(self._upserts.presence, site=site, kiosk=kiosk, online=int(online), at=time.time())
        self.notices.kiosks_changed()

    def status(self, site: str, kiosk: str, status: dict) -> None:
        if (site, kiosk) in self._forgotten():
            return
        self._write(self._upserts.status, site=site, kiosk=kiosk, status=encode(status), at=time.time())
        self.notices.kiosks_changed()

    def _forgotten(self) -> set[tuple[str, str]]:
        """The kiosks taken off the board, read again every `FORGOTTEN_KEPT_S` (another desk
        process may have forgotten one); a status a second must not cost a query each."""
        if time.monotonic() - self._forgotten_at > FORGOTTEN_KEPT_S:
            self._forgotten_now = {(row.site, row.kiosk) for row in self._rows(FORGOTTEN)}
            self._forgotten_at = time.monotonic()
        return self._forgotten_now

    def forget_kiosk(self, site: str, kiosk: str) -> bool:
        """Take an offline kiosk off the board (a terminal taken away) and call off its open
        requests; it stays off until it comes online again. False if there is no such
        kiosk or it is online."""
        with self.engine.begin() as connection:
            gone = connection.execute(FORGET_KIOSK, {"site": site, "kiosk": kiosk}).first()
            if gone is not None:
                connection.execute(self._upserts.forget, {"site": site, "kiosk": kiosk, "at": time.time()})
                connection.execute(CANCEL_KIOSKS_REQUESTS, {"of_site": site, "of_kiosk": kiosk, "at": time.time()})
                self.notices.send(connection, "kiosks", site=site, kiosk=kiosk)
        if gone is not None:
            self._forgotten().add((site, kiosk))
        return gone is not None

    def known_kiosk(self, site: str, kiosk: str) -> bool:
        return bool(self._rows(KNOWN_KIOSK, site=site, kiosk=kiosk))

    def kiosks(self, sites: list[str]) -> list[dict]:
        return [{"site": site, "kiosk": kiosk, "online": bool(online), "status": json.loads(status or "{}"),
                 "updated": updated} for site, kiosk, online, status, updated in self._rows(KIOSKS, sites=sites)]

    # -- help requests -----------------------------------------------------------------------

    def add_request(self, site: str, request: dict) -> bool:
        """A new request; False if this id is known (a resend after an outage). A kiosk keeps
        at most `OPEN_REQUESTS_PER_KIOSK` open: a newer one supersedes its oldest, so a kiosk
        that floods the queue pushes out only its own requests, never other kiosks'."""
        now = time.time()
        kiosk = request["kiosk"]
        with self.engine.begin() as connection:
            added = connection.execute(self._upserts.request, {
                "new_id": request["id"], "new_site": site, "new_kiosk": kiosk,
                "new_place": request.get("place", ""), "new_topic": request.get("topic", "other"),
                "new_service": request.get("service", ""), "new_language": request.get("language", ""),
                "new_accessibility": ",".join(request.get("accessibility", [])), "new_created": now}).first()
            if added is None:
                return False
            connection.execute(SUPERSEDE, {"of_site": site, "of_kiosk": kiosk, "at": now})
            self.notices.send(connection, "help", site=site, kiosk=kiosk, id=request["id"])
        return True

    def cancel(self, site: str, request_id: str, kiosk: str) -> bool:
        """The kiosk called its request off; False if it had no such open request."""
        with self.engine.begin() as connection:
            cancelled = connection.execute(CANCEL, {"rid": request_id, "of_site": site, "of_kiosk": kiosk,
                                                    "at": time.time()}).first()
            if cancelled is not None:
                self.notices.send(connection, "queue", site=site, kiosk=kiosk, id=request_id)
        return cancelled is not None

    def accept(self, request_id: str, helper: str) -> dict | None:
        """Claim a waiting request for `helper`: of any number of helpers accepting it at
        once, in any desk process, exactly one gets it. The request as it stands (None if
        there is none), with "claimed": whether this call took it; if not, "helper" says
        who has it (None if it was cancelled or resolved before anyone accepted it)."""
        with self.engine.begin() as connection:
            row = connection.execute(ACCEPT, {"rid": request_id, "at": time.time(), "who": helper}).first()
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
            row = connection.execute(RESOLVE, {"rid": request_id, "at": time.time(), "how": resolution,
                                               "why": service}).first()
            if row is not None:
                self.notices.send(connection, "resolved", site=row.site, kiosk=row.kiosk, id=request_id)
        return self.request(request_id)

    def release(self, request_id: str, holder: str) -> dict | None:
        """A request `holder` accepted goes back to the queue (they cannot come after all):
        waiting again, for anyone to accept, its escalation time counted from now. None if
        `holder` does not have it (any more) or it is closed."""
        return self._changed(RELEASE, "released", rid=request_id, holder=holder, at=time.time())

    def transfer(self, request_id: str, holder: str, to: str) -> dict | None:
        """A request `holder` accepted handed to colleague `to`; None if `holder` does not
        have it (any more) or it is closed."""
        return self._changed(TRANSFER, "accepted", rid=request_id, holder=holder, to=to)

    def _changed(self, statement, kind: str, **values) -> dict | None:
        with self.engine.begin() as connection:
            row = connection.execute(statement, values).first()
            if row is not None:
                self.notices.send(connection, kind, site=row.site, kiosk=row.kiosk, id=row.id)
        return None if row is None else _request(row)

    def waiting_unescalated(self, sites: list[str]) -> list[dict]:
        """Requests nobody has accepted that have not been escalated, the oldest first."""
        return [_request(row) for row in self._rows(NOT_ESCALATED, sites=sites)]

    def escalate(self, request_id: str) -> dict | None:
        """Mark a waiting request escalated; of any number of desk processes trying at once
        exactly one gets it back (and tells the region), the others None."""
        return self._changed(ESCALATE, "escalated", rid=request_id, at=time.time())

    def request(self, request_id: str) -> dict | None:
        rows = self._rows(REQUEST_BY_ID, rid=request_id)
        return _request(rows[0]) if rows else None

    def queue(self, sites: list[str], escalated_from: list[str] = (), helper: str = "") -> list[dict]:
        """Open requests of `sites`, and of the sites in `escalated_from` (the rest of the
        region) those escalated and waiting or accepted by `helper`; the longest waiting first."""
        queue = [_request(row) for row in self._rows(QUEUE, sites=sites)]
        others = [site for site in escalated_from if site not in sites]
        if others:
            queue += [_request(row) for row in self._rows(ESCALATED, others=others, me=helper)]
            queue.sort(key=lambda request: (request["created"], request["id"]))
        return queue

    def history(self, sites: list[str], limit: int = 50, before: float | None = None) -> list[dict]:
        """Closed requests (resolved or called off), the most recently closed first, at most
        `limit`, closed before `before` (the next page)."""
        statement = HISTORY.limit(max(1, min(limit, HISTORY_ROWS)))
        if before is not None:
            statement = statement.where(_CLOSED < before)
        return [_request(row) for row in self._rows(statement, sites=sites)]

    def add_note(self, request_id: str, author: str, text: str) -> bool:
        """A helper's note on a request (cut to `NOTE_CHARS`); False when the request has
        `NOTES_PER_REQUEST` already."""
        with self.engine.begin() as connection:
            if connection.execute(NOTE_COUNT, {"rid": request_id}).scalar_one() >= NOTES_PER_REQUEST:
                return False
            connection.execute(NOTE, {"request": request_id, "at": time.time(), "author": author[:60],
                                      "text": text.strip()[:NOTE_CHARS]})
            row = connection.execute(REQUEST_BY_ID, {"rid": request_id}).first()
            self.notices.send(connection, "note", site=row.site if row else "", kiosk=row.kiosk if row else "",
                              id=request_id)
        return True

    def notes(self, request_ids: list[str]) -> dict[str, list[dict]]:
        """The notes on these requests, oldest first: request id -> [{at, author, text}]."""
        found: dict[str, list[dict]] = {}
        if request_ids:
            for request_id, at, author, text in self._rows(NOTES, rids=list(request_ids)):
                found.setdefault(request_id, []).append({"at": at, "author": author, "text": text})
        return found

    def set_duty(self, name: str, site: str, on_duty: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(self._upserts.duty, {"who": name, "site": site, "on": on_duty, "at": time.time()})
            self.notices.send(connection, "duty", site=site)

    def away_everywhere(self, name: str) -> None:
        """`name` logged out: away from every site."""
        with self.engine.begin() as connection:
            if connection.execute(AWAY_EVERYWHERE, {"who": name, "at": time.time()}).rowcount:
                self.notices.send(connection, "duty")

    def on_duty(self, sites: list[str]) -> dict[str, list[str]]:
        """Who is on duty at each of these sites: site -> names (a site nobody is on duty
        at is missing). "On duty" said more than `DUTY_KEPT_S` ago, or by an account since
        disabled, does not count."""
        found: dict[str, list[str]] = {}
        for site, name in self._rows(ON_DUTY, sites=sites, since=time.time() - DUTY_KEPT_S):
            found.setdefault(site, []).append(name)
        return found

    def duty_used(self, sites: list[str]) -> set[str]:
        """The sites whose staff have said on duty or away within `DUTY_KEPT_S`."""
        return {row.site for row in self._rows(DUTY_USED, sites=sites, since=time.time() - DUTY_KEPT_S)}

    def report(self, sites: list[str]) -> list[dict]:
        """Per day: requests, median and 90th percentile seconds to accept and to resolve."""
        days: dict[str, list[tuple]] = {}
        for created, accepted, resolved in self._rows(REPORT, sites=sites):
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
        return [{"service": service or "-", "topic": topic, "resolution": resolution or "open", "count": count}
                for service, topic, resolution, count in self._rows(BY_SERVICE, sites=sites)]

    # -- usage statistics (daily aggregates from the kiosks) ------------------------------------

    def add_daily(self, site: str, kiosk: str, day: str, counts: list[tuple[int, str, str, int]]) -> None:
        """A kiosk's day, replacing what an earlier delivery of the same day stored."""
        with self.engine.begin() as connection:
            connection.execute(DELETE_DAY, {"kiosk": kiosk, "day": day})
            if counts:
                connection.execute(STATS, [
                    {"site": site, "kiosk": kiosk, "day": day, "hour": hour, "counter": counter, "value": value,
                     "n": n} for hour, counter, value, n in counts])

    def statistics(self, sites: list[str], first_day: str = "0000-00-00", last_day: str = "9999-99-99") -> dict:
        """The statistics page's figures for these sites and days: {counter: {value: n}},
        sessions per day and per hour of the day, and the help rate of each service."""
        period = {"sites": sites, "first": first_day, "last": last_day}
        totals: dict[str, dict[str, int]] = {}
        for counter, value, n in self._rows(TOTALS, **period):
            totals.setdefault(counter, {})[value] = int(n)
        per_day = {day: int(n) for day, n in self._rows(PER_DAY, **period)}
        per_hour = {hour: int(n) for hour, n in self._rows(PER_HOUR, **period)}
        opened, helped = totals.get("service", {}), totals.get("help_service", {})
        services = sorted(({"service": s, "opened": n, "help": helped.get(s, 0),
                            "help_rate": round(helped.get(s, 0) / n, 3) if n else None}
                           for s, n in opened.items()), key=lambda s: -s["opened"])
        return {"totals": totals, "per_day": per_day, "per_hour": per_hour, "services": services,
                "kiosks": self._rows(KIOSKS_COUNTED, **period)[0][0]}

    def statistics_rows(self, sites: list[str], first_day: str = "0000-00-00",
                        last_day: str = "9999-99-99") -> list[tuple]:
        """The same aggregates as rows (day, site, counter, value, n) for CSV: kiosks summed."""
        return [(day, site, counter, value, int(n)) for day, site, counter, value, n in self._rows(
            STATS_ROWS, sites=sites, first=first_day, last=last_day)]

    # -- staff -------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, sites: list[str], role: str | None = None) -> None:
        """Add a user (a helper unless `role` says otherwise), or give one a new password,
        sites and, if given, role: their open sessions end. Either way the user may log in
        (a disabled user is enabled again)."""
        if role is not None and role not in ROLES:
            raise ValueError(f"not a role: {role!r} (roles: {', '.join(ROLES)})")
        with self.engine.begin() as connection:
            connection.execute(self._upserts.user if role else self._upserts.user_keeping_role, {
                "new_name": name, "new_sites": ",".join(sites), "new_hash": hash_password(password),
                "new_stamp": secrets.token_hex(16), "new_role": role or "helper", "new_disabled": False})
            self.notices.send(connection, "users")

    def disable_user(self, name: str) -> bool:
        """The user can no longer log in and their open sessions end; False if no such user."""
        with self.engine.begin() as connection:
            done = connection.execute(DISABLE, {"who": name, "new_stamp": secrets.token_hex(16)}).first()
            if done is not None:
                self.notices.send(connection, "users")
        return done is not None

    def enable_user(self, name: str) -> bool:
        """A disabled user may log in again (with the password they had); False if no such user."""
        with self.engine.begin() as connection:
            done = connection.execute(ENABLE, {"who": name, "new_stamp": secrets.token_hex(16)}).first()
            if done is not None:
                self.notices.send(connection, "users")
        return done is not None

    def set_password(self, name: str, password: str) -> bool:
        """A new password (an administrator's reset): the user's open sessions end, a
        disabled user stays disabled; False if no such user."""
        with self.engine.begin() as connection:
            done = connection.execute(NEW_PASSWORD, {"who": name, "new_hash": hash_password(password),
                                                     "new_stamp": secrets.token_hex(16)}).first()
            if done is not None:
                self.notices.send(connection, "users")
        return done is not None

    def last_logins(self) -> dict[str, float]:
        """Each user's last successful login as the audit log still holds it (name -> time)."""
        return {actor: at for actor, at in self._rows(LAST_LOGINS)}

    def known_sites(self) -> list[str]:
        """The sites whose kiosks the desk has heard from."""
        return [row.site for row in self._rows(KNOWN_SITES)]

    def users(self) -> list[dict]:
        """Every staff user: name, sites, role, disabled (never the hash)."""
        return [_user(row) for row in self._rows(USERS)]

    def user(self, name: str) -> dict | None:
        rows = self._rows(USER, who=name)
        return _user(rows[0]) if rows else None

    def user_stamp(self, name: str) -> str | None:
        """Changes with every new password, change of sites or role, and when the user is
        disabled; None once the user is gone or disabled."""
        rows = self._rows(STAMP, who=name)
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
        rows = self._rows(LOGIN_USER, who=name)
        user = rows[0] if rows else None
        right = password_matches(password, user.hash if user else decoy_hash())
        if not (right and user):
            if user is not None:
                self.audit(name, "login_failed", detail={"locked": bool(locked)})
            return None, "locked" if locked else "wrong", ""
        self._write(CLEAR_ATTEMPTS, typed=typed)
        if user.disabled:
            self.audit(name, "login_refused", detail={"disabled": True})
            return None, "disabled", ""
        if needs_rehash(user.hash):  # unless the password changed meanwhile
            self._write(REHASH, who=name, old=user.hash, new=hash_password(password))
        self.audit(name, "login")
        return [s for s in user.sites.split(",") if s], "", user.stamp

    def _count_attempt(self, typed: str, now: float) -> float | None:
        """Count one login attempt for the name typed: None if the name is locked (the
        attempt is not counted), else when the lock this attempt set ends (0: none)."""
        with self.engine.begin() as connection:
            connection.execute(PRUNE_ATTEMPTS, {"stale": now - LOCKOUT_S, "at": now})
            for _ in range(2):  # a second round when a parallel first attempt inserted the row
                counted = connection.execute(COUNT_ATTEMPT, {"typed": typed, "at": now,
                                                             "until": now + LOCKOUT_S}).first()
                if counted is not None:
                    return counted.locked_until
                if connection.execute(self._upserts.first_attempt, {"typed": typed, "at": now}).first():
                    return 0.0
        return None

    # -- the audit log -----------------------------------------------------------------------

    def audit(self, actor: str, action: str, site: str = "", kiosk: str = "", detail: dict | None = None) -> None:
        """Append to the audit log: who (a staff name, or "cli:<account>"), did what, where."""
        self._write(AUDIT, at=time.time(), actor=actor[:60], action=action[:40], site=site[:64],
                    kiosk=kiosk[:64], detail=_bounded(detail or {}))

    def audit_log(self, sites: list[str] | None = None, limit: int = 200, before: int | None = None) -> list[dict]:
        """The newest entries first: of these sites (None: all, account changes included),
        at most `limit`, older than entry id `before` (the next page)."""
        statement = select(audit).order_by(audit.c.id.desc()).limit(max(1, min(limit, AUDIT_ROWS)))
        if sites is not None:
            statement = statement.where(audit.c.site.in_(sites))
        if before is not None:
            statement = statement.where(audit.c.id < before)
        return [{**row._asdict(), "detail": json.loads(row.detail)} for row in self._rows(statement)]

    def prune_audit(self, now: float | None = None) -> int:
        """Delete audit entries, and notes on requests, older than `audit_keep_days`; how
        many audit entries went. (A note is staff's free text: it may name someone by
        mistake, so it is kept no longer than the record of who did what.)"""
        cutoff = (now if now is not None else time.time()) - self.audit_keep_days * 86400
        with self.engine.begin() as connection:
            connection.execute(PRUNE_NOTES, {"cutoff": cutoff})
            return connection.execute(PRUNE_AUDIT, {"cutoff": cutoff}).rowcount


def _request(row: Row) -> dict:
    request = dict(zip(REQUEST_KEYS, row))
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
