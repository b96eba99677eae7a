"""The kiosk's configuration: layered TOML files parsed into typed, validated objects.

Layers, later ones winning key by key (`kiosk/config_layers.py` says which, in order): the
packaged defaults (`kiosk/data/defaults.toml`, which documents every key and its unit),
`/etc/kiosk/kiosk.toml`, every `/etc/kiosk/kiosk.d/*.toml` in name order, what the desk gave
the terminal at enrolment, the drop-in the staff desk rolled out (kiosk/rollout.py; never a
terminal's identity or paths), then `--config FILE`.
Problems in a *core* section keep the kiosk on its out-of-service screen; problems in a
feature section disable only that feature, with the reason shown to staff.

Each section's dataclass declares its keys once, with their types, bounds and units (see
`kiosk.config_keys`); what spans keys or needs more than a file's value is a small
function below.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field, is_dataclass, replace
from pathlib import Path
from typing import Callable, TypeVar, get_type_hints

from kiosk import config_keys
from kiosk.config_keys import OFFERED, Text, boolean, declared, number, per_language, read_key, read_keys, text, texts
from kiosk.config_layers import CONFIG_DIR, DEFAULTS_FILE, MAX_CONFIG_BYTES, config_files
from kiosk.languages import NATIVE_NAMES, available_languages, not_offered, untranslated
from kiosk.toml_schema import Context, Problem, Source, TableReader, merge, read_source

PACKAGE_DATA = Path(__file__).parent / "data"
PACKAGED_CATALOG = PACKAGE_DATA / "catalog.toml"
DEMO_FILE = PACKAGE_DATA / "demo.toml"

CORE_SECTIONS = ("site", "languages", "catalog", "timeouts", "session", "display")
# A problem here turns off only that feature.
FEATURE_SECTIONS = ("devices", "speech", "printing", "browser", "fleet", "help", "staff", "support", "hours")
INPUT_PROVIDERS = ("mouse", "mtdev", "hidinput")
USB_STORAGE_POLICIES = ("read-only", "allowed", "blocked")
PIN_HASH_FORMAT = r"pbkdf2-sha256\$\d{5,7}\$[0-9a-f]{32}\$[0-9a-f]{64}"
T = TypeVar("T")
# Still importable from here: catalog.py reads its texts per language with it too.
localized = config_keys.localized


def _translated(code: str) -> str | None:
    have = available_languages()
    if code not in have:
        name = NATIVE_NAMES.get(code)
        return (f"'{code}'" + (f" ({name})" if name else "")
                + f" has no translation in this version; available: {', '.join(have)}")
    return None


def _host_or_port(entry: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9.-]+(:\d{1,5})?", entry):
        return f"'{entry}' is not a host or host:port like 'kirjasto.example.fi'"
    return None


# A default after `=` below is the dataclass's, for code that builds one itself (tests);
# a loaded configuration takes every value from the files, defaults.toml underneath.

@dataclass(frozen=True)
class SiteConfig:
    name: Text = per_language()
    kiosk_id: str = text(pattern=r"[a-z0-9][a-z0-9-]{0,62}",
                         hint="lower-case letters, digits and '-', like 'helsinki-oodi-03'")
    place: Text = per_language(required=False)  # told to on-site staff when someone asks for help


@dataclass(frozen=True)
class LanguagesConfig:
    offered: tuple[str, ...] = texts(item=_translated)  # in the order shown; repeats are dropped
    default: str = text(choices=OFFERED)


@dataclass(frozen=True)
class TimeoutsConfig:
    inactivity_s: int = number(30, 3600, unit="seconds")
    # EN 301 549 11.2.2.1: at least 20 s to answer a time-limit warning.
    warning_s: int = number(20, 300, unit="seconds")
    accessible_inactivity_s: int = number(30, 7200, unit="seconds")  # with speech or large text
    identification_inactivity_s: int = number(60, 3600, unit="seconds", default=120)


@dataclass(frozen=True)
class SessionConfig:
    # Relative to the file that sets it; empty = systemd's directory, else XDG's (_session).
    runtime_dir: Path = text(pattern=r"/\S*|\S+", hint="a directory path")
    state_dir: Path = text(pattern=r"/\S*|\S+", hint="a directory path")


@dataclass(frozen=True)
class SpeechConfig:
    device: str = text(pattern=r"[A-Za-z0-9_:,.=-]+", hint="an ALSA device name like 'default'")
    rate: int = number(80, 400, unit="words per minute")
    volume: float = number(0.0, 1.0, integer=False)  # a fraction of full volume
    key: str = text(pattern=r"[a-z0-9]{1,12}", hint="a key name like 'f12'")
    long_press_s: float = number(1.0, 10.0, integer=False, unit="seconds")


@dataclass(frozen=True)
class PrintingConfig:
    server: str = text(pattern=r"/\S+|[A-Za-z0-9.-]+(:\d+)?", hint="a socket path or host[:port]")
    job_user: str = text(pattern=r"[a-z_][a-z0-9_-]{0,31}", hint="a user name like 'kiosk'")
    queue: str = text(pattern=r"[A-Za-z0-9_.-]{1,127}", hint="a CUPS queue name like 'Lobby'")
    printer_place: Text = per_language()
    quota_pages: int = number(0, 10000, unit="pages")  # per session; 0 = no limit
    price_cents: int = number(0, 10000, unit="cents")  # per page; 0 = free
    max_file_mb: int = number(1, 2000, unit="megabytes")
    stuck_after_s: int = number(10, 3600, unit="seconds")
    two_sided: bool = boolean()


@dataclass(frozen=True)
class DisplayConfig:
    fullscreen: bool = boolean()
    width: int = number(640, 7680, unit="pixels")
    height: int = number(480, 4320, unit="pixels")
    dpi: float = number(50, 600, integer=False, unit="dots per inch")
    input: str = text(choices=INPUT_PROVIDERS)
    input_device: str = text(pattern=r"/dev/input/\S+", hint="a device path like /dev/input/event3")
    show_cursor: bool = boolean()
    controls_low: bool = boolean()


@dataclass(frozen=True)
class DevicesConfig:
    """The adapter for each device: a real one, a fake (never chosen silently) or none."""

    printer: str = text(choices=("cups", "fake", "none"))
    speaker: str = text(choices=("espeak", "fake", "none"))
    browser: str = text(choices=("chromium", "fake"))
    fleet: str = text(choices=("mqtt", "fake", "none"))
    headset: str = text(choices=("udev", "fake", "none"))
    camera: str = text(choices=("udev", "fake", "none"), default="none")
    usb: str = text(choices=("udev", "fake", "none"), default="none")
    usb_storage: str = text(choices=USB_STORAGE_POLICIES, default="read-only")
    root_helper: str = text(default="")  # its socket; "" = none
    scanner: str = text(choices=("sane", "fake", "none"), default="none")
    scanner_device: str = text(pattern=r"[A-Za-z0-9_.:/@+=,-]{1,200}", default="",
                               hint="a SANE device name as 'scanimage -L' shows it")


# The keys that choose between a real device and a fake, and what each may choose.
DEVICE_KINDS = {name: key.checks["choices"] for name, key in declared(DevicesConfig).items()
                if "fake" in (key.checks["choices"] or ())}


@dataclass(frozen=True)
class BrowserConfig:
    allow: tuple[str, ...] = texts(item=_host_or_port, allow_empty=True)
    practice_port: int = number(0, 65535, default=0)  # on 127.0.0.1; 0 = no practice mode

    @property
    def practice_host(self) -> str:
        return f"127.0.0.1:{self.practice_port}" if self.practice_port else ""


@dataclass(frozen=True)
class FleetConfig:
    host: str = text(pattern=r"[A-Za-z0-9.-]+", hint="a host name like 'desk.kirjasto.example.fi'")
    port: int = number(1, 65535)
    tls: bool = boolean()
    ca_file: str = text(pattern=r"/\S+", hint="an absolute path")
    username: str = text(pattern=r"[A-Za-z0-9_.-]{1,64}", hint="letters, digits, '.', '_', '-'")
    password_file: str = text(pattern=r"/\S+", hint="an absolute path")
    site: str = text(pattern=r"[a-z0-9][a-z0-9-]{0,40}", hint="lower case letters, digits and '-'")
    # The staff desk's web address, as this kiosk and people's phones on the site reach it.
    desk_url: str = text(pattern=r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?", hint="an https:// address like 'https://desk.kirjasto.example.fi'")
    # A terminal of the one image: with no identity yet, it asks the desk at desk_url to
    # make it a kiosk (kiosk/enrolment.py), and shows the code an administrator accepts.
    enrol: bool = boolean()
    # The desk's public key for configuration and catalogue releases (kiosk/release.py);
    # "" = nothing is rolled out to this kiosk.
    rollout_key_file: str = text(pattern=r"/\S+", hint="an absolute path", default="")

    def password(self) -> str:
        if not self.password_file:
            return ""
        try:
            return Path(self.password_file).read_text(encoding="utf-8").strip()
        except OSError:
            return ""


@dataclass(frozen=True)
class HelpConfig:
    phone: str = text(pattern=r"\+?[0-9 ()-]{3,20}", hint="digits and spaces, like '0295 000'")
    phone_hours: Text = per_language(required=False)
    chat_url: str = text(pattern=r"https://\S+", hint="an https:// address")
    video_url: str = text(pattern=r"https://\S+", hint="an https:// address")
    on_site: Text = per_language()
    # The chat and the video open here, in the locked browser (the camera and microphone for
    # the video's address only, when the kiosk has both); else they are for one's own phone.
    open_here: bool = boolean()


@dataclass(frozen=True)
class StaffConfig:
    pin_hash: str = text(pattern=PIN_HASH_FORMAT, hint="make one with 'kiosk hash-pin'")


@dataclass(frozen=True)
class StatisticsConfig:
    keep_days: int = number(1, 3650, unit="days", default=90)


@dataclass(frozen=True)
class SupportConfig:
    """Digital support near the kiosk (kiosk/support.py): the region's snapshot from PTV and
    the site's own entries, as paths (relative to the file that sets them); "" for none."""

    snapshot: Path | None = None
    local_file: Path | None = None
    max_age_days: int = 30
    # Booking a time with a helper (kiosk/booking.py): the provider whose hours this site's
    # helpers serve by appointment ("" = no booking), how long a time is, how far ahead.
    book_with: str = ""
    book_minutes: int = 30
    book_days: int = 14


