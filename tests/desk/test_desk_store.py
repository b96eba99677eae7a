"""The desk's database: migrations (from a database the desk made before them, and from
nothing, on SQLite and on a real PostgreSQL), staff passwords, accounts and the audit log,
and the staff commands of `kiosk-desk`."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from kiosk.desk import schema
from kiosk.desk.cli import load
from kiosk.desk.store import AUDIT_DETAIL_BYTES, Store
from testbed.desk import desk_command

# What the desk ran at every start before Alembic (kiosk/desk/store.py until issue 18).
SCHEMA_BEFORE_ALEMBIC = """
CREATE TABLE IF NOT EXISTS kiosks (site TEXT, kiosk TEXT, online INTEGER, status TEXT, updated REAL,
                                   PRIMARY KEY (site, kiosk));
CREATE TABLE IF NOT EXISTS requests (id TEXT PRIMARY KEY, site TEXT, kiosk TEXT, place TEXT, topic TEXT,
    service TEXT, language TEXT, accessibility TEXT, created REAL, accepted REAL, helper TEXT, resolved REAL,
    cancelled REAL, resolution TEXT, resolution_service TEXT);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, sites TEXT, hash TEXT, failures INTEGER DEFAULT 0,
                                  locked_until REAL DEFAULT 0);
CREATE TABLE IF NOT EXISTS login_attempts (name TEXT PRIMARY KEY, failures INTEGER NOT NULL,
                                           locked_until REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS stats (site TEXT NOT NULL, kiosk TEXT NOT NULL, day TEXT NOT NULL, hour INTEGER NOT NULL,
    counter TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kiosk, day, hour, counter, value));
CREATE INDEX IF NOT EXISTS stats_report ON stats (counter, value, site, day, hour, kiosk, n);
"""
STAMP_BEFORE_ALEMBIC = "ALTER TABLE users ADD COLUMN stamp TEXT NOT NULL DEFAULT ''"
PASSWORD = "correct horse battery"


def scrypt_hash(password: str) -> str:
    """A password hashed as the desk did before argon2."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


def database_before_alembic(path, with_stamp: bool = True) -> dict:
    """A desk database as the code before Alembic left it, with a little of everything."""
    request_id = str(uuid.uuid4())
    with sqlite3.connect(path) as database:
        database.executescript(SCHEMA_BEFORE_ALEMBIC)
        if with_stamp:
            database.execute(STAMP_BEFORE_ALEMBIC)
            database.execute("INSERT INTO users (name, sites, hash, stamp) VALUES ('Aino', 'oodi,kallio', ?, 's1')",
                             (scrypt_hash(PASSWORD),))
        else:
            database.execute("INSERT INTO users (name, sites, hash) VALUES ('Aino', 'oodi,kallio', ?)",
                             (scrypt_hash(PASSWORD),))
        database.execute("INSERT INTO kiosks VALUES ('oodi', 'oodi-1', 1, '{\"session\": \"active\"}', 1.5)")
        database.execute("INSERT INTO requests (id, site, kiosk, place, topic, service, language, accessibility, "
                         "created) VALUES (?, 'oodi', 'oodi-1', 'Floor 2', 'printing', 'kela', 'fi', 'speech', ?)",
                         (request_id, time.time() - 60))
        database.execute("INSERT INTO stats VALUES ('oodi', 'oodi-1', '2026-03-02', 9, 'session', 'started', 4)")
    return {"request": request_id}


