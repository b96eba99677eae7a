"""From a person's own phone to the kiosk they sit at, through the desk.

The kiosk asks over the fleet link (leaf `upload`, {"type": "link"}) and gets a one-time
token (`secrets.token_urlsafe(24)`: 192 bits) that its QR code carries as
`<desk_url>/u/<token>`. The phone posts a file there (a plain form); the desk checks it by
its content (kiosk/phone_files.py), makes a photo a PDF, keeps it and tells the kiosk
({"type": "upload_ready"}: id, name, size, sha256 and a fetch token of its own). The kiosk
fetches it over HTTPS (`/upload/fetch/<id>`) and the desk deletes it at once.

Links and files live in the database (upload_links, uploads), not in a process's memory:
several desk processes may share one PostgreSQL, the broker hands the kiosk's question to
any of them and the site's proxy the phone's page to any other. Only the tokens' SHA-256
is stored. A link lives LINK_S (asking again gives a fresh one); it ends, with its
files, when the kiosk's person finishes (the kiosk says so; its status and presence say
so too, should that message be lost), and whatever expired is swept at every use.

A deleted row is not erased: SQLite's free pages and write-ahead log, PostgreSQL's dead
tuples and WAL keep its bytes a while. So a file is stored encrypted (AES-GCM) with a key
made from its fetch token, which the desk sends to the kiosk and never stores (only its
SHA-256, a different hash): once the kiosk has the file, or the row is gone, what is left
on the desk's disk cannot be read. Its name and digest are not stored at all.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select, update

from kiosk.desk.schema import upload_links, uploads
from kiosk.phone_files import MAX_FILE_BYTES

log = logging.getLogger(__name__)

LINK_S = 10 * 60
FILES_PER_LINK = 5
LINKS_PER_KIOSK = 3        # live at once; a new one past that replaces the oldest
MAX_HELD_BYTES = 200 * 1024 * 1024  # every file waiting, of every kiosk together
MAX_HELD_PER_KIOSK = 3 * MAX_FILE_BYTES
ENDED = ("ready", "wiping", "out_of_service")  # a kiosk's session states with nobody's files


def hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _key(fetch: str) -> AESGCM:
    """The file's key, from its fetch token (256 random bits): not `hashed`, which is stored."""
    return AESGCM(hashlib.sha256(b"phone upload file key\0" + fetch.encode("utf-8", "replace")).digest())