@dataclass(frozen=True)
class HoursConfig:
    """The site's opening hours (kiosk/opening_hours.py): weekly rows and dated exceptions in
    the digital-support files' format, or the id of a place in those files; neither = always
    open. The screen goes off (DPMS) some minutes after closing and on before opening."""

    place: str = ""
    weekly: tuple = ()      # support.Weekly rows
    exceptions: tuple = ()  # support.Exceptional rows
    screen_off: bool = True
    screen_off_after_min: int = 10
    screen_on_before_min: int = 5


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    languages: LanguagesConfig
    catalog_file: Path
    timeouts: TimeoutsConfig
    session: SessionConfig
    display: DisplayConfig
    devices: DevicesConfig
    speech: SpeechConfig
    printing: PrintingConfig
    browser: BrowserConfig
    fleet: FleetConfig
    help: HelpConfig
    staff: StaffConfig
    statistics: StatisticsConfig = StatisticsConfig()
    support: SupportConfig = SupportConfig()
    hours: HoursConfig = HoursConfig()
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    # feature section -> why it is off, for the screens that offer that feature
    disabled: dict[str, str] = field(default_factory=dict)
    # Languages named in [languages] offered but not offered, each with why (kiosk/languages.py).
    languages_left_out: tuple[str, ...] = ()

    @property
    def core_problems(self) -> list[Problem]:
        """Problems that keep the kiosk out of service: everything outside the feature
        sections (a file that cannot be read, a misspelt section name included)."""
        return [p for p in self.problems if p.key.split(".")[0] not in FEATURE_SECTIONS]

    @property
    def usable(self) -> bool:
        """False when the kiosk must stay out of service."""
        return not self.core_problems


