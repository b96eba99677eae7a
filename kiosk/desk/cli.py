"""`kiosk-desk run --config desk.toml`, and the staff accounts: `kiosk-desk add-user NAME
--sites a,b [--role ROLE]`, `list-users`, `disable-user NAME` (each written to the audit log)."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kiosk.desk.board import DeskApp
from kiosk.desk.escalation import EVERY_S, Escalation
from kiosk.desk.link import BrokerSettings, DeskLink, valid_id
from kiosk.desk.schema import ROLES
from kiosk.desk.store import Store
from kiosk.toml_schema import Source, read_source

log = logging.getLogger(__name__)
DEFAULTS = {"broker": {"host": "127.0.0.1", "port": 8883, "tls": True, "ca_file": "", "username": "",
                       "password_file": ""},
            # trusted_proxy: the address whose X-Forwarded-Proto/For the desk believes (the
            # site's HTTPS proxy); headers_s: how long a connection may take to send a request.
            # database: the SQLite file of a desk on its own; database_url: a PostgreSQL database
            # (postgresql+psycopg://user@host/db) shared by several desk processes, "" = none.
            # audit_keep_days: how long the audit log keeps who did what. metrics_token_file: the
            # file with the bearer token Prometheus reads /metrics with ("" = no /metrics).
            "desk": {"sites": ["default"], "listen": "127.0.0.1", "port": 8080, "database": "desk.sqlite",
                     "database_url": "", "audit_keep_days": 365, "trusted_proxy": "127.0.0.1", "headers_s": 10.0,
                     "metrics_token_file": ""},
            # National roll-up: a SQLAlchemy URL (postgresql+psycopg://user@host/db); "" = none.
            "rollup": {"url": "", "name": "", "every_s": 3600},
            # A request nobody accepts within after_min minutes goes to the region's other staff
            # (0 = never) and to the chat: webhook_url for every site, site_webhooks = {site = url}
            # for a site with a chat of its own; the chat's message in `language`.
            "escalation": {"after_min": 5, "webhook_url": "", "site_webhooks": {}, "language": "fi"},
            # New terminals of the one image (kiosk.desk.enrolment): the broker account that may
            # make kiosk accounts (its ACL: the dynamic-security control topic only; username ""
            # = no enrolment on this desk), and the broker's address as kiosks reach it.
            "enrolment": {"username": "", "password_file": "", "kiosk_broker_host": "", "kiosk_broker_port": 8883},
            # Configuration and catalogue roll-out: the desk's Ed25519 signing key (PEM, made by
            # 'kiosk-desk rollout-key'); "" = nothing can be rolled out.
            "rollout": {"key_file": ""}}


MAX_CONFIG_BYTES = 64 * 1024


def load(path: Path | None) -> dict:
    """desk.toml over the defaults; SystemExit with the file, line and key of any problem."""
    config = {section: dict(values) for section, values in DEFAULTS.items()}
    if path is not None:
        problems: list = []
        source = read_source(path, problems, max_bytes=MAX_CONFIG_BYTES)
        if source is None:
            raise SystemExit("\n".join(str(problem) for problem in problems))
        data = source.data
        for section, values in data.items():
            if section not in config or not isinstance(values, dict):
                raise SystemExit(f"{path}: unknown section [{section}] (known: {', '.join(config)})")
            unknown = set(values) - set(config[section])
            if unknown:
                raise SystemExit(f"{path}: unknown key(s) in [{section}]: {', '.join(sorted(unknown))}")
            config[section].update(values)
        sites = config["desk"]["sites"]
        if not (isinstance(sites, list) and sites and all(valid_id(site) for site in sites)):
            raise SystemExit(f"{_where(path, source, 'sites')}: [desk] sites must be a list of site ids "
                             f"(lower-case letters, digits, '-', '_'), not {sites!r}")
        config["desk"]["database_url"] = _database_url(config["desk"]["database_url"], path, source)
        keep = config["desk"]["audit_keep_days"]
        if not (isinstance(keep, int) and not isinstance(keep, bool) and 1 <= keep <= 3650):
            raise SystemExit(f"{_where(path, source, 'audit_keep_days')}: [desk] audit_keep_days must be a "
                             f"whole number of days from 1 to 3650, not {keep!r}")
        _check_escalation(config["escalation"], path, source)
        key_file = config["rollout"]["key_file"]
        if not isinstance(key_file, str) or (key_file and not Path(key_file).is_absolute()):
            raise SystemExit(f"{_where(path, source, 'key_file', 'rollout')}: [rollout] key_file must be the "
                             f"absolute path of the desk's signing key, or \"\" for none")
        database = Path(config["desk"]["database"])
        if not database.is_absolute():
            config["desk"]["database"] = str(path.parent / database)
        token_file = config["desk"]["metrics_token_file"]
        if not isinstance(token_file, str):
            raise SystemExit(f"{_where(path, source, 'metrics_token_file')}: [desk] metrics_token_file must be "
                             f"the path of a file, or \"\" for no /metrics, not {token_file!r}")
        if token_file and not Path(token_file).is_absolute():
            config["desk"]["metrics_token_file"] = str(path.parent / token_file)
    return config


def metrics_token(config: dict) -> bytes | None:
    """The token of [desk] metrics_token_file (None: none configured); SystemExit naming
    the key and the file when it cannot be used."""
    from kiosk.desk.metrics import read_token

    token_file = config["desk"]["metrics_token_file"]
    if not token_file:
        return None
    try:
        return read_token(Path(token_file))
    except ValueError as problem:
        raise SystemExit(f"[desk] metrics_token_file {token_file}: {problem}") from None


def _where(path: Path, source: Source, key: str, section: str = "desk") -> str:
    line = source.lines.line_of((section, key))
    return f"{path}:{line}" if line else str(path)


def _check_escalation(escalation: dict, path: Path, source: Source) -> None:
    from kiosk.desk.escalation import valid_webhook
    from kiosk.desk.language import LANGUAGES

    def where(key: str) -> str:
        return _where(path, source, key, "escalation")

    after = escalation["after_min"]
    if not (isinstance(after, (int, float)) and not isinstance(after, bool) and 0 <= after <= 24 * 60):
        raise SystemExit(f"{where('after_min')}: [escalation] after_min must be minutes from 0 (never) to 1440, "
                         f"not {after!r}")
    if not valid_webhook(escalation["webhook_url"]):
        raise SystemExit(f"{where('webhook_url')}: [escalation] webhook_url must be the chat's https:// address, "
                         f"or \"\" for none")
    webhooks = escalation["site_webhooks"]
    if not (isinstance(webhooks, dict) and all(valid_id(site) and valid_webhook(url) for site, url in webhooks.items())):
        raise SystemExit(f"{where('site_webhooks')}: [escalation] site_webhooks must map site ids to https:// "
                         f"addresses, like {{ oodi = \"https://chat.example.fi/hooks/abc\" }}")
    if escalation["language"] not in LANGUAGES:
        raise SystemExit(f"{where('language')}: [escalation] language must be one of {', '.join(LANGUAGES)}, "
                         f"not {escalation['language']!r}")


def _database_url(url, path: Path, source: Source) -> str:
    """[desk] database_url checked: "" or a PostgreSQL (or SQLite) URL SQLAlchemy reads;
    postgresql:// means the psycopg driver the desk ships with."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if url == "":
        return url
    problem = f"{_where(path, source, 'database_url')}: [desk] database_url must be a database URL like " \
              f"postgresql+psycopg://kiosk_desk@db.example.fi/kiosk_desk"
    if not isinstance(url, str):
        raise SystemExit(f"{problem}, not {url!r}")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SystemExit(f"{problem} (this one is not a URL)") from None
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise SystemExit(f"{problem} (the desk keeps its data in PostgreSQL or SQLite, not "
                         f"{parsed.get_backend_name()})")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def open_store(config: dict) -> Store:
    """The desk's database: PostgreSQL at [desk] database_url, else the SQLite file."""
    return Store(config["desk"]["database_url"] or config["desk"]["database"],
                 audit_keep_days=int(config["desk"]["audit_keep_days"]))


