"""The `kiosk` command: run the kiosk, check files, render screenshots."""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

from kiosk import __version__

EXIT_INVALID = 2


def _parser():
    import argparse  # not for build_app: the kiosk's first frame waits for nothing it does not use

    parser = argparse.ArgumentParser(prog="kiosk", description="Public self-service terminal.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="start the kiosk (the default)")
    run.add_argument("--config", type=Path, help="a configuration file read after /etc/kiosk/kiosk.toml "
                                                 "and /etc/kiosk/kiosk.d/*.toml")

    check = commands.add_parser("check-config", help="validate the configuration the kiosk reads (the packaged "
                                                     "defaults, /etc/kiosk/kiosk.toml, /etc/kiosk/kiosk.d/*.toml), "
                                                     "its catalogue and support files")
    check.add_argument("file", type=Path, nargs="?",
                       help="also this file, read last as 'kiosk run --config' reads it; a file of the "
                            "configuration itself (e.g. /etc/kiosk/kiosk.d/90-local.toml) is checked with the rest")
    check.add_argument("--as", dest="stand_in", type=Path, metavar="LAYER",
                       help="check FILE in place of this layer (/etc/kiosk/kiosk.toml or a drop-in "
                            "/etc/kiosk/kiosk.d/NAME.toml) before it is put there")
    check.add_argument("--config-dir", type=Path, help="where kiosk.toml and kiosk.d are (default /etc/kiosk)")

    catalog = commands.add_parser("catalog", help="e-service catalogue tools")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_check = catalog_commands.add_parser("check", help="validate a catalogue file")
    catalog_check.add_argument("file", type=Path)
    catalog_check.add_argument("--config", type=Path,
                               help="the configuration whose languages the catalogue must cover")

    support = commands.add_parser("support", help="digital support near the kiosk: import from PTV, check")
    support_commands = support.add_subparsers(dest="support_command", required=True)
    support_import = support_commands.add_parser(
        "import", help="make the snapshot the kiosk reads from PTV's service channels (open API v11 JSON)")
    support_import.add_argument("files", type=Path, nargs="+",
                                help="JSON saved from /api/v11/ServiceChannel/list/... (pages, lists or channels)")
    support_import.add_argument("--out", type=Path, required=True, help="the snapshot to write (TOML)")
    support_import.add_argument("--municipality", action="append", default=[],
                                help="keep service locations in this municipality (its code, e.g. 091); repeat")
    support_import.add_argument("--offers", nargs="+", default=[], metavar="OFFER",
                                help="what every channel of these files offers (e.g. eservice_help)")
    support_import.add_argument("--area", default="", help="the area's name, written into the snapshot")
    support_import.add_argument("--authority", action="append", default=[], metavar="NAME=ORGANISATION-ID",
                                help="keep this PTV organisation's service locations as NAME's offices "
                                     "(e.g. kela=<Kela's organisation id>), shown as the nearest office of "
                                     "the catalogue's services whose route names NAME; repeat")
    support_check = support_commands.add_parser("check", help="validate a snapshot or a site's own entries")
    support_check.add_argument("file", type=Path)
    support_check.add_argument("--config", type=Path,
                               help="the configuration whose languages and snapshot age apply")

    shots = commands.add_parser("screenshots", help="render every screen to PNG files")
    shots.add_argument("--out", type=Path, required=True)
    shots.add_argument("--config", type=Path)
    shots.add_argument("--looks", nargs="+", choices=("normal", "large", "contrast"))
    shots.add_argument("--languages", nargs="+")
    shots.add_argument("--screens", nargs="+")

    wipe = commands.add_parser("wipe", help="wipe what a session left (files, processes, print jobs, "
                                           "X selections) and write a receipt")
    wipe.add_argument("--config", type=Path)
    wipe.add_argument("--verify", action="store_true",
                      help="also check that nothing is left; exit 1 if anything is")

    commands.add_parser("hash-pin", help="print the hash of a staff PIN for [staff] pin_hash")

    policy = commands.add_parser("browser-policy", help="the Chromium managed policy for this kiosk's catalogue "
                                                        "(provisioning writes it to /etc/chromium/policies/managed/)")
    policy.add_argument("--config", type=Path)
    policy.add_argument("--config-dir", type=Path, help="where kiosk.toml and kiosk.d are (default /etc/kiosk)")
    policy.add_argument("--out", type=Path, help="write it here instead of printing it")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    command = args.command or "run"
    if command == "check-config":
        return check_config(args.file, args.stand_in, args.config_dir)
    if command == "catalog":
        return check_catalog(args.file, args.config)
    if command == "support":
        if args.support_command == "import":
            return import_support(args)
        return check_support(args.file, args.config)
    if command == "hash-pin":
        return hash_pin()
    if command == "screenshots":
        return screenshots(args)
    if command == "wipe":
        return wipe(args.config, args.verify)
    if command == "browser-policy":
        return browser_policy(args.config, args.out, args.config_dir)
    return run(getattr(args, "config", None))


def browser_policy(config_file: Path | None, out: Path | None, config_dir: Path | None = None) -> int:
    from kiosk.browser_policy import policy_json, remote_help
    from kiosk.catalog import load_catalog
    from kiosk.config import load_config
    from kiosk.config_layers import CONFIG_DIR

    config = load_config(config_file, config_dir=config_dir or CONFIG_DIR)
    catalog = load_catalog(config.catalog_file, config.languages.offered)
    if catalog.problems:
        for problem in catalog.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    hosts, capture = remote_help(config.help)
    allowed = [*config.browser.allow, *([config.browser.practice_host] if config.browser.practice_host else []), *hosts]
    text = policy_json(catalog, allowed, capture)
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}: {len(catalog.allowed_domains()) + len(allowed)} allowed domains")
    return 0