# Each section's dataclass by its name in the file. [catalog] has one key, `file`, read
# as a path in `_catalog_file`; [support]'s paths are read in `_support`, [hours] in `_hours`.
SECTIONS = {name: cls for name, cls in get_type_hints(Config).items()
            if is_dataclass(cls) and name not in ("support", "hours")}
# Texts given per language; a site's file replaces them whole.
LOCALIZED_KEYS = frozenset((section, name) for section, cls in SECTIONS.items()
                           for name, key in declared(cls).items() if key.getter == "localized")


def load_config(extra: Path | str | None = None, *, config_dir: Path = CONFIG_DIR,
                stand_in: tuple[Path, Path] | None = None, rolled_out: Path | None = None) -> Config:
    """Read every layer and return a Config; problems are in `Config.problems`, never raised
    (but ValueError for a `stand_in` that is no layer, see `config_files`)."""
    problems: list[Problem] = []
    sources: list[Source] = []
    for path in config_files(Path(extra) if extra else None, config_dir, stand_in=stand_in, problems=problems,
                             rolled_out=rolled_out):
        source = read_source(path, problems, max_bytes=MAX_CONFIG_BYTES)
        if source is not None:
            sources.append(source)
    data: dict = {}
    for source in sources:
        data = merge(data, source.data, LOCALIZED_KEYS)
    defaults = sources[0].data if sources and sources[0].file == str(DEFAULTS_FILE) else {}
    context = Context(sources, problems, fallbacks=defaults)
    return _parse(data, context, tuple(s.file for s in sources))


