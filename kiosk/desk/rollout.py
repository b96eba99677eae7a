"""Configuration and catalogue roll-out from the desk to a site's kiosks.

An administrator uploads a site's configuration drop-in or catalogue (kiosk/desk/
rollout_page.py); the desk checks it with the kiosk's own readers (`kiosk.release.check`),
numbers it (one more than the site's last of that kind), signs it with its key ([rollout]
key_file) and keeps it in `releases`. It goes to a ring of the site's kiosks: "pilot"
(the kiosks an administrator put there) or "all" (every kiosk; pilot kiosks take every
release). A release for the pilot ring is released to all later; a rollback is a new,
higher version with the content of the one before, so a kiosk needs no rule but "newer
than what I have" to refuse a replay.

The desk announces a release on each kiosk's events topic and again whenever a kiosk's
status shows it behind (it was offline, the announcement was lost, the fetch failed), at
most once a minute a kiosk and kind; never again once the kiosk refused it for good (its
status says why). Several desk processes on one database each do this for the statuses
the broker gives them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import uuid
from typing import Callable

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from kiosk import release
from kiosk.desk.schema import releases, rings

log = logging.getLogger(__name__)

RINGS = ("pilot", "all")
RESEND_S = 60.0
CACHED_S = 5.0  # how long a process trusts what it read of the newest releases and rings
LISTED = 50     # releases shown a site and kind
# Refusals a kiosk may overcome when asked again: the desk or the network was away, or
# what it fetched was not what was announced. Every other reason is the release's or the
# kiosk's own: announcing it again would be refused again.
RETRIED = ("fetch", "hash")
_INFO = (releases.c.id, releases.c.site, releases.c.kind, releases.c.version, releases.c.ring, releases.c.sha256,
         releases.c.signature, releases.c.fetch, releases.c.size, releases.c.author, releases.c.created,
         releases.c.rollback_of)
NEWEST = (select(*_INFO).where(releases.c.site == bindparam("site"), releases.c.kind == bindparam("kind"),
                               releases.c.ring.in_(bindparam("rings", expanding=True)))
          .order_by(releases.c.version.desc()).limit(1))
LAST_VERSION = select(func.max(releases.c.version)).where(releases.c.site == bindparam("site"),
                                                          releases.c.kind == bindparam("kind"))
LISTING = (select(*_INFO).where(releases.c.site == bindparam("site"), releases.c.kind == bindparam("kind"))
           .order_by(releases.c.version.desc()).limit(LISTED))
CONTENT = select(releases.c.content, releases.c.fetch).where(releases.c.id == bindparam("rid"))
BY_VERSION = select(releases.c.content, releases.c.version).where(
    releases.c.site == bindparam("site"), releases.c.kind == bindparam("kind"),
    releases.c.version == bindparam("version"))
PROMOTE = (update(releases).where(releases.c.site == bindparam("of_site"), releases.c.kind == bindparam("of_kind"),
                                  releases.c.version == bindparam("of_version"), releases.c.ring == "pilot")
           .values(ring="all").returning(releases.c.id))
RINGS_OF = select(rings.c.kiosk, rings.c.ring).where(rings.c.site == bindparam("site"))


class Rollout:
    """A desk's releases (`engine`: its database), signed with `key` (None: uploads are
    refused, the kiosks keep what they have), announced through `send(site, kiosk, event)`."""

    def __init__(self, engine, key=None, send: Callable[[str, str, dict], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.key, self.send, self.clock = engine, key, send, clock
        self._lock = threading.Lock()
        self._sent: dict[tuple[str, str, str], tuple[int, float]] = {}
        self._newest: dict[tuple[str, str, str], tuple[float, dict | None]] = {}
        self._rings: dict[str, tuple[float, dict[str, str]]] = {}

    # -- releases ---------------------------------------------------------------------------

    def add(self, site: str, kind: str, content: bytes, ring: str, author: str,
            rollback_of: int | None = None) -> dict:
        """The next version of `site`'s `kind`, signed and kept (checked by the caller)."""
        if self.key is None:
            raise ValueError("no signing key ([rollout] key_file)")
        if ring not in RINGS or kind not in release.KINDS:
            raise ValueError("not a ring or a kind")
        digest = hashlib.sha256(content).hexdigest()
        for _attempt in range(5):  # another desk process may take the same number: the next one
            try:
                with self.engine.begin() as connection:
                    version = (connection.execute(LAST_VERSION, {"site": site, "kind": kind}).scalar() or 0) + 1
                    row = {"id": str(uuid.uuid4()), "site": site, "kind": kind, "version": version, "ring": ring,
                           "sha256": digest, "signature": release.sign(self.key, kind, site, version, digest),
                           "fetch": secrets.token_urlsafe(32), "author": author[:60], "size": len(content),
                           "content": content, "created": self.clock(), "rollback_of": rollback_of}
                    connection.execute(releases.insert(), row)
            except IntegrityError:
                continue
            self._forget(site)
            return {key: value for key, value in row.items() if key != "content"}
        raise RuntimeError("no free version number")

    def rollback(self, site: str, kind: str, author: str) -> dict | None:
        """The content of the release before the newest, as a new version for every kiosk;
        None if there is no earlier release."""
        listed = self.listing(site, kind)
        if len(listed) < 2:
            return None
        before = listed[1]["version"]
        content = self.content_of(site, kind, before)
        return None if content is None else self.add(site, kind, content, "all", author, rollback_of=before)

    def promote(self, site: str, kind: str, version: int) -> bool:
        """A pilot release goes to every kiosk of the site; False if there is no such one."""
        with self.engine.begin() as connection:
            done = connection.execute(PROMOTE, {"of_site": site, "of_kind": kind, "of_version": version}).first()
        self._forget(site)
        return done is not None

    def listing(self, site: str, kind: str) -> list[dict]:
        """The newest releases of a site's kind first, without their content."""
        with self.engine.connect() as connection:
            return [row._asdict() for row in connection.execute(LISTING, {"site": site, "kind": kind})]

    def content_of(self, site: str, kind: str, version: int) -> bytes | None:
        with self.engine.connect() as connection:
            row = connection.execute(BY_VERSION, {"site": site, "kind": kind, "version": version}).first()
        return bytes(row.content) if row else None

    def fetch(self, release_id: str, token: str) -> bytes | None:
        """A release's file for whoever holds its fetch token (a kiosk of its site was told)."""
        try:
            uuid.UUID(release_id)
        except ValueError:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(CONTENT, {"rid": release_id}).first()
        if row is None or not secrets.compare_digest(row.fetch.encode(), token.encode("utf-8", "replace")):
            return None
        return bytes(row.content)

    # -- rings --------------------------------------------------------------------------------

    def rings(self, site: str, fresh: bool = False) -> dict[str, str]:
        """Kiosk -> "pilot" for the site's pilot kiosks (the rest are in "all")."""
        now = time.monotonic()
        with self._lock:
            cached = self._rings.get(site)
        if cached is not None and not fresh and now - cached[0] < CACHED_S:
            return cached[1]
        with self.engine.connect() as connection:
            found = {row.kiosk: row.ring for row in connection.execute(RINGS_OF, {"site": site})}
        with self._lock:
            self._rings[site] = (now, found)
        return found

    def set_ring(self, site: str, kiosk: str, ring: str) -> None:
        if ring not in RINGS:
            raise ValueError("not a ring")
        with self.engine.begin() as connection:
            connection.execute(rings.delete().where(rings.c.site == site, rings.c.kiosk == kiosk))
            if ring != "all":
                connection.execute(rings.insert(), {"site": site, "kiosk": kiosk, "ring": ring})
        self._forget(site)

    def newest(self, site: str, kind: str, ring: str) -> dict | None:
        """The release a kiosk of `ring` should run: pilot kiosks take every release."""
        key, now = (site, kind, ring), time.monotonic()
        with self._lock:
            cached = self._newest.get(key)
        if cached is not None and now - cached[0] < CACHED_S:
            return cached[1]
        with self.engine.connect() as connection:
            row = connection.execute(NEWEST, {"site": site, "kind": kind,
                                              "rings": list(RINGS) if ring == "pilot" else ["all"]}).first()
        found = row._asdict() if row else None
        with self._lock:
            self._newest[key] = (now, found)
        return found

    def _forget(self, site: str) -> None:
        with self._lock:
            self._rings.pop(site, None)
            for key in [k for k in self._newest if k[0] == site]:
                del self._newest[key]

    # -- telling the kiosks ------------------------------------------------------------------

    def on_status(self, site: str, kiosk: str, status: dict) -> None:
        """A kiosk's status (the link's network thread): announce what it lacks."""
        if self.send is None:
            return
        ring = self.rings(site).get(kiosk, "all")
        told = status.get("rollout") if isinstance(status.get("rollout"), dict) else {}
        for kind in release.KINDS:
            newest = self.newest(site, kind, ring)
            if newest is None:
                continue
            mine = told.get(kind) if isinstance(told.get(kind), dict) else {}
            refused = mine.get("refused") if isinstance(mine.get("refused"), dict) else {}
            if status.get(f"{kind}_version", 0) >= newest["version"] or mine.get("pending") == newest["version"] \
                    or (refused.get("version") == newest["version"] and refused.get("reason") not in RETRIED):
                continue
            self.announce(site, kiosk, newest, again_after=RESEND_S)

    def presence(self, site: str, kiosk: str, _online: bool) -> None:
        """A kiosk (dis)connected: what it was told before may not have reached it (its
        session is clean), so its next status is answered at once."""
        with self._lock:
            for kind in release.KINDS:
                self._sent.pop((site, kiosk, kind), None)

    def announce(self, site: str, kiosk: str, newest: dict, again_after: float = 0.0) -> None:
        key, now = (site, kiosk, newest["kind"]), time.monotonic()
        with self._lock:
            version, at = self._sent.get(key, (0, float("-inf")))
            if version == newest["version"] and now - at < again_after:
                return
            if len(self._sent) > 100_000:
                self._sent.clear()
            self._sent[key] = (newest["version"], now)
        self.send(site, kiosk, announcement(newest))

    def release_to(self, site: str, kind: str, kiosks: list[dict]) -> int:
        """Announce the newest release of `kind` to these kiosks (the site's, online) as
        their rings get it; how many were told."""
        if self.send is None:
            return 0
        told = 0
        ring_of = self.rings(site, fresh=True)
        for kiosk in kiosks:
            newest = self.newest(site, kind, ring_of.get(kiosk["kiosk"], "all"))
            if newest is not None and kiosk["status"].get(f"{kind}_version", 0) < newest["version"]:
                self.announce(site, kiosk["kiosk"], newest)
                told += 1
        return told


