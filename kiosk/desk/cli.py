"""`kiosk-desk run --config desk.toml` and `kiosk-desk add-user NAME --sites a,b`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from kiosk.desk.link import BrokerSettings, DeskLink, valid_id
from kiosk.desk.store import Store
from kiosk.toml_schema import read_source
from kiosk.desk.board import DeskApp

log = logging.getLogger(__name__)
DEFAULTS = {"broker": {"host": "127.0.0.1", "port": 8883, "tls": True, "ca_file": "", "username": "",
                       "password_file": ""},
            # trusted_proxy: the address whose X-Forwarded-Proto/For the desk believes (the
            # site's HTTPS proxy); headers_s: how long a connection may take to send a request.
            "desk": {"sites": ["default"], "listen": "127.0.0.1", "port": 8080, "database": "desk.sqlite",
                     "trusted_proxy": "127.0.0.1", "headers_s": 10.0},
            # National roll-up: a SQLAlchemy URL (postgresql+psycopg://user@host/db); "" = none.
            "rollup": {"url": "", "name": "", "every_s": 3600}}


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
                raise SystemExit(f"{path}: unknown section [{section}] (known: broker, desk, rollup)")
            unknown = set(values) - set(config[section])
            if unknown:
                raise SystemExit(f"{path}: unknown key(s) in [{section}]: {', '.join(sorted(unknown))}")
            config[section].update(values)
        sites = config["desk"]["sites"]
        if not (isinstance(sites, list) and sites and all(valid_id(site) for site in sites)):
            raise SystemExit(f"{path}: [desk] sites must be a list of site ids (lower-case letters, digits, "
                             f"'-', '_'), not {sites!r}")
        database = Path(config["desk"]["database"])
        if not database.is_absolute():
            config["desk"]["database"] = str(path.parent / database)
    return config


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
    add.add_argument("--config", type=Path)
    rollup = commands.add_parser("rollup", help="forward the sites' daily statistics to [rollup] url now")
    rollup.add_argument("--config", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load(args.config)
    store = Store(config["desk"]["database"])
    if args.command == "add-user":
        password = sys.stdin.readline().rstrip("\n")
        sites = [s.strip() for s in args.sites.split(",") if s.strip()]
        # The login page reads at most 60 characters of a name and 200 of a password.
        problem = ("a staff password needs 10 to 200 characters" if not 10 <= len(password) <= 200 else
                   "a staff name needs 1 to 60 characters" if not 1 <= len(args.name) <= 60 else
                   f"not site ids: {', '.join(s for s in sites if not valid_id(s))}"
                   if not sites or not all(valid_id(s) for s in sites) else "")
        if problem:
            print(problem, file=sys.stderr)
            return 1
        store.add_user(args.name, password, sites)
        print(f"user {args.name} can now log in")
        return 0
    if args.command == "rollup":
        if not config["rollup"]["url"]:
            print("no [rollup] url in the configuration: nothing to forward to", file=sys.stderr)
            return 2
        return 0 if run_rollup(store, config) is not None else 1
    broker = config["broker"]
    password = Path(broker["password_file"]).read_text().strip() if broker["password_file"] else ""
    try:
        link = DeskLink(BrokerSettings(broker["host"], int(broker["port"]), broker["username"], password,
                                       bool(broker["tls"]), broker["ca_file"]), list(config["desk"]["sites"]), store)
    except (OSError, ValueError) as error:
        print(f"cannot reach the broker's TLS settings: {error} ([broker] ca_file = {broker['ca_file']!r})",
              file=sys.stderr)
        return 1
    from kiosk.desk.web import serve  # the web stack only where the desk is served

    app = DeskApp(store, link)
    link.on_change = app.notify
    link.start()
    server = serve(app, config["desk"]["listen"], int(config["desk"]["port"]),
                   headers_s=float(config["desk"]["headers_s"]), trusted_proxy=str(config["desk"]["trusted_proxy"]))
    log.info("desk at http://%s:%d/ for sites %s", config["desk"]["listen"], server.port,
             ", ".join(config["desk"]["sites"]))
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
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
