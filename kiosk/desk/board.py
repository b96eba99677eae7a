"""What the staff desk knows of its staff and tells their pages: logged-in sessions, the
site's kiosks and help queue, and a version number that changes whenever they do.

No web framework here: `kiosk.desk.web` serves this over HTTP."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time

from kiosk.desk.commands import REPLY_S
from kiosk.desk.link import DeskLink
from kiosk.desk.roles import REGION, STAFF, may
from kiosk.desk.rollout import Rollout
from kiosk.desk.operations import Operations
from kiosk.desk.share import Shares
from kiosk.desk.store import Store

log = logging.getLogger(__name__)

SESSION_S = 12 * 3600
BOARD_EVERY_S = 2.0
MAX_SESSIONS = 10_000
SESSIONS_PER_USER = 20  # one account logging in again and again pushes out only its own


class Changes:
    """A version number that any thread may bump, and waiting in an event loop for it to change."""

    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = set()

    def bump(self) -> None:
        with self._lock:
            self.version += 1
            waiters = list(self._waiters)
        for loop, future in waiters:
            loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))

    def close(self) -> None:
        """The desk stops: every waiter returns now (pages' event streams end)."""
        self.closed = True
        self.bump()

    async def wait_async(self, seen: int, timeout_s: float) -> int:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        entry = (loop, future)
        with self._lock:
            if self.version != seen:
                return self.version
            self._waiters.add(entry)
        try:
            await asyncio.wait_for(future, timeout_s)
        except asyncio.TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(entry)
        return self.version


class Replies:
    """Kiosks' replies to commands, waited for in an event loop (they arrive on the
    network thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future]] = {}

    def arrive(self, command_id: str, result: str) -> None:
        with self._lock:
            entry = self._waiting.get(command_id)
        if entry is not None:
            loop, future = entry
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(result))

    def expect(self, command_id: str) -> asyncio.Future:
        """Before the command goes out: a reply may come back before `wait` is called."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            self._waiting[command_id] = (loop, future)
        return future

    async def wait(self, command_id: str, future: asyncio.Future, timeout_s: float) -> str | None:
        """The kiosk's result, or None if none came in time (offline, or an older kiosk)."""
        try:
            return await asyncio.wait_for(future, timeout_s)
        except asyncio.TimeoutError:
            return None
        finally:
            with self._lock:
                self._waiting.pop(command_id, None)


class DeskApp:
    def __init__(self, store: Store, link: DeskLink | None, sites: list[str] | None = None,
                 rollout_key=None) -> None:
        """`rollout_key`: the desk's signing key for releases (kiosk.desk.rollout), if any."""
        self.store = store
        self.link = link
        # The sites this desk serves (its region): [desk] sites, as its link subscribes to
        # them; with neither, the sites whose kiosks the store knows.
        self._sites = list(sites) if sites is not None else getattr(link, "sites", None)
        self.sessions: dict[str, dict] = {}
        self.changes = Changes()
        self.replies = Replies()
        self.reply_s = REPLY_S  # how long a command waits for the kiosk's reply
        # The last command to each kiosk and what became of it, for every staff page:
        # (site, kiosk) -> {"command", "result", "by", "at"}.
        self.results: dict[tuple[str, str], dict] = {}
        self._lock = threading.Lock()
        self._board_timer: threading.Timer | None = None
        # Screens helpers see (kiosk.desk.share): in this process only, as their pages are.
        self.shares = Shares(link, store.audit, self.changes.bump)
        self.enrolments = None  # kiosk.desk.enrolment.Enrolments, where [enrolment] is set up
        self.rollout = Rollout(store.engine, rollout_key, link.event if link is not None else None)
        # What IT's operations bring back (kiosk.desk.operations): in this process only too.
        self.ops = Operations(self.changes.bump)
        if link is not None:
            link.on_status = self.rollout.on_status
            link.on_reply = self.replies.arrive
            link.on_share, link.on_presence = self.shares.handle, self._presence
            link.on_ops = self.ops.handle

    def _presence(self, site: str, kiosk: str, online: bool) -> None:
        self.shares.presence(site, kiosk, online)
        self.rollout.presence(site, kiosk, online)

    @property
    def version(self) -> int:
        return self.changes.version

    def notify(self, kind: str = "") -> None:
        """Something changed: pages are told at once of help requests; kiosks' statuses
        (a thousand kiosks send one every ten seconds) at most every `BOARD_EVERY_S`."""
        if kind in ("kiosks", "status", "presence"):
            with self._lock:
                if self._board_timer is not None:
                    return
                self._board_timer = threading.Timer(BOARD_EVERY_S, self._board_changed)
                self._board_timer.daemon = True
                self._board_timer.start()
            return
        self.changes.bump()

    def notice(self, notice: dict) -> None:
        """A change another desk process made on the shared database (`Store.listen`):
        the pages here are told as if this process had made it."""
        self.notify(notice["kind"])

    def _board_changed(self) -> None:
        with self._lock:
            self._board_timer = None
        self.changes.bump()

    @property
    def sites(self) -> list[str]:
        """Every site the desk serves: what an administrator and a statistics reader see."""
        return list(self._sites) if self._sites is not None else self.store.known_sites()

    # -- sessions ---------------------------------------------------------------------------

    def login(self, name: str, password: str) -> tuple[str | None, str]:
        sites, problem, stamp = self.store.login(name, password)
        if sites is None:
            log.warning("desk login failed (%s)", problem)  # never the password, nor the name
            return None, problem
        # The role as the store has it now: a change of role changes the stamp too, so a
        # session never outlives the role it was made with.
        user = self.store.user(name)
        role = user["role"] if user else "helper"
        if role in REGION:
            sites = sorted(set(self.sites) | set(sites)) if self._sites is None else self.sites
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            for old in [t for t, s in self.sessions.items() if s["expires"] < now]:
                del self.sessions[old]
            own = [t for t, s in self.sessions.items() if s["name"] == name]
            if len(own) >= SESSIONS_PER_USER:
                del self.sessions[min(own, key=lambda t: self.sessions[t]["expires"])]
            if len(self.sessions) >= MAX_SESSIONS:
                del self.sessions[min(self.sessions, key=lambda t: self.sessions[t]["expires"])]
            self.sessions[token] = {"name": name, "sites": sites, "csrf": secrets.token_urlsafe(24),
                                    "expires": now + SESSION_S, "stamp": stamp,
                                    "role": role}
        return token, ""

    def session(self, token: str | None) -> dict | None:
        """The live session of `token`; None once expired, logged out, or once its user's
        password or sites changed or the user was removed."""
        if not token:
            return None
        with self._lock:
            session = self.sessions.get(token)
        if session is None:
            return None
        if session["expires"] < time.time() or self.store.user_stamp(session["name"]) != session["stamp"]:
            self.logout(token)
            return None
        return session

    def logout(self, token: str | None) -> None:
        with self._lock:
            self.sessions.pop(token or "", None)

    # -- what the pages show ---------------------------------------------------------------

    def state(self, session: dict) -> dict:
        now = time.time()
        queue = self.queue(session)
        for request in queue:
            request["waiting_s"] = round(now - request["created"])
        return {"kiosks": self.store.kiosks(session["sites"]), "queue": queue,
                "broker": bool(self.link and self.link.connected), "me": session["name"]}

    def command_result(self, site: str, kiosk: str, command: str, result: str, by: str) -> None:
        with self._lock:
            self.results[(site, kiosk)] = {"command": command, "result": result, "by": by, "at": time.time()}
        self.changes.bump()

    def queue(self, session: dict) -> list[dict]:
        """The requests a staff member's board shows: their sites' open requests, and the
        rest of the region's that were escalated and still wait (kiosk.desk.escalation)."""
        return self.store.queue(session["sites"], self.sites if may(session.get("role"), "help") else [],
                                session["name"][:60])

    def request_for(self, session: dict, request_id: str, action: str) -> dict | None:
        """The request, if this staff member may do `action` ("accept", "resolve", "note",
        "release" or "transfer") with it; None otherwise. Their own sites' requests, all of
        it; another site of the region's: accepting it once it was escalated, and then,
        having accepted it, the rest. Releasing and transferring: the helper who has it,
        or a site lead of its site."""
        request = self.store.request(request_id)
        if request is None or request["site"] not in set(session["sites"]) | set(self.sites):
            return None
        if action in ("release", "transfer"):
            return request if self.may_pass(session, request) else None
        if request["site"] in session["sites"] or self.holds(session, request):
            return request
        return request if action == "accept" and request["escalated"] is not None else None

    @staticmethod
    def holds(session: dict, request: dict) -> bool:
        """This staff member has accepted `request`."""
        return request["accepted"] is not None and request["helper"] == session["name"][:60]

    def may_pass(self, session: dict, request: dict) -> bool:
        """Whether this staff member may put `request` back in the queue or hand it over (if
        it is accepted): they hold it, or are a site lead of its site."""
        return self.holds(session, request) or (request["site"] in session["sites"]
                                                and may(session.get("role"), "command"))

    def colleagues(self, site: str, staff: list[dict] | None = None) -> list[str]:
        """Who may take over a request of `site`: enabled staff of the site, and the
        region's administrators (of `staff`, the store's users if not given)."""
        return [user["name"] for user in (self.store.users() if staff is None else staff)
                if not user["disabled"] and user["role"] in STAFF
                and (site in user["sites"] or (user["role"] in REGION and site in self.sites))]
