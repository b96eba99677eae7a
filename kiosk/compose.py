"""Composition: the one place that turns configuration into devices and services.

`build_devices` chooses each adapter the configuration names (a fake never silently);
`build_services` makes the services over them, with the session's wipe and its steps;
`KioskApp` (kiosk/app.py) receives the result and builds nothing itself."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kivy.clock import Clock

from kiosk.appearance import Appearance
from kiosk.background import Background
from kiosk.browser_policy import remote_help
from kiosk.catalog import Catalog
from kiosk.devices.camera import Cameras, FakeCameras, SystemCameras
from kiosk.devices.display_power import DisplayPower, XDisplayPower
from kiosk.support import EMPTY as EMPTY_SUPPORT
from kiosk.support import Support, load_support
from kiosk.config import SECTIONS, Config
from kiosk.devices import DeviceError
from kiosk.devices.browser import Browser, FakeBrowser, Geometry
from kiosk.devices.fleet import FakeLink, Link, LinkSettings, MqttLink
from kiosk.devices.headset import FakeHeadsets, Headsets, SystemHeadsets
from kiosk.devices.hotplug import FakeMonitor, Monitor, UdevMonitor
from kiosk.devices.idle import XIdle
from kiosk.devices.pdf import write_text_pdf
from kiosk.devices.printer import CupsPrinter, FakePrinter, NoPrinter, Printer
from kiosk.devices.processes import SessionProcesses
from kiosk.devices.roothelper import RootHelper
from kiosk.devices.scanner import FakeScanner, SaneScanner, Scanner, ScanSettings
from kiosk.devices.selections import Selections, XSelections
from kiosk.devices.speaker import EspeakSpeaker, FakeSpeaker, Speaker
from kiosk.devices.systemd import Systemd
from kiosk.devices.wake import FakeWake, Wake, WakeOnLan, wired_mac
from kiosk.eservices import EServices
from kiosk.booking import Booking
from kiosk.phone_upload import PhoneUpload, https_fetcher
from kiosk.rollout import Rollout
from kiosk.rollout_files import Loader, RolloutFiles, public_key
from kiosk.devices.screen_capture import ScreenCapture, XScreenCapture
from kiosk.help import Help, Outbox
from kiosk.screen_share import ScreenShare
from kiosk.share_wire import MAX_FRAME_BYTES, TOKEN_CHARS
from kiosk.i18n import Translator
from kiosk.journey import Journey
from kiosk.opening_hours import Hours, site_hours
from kiosk.printing import Printing
from kiosk.scanning import Scanning
from kiosk.session import KivyScheduler, Scheduler, Session
from kiosk.speech import Speech
from kiosk.staff import StaffGate, load_settings
from kiosk.stats import Delivery, Statistics
from kiosk.usb import UsbSticks
from kiosk.wipe import SessionWipe, register_device_steps

if TYPE_CHECKING:
    from kiosk.practice import PracticeService

log = logging.getLogger(__name__)


@dataclass
class Devices:
    printer: Printer
    processes: SessionProcesses
    selections: Selections | None
    speaker: Speaker | None = None
    speaker_problem: str = ""
    headsets: Headsets | None = None
    cameras: Cameras | None = None  # for video help at the kiosk ([help] open_here)
    browser: Browser | None = None
    link: Link | None = None
    monitor: Monitor | None = None
    helper: RootHelper | None = None
    idle: XIdle | None = None  # how long X has had no input (the browser's touches count)
    scanner: Scanner | None = None
    screen: ScreenCapture | None = None  # the whole X screen, for a helper who was allowed to see it
    screen_power: DisplayPower | None = None  # the screen off while closed ([hours] screen_off)
    systemd: Systemd = field(default_factory=Systemd)  # READY, status and the watchdog
    wake: Wake | None = None  # this terminal's wired card, and wake-on-LAN for the site's other kiosks
    # The practice e-service on loopback: made (its port bound) a second after the first frame.
    practice: Callable[..., PracticeService] | None = None
    write_pdf: Callable[[Path, list[str]], Path] = write_text_pdf  # staff's test page


def build_devices(config: Config) -> Devices:
    """The adapters the configuration names; a fake is never chosen silently."""
    kind = config.devices.printer
    if "printing" in config.disabled and kind != "none":
        log.error("printing disabled: the [printing] section has problems")
        kind = "none"
    if kind == "cups":
        printer: Printer = CupsPrinter(config.printing.server, config.printing.job_user, config.printing.queue)
    elif kind == "fake":
        log.warning("printer: FAKE ([devices] printer = \"fake\"): nothing is printed")
        printer = FakePrinter()
    else:
        printer = NoPrinter()
    display = os.environ.get("DISPLAY", "")
    headsets = {"udev": SystemHeadsets, "fake": FakeHeadsets}.get(config.devices.headset)
    cameras = {"udev": SystemCameras, "fake": FakeCameras}.get(config.devices.camera)
    if config.devices.camera == "fake":
        log.warning("camera: FAKE ([devices] camera = \"fake\"): no picture is taken")
    processes = SessionProcesses(config.session.runtime_dir / "session-processes")
    if config.devices.browser == "chromium":
        # Only here: Chromium's module brings its guard, window warden and protocol
        # modules, which a kiosk with the fake browser never uses.
        from kiosk.devices.browser import ChromiumBrowser

        browser: Browser = ChromiumBrowser(processes)
    else:
        log.warning("browser: FAKE ([devices] browser = \"fake\"): e-services do not really open")
        browser = FakeBrowser()
    monitor = {"udev": UdevMonitor, "fake": FakeMonitor}.get(config.devices.usb)
    scanner: Scanner | None = None
    if config.devices.scanner == "sane":
        scanner = SaneScanner(processes)
    elif config.devices.scanner == "fake":
        log.warning("scanner: FAKE ([devices] scanner = \"fake\"): pages are drawn, not scanned")
        scanner = FakeScanner()
    helper = RootHelper(config.devices.root_helper) if config.devices.root_helper else None
    if helper is not None and not helper.available():
        log.warning("no root helper at %s: memory sticks are not offered", config.devices.root_helper)
        helper = None
    link = build_link(config)
    wake: Wake | None = None
    if link is not None:
        wake = FakeWake() if isinstance(link, FakeLink) else WakeOnLan(mac=wired_mac())
    return Devices(printer=printer, processes=processes,
                   selections=XSelections(display) if display else None,
                   headsets=headsets() if headsets else None, cameras=cameras() if cameras else None,
                   browser=browser, link=link, wake=wake,
                   monitor=monitor() if monitor else None, helper=helper, idle=XIdle(display) if display else None,
                   scanner=scanner,
                   screen=XScreenCapture(display, MAX_FRAME_BYTES - TOKEN_CHARS) if display else None,
                   screen_power=XDisplayPower(display) if display else None,
                   practice=practice_server(config.browser.practice_port))


def practice_server(port: int) -> Callable[..., PracticeService] | None:
    """The practice e-service's maker (None where [browser] practice_port is 0): it is
    given the catalogue whose practice it serves and the kiosk's `translate(language, text)`."""
    if not port:
        return None

    def make(catalog, translate) -> PracticeService:
        from kiosk.practice import PracticeService  # http.server and Jinja2: not before the first frame

        return PracticeService(catalog, translate, port)
    return make