def check_config(file: Path | None, stand_in: Path | None = None, config_dir: Path | None = None) -> int:
    """The configuration as the kiosk would read it, with `file` read last (as --config), or
    in place of the layer `stand_in`, or, being a layer itself, where it is."""
    from kiosk import catalog, config
    from kiosk.config_layers import CONFIG_DIR, is_layer

    config_dir = config_dir or CONFIG_DIR
    if file is None and stand_in is not None:
        print("--as needs the FILE to check in that layer's place", file=sys.stderr)
        return EXIT_INVALID
    if file is not None and not file.exists():
        print(f"{file}: file not found", file=sys.stderr)
        return EXIT_INVALID
    if file is not None and (stand_in is not None or is_layer(file, config_dir)):
        pair, extra = (stand_in or file, file), None
    else:
        pair, extra = None, file
    try:
        loaded = config.load_config(extra, config_dir=config_dir, stand_in=pair)
    except ValueError as error:  # --as names no layer
        print(error, file=sys.stderr)
        return EXIT_INVALID
    problems = list(loaded.problems)
    cat = None
    if loaded.catalog_file.exists():
        cat = catalog.load_catalog(loaded.catalog_file, loaded.languages.offered)
        loaded = config.offer_only(loaded, cat.languages, cat.left_out)
        problems += cat.problems
    problems += support_problems(loaded)
    for note in loaded.languages_left_out:
        print(f"note: {note}", file=sys.stderr)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", file=sys.stderr)
        return EXIT_INVALID
    print(config.summary(loaded))
    if cat is not None:
        print("catalogue: " + catalog.summary(cat))
    print("configuration is valid")
    return 0


def support_problems(loaded) -> list:
    from datetime import datetime, timezone

    from kiosk.support import load_support

    files = [f for f in (loaded.support.snapshot, loaded.support.local_file) if f is not None and f.exists()]
    support = load_support(files, loaded.languages.offered, loaded.support.max_age_days)
    # An old snapshot is for staff to import again, not a reason to refuse a configuration.
    for note in support.problems_for_staff(datetime.now(timezone.utc))[len(support.problems):]:
        print(f"note: {note}", file=sys.stderr)
    found = list(support.problems)
    book_with = loaded.support.book_with
    if book_with and not any(p.id == book_with for p in support.providers):
        found.append(f"[support] book_with: '{book_with}' is no place in the support files"
                     + (" (" + ", ".join(p.id for p in support.providers[:10]) + ")" if support.providers else ""))
    from kiosk.opening_hours import site_hours

    hours, why_not = site_hours(loaded.hours, support)
    if why_not:
        found.append(why_not)  # [hours] place names no place (with hours) in the support files
    elif hours is not None and hours.stale(datetime.now(timezone.utc)):
        print(f"note: [hours] {hours.source} is from a snapshot older than {hours.max_age_days} days: "
              "the kiosk does not close by it", file=sys.stderr)
    return found


