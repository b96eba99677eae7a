"""Configuration and catalogue releases from the staff desk: received, checked, kept.

The desk announces a release on the kiosk's own events topic (kind, site, version,
SHA-256, signature, its id and a fetch token: never an address). The kiosk refuses it at
once if it is for another site, not newer than what it has (a replay), not signed by the
desk's key for this site, kind, number and digest, or too large; then fetches it over
HTTPS from `[fleet] desk_url` (bounded, no redirect: kiosk/phone_upload.py's fetch),
checks the digest, and checks it merged with its own files as `kiosk check-config` does
(`Loader.problems`). A release that passes waits as "pending" in the state directory
until nobody's session runs (kiosk/rollout_apply.py); one refused is remembered with its
reason, which the kiosk's status tells the desk. The kiosk keeps running what it had.

What is kept on disk, and how the kiosk reads its files with it: kiosk/rollout_files.py.
"""

from __future__ import annotations

import hashlib
import logging
import re

from kivy.event import EventDispatcher
from kivy.properties import NumericProperty

from kiosk import release
from kiosk.background import Runner
from kiosk.rollout_files import Loader, RolloutFiles

log = logging.getLogger(__name__)

FETCH_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}", re.ASCII)
RELEASE_ID = re.compile(r"[0-9a-f-]{36}", re.ASCII)
# Why a release is refused, as the desk's page words them (kiosk/desk/rollout.py). Only
# "invalid" and "size" are of the file itself: the same file announced again is not
# fetched again. The rest may be the network's or a forger's doing.
REASONS = ("site", "older", "signature", "size", "no_key", "no_desk", "hash", "fetch", "invalid")