def cli_actor() -> str:
    """Who is at the console, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid {os.getuid()}"


def run_rollup(store: Store, config: dict) -> int | None:
    """Forward to the central database; None (and the reason in the log) if it failed."""
    from kiosk.desk.rollup import roll_up

    try:
        return roll_up(store, list(config["desk"]["sites"]), config["rollup"]["url"],
                       config["rollup"]["name"] or "-".join(config["desk"]["sites"]))
    except Exception as error:  # a database that is down or refuses: tried again next hour
        log.error("statistics roll-up failed: %s", error)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-desk", description="the staff desk for kiosks")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the desk")
    run.add_argument("--config", type=Path)
    add = commands.add_parser("add-user", help="add or change a staff user (password read from stdin)")
    add.add_argument("name")
    add.add_argument("--sites", required=True, help="comma-separated sites the user may see")
    add.add_argument("--role", choices=ROLES,
                     help="what the user may do (a new user: helper; a changed one keeps theirs)")
    add.add_argument("--config", type=Path)
    listing = commands.add_parser("list-users", help="the staff users: name, role, sites, disabled")
    listing.add_argument("--config", type=Path)
    disable = commands.add_parser("disable-user", help="a staff user can no longer log in (sessions end)")
    disable.add_argument("name")
    disable.add_argument("--config", type=Path)
    rollup = commands.add_parser("rollup", help="forward the sites' daily statistics to [rollup] url now")
    rollup.add_argument("--config", type=Path)
    key = commands.add_parser("rollout-key", help="make the desk's signing key for roll-outs (FILE) and the "
                                                 "kiosks' public key (FILE.pub)")
    key.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "rollout-key":
        return rollout_key(args.file)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the store says when it migrates
    config = load(args.config)
    try:
        store = open_store(config)
    except SQLAlchemyError as error:
        print(f"cannot open the desk's database: {error}", file=sys.stderr)
        return 1
    try:
        if args.command == "add-user":
            return add_user(store, args.name, args.sites, args.role)
        if args.command == "list-users":
            return list_users(store)
        if args.command == "disable-user":
            return disable_user(store, args.name)
        if args.command == "rollup":
            if not config["rollup"]["url"]:
                print("no [rollup] url in the configuration: nothing to forward to", file=sys.stderr)
                return 2
            return 0 if run_rollup(store, config) is not None else 1
        return serve(store, config)
    finally:
        store.close()


def add_user(store: Store, name: str, sites_text: str, role: str | None) -> int:
    password = sys.stdin.readline().rstrip("\n")
    sites = [s.strip() for s in sites_text.split(",") if s.strip()]
    # The login page reads at most 60 characters of a name and 200 of a password.
    problem = ("a staff password needs 10 to 200 characters" if not 10 <= len(password) <= 200 else
               "a staff name needs 1 to 60 characters" if not 1 <= len(name) <= 60 else
               f"not site ids: {', '.join(s for s in sites if not valid_id(s))}"
               if not sites or not all(valid_id(s) for s in sites) else "")
    if problem:
        print(problem, file=sys.stderr)
        return 1
    known = store.user(name)
    store.add_user(name, password, sites, role)
    store.audit(cli_actor(), "user_changed" if known else "user_added", detail={
        "name": name, "sites": ",".join(sites), "role": role or (known["role"] if known else "helper")})
    print(f"user {name} can now log in")
    return 0


def list_users(store: Store) -> int:
    store.audit(cli_actor(), "users_listed")
    listed = store.users()
    if not listed:
        print("no staff users yet: kiosk-desk add-user NAME --sites SITES")
    width = max([len(user["name"]) for user in listed] + [4])
    for user in listed:
        print(f"{user['name']:<{width}}  {user['role']:<12}  {','.join(user['sites'])}"
              + ("  (disabled)" if user["disabled"] else ""))
    return 0


def disable_user(store: Store, name: str) -> int:
    if not store.disable_user(name):
        print(f"no staff user {name!r} (kiosk-desk list-users shows them)", file=sys.stderr)
        return 1
    store.audit(cli_actor(), "user_disabled", detail={"name": name})
    print(f"user {name} can no longer log in; their open sessions have ended")
    return 0


def rollout_key(path: Path) -> int:
    """A new signing key, readable by its owner only, and the public key beside it."""
    from kiosk.release import new_key_pair

    if path.exists():
        print(f"{path} exists: a desk's key is not replaced by accident (kiosks have its public key)",
              file=sys.stderr)
        return 1
    private, public = new_key_pair()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    path.with_name(path.name + ".pub").write_bytes(public)
    print(f"wrote {path} (the desk's [rollout] key_file) and {path}.pub (each kiosk's [fleet] rollout_key_file)")
    return 0


def make_escalation(store: Store, config: dict, on_change) -> Escalation:
    settings = config["escalation"]
    return Escalation(store, list(config["desk"]["sites"]), float(settings["after_min"]) * 60,
                      {"": settings["webhook_url"], **settings["site_webhooks"]}, settings["language"], on_change)


def make_enrolments(store: Store, config: dict):
    """Enrolment of new terminals, where [enrolment] names its broker account; else None."""
    from kiosk.desk.enrolment import BrokerAccounts, BrokerAccountSettings, Enrolments

    settings, broker = config["enrolment"], config["broker"]
    if not settings["username"]:
        return None
    password = Path(settings["password_file"]).read_text().strip() if settings["password_file"] else ""
    accounts = BrokerAccounts(BrokerAccountSettings(broker["host"], int(broker["port"]), settings["username"], password,
                                                    bool(broker["tls"]), broker["ca_file"]))
    return Enrolments(store.engine, accounts, settings["kiosk_broker_host"] or broker["host"],
                      int(settings["kiosk_broker_port"]),
                      known_kiosks=lambda: {(k["site"], k["kiosk"]) for k in store.kiosks(list(config["desk"]["sites"]))})


def serve(store: Store, config: dict) -> int:
    """The desk until SIGTERM or SIGINT: the broker link, the web server, and now and then
    the audit log's pruning and the statistics roll-up."""
    broker = config["broker"]
    password = Path(broker["password_file"]).read_text().strip() if broker["password_file"] else ""
    try:
        link = DeskLink(BrokerSettings(broker["host"], int(broker["port"]), broker["username"], password,
                                       bool(broker["tls"]), broker["ca_file"]), list(config["desk"]["sites"]), store,
                        share=store.postgres)
    except (OSError, ValueError) as error:
        print(f"cannot reach the broker's TLS settings: {error} ([broker] ca_file = {broker['ca_file']!r})",
              file=sys.stderr)
        return 1
    from kiosk.desk.web import serve as serve_web  # the web stack only where the desk is served

    key = None
    if config["rollout"]["key_file"]:
        from kiosk.release import load_private_key

        try:
            key = load_private_key(config["rollout"]["key_file"])
        except ValueError as error:
            print(f"[rollout] key_file: {error}", file=sys.stderr)
            return 1
    token = metrics_token(config)  # before anything starts: a bad file stops the desk here
    app = DeskApp(store, link, rollout_key=key)
    app.enrolments = make_enrolments(store, config)
    link.on_change = app.notify
    store.listen(app.notice)  # what other desk processes on the same database change
    link.start()
    server = serve_web(app, config["desk"]["listen"], int(config["desk"]["port"]),
                       headers_s=float(config["desk"]["headers_s"]),
                       trusted_proxy=str(config["desk"]["trusted_proxy"]), metrics_token=token)
    log.info("desk at http://%s:%d/ for sites %s", config["desk"]["listen"], server.port,
             ", ".join(config["desk"]["sites"]))
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())

    def prune_now_and_then() -> None:  # the audit log keeps [desk] audit_keep_days
        while True:
            try:
                store.prune_audit()
            except Exception as error:  # the database away for a while: next hour
                log.error("pruning the audit log failed: %s", error)
            if stop.wait(3600):
                return

    threading.Thread(target=prune_now_and_then, daemon=True, name="audit-prune").start()
    escalation = make_escalation(store, config, app.notify)

    def escalate_now_and_then() -> None:
        while not stop.wait(EVERY_S):
            try:
                escalation.run_once()
            except Exception as error:  # the database away for a while: the next round
                log.error("escalating waiting requests failed: %s", error)

    threading.Thread(target=escalate_now_and_then, daemon=True, name="escalation").start()
    if config["rollup"]["url"]:  # once at start, then every hour while the desk runs
        def roll_up_now_and_then() -> None:
            run_rollup(store, config)
            while not stop.wait(float(config["rollup"]["every_s"])):
                run_rollup(store, config)

        threading.Thread(target=roll_up_now_and_then, daemon=True, name="rollup").start()
    stop.wait()
    server.shutdown()
    link.stop()
    return 0