def check_catalog(file: Path, config_file: Path | None) -> int:
    from kiosk import catalog, config

    offered = config.load_config(config_file).languages.offered
    cat = catalog.load_catalog(file, offered)
    for note in cat.left_out:
        print(f"note: {note}", file=sys.stderr)
    if cat.problems:
        for problem in cat.problems:
            print(problem)
        print(f"{len(cat.problems)} problem{'s' if len(cat.problems) != 1 else ''} found", file=sys.stderr)
        return EXIT_INVALID
    print(catalog.summary(cat) + f"; languages {', '.join(cat.languages)}")
    print("catalogue is valid")
    return 0


def import_support(args) -> int:
    from kiosk import ptv
    from kiosk.support import OFFERS, load_support

    unknown = [offer for offer in args.offers if offer not in OFFERS]
    if unknown:
        print(f"--offers: {', '.join(unknown)} not known; use {', '.join(OFFERS)}", file=sys.stderr)
        return EXIT_INVALID
    try:
        channels = ptv.read_channels(args.files)
    except (OSError, ptv.ImportError_) as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    authorities = {}
    for given in args.authority:
        name, _, organisation = given.partition("=")
        if not (re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,60}", name) and re.fullmatch(r"[0-9a-fA-F-]{36}", organisation)):
            print(f"--authority {given!r}: give NAME=ORGANISATION-ID, like kela=<a PTV organisation's id>",
                  file=sys.stderr)
            return EXIT_INVALID
        authorities[organisation.lower()] = name
    report = ptv.Report()
    providers = ptv.convert(channels, municipalities=tuple(args.municipality), offers=tuple(args.offers),
                            report=report, authorities=authorities)
    text = ptv.snapshot(providers, area=args.area)
    # Written beside, checked, then put in place: a kiosk never rolls out a broken snapshot.
    args.out.parent.mkdir(parents=True, exist_ok=True)
    draft = args.out.with_name(args.out.name + ".new")
    draft.write_text(text, encoding="utf-8")
    checked = load_support([draft], ("fi", "sv", "en"))
    if checked.problems:
        for problem in checked.problems:
            print(problem, file=sys.stderr)
        print(f"the snapshot was not written; its draft is {draft}", file=sys.stderr)
        return EXIT_INVALID
    draft.replace(args.out)
    print(f"wrote {args.out}: {report}")
    return 0


def check_support(file: Path, config_file: Path | None) -> int:
    from datetime import datetime, timezone

    from kiosk import config
    from kiosk.support import load_support

    loaded = config.load_config(config_file)
    if not file.exists():
        print(f"{file}: file not found", file=sys.stderr)
        return EXIT_INVALID
    support = load_support([file], loaded.languages.offered, loaded.support.max_age_days)
    problems = support.problems_for_staff(datetime.now(timezone.utc))
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", file=sys.stderr)
        return EXIT_INVALID
    made = f", made {support.made:%Y-%m-%d}" if support.made else " (the site's own entries)"
    print(f"{len(support.providers)} support providers{made}")
    print("support file is valid")
    return 0


def hash_pin() -> int:
    from kiosk.config import hash_pin as make_hash

    if sys.stdin.isatty():
        import getpass

        pin = getpass.getpass("Staff PIN: ")
        if getpass.getpass("Again: ") != pin:
            print("the PINs differ", file=sys.stderr)
            return 1
    else:
        pin = sys.stdin.readline().strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        print("a staff PIN is 4 to 12 digits (it is typed on a number pad)", file=sys.stderr)
        return 1
    print(make_hash(pin, salt=os.urandom(16)))
    return 0