def build_link(config: Config) -> Link | None:
    """The fleet link the configuration names; None = help by phone, chat and video only."""
    kind = config.devices.fleet
    if kind == "fake":
        log.warning("fleet: FAKE ([devices] fleet = \"fake\"): help requests reach no desk, bookings are pretend")
        return FakeLink(desk=True)  # answers bookings too, as a desk would
    if kind != "mqtt" or not config.fleet.host or "fleet" in config.disabled:
        return None
    fleet = config.fleet
    try:
        return MqttLink(LinkSettings(fleet.host, fleet.port, fleet.site, config.site.kiosk_id, fleet.username,
                                     fleet.password(), fleet.tls, fleet.ca_file))
    except (OSError, ValueError) as error:  # a missing or unreadable CA file, a bad certificate
        log.error("fleet link off: %s ([fleet] ca_file = %r); help is offered by phone, chat and video",
                  error, fleet.ca_file)
        return None


def build_speaker(config: Config, devices: Devices) -> None:
    """The speech engine, started only where the kiosk shows screens (it is a process)."""
    kind = config.devices.speaker
    if kind == "fake":
        log.warning("speaker: FAKE ([devices] speaker = \"fake\"): nothing is heard")
        devices.speaker = FakeSpeaker(config.languages.offered)
    elif kind == "espeak":
        try:
            devices.speaker = EspeakSpeaker(config.session.runtime_dir / "speech", config.speech.device,
                                            config.speech.rate, config.speech.volume)
        except DeviceError as error:
            devices.speaker_problem = str(error)
    else:
        devices.speaker_problem = "speech is turned off in the configuration ([devices] speaker)"


