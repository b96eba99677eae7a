"""The staff desk in the browser: the site's kiosks, the help queue (longest waiting first,
with a sound for a new request), Accept and Resolve, a report of response times and the
usage statistics. Starlette serves it; Jinja2 renders the pages with autoescape; the
pages' script is a static file (the Content-Security-Policy allows no inline script).

Staff log in (argon2-hashed passwords, a session cookie that scripts cannot read, `Secure`
behind HTTPS, a CSRF token on every change, lockout after five failures); each sees only
their own sites, and may do what their role may (kiosk.desk.roles: every route's action
in `ROUTES`). Everything that arrives is bounded and validated before it is used."""

from __future__ import annotations

import logging
import secrets
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, \
    Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.desk import language as languages
from kiosk.desk.audit_page import AUDIT_PAGE, audit_rows
from kiosk.desk.bookings import Bookings, local_now
from kiosk.desk.board import DeskApp
from kiosk.desk.commands import COMMANDS, LABELS, READY_MESSAGES, result_text
from kiosk.desk.language import N_, word
from kiosk.desk.link import valid_id, valid_request_id
from kiosk.desk.metrics import ROUTES as METRICS_ROUTES, metrics_routes
from kiosk.desk.ops_web import ROUTES as OPS_ROUTES, ops_routes
from kiosk.desk.pages import BoardView, Pages, day_and_clock
from kiosk.desk.roles import OPERATIONS, command_action, may
from kiosk.desk.rollout_page import ROUTES as ROLLOUT_ROUTES, rollout_routes
from kiosk.desk.schema import ROLES
from kiosk.desk.server import Server
from kiosk.desk.enrol_web import ROUTES as ENROL_ROUTES, enrol_routes
from kiosk.desk.share_page import ROUTES as SHARE_ROUTES, share_routes
from kiosk.desk.stats_page import period, report_figures, stats_csv, stats_figures
from kiosk.desk.store import RESOLUTIONS
from kiosk.desk.upload_web import ROUTES as UPLOAD_ROUTES, upload_routes
from kiosk.wire import WireError, decode

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_BODY = 16 * 1024
COOKIE = "desk_session"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
EVENTS_EVERY_S = 15.0
LOGIN_THREADS = 2
MAX_LOGINS_WAITING = 20
MAX_STREAMS_PER_SESSION = 4
LANGUAGE_KEPT_S = 365 * 86400
# Where a language link may lead back to: the desk's own pages only.
PAGES = ("/", "/login", "/report", "/stats", "/audit", "/admin", "/history", "/bookings", "/share", "/rollout")
HISTORY_PAGE = 50
ADMIN_KIOSKS = 500  # rows of the administrator's kiosk list (a region may have 10,000)
# Every route, and the action of kiosk.desk.roles it needs: None for anyone (logging in,
# the language; and routes with a credential of their own instead of a staff login: a
# phone's one-time link, the kiosk's fetch token, Prometheus's bearer token for
# /metrics), "session" for any logged-in staff member. Every handler checks its
# route's action (`action_of`); the test of every route as every role reads this table.
ROUTES = {("GET", "/login"): None, ("POST", "/login"): None, ("GET", "/language"): None,
          ("GET", "/"): "board", ("GET", "/api/state"): "board", ("GET", "/api/events"): "board",
          ("GET", "/report"): "report", ("GET", "/stats"): "stats", ("GET", "/stats.csv"): "stats",
          ("GET", "/audit"): "audit", ("GET", "/admin"): "admin",
          ("POST", "/logout"): "session",
          ("POST", "/api/command"): "message",  # and "command" for every command but a message
          ("POST", "/api/accept"): "help", ("POST", "/api/resolve"): "help",
          ("POST", "/api/release"): "help", ("POST", "/api/transfer"): "help", ("POST", "/api/note"): "help",
          ("POST", "/api/duty"): "help", ("GET", "/history"): "board",
          ("GET", "/bookings"): "board", ("POST", "/bookings/cancel"): "help",
          ("POST", "/admin/users"): "admin", ("POST", "/admin/disable"): "admin",
          ("POST", "/admin/enable"): "admin", ("POST", "/admin/password"): "admin",
          ("POST", "/admin/forget"): "admin", **UPLOAD_ROUTES, **SHARE_ROUTES, **ENROL_ROUTES, **METRICS_ROUTES,
          **ROLLOUT_ROUTES, **OPS_ROUTES}