def wipe(config_file: Path | None, verify: bool) -> int:
    """The wipe outside the running kiosk (IT, the root helper): everything but the screens."""
    import json
    from dataclasses import asdict

    from kiosk.compose import build_devices, build_wipe
    from kiosk.config import load_config

    config = load_config(config_file)
    if config.core_problems:
        for problem in config.core_problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    receipt = build_wipe(config, build_devices(config)).run("cli")
    print(json.dumps(asdict(receipt), indent=1))
    if verify and not receipt.ok:
        print("NOT CLEAN: " + ", ".join(receipt.failed), file=sys.stderr)
        return 1
    print("clean" if receipt.ok else "wiped; some checks failed: " + ", ".join(receipt.failed),
          file=sys.stderr)
    return 0


def build_app(config_file: Path | None):
    """Load everything and return a KioskApp ready to run; Kivy is set up first."""
    from kiosk import lockdown
    from kiosk.rollout_files import load_at_start

    from kiosk.devices.heap import limit_arenas

    limit_arenas()  # before Kivy, SDL and OpenGL start their threads
    lockdown.prepare_environment()
    # What the desk rolled out is read over the site's files (kiosk/rollout_files.py).
    loaded, cat, loader, rolled_out = load_at_start(config_file)
    lockdown.configure_kivy(loaded.display)
    from kiosk.app import KioskApp
    from kiosk.compose import build_services

    return KioskApp(build_services(loaded, cat, loader=loader, rolled_out=rolled_out))


def run(config_file: Path | None) -> int:
    from kiosk.config import load_config
    from kiosk.enrolment import needs_enrolment

    loaded = load_config(config_file)
    if needs_enrolment(loaded):
        return enrol(loaded)
    app = build_app(config_file)
    app.run()
    return 0


def enrol(loaded) -> int:
    """A terminal with no identity yet: the enrolment screen until the desk has made it a
    kiosk; then 0, and systemd starts it again as that kiosk (kiosk.service restarts it)."""
    import kiosk
    from kiosk import lockdown
    from kiosk.enrolment import state_dir

    lockdown.prepare_environment()
    lockdown.configure_kivy(loaded.display)
    from kiosk.enrol_app import EnrolApp

    app = EnrolApp(loaded, state_dir(), version=kiosk.__version__)
    app.run()
    return 0 if app.enrolled else 1


def screenshots(args) -> int:
    if not os.environ.get("DISPLAY"):
        from kiosk.config import load_config
        from kiosk.devices import DeviceError
        from kiosk.devices.xvfb import VirtualDisplay

        display = load_config(args.config).display
        virtual = VirtualDisplay(display.width, display.height)
        try:
            os.environ["DISPLAY"] = virtual.start()
        except DeviceError as error:
            print(f"no display, and no virtual one: {error}", file=sys.stderr)
            return 1
        try:
            return _screenshots(args)
        finally:
            virtual.stop()
    return _screenshots(args)


def _screenshots(args) -> int:
    app = build_app(args.config)
    from kiosk.screenshots import LOOKS, ScreenshotTour

    languages = args.languages or None
    if languages:
        unknown = [code for code in languages if code not in app.tr.languages]
        if unknown:
            print(f"not offered by this configuration: {', '.join(unknown)}", file=sys.stderr)
            return EXIT_INVALID
    tour = ScreenshotTour(app, args.out, looks=tuple(args.looks or LOOKS), languages=languages,
                          screens=args.screens)
    app.bind(on_start=lambda *_: tour.start())
    app.run()
    print(f"{len(tour.written)} screenshots in {args.out}/<look>/<language>/<screen>.png")
    if tour.out_of_service:  # what the kiosk shows is what was photographed: not a failure
        print("the kiosk is out of service with this configuration (its log above says why): only the "
              "out-of-service screen was photographed; try --config kiosk/data/demo.toml", file=sys.stderr)
    return 0 if tour.written else 1


if __name__ == "__main__":
    sys.exit(main())