def build_wipe(config: Config, devices: Devices) -> SessionWipe:
    wipe = SessionWipe(config.session.runtime_dir, config.session.state_dir)
    register_device_steps(wipe, devices.printer, devices.processes, devices.selections)
    return wipe


def on_kivy_thread(work) -> None:
    """Devices report from their own threads; services act on the Kivy thread."""
    Clock.schedule_once(lambda _dt: work(), 0)


@dataclass
class Services:
    """Everything the kiosk's screens and controllers work with, built once per process."""
    config: Config
    catalog: Catalog
    devices: Devices
    tr: Translator
    look: Appearance
    journey: Journey
    speech: Speech
    wipe: SessionWipe
    printing: Printing
    eservices: EServices
    help: Help
    usb: UsbSticks
    stats: Statistics
    stats_delivery: Delivery
    staff_gate: StaffGate
    session: Session
    support: Support = EMPTY_SUPPORT
    booking: "Booking | None" = None
    scanning: Scanning = None  # type: ignore[assignment]  # always built by build_services
    phone_upload: "PhoneUpload | None" = None
    share: "ScreenShare | None" = None  # a helper at the desk sees the screen (kiosk/screen_share.py)
    rollout: "Rollout | None" = None  # configuration and catalogue from the desk (kiosk/rollout.py)
    hours: Hours | None = None  # the site's opening hours (None: always open); hours_note says why none
    hours_note: str = ""


