"""The kiosk's configuration: layered TOML files parsed into typed, validated objects.

Layers, later ones winning key by key: the packaged defaults (`kiosk/data/defaults.toml`,
which documents every key and its unit), `/etc/kiosk/kiosk.toml`, then `--config FILE`.
Problems in a *core* section keep the kiosk on its out-of-service screen; problems in a
feature section disable only that feature, with the reason shown to staff.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.languages import NATIVE_NAMES, available_languages
from kiosk.toml_schema import Context, Problem, Source, TableReader, merge, read_source

PACKAGE_DATA = Path(__file__).parent / "data"
DEFAULTS_FILE = PACKAGE_DATA / "defaults.toml"
SYSTEM_FILE = Path("/etc/kiosk/kiosk.toml")
PACKAGED_CATALOG = PACKAGE_DATA / "catalog.toml"
DEMO_FILE = PACKAGE_DATA / "demo.toml"

CORE_SECTIONS = ("site", "languages", "catalog", "timeouts", "session", "display")
# A problem here turns off only that feature.
FEATURE_SECTIONS = ("devices", "speech", "printing", "browser", "fleet", "help", "staff")
INPUT_PROVIDERS = ("mouse", "mtdev", "hidinput")
DEVICE_KINDS = {
    "printer": ("cups", "fake", "none"),
    "speaker": ("espeak", "fake", "none"),
    "browser": ("chromium", "fake"),
    "fleet": ("mqtt", "fake", "none"),
    "headset": ("udev", "fake", "none"),
    "usb": ("udev", "fake", "none"),
}
USB_STORAGE_POLICIES = ("read-only", "allowed", "blocked")
# Texts given per language; a site's file replaces them whole.
LOCALIZED_KEYS = frozenset({("site", "name"), ("site", "place"), ("help", "phone_hours"), ("help", "on_site"),
                            ("printing", "printer_place")})
PIN_HASH_FORMAT = r"pbkdf2-sha256\$\d{5,7}\$[0-9a-f]{32}\$[0-9a-f]{64}"
# A site's configuration is a few KB (the packaged defaults, every key documented, 7 KB).
MAX_CONFIG_BYTES = 1024 * 1024


class Text(dict):
    """A text in several languages: {"fi": ..., "sv": ..., "en": ...}."""

    def in_(self, language: str) -> str:
        return self.get(language) or self.get("en") or next(iter(self.values()), "")


@dataclass(frozen=True)
class SiteConfig:
    name: Text
    kiosk_id: str
    place: Text


@dataclass(frozen=True)
class LanguagesConfig:
    offered: tuple[str, ...]
    default: str


@dataclass(frozen=True)
class TimeoutsConfig:
    inactivity_s: int
    warning_s: int
    accessible_inactivity_s: int
    identification_inactivity_s: int = 120


@dataclass(frozen=True)
class SessionConfig:
    runtime_dir: Path
    state_dir: Path


@dataclass(frozen=True)
class SpeechConfig:
    device: str
    rate: int
    volume: float
    key: str
    long_press_s: float


@dataclass(frozen=True)
class PrintingConfig:
    server: str
    job_user: str
    queue: str
    printer_place: Text
    quota_pages: int
    price_cents: int
    max_file_mb: int
    stuck_after_s: int
    two_sided: bool


@dataclass(frozen=True)
class DisplayConfig:
    fullscreen: bool
    width: int
    height: int
    dpi: float
    input: str
    input_device: str
    show_cursor: bool
    controls_low: bool


@dataclass(frozen=True)
class DevicesConfig:
    printer: str
    speaker: str
    browser: str
    fleet: str
    headset: str
    usb: str = "none"
    usb_storage: str = "read-only"
    root_helper: str = ""


@dataclass(frozen=True)
class BrowserConfig:
    allow: tuple[str, ...]
    practice_port: int = 0

    @property
    def practice_host(self) -> str:
        return f"127.0.0.1:{self.practice_port}" if self.practice_port else ""


@dataclass(frozen=True)
class FleetConfig:
    host: str
    port: int
    tls: bool
    ca_file: str
    username: str
    password_file: str
    site: str

    def password(self) -> str:
        if not self.password_file:
            return ""
        try:
            return Path(self.password_file).read_text(encoding="utf-8").strip()
        except OSError:
            return ""


@dataclass(frozen=True)
class HelpConfig:
    phone: str
    phone_hours: Text
    chat_url: str
    video_url: str
    on_site: Text


@dataclass(frozen=True)
class StaffConfig:
    pin_hash: str


@dataclass(frozen=True)
class StatisticsConfig:
    keep_days: int = 90


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
    files: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    # feature section -> why it is off, for the screens that offer that feature
    disabled: dict[str, str] = field(default_factory=dict)

    @property
    def core_problems(self) -> list[Problem]:
        """Problems that keep the kiosk out of service: everything outside the feature
        sections (a file that cannot be read, a misspelt section name included)."""
        return [p for p in self.problems if p.key.split(".")[0] not in FEATURE_SECTIONS]

    @property
    def usable(self) -> bool:
        """False when the kiosk must stay out of service."""
        return not self.core_problems


def config_files(extra: Path | None, system_file: Path = SYSTEM_FILE) -> list[Path]:
    files = [DEFAULTS_FILE]
    if system_file.exists():
        files.append(system_file)
    if extra is not None:
        files.append(extra)
    return files


def load_config(extra: Path | str | None = None, *, system_file: Path = SYSTEM_FILE) -> Config:
    """Read every layer and return a Config; problems are in `Config.problems`, never raised."""
    problems: list[Problem] = []
    sources: list[Source] = []
    for path in config_files(Path(extra) if extra else None, system_file):
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
    languages = _languages(root.sub("languages"))
    site = _site(root.sub("site"), languages.offered)
    catalog_file = _catalog_file(root.sub("catalog"), context)
    timeouts = _timeouts(root.sub("timeouts"))
    session = _session(root.sub("session"), context)
    display = _display(root.sub("display"))
    devices = _devices(root.sub("devices"))
    speech = _speech(root.sub("speech"))
    printing = _printing(root.sub("printing"), languages.offered)
    browser = _browser(root.sub("browser"))
    fleet = _fleet(root.sub("fleet"))
    help_ = _help(root.sub("help"), languages.offered)
    staff = _staff(root.sub("staff"))
    statistics_reader = root.sub("statistics")
    statistics = StatisticsConfig(statistics_reader.number("keep_days", minimum=1, maximum=3650, unit="days"))
    statistics_reader.finish()
    disabled = {}
    for section in FEATURE_SECTIONS:
        problems = [str(p) for p in context.problems if p.key.split(".")[0] == section]
        if problems:
            disabled[section] = "; ".join(problems)
    root.finish()
    return Config(site=site, languages=languages, catalog_file=catalog_file, timeouts=timeouts,
                  session=session, display=display, devices=devices, speech=speech, printing=printing, browser=browser, fleet=fleet,
                  help=help_,
                  staff=staff, statistics=statistics, files=files,
                  problems=tuple(context.problems), disabled=disabled)


def localized(reader: TableReader, key: str, offered: tuple[str, ...], *, required: bool = True) -> Text:
    """A text given once for all languages ("...") or per language ({fi = "...", sv = ...})."""
    reader.known.append(key)
    value = reader.table.get(key)
    if value is None:
        if required:
            reader.report(None, f"the key '{key}' is missing")
        return Text()
    if isinstance(value, str):
        return Text({lang: value for lang in offered})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        reader.report(key, "must be text, or a table of texts by language like {fi = \"...\", sv = \"...\"}")
        return Text()
    missing = [lang for lang in offered if not value.get(lang, "").strip()]
    if missing and not required and len(missing) == len(offered):
        return Text()
    if missing:
        reader.report(key, f"has no text for {', '.join(missing)} (every offered language needs one)")
    return Text(value)


def _languages(r: TableReader) -> LanguagesConfig:
    have = available_languages()

    def check(code: str) -> str | None:
        if code not in have:
            name = NATIVE_NAMES.get(code)
            return (f"'{code}'" + (f" ({name})" if name else "")
                    + f" has no translation in this version; available: {', '.join(have)}")
        return None

    offered = r.strings("offered", item=check)
    if len(set(offered)) != len(offered):
        r.report("offered", "lists a language twice")
    offered = tuple(dict.fromkeys(offered)) or tuple(have) or ("en",)
    default = r.string("default", choices=offered)
    r.finish()
    return LanguagesConfig(offered, default if default in offered else offered[0])


def _site(r: TableReader, offered: tuple[str, ...]) -> SiteConfig:
    name = localized(r, "name", offered)
    kiosk_id = r.string("kiosk_id", pattern=r"[a-z0-9][a-z0-9-]{0,62}",
                        hint="lower-case letters, digits and '-', like 'helsinki-oodi-03'")
    place = localized(r, "place", offered, required=False)
    r.finish()
    return SiteConfig(name, kiosk_id, place)


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


def _timeouts(r: TableReader) -> TimeoutsConfig:
    inactivity = r.number("inactivity_s", minimum=30, maximum=3600, unit="seconds")
    # EN 301 549 11.2.2.1: at least 20 s to answer a time-limit warning.
    warning = r.number("warning_s", minimum=20, maximum=300, unit="seconds")
    accessible = r.number("accessible_inactivity_s", minimum=30, maximum=7200, unit="seconds")
    if isinstance(accessible, int) and isinstance(inactivity, int) and accessible < inactivity:
        r.report("accessible_inactivity_s", f"{accessible} is shorter than inactivity_s ({inactivity}): "
                 "people using speech or large text need at least as long")
    identification = r.number("identification_inactivity_s", minimum=60, maximum=3600, unit="seconds")
    r.finish()
    return TimeoutsConfig(inactivity, warning, accessible, identification)


def _session(r: TableReader, context: Context) -> SessionConfig:
    paths = {}
    for key, environment, fallback in (
            ("runtime_dir", "RUNTIME_DIRECTORY", _default_runtime_dir),
            ("state_dir", "STATE_DIRECTORY", _default_state_dir)):
        value = r.string(key, pattern=r"/\S*|\S+", hint="a directory path")
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
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "kiosk"


def _speech(r: TableReader) -> SpeechConfig:
    config = SpeechConfig(
        device=r.string("device", pattern=r"[A-Za-z0-9_:,.=-]+", hint="an ALSA device name like 'default'"),
        rate=r.number("rate", minimum=80, maximum=400, unit="words per minute"),
        volume=r.number("volume", minimum=0.0, maximum=1.0, integer=False),
        key=r.string("key", pattern=r"[a-z0-9]{1,12}", hint="a key name like 'f12'"),
        long_press_s=r.number("long_press_s", minimum=1.0, maximum=10.0, integer=False, unit="seconds"),
    )
    r.finish()
    return config


def _printing(r: TableReader, offered: tuple[str, ...]) -> PrintingConfig:
    config = PrintingConfig(
        server=r.string("server", pattern=r"/\S+|[A-Za-z0-9.-]+(:\d+)?", hint="a socket path or host[:port]"),
        job_user=r.string("job_user", pattern=r"[a-z_][a-z0-9_-]{0,31}", hint="a user name like 'kiosk'"),
        queue=r.string("queue", pattern=r"[A-Za-z0-9_.-]{1,127}", hint="a CUPS queue name like 'Lobby'"),
        printer_place=localized(r, "printer_place", offered),
        quota_pages=r.number("quota_pages", minimum=0, maximum=10000, unit="pages"),
        price_cents=r.number("price_cents", minimum=0, maximum=10000, unit="cents"),
        max_file_mb=r.number("max_file_mb", minimum=1, maximum=2000, unit="megabytes"),
        stuck_after_s=r.number("stuck_after_s", minimum=10, maximum=3600, unit="seconds"),
        two_sided=r.boolean("two_sided"),
    )
    r.finish()
    return config


def _browser(r: TableReader) -> BrowserConfig:
    def check(entry: str) -> str | None:
        if not re.fullmatch(r"[a-z0-9.-]+(:\d{1,5})?", entry):
            return f"'{entry}' is not a host or host:port like 'kirjasto.example.fi'"
        return None

    allow = r.strings("allow", item=check, allow_empty=True)
    practice = r.number("practice_port", minimum=0, maximum=65535)
    r.finish()
    return BrowserConfig(allow, practice)


def _fleet(r: TableReader) -> FleetConfig:
    config = FleetConfig(
        host=r.string("host", pattern=r"[A-Za-z0-9.-]+", hint="a host name like 'desk.kirjasto.example.fi'"),
        port=r.number("port", minimum=1, maximum=65535),
        tls=r.boolean("tls"),
        ca_file=r.string("ca_file", pattern=r"/\S+", hint="an absolute path"),
        username=r.string("username", pattern=r"[A-Za-z0-9_.-]{1,64}", hint="letters, digits, '.', '_', '-'"),
        password_file=r.string("password_file", pattern=r"/\S+", hint="an absolute path"),
        site=r.string("site", pattern=r"[a-z0-9][a-z0-9-]{0,40}", hint="lower case letters, digits and '-'"),
    )
    r.finish()
    return config


def _display(r: TableReader) -> DisplayConfig:
    config = DisplayConfig(
        fullscreen=r.boolean("fullscreen"),
        width=r.number("width", minimum=640, maximum=7680, unit="pixels"),
        height=r.number("height", minimum=480, maximum=4320, unit="pixels"),
        dpi=r.number("dpi", minimum=50, maximum=600, integer=False, unit="dots per inch"),
        input=r.string("input", choices=INPUT_PROVIDERS),
        input_device=r.string("input_device", pattern=r"/dev/input/\S+",
                              hint="a device path like /dev/input/event3"),
        show_cursor=r.boolean("show_cursor"),
        controls_low=r.boolean("controls_low"),
    )
    r.finish()
    return config


def _devices(r: TableReader) -> DevicesConfig:
    values = {name: r.string(name, choices=kinds)
              for name, kinds in DEVICE_KINDS.items()}
    values["usb_storage"] = r.string("usb_storage", choices=USB_STORAGE_POLICIES)
    values["root_helper"] = r.string("root_helper")
    r.finish()
    return DevicesConfig(**values)


def _help(r: TableReader, offered: tuple[str, ...]) -> HelpConfig:
    phone = r.string("phone", pattern=r"\+?[0-9 ()-]{3,20}", hint="digits and spaces, like '0295 000'")
    hours = localized(r, "phone_hours", offered, required=False)
    chat = r.string("chat_url", pattern=r"https://\S+", hint="an https:// address")
    video = r.string("video_url", pattern=r"https://\S+", hint="an https:// address")
    on_site = localized(r, "on_site", offered)
    r.finish()
    return HelpConfig(phone, hours, chat, video, on_site)


def _staff(r: TableReader) -> StaffConfig:
    pin_hash = r.string("pin_hash", pattern=PIN_HASH_FORMAT,
                        hint="make one with 'kiosk hash-pin'")
    r.finish()
    return StaffConfig(pin_hash)


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