def _sealed(fetch: str, file_id: str, data: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _key(fetch).encrypt(nonce, data, file_id.encode())


def _opened(fetch: str, file_id: str, sealed: bytes) -> bytes:
    return _key(fetch).decrypt(sealed[:12], sealed[12:], file_id.encode())


class _Full(Exception):
    pass


class Uploads:
    """The links and the waiting files, in the desk's database (`engine`)."""

    def __init__(self, engine, clock=time.time, max_held_bytes: int = MAX_HELD_BYTES) -> None:
        self.engine = engine
        self.clock = clock
        self.max_held_bytes = max_held_bytes
        self._swept = float("-inf")

    def sweep_now_and_then(self) -> None:
        """Expired links and files go within a minute even when nobody uses them."""
        if self.clock() - self._swept >= 30:
            self._swept = self.clock()
            self.sweep()

    def sweep(self) -> None:
        now = self.clock()
        with self.engine.begin() as connection:
            connection.execute(delete(uploads).where(uploads.c.expires < now))
            connection.execute(delete(upload_links).where(upload_links.c.expires < now))

    def mint(self, site: str, kiosk: str, language: str) -> str:
        """A new link for `kiosk`'s person; the token itself is returned, only its hash kept."""
        self.sweep()
        token = secrets.token_urlsafe(24)
        with self.engine.begin() as connection:
            live = connection.execute(select(upload_links.c.token).where(
                upload_links.c.site == site, upload_links.c.kiosk == kiosk).order_by(upload_links.c.expires)).all()
            for (old,) in live[:max(0, len(live) - LINKS_PER_KIOSK + 1)]:
                connection.execute(delete(uploads).where(uploads.c.link == old))
                connection.execute(delete(upload_links).where(upload_links.c.token == old))
            connection.execute(upload_links.insert().values(token=hashed(token), site=site, kiosk=kiosk,
                                                            language=language, expires=self.clock() + LINK_S,
                                                            files=0))
        return token

    def link(self, token: str) -> dict | None:
        """The live link of `token` (site, kiosk, language, files), or None."""
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(upload_links).where(upload_links.c.token == hashed(token),
                                                                upload_links.c.expires >= self.clock())).first()
        return dict(row._mapping) if row is not None and row.files < FILES_PER_LINK else None

    def end(self, site: str, kiosk: str) -> int:
        """The kiosk's person has finished: every link of that kiosk and its files go."""
        with self.engine.begin() as connection:
            connection.execute(delete(uploads).where(uploads.c.site == site, uploads.c.kiosk == kiosk))
            gone = connection.execute(delete(upload_links).where(upload_links.c.site == site,
                                                                 upload_links.c.kiosk == kiosk)).rowcount
        return gone

    def add(self, token: str, name: str, kind: str, data: bytes) -> dict | str:
        """Keep a checked file for the link's kiosk: the event to send it ({"type":
        "upload_ready", ...} with "site" and "kiosk" to send it to), or why not ("gone",
        "full": the desk holds too much now)."""
        self.sweep()
        digest = hashlib.sha256(data).hexdigest()
        try:
            return self._add(token, name, kind, data, digest)
        except _Full:
            return "full"

    def _add(self, token: str, name: str, kind: str, data: bytes, digest: str) -> dict | str:
        fetch, file_id = secrets.token_urlsafe(32), str(uuid.uuid4())
        sealed = _sealed(fetch, file_id, data)
        with self.engine.begin() as connection:
            # The link's count goes up first, in one statement: two posts at once cannot both
            # take its last file.
            taken = connection.execute(update(upload_links).where(
                upload_links.c.token == hashed(token), upload_links.c.expires >= self.clock(),
                upload_links.c.files < FILES_PER_LINK).values(files=upload_links.c.files + 1)
                .returning(upload_links.c.site, upload_links.c.kiosk, upload_links.c.expires)).first()
            if taken is None:
                return "gone"
            held = connection.execute(select(func.coalesce(func.sum(uploads.c.size), 0))).scalar_one()
            of_kiosk = connection.execute(select(func.coalesce(func.sum(uploads.c.size), 0)).where(
                uploads.c.site == taken.site, uploads.c.kiosk == taken.kiosk)).scalar_one()
            if held + len(data) > self.max_held_bytes or of_kiosk + len(data) > MAX_HELD_PER_KIOSK:
                raise _Full  # and the link's count goes back
            # The name and the digest go to the kiosk in the event only: stored, they would
            # outlive the row like its bytes.
            connection.execute(uploads.insert().values(
                id=file_id, link=hashed(token), site=taken.site, kiosk=taken.kiosk, fetch=hashed(fetch), name="",
                kind=kind, sha256="", size=len(data), data=sealed, expires=taken.expires))
        return {"site": taken.site, "kiosk": taken.kiosk,
                "event": {"type": "upload_ready", "id": file_id, "name": name, "kind": kind, "size": len(data),
                          "sha256": digest, "fetch": fetch}}

    def take(self, file_id: str, fetch: str) -> tuple[str, bytes] | None:
        """The kiosk fetches a file: (kind, bytes) once, and the desk has it no more. `fetch`
        is the file's token and its key."""
        if not (isinstance(fetch, str) and 20 <= len(fetch) <= 64 and isinstance(file_id, str) and len(file_id) == 36):
            return None
        with self.engine.begin() as connection:
            row = connection.execute(select(uploads.c.kind, uploads.c.data, uploads.c.fetch).where(
                uploads.c.id == file_id, uploads.c.expires >= self.clock())).first()
            if row is None or not secrets.compare_digest(row.fetch, hashed(fetch)):
                return None
            if connection.execute(delete(uploads).where(uploads.c.id == file_id)).rowcount != 1:
                return None  # another process gave it out just now
        try:
            return row.kind, _opened(fetch, file_id, bytes(row.data))
        except (InvalidTag, ValueError):
            log.error("an upload's file does not decrypt with its fetch token: not given out")
            return None

    def held(self) -> tuple[int, int]:
        """(files, links) the desk holds now: for tests and the health of the desk."""
        with self.engine.connect() as connection:
            return (connection.execute(select(func.count()).select_from(uploads)).scalar_one(),
                    connection.execute(select(func.count()).select_from(upload_links)).scalar_one())


def on_message(link, site: str, kiosk: str, data: dict) -> str:
    """A kiosk's message on its `upload` leaf (DeskLink.handle): a link asked for, or its
    person finished. A kiosk speaks only for itself; asking is rate-limited per kiosk."""
    kind, asked = data.get("type"), data.get("id")
    if data.get("kiosk") != kiosk:
        return "ignored"
    if kind == "end":
        if link.uploads.end(site, kiosk):
            log.info("upload links of %s ended", kiosk)
        return "upload"
    from kiosk.desk.link import valid_request_id
    from kiosk.desk.language import LANGUAGES

    if kind != "link" or not valid_request_id(asked):
        return "ignored"
    if not link._allowed(site, kiosk, "uploads"):
        return "ignored"  # not answered: the kiosk says the desk did not answer
    language = data.get("language") if data.get("language") in LANGUAGES else ""
    token = link.uploads.mint(site, kiosk, language)
    link.event(site, kiosk, {"type": "upload_link", "id": asked, "token": token, "minutes": LINK_S // 60})
    return "upload"


def on_status(link, site: str, kiosk: str, session_state) -> None:
    """A kiosk's status (or going offline: None): no person there, no live link."""
    if session_state is None or session_state in ENDED:
        link.uploads.end(site, kiosk)
    link.uploads.sweep_now_and_then()