def build_services(config: Config, catalog: Catalog, devices: Devices | None = None,
                   scheduler: Scheduler | None = None, loader: Loader | None = None,
                   rolled_out: RolloutFiles | None = None) -> Services:
    """The services over `devices` (built from `config` when not given), the wipe with
    every service's step, and the session that runs it. `loader` reads the kiosk's files
    as it was started (its `--config`), `rolled_out` what the desk rolled out (both from
    `config` when not given)."""
    devices = devices or build_devices(config)
    if devices.speaker is None and not devices.speaker_problem:
        build_speaker(config, devices)
    if devices.browser is None:
        devices.browser = FakeBrowser()
    scheduler = scheduler or KivyScheduler()
    speech = Speech(devices.speaker, config.speech.volume, devices.speaker_problem, spoken_forms=catalog.spoken)
    volume = load_settings(config.session.state_dir).get("default_volume")
    if isinstance(volume, (int, float)) and 0 <= volume <= 1:
        speech.default_volume = float(volume)
        speech.set_volume(float(volume))
    tr = Translator(list(config.languages.offered), config.languages.default)
    speech.set_language(tr.language)
    look = Appearance()
    wipe = build_wipe(config, devices)
    printing = Printing(devices.printer, config.printing, wipe.session_dir, Background("printing"), scheduler,
                        write_pdf=devices.write_pdf)
    printing.available = not isinstance(devices.printer, NoPrinter)
    # The window layout gives the browser its place once the window exists (KioskApp).
    eservices = EServices(devices.browser, catalog, wipe.session_dir, Background("browser"), post=on_kivy_thread,
                          geometry=lambda: Geometry(0, 0, config.display.width, config.display.height),
                          extra_allowed=(*config.browser.allow, *remote_help(config.help)[0]))
    eservices.bind(on_download=lambda *_: printing.refresh_documents())
    link = devices.link
    help_ = Help(link, Outbox(config.session.state_dir / "help-outbox.sqlite") if link else None,
                 config.site.kiosk_id, lambda: config.site.place.in_(config.languages.default), post=on_kivy_thread)
    help_.bind(connected=lambda _h, up: setattr(printing, "staff_alerted", up))
    stats = Statistics(config.session.state_dir / "statistics.sqlite", config.site.kiosk_id, config.fleet.site,
                       config.statistics.keep_days)
    delivery = Delivery(stats, lambda daily: help_.available and help_.link.publish("stats", daily, qos=1)
                        is not None)
    scanning = Scanning(devices.scanner, wipe.session_dir, Background("scanner"), ScanSettings(),
                        config.devices.scanner_device, on_saved=printing.refresh_documents,
                        preview_runner=Background("scan-preview"))
    usb = UsbSticks(devices.helper, config.devices.usb_storage, Background("usb"))
    session = Session(wipe, config.timeouts, scheduler,
                      needs_more_time=lambda: look.text_scale > 1.0 or look.contrast or speech.enabled,
                      logging_in=lambda: eservices.identifying or eservices.logged_in)
    support = load_support([f for f in (config.support.snapshot, config.support.local_file) if f is not None],
                           config.languages.offered, config.support.max_age_days)
    for problem in support.problems:
        log.warning("digital support: %s", problem)
    hours, hours_note = (None, "[hours] has problems: " + config.disabled["hours"]) if "hours" in config.disabled \
        else site_hours(config.hours, support)
    if hours_note:
        log.warning("opening hours not kept: %s", hours_note)
    booking = Booking(help_, support, config.support.book_with, config.support.book_minutes,
                      config.support.book_days, scheduler)
    if config.support.book_with and booking.provider is None:
        log.warning("booking off: [support] book_with = %r is no place in the support files",
                    config.support.book_with)
    phone_upload = PhoneUpload(help_, config.fleet.desk_url, lambda: printing.documents_dir,
                               https_fetcher(config.fleet.ca_file), scheduler, Background("phone"),
                               on_file=lambda _path: printing.refresh_documents())
    # The services' steps, in one table: each puts back what a person changed, and its
    # check counts what is left (the wipe runs them in this order, after the devices').
    share = ScreenShare(help_, devices.screen, lambda: session.state in ("active", "warning"), scheduler, tr)
    # Ended as the session ends, before the wipe's first step closes anything.
    session.fbind("state", lambda _session, state: state == "wiping" and share.end("session"))
    for step, reset, check, left_over in (
            ("shared screen", share.reset, "shared screen ended", share.left_over),
            ("speech", speech.reset, "speech off, volume at default",
             lambda: int(speech.enabled) + int(speech.volume != speech.default_volume)),
            ("help request", help_.reset, "help request closed", help_.left_over),
            ("booking", booking.reset, "booking forgotten", booking.left_over),
            ("phone upload", phone_upload.reset, "phone link forgotten", phone_upload.left_over),
            ("browser", eservices.reset, "browser closed", eservices.left_over),
            ("printing", printing.reset, "printing forgotten", printing.left_over),
            ("scanning", scanning.reset, "scanned pages forgotten", scanning.left_over),
            # Through the root helper: sticks unmounted, the kiosk user's leftovers, every job.
            ("root helper", lambda: usb.helper.request("wipe") if usb.helper else None, "", None),
            ("memory stick", usb.forget, "", None)):
        wipe.register_step(step, reset)
        if left_over is not None:
            wipe.register_check(check, left_over)
    rollout = Rollout(help_, rolled_out or RolloutFiles(config.session.state_dir / "rollout"), config.fleet.site,
                      config.fleet.desk_url, public_key(config), https_fetcher(config.fleet.ca_file),
                      Background("rollout"), loader or Loader())
    return Services(config=config, catalog=catalog, devices=devices, tr=tr, look=look, journey=Journey(),
                    speech=speech, wipe=wipe, printing=printing, eservices=eservices, help=help_, usb=usb,
                    stats=stats, stats_delivery=delivery, staff_gate=StaffGate(config.staff.pin_hash),
                    session=session, support=support, booking=booking, scanning=scanning,
                    phone_upload=phone_upload, share=share, rollout=rollout,
                    hours=hours, hours_note=hours_note)


