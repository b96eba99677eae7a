"""Files from the person's own phone, through the site's staff desk (kiosk/desk/uploads.py).

The kiosk asks the desk for a one-time link over the fleet link and shows it as a QR code;
the phone sends its file to the desk, the desk says over the fleet link that it is ready,
and the kiosk fetches it over HTTPS from `[fleet] desk_url` with the file's own fetch
token (nothing listens on the kiosk). What arrives is checked again here, size, SHA-256
and kind by content (the desk is a network peer), and written into the session's
downloads folder, which My documents lists. The wipe tells the desk the person finished
(the link dies at once) and forgets the link here.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, Protocol

from kivy.event import EventDispatcher
from kivy.properties import NumericProperty, StringProperty

from kiosk.background import Runner
from kiosk.phone_files import KINDS, MAX_FILE_BYTES, Refused, check, safe_name

log = logging.getLogger(__name__)

ANSWER_S = 15.0
FRESH_S = 9 * 60.0  # a link is shown again while it has a minute of its 10 left (the desk's LINK_S)
FETCH_S = 30.0
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
FILE_ID = re.compile(r"[0-9a-f-]{36}")
MAX_FILES = 20  # a session's files from phones; more are not fetched
STATES = ("", "asking", "ready", "unavailable")


class Fetcher(Protocol):
    def __call__(self, url: str, token: str, max_bytes: int) -> bytes:
        """The body of `url` asked for with `token`, at most `max_bytes`; OSError otherwise."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is refused (an HTTPError, an OSError): followed, it would carry the fetch
    token to wherever the answer points, over plain HTTP too. The desk never redirects."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def https_fetcher(ca_file: str = "") -> Fetcher:
    """A fetch with urllib: TLS checked against the fleet's CA file (or the system's), no redirect."""
    def fetch(url: str, token: str, max_bytes: int) -> bytes:
        context = ssl.create_default_context(cafile=ca_file or None)  # a missing file: OSError here
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect())
        with opener.open(request, timeout=FETCH_S) as answer:
            data = answer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise OSError("more than announced")
        return data

    return fetch