def _parse(data: dict, context: Context, files: tuple[str, ...]) -> Config:
    root = TableReader(context, data, ())
    # [languages] first: the other sections' texts must be given in every offered language.
    languages, left_out = _languages(root.sub("languages"))
    offered = languages.offered
    sections = {"languages": languages, "site": _section(SiteConfig, root.sub("site"), offered),
                "catalog_file": _catalog_file(root.sub("catalog"), context),
                "support": _support(root.sub("support"), context), "hours": _hours(root.sub("hours"), offered),
                "timeouts": _timeouts(root.sub("timeouts")), "session": _session(root.sub("session"), context)}
    for name, cls in SECTIONS.items():  # the rest need nothing but their own keys
        if name not in sections:
            sections[name] = _section(cls, root.sub(name), offered)
    disabled = {}
    for section in FEATURE_SECTIONS:
        problems = [str(p) for p in context.problems if p.key.split(".")[0] == section]
        if problems:
            disabled[section] = "; ".join(problems)
    root.finish()
    return Config(**sections, files=files, problems=tuple(context.problems), disabled=disabled,
                  languages_left_out=left_out)


def offer_only(config: Config, languages: tuple[str, ...], notes: tuple[str, ...]) -> Config:
    """`config` offering only those of its languages in `languages` (the ones the catalogue
    has every text in), the others left out with `notes`; none left: unchanged."""
    kept = tuple(code for code in config.languages.offered if code in languages)
    if not kept or kept == config.languages.offered:
        return config
    default = config.languages.default if config.languages.default in kept else kept[0]
    return replace(config, languages=LanguagesConfig(kept, default),
                   languages_left_out=config.languages_left_out + notes)


def _section(cls: type[T], r: TableReader, offered: tuple[str, ...]) -> T:
    values = read_keys(cls, r, offered)
    r.finish()
    return cls(**values)


def _languages(r: TableReader, count: Callable[[str], tuple[int, int]] = untranslated
               ) -> tuple[LanguagesConfig, tuple[str, ...]]:
    """[languages], and the languages left out with why; `count(code)`: a translation's
    (untranslated, all) texts."""
    offered = read_key(LanguagesConfig, "offered", r)
    if len(set(offered)) != len(offered):
        r.report("offered", "lists a language twice")
    offered = tuple(dict.fromkeys(offered)) or tuple(available_languages()) or ("en",)
    # A translation not yet complete is left out, not shown half in English; the kiosk
    # runs in the rest, and check-config and the log say which and why.
    incomplete = {code: counts for code in offered if (counts := count(code))[0]}
    complete = tuple(code for code in offered if code not in incomplete)
    # None complete: better half-translated than no kiosk, and said so.
    verdict = "is not offered" if complete else "is offered all the same (no language is complete)"
    left_out = [not_offered(code, f"{missing} of {total} texts have no translation in "
                                  f"kiosk/locale/{code}/LC_MESSAGES/kiosk.po", verdict)
                for code, (missing, total) in incomplete.items()]
    default = read_key(LanguagesConfig, "default", r, offered)
    offered = complete or offered
    r.finish()
    return LanguagesConfig(offered, default if default in offered else offered[0]), tuple(left_out)


def _catalog_file(r: TableReader, context: Context) -> Path:
    value = r.string("file")
    r.finish()
    if not value:
        return PACKAGED_CATALOG
    path = Path(value)
    if not path.is_absolute():
        source = context.source_of(("catalog", "file"))
        path = (source.directory if source else Path.cwd()) / path
    if not path.exists():
        r.report("file", f"'{path}' does not exist")
    return path


