"""The desk database's tables as the queries see them (the newest migration's), and
bringing a database up to them: the Alembic migrations in `kiosk/desk/migrations`, run in
code whenever a Store opens a database, so one command still starts a desk.

The migrations, not these definitions, create the tables; a test holds the two equal."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import (BigInteger, Boolean, Column, Double, Index, Integer, LargeBinary, MetaData,
                        PrimaryKeyConstraint, Table, Text, false, text)
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ROLES = ("helper", "site_lead", "admin", "stats_reader")

metadata = MetaData()

kiosks = Table("kiosks", metadata,
               Column("site", Text, primary_key=True), Column("kiosk", Text, primary_key=True),
               Column("online", Integer), Column("status", Text), Column("updated", Double))

# Times are seconds since the epoch (time.time()), as the desk has always stored them.
requests = Table("requests", metadata,
                 Column("id", Text, primary_key=True),
                 *(Column(name, Text) for name in ("site", "kiosk", "place", "topic", "service", "language",
                                                   "accessibility")),
                 Column("created", Double), Column("accepted", Double), Column("helper", Text),
                 Column("resolved", Double), Column("cancelled", Double), Column("resolution", Text),
                 Column("resolution_service", Text),
                 # When the request waited too long unaccepted and went to the region's staff;
                 # since when it waits unaccepted, if it was released (else since `created`).
                 Column("escalated", Double), Column("waiting_since", Double),
                 Index("requests_closed", "site", "resolved"))

# Helpers' notes on a request (what was tried, where the person was sent): staff words,
# never the person's details; kept with the request's history.
notes = Table("notes", metadata,
              Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
              Column("request", Text, nullable=False), Column("at", Double, nullable=False),
              Column("author", Text, nullable=False), Column("text", Text, nullable=False),
              Index("notes_request", "request", "at"))

# Kiosks an administrator took off the board: their retained status and "offline" (which
# the broker sends again at every desk start) do not bring them back; going online does.
forgotten = Table("forgotten", metadata,
                  Column("site", Text, primary_key=True), Column("kiosk", Text, primary_key=True),
                  Column("at", Double, nullable=False))

# Who is on duty (True) or away (False) at which site; no row: away.
duty = Table("duty", metadata,
             Column("name", Text, primary_key=True), Column("site", Text, primary_key=True),
             Column("on_duty", Boolean, nullable=False), Column("updated", Double, nullable=False))

# failures and locked_until are from before login_attempts and no longer used.
users = Table("users", metadata,
              Column("name", Text, primary_key=True), Column("sites", Text), Column("hash", Text),
              Column("failures", Integer, server_default="0"), Column("locked_until", Double, server_default="0"),
              # A staff session holds its user's stamp; a new password, sites, role or disabling change it.
              Column("stamp", Text, nullable=False, server_default=""),
              Column("role", Text, nullable=False, server_default="helper"),
              Column("disabled", Boolean, nullable=False, server_default=false()))

# Failed logins by the name typed, known or not (an unknown name locks like a real one, so
# the answers do not tell which names exist), kept as a hash: what someone typed into the
# name field may be their password. Old rows are pruned.
login_attempts = Table("login_attempts", metadata,
                       Column("name", Text, primary_key=True), Column("failures", Integer, nullable=False),
                       Column("locked_until", Double, nullable=False), Column("updated", Double, nullable=False))

stats = Table("stats", metadata,
              *(Column(name, Text, nullable=False) for name in ("site", "kiosk", "day")),
              Column("hour", Integer, nullable=False), Column("counter", Text, nullable=False),
              Column("value", Text, nullable=False), Column("n", Integer, nullable=False),
              PrimaryKeyConstraint("kiosk", "day", "hour", "counter", "value"),
              Index("stats_report", "counter", "value", "site", "day", "hour", "kiosk", "n"))

# Times booked with a site's digital-support helpers (kiosk/desk/bookings.py): when (Helsinki
# wall-clock time, "2026-12-08T10:00"), where, for how long, what about, and the code the
# person shows; nothing of who. One live booking a time and place (the partial index).
bookings = Table("bookings", metadata,
                 Column("id", Text, primary_key=True),
                 *(Column(name, Text, nullable=False) for name in ("site", "kiosk", "provider", "provider_name",
                                                                   "starts")),
                 Column("minutes", Integer, nullable=False),
                 *(Column(name, Text, nullable=False) for name in ("topic", "service", "language",
                                                                   "accessibility", "code")),
                 Column("created", Double, nullable=False), Column("cancelled", Double),
                 Column("cancelled_by", Text),
                 Index("bookings_live", "site", "provider", "starts", unique=True,
                       sqlite_where=text("cancelled IS NULL"), postgresql_where=text("cancelled IS NULL")),
                 Index("bookings_kiosk", "kiosk", "starts"))

# Terminals of the one image asking to become kiosks (kiosk/desk/enrolment.py): the code a
# terminal shows (the administrator reads it off its screen), the SHA-256 of the secret only
# the terminal knows, what it says of itself, and what an administrator gave it. A row goes
# a day after it was last seen, or once its terminal has its credentials.
enrolments = Table("enrolments", metadata,
                   Column("code", Text, primary_key=True),
                   Column("secret", Text, nullable=False, unique=True),
                   *(Column(name, Text, nullable=False) for name in ("address", "mac", "version", "state")),
                   Column("seen", Double, nullable=False), Column("expires", Double, nullable=False),
                   *(Column(name, Text) for name in ("site", "kiosk", "place", "by")),
                   Column("decided", Double))

audit = Table("audit", metadata,
              Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
              Column("at", Double, nullable=False), Column("actor", Text, nullable=False),
              Column("action", Text, nullable=False), Column("site", Text, nullable=False, server_default=""),
              Column("kiosk", Text, nullable=False, server_default=""),
              Column("detail", Text, nullable=False, server_default="{}"),
              Index("audit_at", "at"), Index("audit_site", "site", "at"))

# Files from a person's own phone on their way to the kiosk they sit at
# (kiosk/desk/uploads.py): the one-time links (their tokens as SHA-256 only) and the files
# waiting to be fetched, in the database so that any desk process on it can serve the
# phone and the kiosk. A file's row is deleted when the kiosk has it, and with its link.
# `data` is the file encrypted with a key the desk does not keep; `name` and `sha256` are
# left empty (the kiosk's event carries them).
upload_links = Table("upload_links", metadata,
                     Column("token", Text, primary_key=True),
                     *(Column(name, Text, nullable=False) for name in ("site", "kiosk", "language")),
                     Column("expires", Double, nullable=False), Column("files", Integer, nullable=False),
                     Index("upload_links_kiosk", "site", "kiosk"))
uploads = Table("uploads", metadata,
                Column("id", Text, primary_key=True), Column("link", Text, nullable=False),
                *(Column(name, Text, nullable=False) for name in ("site", "kiosk", "fetch", "name", "kind",
                                                                  "sha256")),
                Column("size", Integer, nullable=False), Column("data", LargeBinary, nullable=False),
                Column("expires", Double, nullable=False),
                Index("uploads_link", "link"))


# Configuration and catalogue releases of a site (kiosk/desk/rollout.py): numbered per site
# and kind, signed over kind, site, version and digest, sent to the kiosks of a ring
# ("pilot" first, then "all"); a rollback is a new, higher version with an older content
# (`rollback_of`). `fetch` is the token a kiosk fetches the file with.
releases = Table("releases", metadata,
                 Column("id", Text, primary_key=True),
                 *(Column(name, Text, nullable=False) for name in ("site", "kind")),
                 Column("version", Integer, nullable=False),
                 *(Column(name, Text, nullable=False) for name in ("ring", "sha256", "signature", "fetch", "author")),
                 Column("size", Integer, nullable=False), Column("content", LargeBinary, nullable=False),
                 Column("created", Double, nullable=False), Column("rollback_of", Integer),
                 Index("releases_version", "site", "kind", "version", unique=True))
# A kiosk's ring ("pilot"); a kiosk without a row is in "all".
rings = Table("rings", metadata,
              Column("site", Text, primary_key=True), Column("kiosk", Text, primary_key=True),
              Column("ring", Text, nullable=False))


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(connection: Connection) -> None:
    """Bring the database on `connection` to the newest migration (nothing if it is there)."""
    from alembic import command
    from alembic.migration import MigrationContext

    current, newest = MigrationContext.configure(connection).get_current_revision(), head()
    if current == newest:
        return
    log.info("desk database: migrating from %s to %s", current or "before migrations", newest)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