class Refused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class Rollout(EventDispatcher):
    """Releases announced by the desk (`help.on_rollout`), checked and kept as pending;
    `on_ready(kind)` then. `revision` changes whenever the status would (kiosk.desk_commands)."""

    revision = NumericProperty(0)

    __events__ = ("on_ready",)

    def __init__(self, help_, files: RolloutFiles, site: str, desk_url: str, key, fetch, background: Runner,
                 loader: Loader, **kwargs) -> None:
        """`fetch`: kiosk.phone_upload's Fetcher; `background`: where fetching and checking run."""
        super().__init__(**kwargs)
        self.files, self.site, self.key, self.fetch, self.background = files, site, key, fetch, background
        self.desk_url = desk_url.rstrip("/")
        self.loader = loader
        self._working: str | None = None  # the kind being fetched and checked
        self._waiting: dict[str, dict] = {}  # the newest announcement per kind meanwhile
        help_.bind(on_rollout=lambda _help, event: self.receive(event))

    def on_ready(self, kind: str) -> None:
        pass

    def status(self) -> dict:
        return self.files.status()

    def receive(self, event: dict) -> None:
        """An announcement from the desk: refused at once, or fetched and checked in the
        background (one at a time; a newer one of a kind meanwhile replaces the older)."""
        kind, version = event.get("kind"), event.get("version")
        if kind not in release.KINDS or type(version) is not int or not 1 <= version <= release.MAX_VERSION:
            log.warning("roll-out: an announcement without a kind and version ignored")
            return
        try:
            self._check_announcement(kind, version, event)
        except Refused as refused:
            self._refuse(kind, version, refused.reason, refused.detail)
            return
        except _Known:
            return
        if self._working is not None:
            if version > self._waiting.get(kind, {}).get("version", 0):
                self._waiting[kind] = event
            return
        self._working = kind
        self.background.run(lambda: self._fetch_and_check(kind, event),
                            lambda problems, error: self._checked(kind, event, problems, error))

    def _check_announcement(self, kind: str, version: int, event: dict) -> None:
        newest = self.files.newest(kind)
        known = self.files.entry(kind, "pending") or self.files.entry(kind, "current") or {}
        refused = self.files.entry(kind, "refused") or {}
        if version == newest and event.get("sha256") == known.get("sha256"):
            raise _Known()  # the desk announces again until the status shows it: nothing new
        if (refused.get("version"), refused.get("sha256"), refused.get("reason")) in (
                (version, event.get("sha256"), "invalid"), (version, event.get("sha256"), "size")):
            raise _Known()  # this very file was refused: the status says why already
        if event.get("site") != self.site:
            raise Refused("site", f"a release for {str(event.get('site'))[:64]!r}, not {self.site!r}")
        if self.key is None:
            raise Refused("no_key")
        if not self.desk_url:
            raise Refused("no_desk")
        if version <= newest:
            raise Refused("older", f"version {version}, and this kiosk has {newest}")
        sha256, size = event.get("sha256", ""), event.get("size")
        if not (isinstance(sha256, str) and release.verify(self.key, event.get("signature"), kind, self.site,
                                                           version, sha256)):
            raise Refused("signature")
        if type(size) is not int or not 0 < size <= release.MAX_BYTES[kind]:
            raise Refused("size", f"{size!r} bytes; at most {release.MAX_BYTES[kind]}")
        if not (RELEASE_ID.fullmatch(str(event.get("id", ""))) and FETCH_TOKEN.fullmatch(str(event.get("fetch", "")))):
            raise Refused("fetch", "the announcement's id or token is malformed")

    def _fetch_and_check(self, kind: str, event: dict) -> list[str]:
        """On the background thread: the file fetched, compared with its announcement,
        written beside the kept ones and checked merged with the kiosk's files."""
        try:
            data = self.fetch(f"{self.desk_url}/rollout/fetch/{event['id']}", event["fetch"], event["size"])
        except OSError as error:
            raise Refused("fetch", str(getattr(error, "reason", "") or error)[:200]) from None
        if len(data) != event["size"] or hashlib.sha256(data).hexdigest() != event["sha256"]:
            raise Refused("hash")
        path = self.files.candidate(kind, event["version"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if kind == "config":
            refused = release.drop_in_problems(path)  # the desk checked this too; a desk is a peer
            if refused:
                return [str(problem) for problem in refused]
        other = "catalog" if kind == "config" else "config"
        mine = {kind: path, other: self.files.path(other, "pending") or self.files.path(other)}
        return self.loader.problems(mine["config"], mine["catalog"])

    def _checked(self, kind: str, event: dict, problems: list[str] | None, error: BaseException | None) -> None:
        """On the Kivy thread: kept as pending, or refused with why."""
        self._working = None
        version = event["version"]
        if isinstance(error, Refused):
            self._refuse(kind, version, error.reason, error.detail, event["sha256"])
        elif error is not None:
            log.exception("roll-out: %s version %s could not be checked", kind, version, exc_info=error)
            self._refuse(kind, version, "invalid", f"the kiosk could not check it: {type(error).__name__}",
                         event["sha256"])
        elif problems:
            said = "; ".join(problems[:5]).replace(str(self.files.candidate(kind, version)),
                                                   self.files.file(kind, version).name)
            self._refuse(kind, version, "invalid", said.replace(str(self.files.directory) + "/", ""), event["sha256"])
        else:
            self.files.keep_pending(kind, {"version": version, "sha256": event["sha256"],
                                           "signature": event["signature"]})
            log.info("roll-out: %s version %s is ready for the next moment nobody is here", kind, version)
            self.revision += 1
            self.dispatch("on_ready", kind)
        waiting = self._waiting
        self._waiting = {}
        for announced in waiting.values():
            self.receive(announced)

    def _refuse(self, kind: str, version: int, reason: str, detail: str = "", sha256: str = "") -> None:
        log.warning("roll-out: %s version %s refused (%s) %s", kind, version, reason, detail[:300])
        self.files.refuse(kind, version, reason, detail, sha256)
        self.revision += 1

    def applied(self) -> None:
        """The pending releases were taken into use (kiosk/rollout_apply.py)."""
        self.revision += 1


class _Known(Exception):
    """An announcement already answered: nothing to do, nothing to report again."""