def _support(r: TableReader, context: Context) -> SupportConfig:
    paths = {}
    for key in ("snapshot", "local_file"):
        value = r.string(key, "")
        path = None
        if value:
            path = Path(value)
            if not path.is_absolute():
                source = context.source_of(("support", key))
                path = (source.directory if source else Path.cwd()) / path
            if not path.exists():
                r.report(key, f"'{path}' does not exist")
        paths[key] = path
    days = r.number("max_age_days", 30, minimum=1, maximum=365, unit="days")
    from kiosk.support import BOOK_MINUTES, ID_PATTERN, MAX_BOOK_DAYS

    book_with = r.string("book_with", "", pattern=ID_PATTERN, hint="a provider's id in the support files")
    minutes = r.number("book_minutes", 30, unit="minutes")
    if minutes not in BOOK_MINUTES:
        r.report("book_minutes", f"{minutes} is not one of " + ", ".join(map(str, BOOK_MINUTES)))
        minutes = 30
    book_days = r.number("book_days", 14, minimum=1, maximum=MAX_BOOK_DAYS, unit="days")
    r.finish()
    return SupportConfig(paths["snapshot"], paths["local_file"], days, book_with, minutes, book_days)


def _hours(r: TableReader, offered: tuple[str, ...]) -> HoursConfig:
    from kiosk.opening_hours import read_hours  # support.py's parser of weekly rows and exceptions

    return read_hours(r, offered, HoursConfig)


def _timeouts(r: TableReader) -> TimeoutsConfig:
    config = TimeoutsConfig(**read_keys(TimeoutsConfig, r))
    accessible, inactivity = config.accessible_inactivity_s, config.inactivity_s
    if isinstance(accessible, int) and isinstance(inactivity, int) and accessible < inactivity:
        r.report("accessible_inactivity_s", f"{accessible} is shorter than inactivity_s ({inactivity}): "
                 "people using speech or large text need at least as long")
    r.finish()
    return config


def _session(r: TableReader, context: Context) -> SessionConfig:
    fallbacks = {"runtime_dir": ("RUNTIME_DIRECTORY", _default_runtime_dir),
                 "state_dir": ("STATE_DIRECTORY", _default_state_dir)}
    paths = {}
    for key, value in read_keys(SessionConfig, r).items():
        environment, fallback = fallbacks[key]
        if value:
            path = Path(value)
            if not path.is_absolute():
                source = context.source_of(("session", key))
                path = (source.directory if source else Path.cwd()) / path
        elif os.environ.get(environment):
            # systemd's RuntimeDirectory=/StateDirectory= (may list several; the first is ours)
            path = Path(os.environ[environment].split(":")[0])
        else:
            path = fallback()
        paths[key] = path
    r.finish()
    return SessionConfig(**paths)


def _default_runtime_dir() -> Path:
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "kiosk"
    return Path(f"/tmp/kiosk-{os.getuid()}")


def _default_state_dir() -> Path:
    from kiosk.config_layers import xdg_state_directory

    return xdg_state_directory()


def hash_pin(pin: str, *, salt: bytes, iterations: int = 200_000) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2-sha256${iterations}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, pin_hash: str) -> bool:
    if not re.fullmatch(PIN_HASH_FORMAT, pin_hash):
        return False
    _, iterations, salt, _digest = pin_hash.split("$")
    return hmac.compare_digest(hash_pin(pin, salt=bytes.fromhex(salt), iterations=int(iterations)), pin_hash)


def summary(config: Config) -> str:
    """What a valid configuration amounts to, for `kiosk check-config`."""
    lines = [
        f"kiosk {config.site.kiosk_id} at {config.site.name.in_(config.languages.default)}",
        f"languages: {', '.join(config.languages.offered)} (default {config.languages.default})",
        f"catalogue: {config.catalog_file}",
        f"inactivity: {config.timeouts.inactivity_s} s, warning {config.timeouts.warning_s} s, "
        f"with speech or large text {config.timeouts.accessible_inactivity_s} s",
        f"session files in {config.session.runtime_dir}, receipts in {config.session.state_dir}",
        f"display: {'fullscreen' if config.display.fullscreen else f'{config.display.width}x{config.display.height}'}"
        f", {config.display.dpi:g} dpi, input {config.display.input}",
        "devices: " + ", ".join(f"{k} {getattr(config.devices, k)}" for k in DEVICE_KINDS),
        f"help: phone {config.help.phone}" + (", chat" if config.help.chat_url else "")
        + (", video" if config.help.video_url else ""),
        f"staff PIN: {'set' if config.staff.pin_hash else 'not set (staff mode cannot be opened)'}",
        "read from: " + ", ".join(config.files),
    ]
    return "\n".join(lines)