REFUSED = N_("Your role does not allow this. Ask the desk's administrator if you need it.")
LOGIN_PROBLEMS = {"locked": N_("Too many failed attempts: try again in five minutes."),
                  "disabled": N_("This account is disabled: ask the desk's administrator."),
                  "wrong": N_("Wrong name or password.")}


def _secure(request: Request) -> bool:
    """Over HTTPS: directly, or as the site's proxy (a trusted address) says."""
    return request.url.scheme == "https"


SECURITY_HEADERS = [(b"cache-control", b"no-store"), (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"content-security-policy", CSP.encode())]


def with_security_headers(app):
    """Every answer, pages, API, static files and errors alike, carries the same headers."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        extra = SECURITY_HEADERS + ([(b"strict-transport-security", b"max-age=31536000")]
                                    if scope.get("scheme") == "https" else [])

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


async def body_of(request: Request) -> bytes:
    """The request's body, at most `MAX_BODY` bytes whatever its headers say."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        raise HTTPException(413 if declared.isdigit() else 400)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(413)
    except ClientDisconnect:  # gone mid-body: nothing to answer, nothing worth a traceback
        raise HTTPException(400) from None
    return bytes(body)


def language_of(request: Request) -> str:
    return languages.negotiate(request.cookies.get(languages.COOKIE), request.headers.get("accept-language"))


def from_htmx(request: Request) -> bool:
    """Asked by the board's page (htmx), which is answered in words, not JSON."""
    return request.headers.get("hx-request") == "true"