class PhoneUpload(EventDispatcher):
    """`state`: "" (nothing asked), asking (the desk is asked for a link), ready (`url`
    to show as a QR code), unavailable (no desk, or it did not answer). `received` counts
    the files that arrived in this session, `lost` those announced that could not be
    fetched or written (the desk unreachable, the disk full)."""

    state = StringProperty("")
    url = StringProperty("")
    received = NumericProperty(0)
    lost = NumericProperty(0)

    def __init__(self, help_, desk_url: str, downloads: Callable[[], Path], fetch: Fetcher, scheduler,
                 background: Runner, on_file: Callable[[Path], None] = lambda path: None, **kwargs) -> None:
        """`background` fetches off the Kivy thread; `on_file` is told of each file written."""
        super().__init__(**kwargs)
        self.help = help_
        self.desk_url = desk_url.rstrip("/")
        self.downloads = downloads
        self.fetch = fetch
        self.scheduler = scheduler
        self.background = background
        self.on_file = on_file
        self._asked = ""
        self._language = ""
        self._cancel_wait = None
        self._cancel_fresh = None  # while set, the link shown is young enough to show again
        self._fetched: set[str] = set()
        self._person = 0  # counts the wipes: a file fetched for an earlier person is dropped
        help_.bind(on_upload=lambda _h, event: self._on_event(event))

    @property
    def offered(self) -> bool:
        """A desk to send through: its address and a fleet link."""
        return bool(self.desk_url) and self.help.available

    def show(self, language: str) -> None:
        """A link to show: the one there is, while it is young and in `language`, else a new
        one. The desk gives a kiosk 5 links, then one a minute: coming back to the screen
        (from Help, the timeout warning) must not use them up."""
        if self.state == "asking" or (self.state == "ready" and self._cancel_fresh is not None
                                      and self._language == language):
            return
        self.ask(language)

    def ask(self, language: str) -> None:
        """A fresh link (an earlier one of this person's stays until it expires)."""
        self._stop_waiting()
        self._stop_fresh()
        self._language = language
        if not self.offered or not self.help.link.connected:
            self.state = "unavailable"
            return
        self._asked = str(uuid.uuid4())
        self.state = "asking"
        self._cancel_wait = self.scheduler.call_later(ANSWER_S, self._no_answer)
        if self.help.link.publish("upload", {"type": "link", "id": self._asked, "kiosk": self.help.kiosk_id,
                                             "language": language}, qos=1) is None:
            self._stop_waiting()
            self.state = "unavailable"

    def _no_answer(self) -> None:
        self._cancel_wait = None
        if self.state == "asking":
            log.warning("phone upload: the desk did not answer within %s s", ANSWER_S)
            self.state = "unavailable"

    def _stop_waiting(self) -> None:
        if self._cancel_wait is not None:
            self._cancel_wait()
            self._cancel_wait = None

    def _stale(self) -> None:
        self._cancel_fresh = None

    def _stop_fresh(self) -> None:
        if self._cancel_fresh is not None:
            self._cancel_fresh()
            self._cancel_fresh = None

    def _on_event(self, event: dict) -> None:
        if event["type"] == "upload_link":
            if event.get("id") == self._asked and self._asked and self.state == "asking" \
                    and TOKEN.fullmatch(event.get("token", "")):
                self._stop_waiting()
                self._cancel_fresh = self.scheduler.call_later(FRESH_S, self._stale)
                self.url = f"{self.desk_url}/u/{event['token']}"
                self.state = "ready"
        elif event["type"] == "upload_ready":
            self._ready(event)

    def _ready(self, event: dict) -> None:
        """A file waits at the desk: fetched only for a live link of this person's, once."""
        size, file_id = event.get("size"), event.get("id", "")
        if not (self.url and FILE_ID.fullmatch(file_id) and TOKEN.fullmatch(event.get("fetch", ""))
                and event.get("kind") in KINDS and isinstance(size, int) and 0 < size <= MAX_FILE_BYTES
                and re.fullmatch(r"[0-9a-f]{64}", event.get("sha256", ""))):
            log.warning("phone upload: an announcement refused")
            return
        if file_id in self._fetched or len(self._fetched) >= MAX_FILES:
            return
        self._fetched.add(file_id)
        folder, person = self.downloads(), self._person
        name = safe_name(event.get("name", ""), event["kind"])
        self.background.run(lambda: self._fetch(event, folder, person),
                            lambda partial, error: self._arrived(folder, name, person, partial, error))

    def _fetch(self, event: dict, folder: Path, person: int) -> Path | None:
        """On the background thread: the file, checked against its announcement and written
        as a .part of its own (My documents leaves it out); None if the person has gone."""
        data = self.fetch(f"{self.desk_url}/upload/fetch/{event['id']}", event["fetch"], event["size"])
        if len(data) != event["size"] or hashlib.sha256(data).hexdigest() != event["sha256"]:
            raise Refused("broken")
        if check(data) != event["kind"]:
            raise Refused("type")
        if person != self._person:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{uuid.uuid4().hex}.part"
        try:
            partial.write_bytes(data)
        except OSError:
            partial.unlink(missing_ok=True)  # a disk full leaves no half of it
            raise
        return partial

    def _arrived(self, folder: Path, name: str, person: int, partial: Path | None, error) -> None:
        """On the Kivy thread: the .part gets its name, if the person is still there."""
        path = None
        if error is None and partial is not None and person == self._person:
            try:
                path = partial.rename(_free_path(folder, name))
            except OSError as failed:
                error = failed
        if path is None and partial is not None:
            _remove(partial)
        if person != self._person:
            return  # the person finished meanwhile: nothing of theirs is written for the next
        if error is not None:
            log.warning("phone upload: a file not taken: %s", _why(error))
            self.lost += 1  # the phone said it was sent: the screen says it did not come
            return
        self.received += 1
        log.info("phone upload: a file arrived")
        self.on_file(path)

    # -- the wipe --------------------------------------------------------------------------

    def reset(self) -> None:
        """The person has gone: the desk ends their links and files, nothing stays here."""
        if self.url or self._asked:
            if self.help.available:
                self.help.link.publish("upload", {"type": "end", "kiosk": self.help.kiosk_id}, qos=1)
        self._stop_waiting()
        self._stop_fresh()
        self._person += 1
        self._asked = self._language = ""
        self.url = ""
        self.state = ""
        self.received = self.lost = 0
        self._fetched = set()

    def left_over(self) -> int:
        return sum((bool(self.url), bool(self._asked), bool(self.state), bool(self.received), bool(self.lost),
                    len(self._fetched), self._cancel_fresh is not None))


def _free_path(folder: Path, name: str) -> Path:
    """`name` in `folder`, numbered if a file of that name is there already."""
    path = folder / name
    stem, suffix = path.stem, path.suffix
    number = 2
    while path.exists():
        path = folder / f"{stem} ({number}){suffix}"
        number += 1
    return path


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("phone upload: a partial file not removed: %s", _why(error))


def _why(error: BaseException) -> str:
    """Why a file did not come, for the log: never a path, which may carry the person's file name."""
    return str(getattr(error, "reason", None) or getattr(error, "strerror", None) or type(error).__name__)