def columns(url: str, table: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


# -- migrations ------------------------------------------------------------------------------

@pytest.mark.parametrize("with_stamp", [True, False], ids=["stamped", "before-stamps"])
def test_a_database_the_desk_made_before_alembic_is_upgraded_in_place(tmp_path, with_stamp):
    path = tmp_path / "desk.sqlite"
    made = database_before_alembic(path, with_stamp)
    store = Store(str(path))
    url = f"sqlite:///{path}"
    assert revision(url) == schema.head()
    assert {"role", "disabled", "stamp"} <= columns(url, "users")
    assert {"at", "actor", "action", "site", "kiosk", "detail"} <= columns(url, "audit")
    # Everything it held is still there, and read the same.
    assert store.users() == [{"name": "Aino", "sites": ["oodi", "kallio"], "role": "helper", "disabled": False}]
    [waiting] = store.queue(["oodi"])
    assert (waiting["id"], waiting["place"], waiting["accessibility"]) == (made["request"], "Floor 2", ["speech"])
    assert store.kiosks(["oodi"])[0]["status"] == {"session": "active"}
    assert store.statistics(["oodi"])["totals"] == {"session": {"started": 4}}
    assert store.login("Aino", PASSWORD)[0] == ["oodi", "kallio"]
    store.close()
    assert Store(str(path)).users()[0]["role"] == "helper"  # opened again: nothing more to do


def test_the_migrations_make_the_tables_the_queries_use_on_sqlite_and_postgresql(tmp_path, postgres):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    for url in (f"sqlite:///{tmp_path / 'fresh.sqlite'}", postgres.database("fresh")):
        Store(url).close()
        engine = create_engine(url)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
        engine.dispose()
        assert differences == [], (url, differences)
        assert revision(url) == schema.head()


def test_two_desks_starting_at_once_on_one_postgresql_both_find_the_schema(postgres):
    url = postgres.database("both_at_once")
    started = [subprocess.Popen([sys.executable, "-c", f"from kiosk.desk.store import Store; Store({url!r})"],
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in started:
        assert process.wait(120) == 0, process.stderr.read()
    assert revision(url) == schema.head()


# -- passwords -------------------------------------------------------------------------------

def test_an_old_scrypt_hash_logs_in_once_and_is_replaced_by_argon2(tmp_path):
    path = tmp_path / "desk.sqlite"
    database_before_alembic(path)
    store = Store(str(path))
    stamp = store.user_stamp("Aino")
    assert store.login("Aino", "not the password")[1] == "wrong"
    with sqlite3.connect(path) as database:
        assert database.execute("SELECT hash FROM users").fetchone()[0].startswith("scrypt$")  # not on a failure
    sites, problem, session_stamp = store.login("Aino", PASSWORD)
    assert (sites, problem, session_stamp) == (["oodi", "kallio"], "", stamp)
    with sqlite3.connect(path) as database:
        stored = database.execute("SELECT hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert store.user_stamp("Aino") == stamp  # rehashing the same password ends no session
    assert store.login("Aino", PASSWORD)[1] == ""
    assert store.login("Aino", "not the password")[1] == "wrong"


def test_a_new_password_is_argon2_with_the_libraries_defaults(tmp_path):
    from argon2 import PasswordHasher

    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi"])
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(stored)


def test_the_kiosk_hears_of_an_accept_once_from_the_helper_who_got_it(tmp_path):
    from kiosk.desk.link import BrokerSettings, DeskLink

    store = Store(str(tmp_path / "desk.sqlite"))
    link = DeskLink(BrokerSettings("127.0.0.1", 1, "desk-oodi", "x", False, ""), ["oodi"], store)
    sent = []
    link.event = lambda site, kiosk, event: sent.append((kiosk, event))  # no broker here
    request_id = str(uuid.uuid4())
    store.add_request("oodi", {"id": request_id, "kiosk": "oodi-1"})
    assert link.accept(request_id, "Aino")["claimed"] and not link.accept(request_id, "Ville")["claimed"]
    assert sent == [("oodi-1", {"type": "help_accepted", "id": request_id, "helper": "Aino"})]
    store.cancel("oodi", request_id, "oodi-1")
    cancelled = str(uuid.uuid4())
    store.add_request("oodi", {"id": cancelled, "kiosk": "oodi-1"})
    store.cancel("oodi", cancelled, "oodi-1")
    answer = link.accept(cancelled, "Aino")  # called off before anyone came: no one has it
    assert (answer["claimed"], answer["helper"], answer["cancelled"] is not None) == (False, None, True)
    assert link.accept(str(uuid.uuid4()), "Aino") is None and len(sent) == 1


# -- accounts --------------------------------------------------------------------------------

def test_roles_disabling_and_enabling_again(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi"], role="site_lead")
    store.add_user("Ville", PASSWORD, ["oodi"])
    with pytest.raises(ValueError):
        store.add_user("Kalle", PASSWORD, ["oodi"], role="root")
    assert [(u["name"], u["role"]) for u in store.users()] == [("Aino", "site_lead"), ("Ville", "helper")]
    stamp = store.user_stamp("Aino")
    assert store.disable_user("Aino") and not store.disable_user("Nobody")
    assert store.user_stamp("Aino") is None  # her open sessions end
    assert store.login("Aino", PASSWORD) == (None, "disabled", "")
    assert store.login("Aino", "a wrong password")[1] == "wrong"  # only the right password hears "disabled"
    store.add_user("Aino", "a new long password", ["oodi"])  # a new password: back, and still a site lead
    assert store.user("Aino") == {"name": "Aino", "sites": ["oodi"], "role": "site_lead", "disabled": False}
    assert store.user_stamp("Aino") not in (None, stamp)
    assert store.login("Aino", "a new long password")[1] == ""


def test_enabling_a_new_password_last_logins_and_known_sites(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi"], role="site_lead")
    store.disable_user("Aino")
    assert not store.enable_user("Nobody") and not store.set_password("Nobody", "a new long password")
    assert store.set_password("Aino", "a new long password")  # still disabled: a reset is no enabling
    assert store.login("Aino", "a new long password") == (None, "disabled", "")
    stamp = store.user_stamp("Aino")
    assert stamp is None and store.enable_user("Aino")
    stamp = store.user_stamp("Aino")
    assert store.login("Aino", PASSWORD)[1] == "wrong" and store.login("Aino", "a new long password")[1] == ""
    assert store.user("Aino") == {"name": "Aino", "sites": ["oodi"], "role": "site_lead", "disabled": False}
    assert store.set_password("Aino", "yet another password") and store.user_stamp("Aino") not in (None, stamp)
    assert list(store.last_logins()) == ["Aino"] and store.last_logins()["Aino"] <= time.time()
    store.presence("oodi", "oodi-1", True)
    store.presence("kallio", "kallio-1", False)
    assert store.known_sites() == ["kallio", "oodi"]


def test_logins_and_failures_of_known_names_are_audited_and_typed_names_never_are(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"))
    store.add_user("Aino", PASSWORD, ["oodi"])
    store.login("Aino", PASSWORD)
    store.login("Aino", "wrong")
    store.login("my password typed as a name", "wrong")
    assert [(e["actor"], e["action"]) for e in store.audit_log()] == [("Aino", "login_failed"), ("Aino", "login")]


# -- the audit log ---------------------------------------------------------------------------

def test_the_audit_log_is_bounded_filtered_paged_and_pruned(tmp_path):
    store = Store(str(tmp_path / "desk.sqlite"), audit_keep_days=30)
    store.audit("Aino", "command", "oodi", "oodi-1", {"command": "message", "text": "x" * 5000})
    store.audit("Ville", "command", "kallio", "kallio-1", {"command": "end_session"})
    store.audit("cli:root", "user_added", detail={"name": "Ville", **{f"k{n}": "y" * 400 for n in range(15)}})
    store.audit("A" * 500, "a" * 500, "s" * 500, "k" * 500, {"when": float("nan")})
    newest, many, kallio, oodi = store.audit_log()
    assert (len(newest["actor"]), len(newest["action"]), newest["detail"]) == (60, 40, {"unreadable": True})
    assert set(many["detail"]) == {"too_long"}  # more than AUDIT_DETAIL_BYTES of JSON: not kept
    assert many["detail"]["too_long"] > AUDIT_DETAIL_BYTES
    assert oodi["detail"] == {"command": "message", "text": "x" * 500}
    assert [e["actor"] for e in store.audit_log(["oodi"])] == ["Aino"]
    assert [e["actor"] for e in store.audit_log(limit=2)] == [newest["actor"], "cli:root"]
    assert [e["actor"] for e in store.audit_log(before=many["id"])] == ["Ville", "Aino"]
    assert store.prune_audit(now=time.time() + 29 * 86400) == 0
    assert store.prune_audit(now=time.time() + 31 * 86400) == 4 and store.audit_log() == []


# -- kiosk-desk: staff accounts from the command line --------------------------------------------

def test_staff_accounts_from_the_command_line_and_each_in_the_audit_log(tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text(f'[desk]\nsites = ["oodi"]\ndatabase = "{tmp_path / "desk.sqlite"}"\n')
    assert desk_command(config, "add-user", "Aino", "--sites", "oodi,kallio", "--role", "site_lead",
                        password=PASSWORD).returncode == 0
    assert desk_command(config, "add-user", "Ville", "--sites", "oodi", password=PASSWORD).returncode == 0
    refused = desk_command(config, "add-user", "Kalle", "--sites", "oodi", "--role", "root", password=PASSWORD)
    assert refused.returncode == 2 and "invalid choice: 'root'" in refused.stderr
    disabled = desk_command(config, "disable-user", "Ville")
    assert disabled.returncode == 0 and "can no longer log in" in disabled.stdout
    unknown = desk_command(config, "disable-user", "Nobody")
    assert unknown.returncode == 1 and "no staff user 'Nobody'" in unknown.stderr
    listed = desk_command(config, "list-users")
    assert listed.returncode == 0
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["Aino", "site_lead", "oodi,kallio"], ["Ville", "helper", "oodi", "(disabled)"]]
    assert desk_command(config, "add-user", "Aino", "--sites", "oodi", password=PASSWORD).returncode == 0
    store = Store(str(tmp_path / "desk.sqlite"))
    assert store.user("Aino")["role"] == "site_lead"  # changed without --role: keeps hers
    log = [(e["action"], e["detail"].get("name"), e["detail"].get("role")) for e in reversed(store.audit_log())]
    assert log == [("user_added", "Aino", "site_lead"), ("user_added", "Ville", "helper"),
                   ("user_disabled", "Ville", None), ("users_listed", None, None),
                   ("user_changed", "Aino", "site_lead")]
    assert all(e["actor"].startswith("cli:") for e in store.audit_log())


# -- desk.toml -------------------------------------------------------------------------------

@pytest.mark.parametrize("line, says", [
    ('database_url = "not a url"', "not a URL"),
    ('database_url = "mysql://db.example.fi/desk"', "not mysql"),
    ("database_url = 5", "not 5"),
    ("audit_keep_days = 0", "audit_keep_days must be a whole number of days from 1 to 3650"),
    ("audit_keep_days = true", "audit_keep_days must be a whole number"),
])
def test_a_wrong_database_url_or_audit_time_is_refused_with_file_and_line(tmp_path, line, says):
    config = tmp_path / "desk.toml"
    config.write_text(f'[desk]\nsites = ["oodi"]\n{line}\n')
    with pytest.raises(SystemExit) as refused:
        load(config)
    assert str(refused.value).startswith(f"{config}:3: [desk] ") and says in str(refused.value), refused.value


def test_a_postgresql_url_without_a_driver_means_psycopg(tmp_path):
    config = tmp_path / "desk.toml"
    config.write_text('[desk]\nsites = ["oodi"]\ndatabase_url = "postgresql://desk@db.example.fi/desk"\n')
    assert load(config)["desk"]["database_url"] == "postgresql+psycopg://desk@db.example.fi/desk"