# What a running kiosk takes from a rolled-out configuration between sessions, without being
# rebuilt (`reconfigure` sets each on the service that holds it): section -> keys, "*" for
# all. A change to any other key, or to the catalogue's languages, restarts the kiosk process
# between sessions (kiosk/rollout_apply.py): devices, the fleet link, speech's engine,
# languages, the browser's allowlist beyond the catalogue's, paths are all built once.
LIVE_KEYS: dict[str, tuple[str, ...] | str] = {
    "timeouts": "*",                # the session's own, from the next person on
    "printing": ("printer_place", "quota_pages", "price_cents", "max_file_mb", "stuck_after_s", "two_sided"),
    "help": ("phone", "phone_hours", "on_site"),  # the app's `contact`, which KV binds to
    "site": ("name",),              # the welcome screen's title
    "staff": ("pin_hash",),         # the staff PIN pad's gate
    "statistics": ("keep_days",),   # the next expiry of old days
}


def changed_keys(old: Config, new: Config) -> list[str]:
    """The keys whose values differ, as "section.key" (the catalogue's file is the
    catalogue's release, not a key)."""
    changed = [f"{section}.{name}" for section in (*SECTIONS, "support")
               for name in getattr(old, section).__dataclass_fields__
               if getattr(getattr(old, section), name) != getattr(getattr(new, section), name)]
    if old.disabled != new.disabled:
        changed.append("features turned off")
    return changed


def restart_needed(s: Services, config: Config, catalog: Catalog) -> str:
    """Why `config` and `catalog` cannot be taken by the running kiosk ("" if they can)."""
    if not s.config.usable or s.catalog.problems or not s.catalog.services:
        return "the kiosk was out of service for its files"
    if catalog.languages != s.catalog.languages or config.languages != s.config.languages:
        return "the languages offered change"
    rebuilt = [key for key in changed_keys(s.config, config) if not live(key)]
    return ("changed: " + ", ".join(rebuilt)) if rebuilt else ""


def live(key: str) -> bool:
    """Whether "section.key" is one of `LIVE_KEYS`."""
    section, _, name = key.partition(".")
    keys = LIVE_KEYS.get(section, ())
    return keys == "*" or name in keys


def reconfigure(s: Services, config: Config, catalog: Catalog) -> None:
    """Give the running services `config`'s `LIVE_KEYS` and `catalog` (between sessions)."""
    s.session.timeouts = config.timeouts
    s.printing.config = config.printing
    s.printing.quota = config.printing.quota_pages  # nobody is printing: between sessions
    s.staff_gate.pin_hash = config.staff.pin_hash
    s.stats.keep_days = config.statistics.keep_days
    if catalog is not s.catalog:
        s.eservices.set_catalog(catalog)
        s.speech.set_spoken_forms(catalog.spoken)
    s.config, s.catalog = config, catalog