def announcement(row: dict) -> dict:
    """What a kiosk is told of a release (kiosk/rollout.py): no address, only its id."""
    return {"type": "rollout", "kind": row["kind"], "site": row["site"], "version": row["version"],
            "id": row["id"], "sha256": row["sha256"], "signature": row["signature"], "fetch": row["fetch"],
            "size": row["size"]}


def clean_rollout(data: dict) -> dict:
    """The roll-out part of a kiosk's status as the desk keeps it: known keys, right types,
    texts bounded (a kiosk account in hostile hands writes what it likes)."""
    clean: dict = {}
    for kind in release.KINDS:
        version = data.get(f"{kind}_version")
        if type(version) is int and 0 <= version <= release.MAX_VERSION:
            clean[f"{kind}_version"] = version
    told = data.get("rollout")
    if isinstance(told, dict):
        clean["rollout"] = {}
        for kind in release.KINDS:
            mine = told.get(kind) if isinstance(told.get(kind), dict) else {}
            pending, refused = mine.get("pending"), mine.get("refused")
            entry = {"pending": pending if type(pending) is int and 0 < pending <= release.MAX_VERSION else None,
                     "refused": None}
            if isinstance(refused, dict) and type(refused.get("version")) is int:
                entry["refused"] = {"version": refused["version"],
                                    "reason": str(refused.get("reason", ""))[:20],
                                    "detail": str(refused.get("detail", ""))[:600]}
            clean["rollout"][kind] = entry
    return clean