def make_app(desk: DeskApp, pages: Pages | None = None, metrics_token: bytes | None = None) -> Starlette:
    """`metrics_token`: what Prometheus must show to read /metrics (None: /metrics is 404)."""
    pages = pages or Pages()
    bookings = Bookings(desk.store.engine)
    logins = anyio.CapacityLimiter(LOGIN_THREADS)
    streams: dict[str, int] = {}  # open event streams per session token (one event loop: no lock)

    def page(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        session = values.get("session")
        return HTMLResponse(pages.render(language_of(request), template, here=here,
                                         role=session["role"] if session else None, **values), status)

    def words(text: str, status: int = 200, fragment: str = "") -> HTMLResponse:
        """An answer to the board's page: a sentence for its status line, and the card the
        action changed (swapped at once on the page that acted)."""
        return HTMLResponse(Markup("<p>{}</p>").format(text) + Markup(fragment), status)

    def session_of(request: Request) -> dict | None:
        return desk.session(request.cookies.get(COOKIE))

    def allowed(session: dict, action: str) -> dict:
        """The session, if its role may do `action` (kiosk.desk.roles); else 403."""
        if action != "session" and not may(session.get("role"), action):
            raise HTTPException(403, REFUSED)
        return session

    def action_of(request: Request) -> str:
        """What the route asked for needs (`ROUTES`); a route missing there, nobody may."""
        method = "GET" if request.method == "HEAD" else request.method
        return ROUTES.get((method, request.url.path)) or "nobody"

    def page_session(request: Request) -> dict | None:
        """A page's session: None (to the login) without one, 403 if the role may not."""
        session = session_of(request)
        return None if session is None else allowed(session, action_of(request))

    def staff_change(request: Request) -> dict:
        """A change's session, its CSRF token and role checked, its body not read (a route
        that takes a file reads and bounds its own)."""
        session = session_of(request)
        if session is None:
            raise HTTPException(401, N_("log in first"))
        if not secrets.compare_digest(request.headers.get("x-csrf-token", "").encode(), session["csrf"].encode()):
            raise HTTPException(403, N_("missing or wrong CSRF token"))
        return allowed(session, action_of(request))

    async def json_change(request: Request) -> tuple[dict, dict]:
        """A change a logged-in staff member asked for: (session, body) or an HTTP error.
        The body is JSON, or a form from the board's page (htmx); the CSRF token comes in
        a header either way."""
        body = await body_of(request)
        session = staff_change(request)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            try:
                form = parse_qs(body.decode("utf-8"), max_num_fields=20)
            except (UnicodeDecodeError, ValueError):
                raise HTTPException(400, N_("bad request")) from None
            return session, {key: values[0] for key, values in form.items()}
        try:
            data = decode(body or b"{}", MAX_BODY)
        except WireError:
            raise HTTPException(400, N_("bad request")) from None
        if not isinstance(data, dict):
            raise HTTPException(400, N_("bad request"))
        return session, data

    async def login_form(request: Request) -> Response:
        return page(request, "login.html", message="")

    def login(request: Request, body: bytes) -> Response:
        form = parse_qs(body.decode("utf-8", "replace"))
        name, password = form.get("name", [""])[0][:60], form.get("password", [""])[0][:200]
        token, problem = desk.login(name, password)
        if token is None:
            _ = pages.gettext(language_of(request))
            return page(request, "login.html", 401, message=_(LOGIN_PROBLEMS.get(problem, LOGIN_PROBLEMS["wrong"])))
        # Each role starts where its work is: a statistics reader has no board.
        role = desk.sessions.get(token, {}).get("role")
        response = RedirectResponse("/" if may(role, "board") else "/stats", 303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/", secure=_secure(request))
        return response

    async def login_post(request: Request) -> Response:
        # argon2 is slow and takes 64 MiB: logins get two threads of their own, so a flood of
        # guesses (any name, so no lockout) waits for them and not for the board's threads.
        body = await body_of(request)
        if logins.statistics().tasks_waiting >= MAX_LOGINS_WAITING:
            raise HTTPException(503, "too many logins at once: try again in a moment")
        return await anyio.to_thread.run_sync(login, request, body, limiter=logins)

    # Endpoints that only read the store are plain functions: Starlette runs them in its
    # thread pool, so SQLite never blocks the event loop that serves the event streams.
    def board(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        return page(request, "board.html", session=session,
                    **BoardView(pages, desk, session, language_of(request)).page())

    def choose_language(request: Request) -> Response:
        """The staff member's language, kept in a cookie (the login page has it too)."""
        chosen = request.query_params.get("to", "")
        back = request.query_params.get("next", "/")
        response = RedirectResponse(back if back.split("?", 1)[0] in PAGES else "/", 303)
        if chosen in languages.LANGUAGES:
            response.set_cookie(languages.COOKIE, chosen, max_age=LANGUAGE_KEPT_S, httponly=True, samesite="lax",
                                path="/", secure=_secure(request))
        return response

    def state(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return PlainTextResponse("log in first", 401)
        allowed(session, action_of(request))
        return JSONResponse(desk.state(session))  # Starlette's JSON refuses NaN

    async def events(request: Request) -> Response:
        """Server-sent events: the board's fragments, all of them first, then those that
        changed whenever something did (and the waiting times every `EVENTS_EVERY_S`)."""
        token = request.cookies.get(COOKIE)
        session = session_of(request)
        if session is None:
            return PlainTextResponse("log in first", 401)
        allowed(session, action_of(request))
        if streams.get(token, 0) >= MAX_STREAMS_PER_SESSION:  # a few tabs; not the desk's every slot
            return PlainTextResponse("too many open pages for this login", 429)
        streams[token] = streams.get(token, 0) + 1
        view = BoardView(pages, desk, session, language_of(request))

        async def stream():
            try:
                seen = desk.version
                yield b"retry: 2000\n\n"
                while True:
                    if desk.changes.closed or session_of(request) is None:
                        return  # logged out, or the password changed: the page goes to the login
                    fragments = await anyio.to_thread.run_sync(view.update)  # reads the store
                    if fragments:
                        yield b"event: update\n" + b"".join(b"data: " + line.encode() + b"\n"
                                                            for line in fragments.splitlines()) + b"\n"
                    else:
                        yield b": still here\n\n"
                    seen = await desk.changes.wait_async(seen, EVENTS_EVERY_S)
            finally:
                streams[token] -= 1
                if not streams[token]:
                    del streams[token]

        return StreamingResponse(stream(), media_type="text/event-stream")

    def report(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        language = language_of(request)
        return page(request, "report.html", session=session, **report_figures(pages.gettext(language), language,
                                                             desk.store.report(session["sites"]),
                                                             desk.store.by_service(session["sites"])))

    def stats(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        chosen = request.query_params.get("site", "all")
        sites = [chosen] if chosen in session["sites"] else list(session["sites"])
        chosen = chosen if chosen in session["sites"] else "all"
        try:
            days = min(3650, max(1, int(request.query_params.get("days", "30")[:5])))
        except ValueError:
            days = 30
        first, last = period(days)
        if request.url.path == "/stats.csv":
            rows = desk.store.statistics_rows(sites, first, last)
            return Response(stats_csv(rows), media_type="text/csv; charset=utf-8", headers={
                "Content-Disposition": f"attachment; filename=kiosk-statistics-{chosen}.csv"})
        language = language_of(request)
        return page(request, "stats.html", session=session, **stats_figures(pages.gettext(language), language,
                                                           desk.store.statistics(sites, first, last),
                                                           list(session["sites"]), chosen, days))

    async def logout(request: Request) -> Response:
        session, _ = await json_change(request)
        desk.logout(request.cookies.get(COOKIE))
        if not any(other["name"] == session["name"] for other in list(desk.sessions.values())):
            await anyio.to_thread.run_sync(desk.store.away_everywhere, session["name"][:60])  # gone home
            desk.notify("duty")
        return JSONResponse({})

    async def command(request: Request) -> Response:
        """A command to one kiosk of the staff member's sites (the kiosk checks it too),
        answered with what became of it: the kiosk's reply, "offline" (not sent) or
        "no_answer" (no reply within `REPLY_S`)."""
        session, data = await json_change(request)
        site, kiosk, name = data.get("site"), data.get("kiosk"), data.get("command")
        if not (valid_id(site) and valid_id(kiosk) and isinstance(name, str)):
            raise HTTPException(400, N_("bad request"))
        if name in COMMANDS:
            allowed(session, command_action(name))
        if site not in session["sites"] or name not in COMMANDS or desk.link is None \
                or not desk.store.known_kiosk(site, kiosk):
            raise HTTPException(404, N_("no such kiosk or command"))
        if not desk.link.connected:  # sent later, an "end session" could reach the next person
            raise HTTPException(503, N_("no connection to the kiosks now: try again in a moment"))
        (found,) = [k for k in desk.store.kiosks([site]) if k["kiosk"] == kiosk]
        event = {"type": name}
        if name == "message":
            text, ready = data.get("text"), data.get("ready")
            if ready in READY_MESSAGES:  # in the language the person uses there
                person = languages.negotiate(found["status"].get("language"), None)
                event["text"] = pages.gettext(person)(READY_MESSAGES[ready])
            elif isinstance(text, str) and text.strip():
                event["text"] = text.strip()[:500]
            else:
                raise HTTPException(400, N_("write a message, or choose a ready-made one"))
        if name in OPERATIONS and data.get("confirm") == "end_session":  # staff accept its end
            event["confirm"] = "end_session"
        if not found["online"]:
            result = "offline"
        else:
            command_id = str(uuid.uuid4())
            reply = desk.replies.expect(command_id)
            desk.link.command(site, kiosk, event, command_id)
            log.info("desk: %s sent %s to %s", session["name"], name, kiosk)
            result = await desk.replies.wait(command_id, reply, desk.reply_s) or "no_answer"
        desk.command_result(site, kiosk, name, result, session["name"])
        await anyio.to_thread.run_sync(desk.store.audit, session["name"], "command", site, kiosk,
                                       {"command": name, "result": result,
                                        **({"text": event["text"]} if "text" in event else {}),
                                        **({"confirm": event["confirm"]} if "confirm" in event else {})})
        if from_htmx(request):
            language = language_of(request)
            _ = pages.gettext(language)
            return words(f"{kiosk}, {_(LABELS[name])}: {result_text(_, name, result)}",
                         fragment=BoardView(pages, desk, session, language).kiosk_of(site, kiosk))
        return JSONResponse({"result": result})

    async def help_request(request: Request) -> Response:
        """Work on one help request: accept, resolve, release (back to the queue), transfer
        (to a colleague) or a note; answered in words, with the card as it now stands."""
        session, data = await json_change(request)
        request_id = data.get("id")
        action = request.url.path.rsplit("/", 1)[1]
        if not valid_request_id(request_id):
            raise HTTPException(400, N_("bad request"))
        me = session["name"][:60]  # who is logged in, not who is said
        found = await anyio.to_thread.run_sync(desk.request_for, session, request_id, action)
        if found is None or desk.link is None:
            raise HTTPException(404, N_("no such request"))
        language = language_of(request)
        _ = pages.gettext(language)
        said = ""
        # In a thread: with several desk processes, a claim may wait for a colleague's.
        if action == "accept":
            answer = await anyio.to_thread.run_sync(desk.link.accept, request_id, me,
                                                    found["site"] not in session["sites"])
            if answer is not None and answer.get("claimed") is False:  # a colleague was first: who
                if not from_htmx(request):
                    return JSONResponse(answer, 409)
                said = _("%(helper)s had already accepted this request.") % {"helper": answer["helper"]} \
                    if answer.get("helper") else _("This request is no longer waiting.")
            else:
                said = _("You accepted the request from %(kiosk)s: the person there sees your name.") % {
                    "kiosk": found["kiosk"]}
        elif action == "resolve":
            resolution, service = data.get("resolution"), data.get("service")
            resolution = resolution if resolution in RESOLUTIONS else "other"
            answer = await anyio.to_thread.run_sync(desk.link.resolve, request_id, resolution,
                                                    service[:40] if isinstance(service, str) else "")
            said = _("Resolved: %(kiosk)s, %(outcome)s") % {"kiosk": found["kiosk"],
                                                             "outcome": word(_, "resolution", resolution)}
        elif action == "release":
            answer = await anyio.to_thread.run_sync(desk.link.release, request_id, found["helper"] or "")
            if answer is None:
                raise HTTPException(409, N_("Someone else has this request now, or it is closed."))
            await anyio.to_thread.run_sync(desk.store.audit, me, "request_released", found["site"], found["kiosk"],
                                           {"helper": found["helper"] or ""})
            said = _("The request from %(kiosk)s is waiting in the queue again.") % {"kiosk": found["kiosk"]}
        elif action == "transfer":
            to = data.get("to")
            colleagues = await anyio.to_thread.run_sync(desk.colleagues, found["site"])  # reads the store
            if not isinstance(to, str) or to not in colleagues or to == found["helper"]:
                raise HTTPException(400, N_("Choose a colleague who works at this site."))
            answer = await anyio.to_thread.run_sync(desk.link.transfer, request_id, found["helper"] or "", to)
            if answer is None:
                raise HTTPException(409, N_("Someone else has this request now, or it is closed."))
            await anyio.to_thread.run_sync(desk.store.audit, me, "request_transferred", found["site"],
                                           found["kiosk"], {"from": found["helper"] or "", "to": to})
            said = _("%(helper)s now has the request from %(kiosk)s: the person there sees the new name.") % {
                "helper": to, "kiosk": found["kiosk"]}
        else:  # a note
            text = data.get("text")
            if not isinstance(text, str) or not text.strip():
                raise HTTPException(400, N_("Write the note first."))
            if not await anyio.to_thread.run_sync(desk.store.add_note, request_id, me, text):
                raise HTTPException(409, N_("This request has as many notes as it can take."))
            answer = {"id": request_id, "noted": True}
            said = _("Note added to the request from %(kiosk)s.") % {"kiosk": found["kiosk"]}
        desk.notify("help")
        if not from_htmx(request):
            return JSONResponse(answer)
        card = await anyio.to_thread.run_sync(BoardView(pages, desk, session, language).card_of, request_id)
        return words(said, fragment=card)

    async def duty(request: Request) -> Response:
        """On duty or away at one of the staff member's sites."""
        session, data = await json_change(request)
        site, on = data.get("site"), data.get("on")
        if not valid_id(site) or site not in session["sites"] or on not in ("1", "0", True, False):
            raise HTTPException(400, N_("bad request"))
        on_duty = on in ("1", True)
        await anyio.to_thread.run_sync(desk.store.set_duty, session["name"][:60], site, on_duty)
        desk.notify("duty")
        if not from_htmx(request):
            return JSONResponse({"site": site, "on_duty": on_duty})
        language = language_of(request)
        _ = pages.gettext(language)
        view = BoardView(pages, desk, session, language)
        fragment = await anyio.to_thread.run_sync(view.duty_fragment)
        return words((_("You are on duty at %(site)s.") if on_duty else _("You are away from %(site)s."))
                     % {"site": site}, fragment=fragment)

    def history(request: Request) -> Response:
        """Closed requests of the staff member's sites, the most recently closed first."""
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        before = request.query_params.get("before", "")[:20]
        try:
            before_at = float(before) if before else None
        except ValueError:
            before_at = None
        closed = desk.store.history(list(session["sites"]), limit=HISTORY_PAGE + 1, before=before_at)
        shown = closed[:HISTORY_PAGE]
        found_notes = desk.store.notes([r["id"] for r in shown])
        for r in shown:
            r["notes"] = found_notes.get(r["id"], [])
            r["closed"] = r["resolved"] or r["cancelled"]
        return page(request, "history.html", session=session, closed=shown, paged=before_at is not None,
                    older=repr(shown[-1]["closed"]) if len(closed) > HISTORY_PAGE else None)

    def booked(request: Request) -> Response:
        """The coming times booked at the staff member's sites (kiosk/desk/bookings.py)."""
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        rows = bookings.coming(list(session["sites"]), local_now())
        return page(request, "bookings.html", session=session, bookings=rows)

    async def cancel_booking(request: Request) -> Response:
        """A helper calls a booked time off (the person phoned): free again, audited."""
        session, data = await json_change(request)
        booking_id = data.get("id")
        if not valid_request_id(booking_id):
            raise HTTPException(400, N_("bad request"))
        found = await anyio.to_thread.run_sync(bookings.cancel, booking_id,
                                               list(session["sites"]), session["name"])
        if found is None:
            raise HTTPException(404, N_("No such booked time: it may have been cancelled already."))
        await anyio.to_thread.run_sync(lambda: desk.store.audit(
            session["name"], "booking_cancelled", found["site"], found["kiosk"],
            {"starts": found["starts"], "code": found["code"]}))
        _ = pages.gettext(language_of(request))
        if not from_htmx(request):
            return JSONResponse({"cancelled": booking_id})
        return words(_("The time %(time)s is free again.") % {"time": found["starts"].replace("T", " ")},
                     fragment=Markup('<tr id="booking-{}" hx-swap-oob="delete"></tr>').format(booking_id))

    def audit(request: Request) -> Response:
        """The audit log, newest first, `AUDIT_PAGE` entries a page: a site lead's sites,
        or everything for an administrator."""
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        before = request.query_params.get("before", "")[:19]
        before_id = int(before) if before.isdigit() else None
        entries = desk.store.audit_log(None if session["role"] == "admin" else list(session["sites"]),
                                       limit=AUDIT_PAGE + 1, before=before_id)
        _ = pages.gettext(language_of(request))
        shown = entries[:AUDIT_PAGE]
        return page(request, "audit.html", session=session, entries=audit_rows(_, shown),
                    older=shown[-1]["id"] if len(entries) > AUDIT_PAGE else None, paged=before_id is not None,
                    everything=session["role"] == "admin")

    def staff_values() -> dict:
        last = desk.store.last_logins()
        return {"staff": [{**user, "last_login": day_and_clock(last[user["name"]]) if user["name"] in last else ""}
                          for user in desk.store.users()],
                "roles": ROLES}

    def kiosk_values(site: str = "") -> dict:
        """The kiosks of one site, or of every site (offline first, at most `ADMIN_KIOSKS`)."""
        sites = desk.sites
        found = desk.store.kiosks([site] if site in sites else sites)
        found.sort(key=lambda k: (bool(k["online"]), k["site"], k["kiosk"]))
        return {"kiosks": [{**k, "heard": day_and_clock(k["updated"]) if k["updated"] else ""}
                           for k in found[:ADMIN_KIOSKS]],
                "kiosks_total": len(found), "kiosk_site": site if site in sites else ""}

    def admin(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        return page(request, "admin.html", session=session, desk_sites=desk.sites,
                    **staff_values(), **kiosk_values(request.query_params.get("site", "")[:64]))

    async def forget_kiosk(request: Request) -> Response:
        """An administrator takes an offline kiosk off the board (a terminal taken away)."""
        session, data = await json_change(request)
        site, kiosk = data.get("site"), data.get("kiosk")
        if not (valid_id(site) and valid_id(kiosk) and site in desk.sites):
            raise HTTPException(400, N_("bad request"))
        if not await anyio.to_thread.run_sync(desk.store.forget_kiosk, site, kiosk):
            raise HTTPException(409, N_("Only a kiosk that is offline can be removed: one that is online "
                                        "would come back at once."))
        await anyio.to_thread.run_sync(lambda: desk.store.audit(session["name"], "kiosk_forgotten", site, kiosk))
        desk.notify("help")
        if not from_htmx(request):
            return JSONResponse({"forgotten": kiosk})
        _ = pages.gettext(language_of(request))
        values = await anyio.to_thread.run_sync(kiosk_values, site)
        table = pages.parts_of(language_of(request), "admin_parts.html").kiosk_table(**values, oob=True)
        return words(_("%(kiosk)s is off the board. If it connects again, it is back.") % {"kiosk": kiosk},
                     fragment=str(table))

    def account_problem(name, password, sites=None, role=None) -> str:
        """Why an account change cannot be made ("" if it can), as `kiosk-desk add-user` checks."""
        if not isinstance(name, str) or not 1 <= len(name) <= 60 or name != name.strip():
            return N_("A staff name needs 1 to 60 characters.")
        if password is not None and (not isinstance(password, str) or not 10 <= len(password) <= 200):
            return N_("A staff password needs 10 to 200 characters.")
        if role is not None and role not in ROLES:
            return N_("Choose a role.")
        if sites is not None and (not sites or not all(valid_id(site) and site in desk.sites for site in sites)):
            return N_("Give one or more of this desk's sites, separated by commas.")
        return ""

    async def account(request: Request) -> Response:
        """An administrator's change to a staff account, audited; answered with a
        sentence and the staff table as it now stands."""
        session, data = await json_change(request)
        _ = pages.gettext(language_of(request))
        name, change = data.get("name"), request.url.path.rsplit("/", 1)[1]
        if change == "users":
            sites_text = data.get("sites")
            sites = [s.strip() for s in sites_text.split(",") if s.strip()] if isinstance(sites_text, str) else []
            role, password = data.get("role"), data.get("password")
            problem = account_problem(name, password, sites, role)
            if problem:
                raise HTTPException(400, problem)
            known = await anyio.to_thread.run_sync(desk.store.user, name)
            await anyio.to_thread.run_sync(desk.store.add_user, name, password, sites, role)
            action = "user_changed" if known else "user_added"
            detail = {"name": name, "sites": ",".join(sites), "role": role}
            said = (_("%(name)s's account was changed: their open sessions have ended.") if known
                    else _("%(name)s can now log in.")) % {"name": name}
        else:
            password = data.get("password") if change == "password" else None
            problem = account_problem(name, password)
            if problem:
                raise HTTPException(400, problem)
            if change == "disable" and name == session["name"]:
                raise HTTPException(400, N_("You cannot disable your own account."))
            do = {"disable": desk.store.disable_user, "enable": desk.store.enable_user,
                  "password": lambda who: desk.store.set_password(who, password)}[change]
            if not await anyio.to_thread.run_sync(do, name):
                raise HTTPException(404, N_("No such staff member."))
            action = {"disable": "user_disabled", "enable": "user_enabled", "password": "password_reset"}[change]
            detail = {"name": name}
            said = {"disable": _("%(name)s can no longer log in: their open sessions have ended."),
                    "enable": _("%(name)s can log in again."),
                    "password": _("%(name)s has a new password: their open sessions have ended.")}[change] \
                % {"name": name}
        await anyio.to_thread.run_sync(lambda: desk.store.audit(session["name"], action, detail=detail))
        desk.notify("users")
        if not from_htmx(request):
            return JSONResponse({"done": action})
        values = await anyio.to_thread.run_sync(staff_values)
        table = pages.parts_of(language_of(request), "admin_parts.html").staff_table(**values, oob=True)
        return words(said, fragment=str(table))

    async def refused(request: Request, error: HTTPException) -> Response:
        said = pages.gettext(language_of(request))(error.detail) if error.detail else "refused"
        if from_htmx(request):  # the board's status line: in the staff member's words
            return words(said, error.status_code)
        if error.status_code == 403 and request.method == "GET":  # a page the role may not see
            return page(request, "refused.html", 403, session=session_of(request), message=said)
        return PlainTextResponse(said, error.status_code)

    app = Starlette(routes=[
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/language", choose_language),
        Route("/", board),
        Route("/api/state", state),
        Route("/api/events", events),
        Route("/report", report),
        Route("/stats", stats),
        Route("/stats.csv", stats),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/command", command, methods=["POST"]),
        Route("/api/accept", help_request, methods=["POST"]),
        *(Route(f"/api/{action}", help_request, methods=["POST"])
          for action in ("resolve", "release", "transfer", "note")),
        Route("/api/duty", duty, methods=["POST"]),
        Route("/history", history),
        Route("/bookings", booked),
        Route("/bookings/cancel", cancel_booking, methods=["POST"]),
        Route("/audit", audit),
        Route("/admin", admin),
        *(Route(f"/admin/{change}", account, methods=["POST"]) for change in ("users", "disable", "enable",
                                                                            "password")),
        Route("/admin/forget", forget_kiosk, methods=["POST"]),
        *upload_routes(desk, pages),  # a person's phone and the kiosk: no staff login
        *share_routes(desk, pages, json_change, page_session, page, language_of, from_htmx),
        *enrol_routes(desk, pages, json_change, page_session, page, language_of, from_htmx),  # terminals: no login
        *metrics_routes(desk, metrics_token),  # Prometheus, with its bearer token: no staff login
        *rollout_routes(desk, pages, json_change, staff_change, page_session, page, language_of, from_htmx),
        *ops_routes(desk, pages, json_change, page_session, page, language_of, from_htmx),
        Mount("/static", StaticFiles(directory=HERE / "static")),
    ], exception_handlers={HTTPException: refused})

    wrapped = with_security_headers(app)
    wrapped.routes = app.routes  # for the tests that try every route
    return wrapped


def serve(desk: DeskApp, bind: str, port: int, metrics_token: bytes | None = None, **bounds) -> Server:
    return Server(make_app(desk, metrics_token=metrics_token), bind, port, before_shutdown=desk.changes.close,
                  **bounds).start()
