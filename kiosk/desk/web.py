"""The staff desk in the browser: the site's kiosks, the help queue (longest waiting first,
with a sound for a new request), Accept and Resolve, a report of response times and the
usage statistics. Starlette serves it; Jinja2 renders the pages with autoescape; the
pages' script is a static file (the Content-Security-Policy allows no inline script).

Staff log in (argon2-hashed passwords, a session cookie that scripts cannot read, `Secure`
behind HTTPS, a CSRF token on every change, lockout after five failures); each sees only
their own sites. Everything that arrives is bounded and validated before it is used."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, \
    Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.desk.board import DeskApp
from kiosk.desk.link import valid_id, valid_request_id
from kiosk.desk.server import Server
from kiosk.desk.stats_page import period, stats_csv, stats_page
from kiosk.desk.store import RESOLUTIONS
from kiosk.wire import WireError, decode

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COMMANDS = ("lift_print_limit", "message", "end_session", "out_of_service", "back_in_service", "reopen_browser")
MAX_BODY = 16 * 1024
COOKIE = "desk_session"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
EVENTS_EVERY_S = 15.0
LOGIN_THREADS = 2
MAX_LOGINS_WAITING = 20
MAX_STREAMS_PER_SESSION = 4

LOGIN_PROBLEMS = {"locked": "Too many failed attempts: try again in five minutes.",
                  "disabled": "This account is disabled: ask the desk's administrator.",
                  "wrong": "Wrong name or password."}

pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))


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


def page(template: str, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(pages.get_template(template).render(**values), status)


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


def make_app(desk: DeskApp) -> Starlette:
    logins = anyio.CapacityLimiter(LOGIN_THREADS)
    streams: dict[str, int] = {}  # open event streams per session token (one event loop: no lock)

    def session_of(request: Request) -> dict | None:
        return desk.session(request.cookies.get(COOKIE))

    async def json_change(request: Request) -> tuple[dict, dict]:
        """A change a logged-in staff member asked for: (session, body) or an HTTP error."""
        body = await body_of(request)
        session = session_of(request)
        if session is None:
            raise HTTPException(401, "log in first")
        if not secrets.compare_digest(request.headers.get("x-csrf-token", "").encode(), session["csrf"].encode()):
            raise HTTPException(403, "missing or wrong CSRF token")
        try:
            data = decode(body or b"{}", MAX_BODY)
        except WireError:
            raise HTTPException(400, "bad request") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "bad request")
        return session, data

    async def login_form(request: Request) -> Response:
        return page("login.html", message="")

    def login(request: Request, body: bytes) -> Response:
        form = parse_qs(body.decode("utf-8", "replace"))
        name, password = form.get("name", [""])[0][:60], form.get("password", [""])[0][:200]
        token, problem = desk.login(name, password)
        if token is None:
            return page("login.html", 401, message=LOGIN_PROBLEMS.get(problem, LOGIN_PROBLEMS["wrong"]))
        response = RedirectResponse("/", 303)
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
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", 303)
        return page("board.html", session=session, resolutions=RESOLUTIONS)

    def state(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return PlainTextResponse("log in first", 401)
        return JSONResponse(desk.state(session))  # Starlette's JSON refuses NaN

    async def events(request: Request) -> Response:
        """Server-sent events: one line whenever something changed (pages then refresh)."""
        token = request.cookies.get(COOKIE)
        if session_of(request) is None:
            return PlainTextResponse("log in first", 401)
        if streams.get(token, 0) >= MAX_STREAMS_PER_SESSION:  # a few tabs; not the desk's every slot
            return PlainTextResponse("too many open pages for this login", 429)
        streams[token] = streams.get(token, 0) + 1

        async def stream():
            try:
                seen = desk.version
                yield b"retry: 2000\n\n"
                while True:
                    version = await desk.changes.wait_async(seen, EVENTS_EVERY_S)
                    if desk.changes.closed or session_of(request) is None:
                        return  # logged out, or the password changed: the page goes to the login
                    yield f"data: {version}\n\n".encode() if version != seen else b": still here\n\n"
                    seen = version
            finally:
                streams[token] -= 1
                if not streams[token]:
                    del streams[token]

        return StreamingResponse(stream(), media_type="text/event-stream")

    def report(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", 303)
        return page("report.html", **report_figures(desk.store.report(session["sites"]),
                                                    desk.store.by_service(session["sites"])))

    def stats(request: Request) -> Response:
        session = session_of(request)
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
        return HTMLResponse(stats_page(desk.store.statistics(sites, first, last), list(session["sites"]), chosen,
                                       days))

    async def logout(request: Request) -> Response:
        await json_change(request)
        desk.logout(request.cookies.get(COOKIE))
        return JSONResponse({})

    async def command(request: Request) -> Response:
        """A command to one kiosk of the staff member's sites (the kiosk checks it too)."""
        session, data = await json_change(request)
        site, kiosk, name = data.get("site"), data.get("kiosk"), data.get("command")
        if not (valid_id(site) and valid_id(kiosk) and isinstance(name, str)):
            raise HTTPException(400, "bad request")
        if site not in session["sites"] or name not in COMMANDS or desk.link is None \
                or not desk.store.known_kiosk(site, kiosk):
            raise HTTPException(404, "no such kiosk or command")
        if not desk.link.connected:  # sent later, an "end session" could reach the next person
            raise HTTPException(503, "no connection to the kiosks now: try again in a moment")
        event = {"type": name}
        if name in ("message", "out_of_service"):
            text = data.get("text")
            event["text"] = (text if isinstance(text, str) else "")[:500] or "-"
        desk.link.event(site, kiosk, event)
        log.info("desk: %s sent %s to %s", session["name"], name, kiosk)
        await anyio.to_thread.run_sync(desk.store.audit, session["name"], "command", site, kiosk,
                                       {"command": name, **({"text": event["text"]} if "text" in event else {})})
        return JSONResponse({})

    async def help_request(request: Request) -> Response:
        session, data = await json_change(request)
        request_id = data.get("id")
        if not valid_request_id(request_id):
            raise HTTPException(400, "bad request")
        if not desk.allowed(session, request_id) or desk.link is None:
            raise HTTPException(404, "no such request")
        # In a thread: with several desk processes, a claim may wait for a colleague's.
        if request.url.path == "/api/accept":
            answer = await anyio.to_thread.run_sync(desk.link.accept, request_id,
                                                    session["name"][:60])  # who is logged in, not who is said
            if answer is not None and answer.get("claimed") is False:  # a colleague was first: who
                return JSONResponse(answer, 409)
        else:
            resolution, service = data.get("resolution"), data.get("service")
            answer = await anyio.to_thread.run_sync(desk.link.resolve, request_id,
                                                    resolution if resolution in RESOLUTIONS else "other",
                                                    service[:40] if isinstance(service, str) else "")
        desk.notify("help")
        return JSONResponse(answer)

    async def refused(request: Request, error: HTTPException) -> Response:
        return PlainTextResponse(error.detail or "refused", error.status_code)

    app = Starlette(routes=[
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/", board),
        Route("/api/state", state),
        Route("/api/events", events),
        Route("/report", report),
        Route("/stats", stats),
        Route("/stats.csv", stats),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/command", command, methods=["POST"]),
        Route("/api/accept", help_request, methods=["POST"]),
        Route("/api/resolve", help_request, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static")),
    ], exception_handlers={HTTPException: refused})

    return with_security_headers(app)


def serve(desk: DeskApp, bind: str, port: int, **bounds) -> Server:
    return Server(make_app(desk), bind, port, before_shutdown=desk.changes.close, **bounds).start()


def report_figures(days: list[dict], services: list[dict]) -> dict:
    """The report page's chart (median seconds to accept and resolve, last 30 days)."""
    top = max([d["resolve_p90_s"] or d["accept_p90_s"] or 0 for d in days] + [60])
    bars = []
    for index, day in enumerate(days[-30:]):
        x = 40 + index * 28
        for offset, key, colour in ((0, "accept_median_s", "#0b4f8a"), (12, "resolve_median_s", "#c75000")):
            value = day[key] or 0
            height = 180 * value / top
            bars.append({"x": x + offset, "y": round(200 - height, 1), "height": round(height, 1), "fill": colour,
                         "title": f"{day['day']} {key}: {value} s"})
    return {"days": days, "services": services, "bars": bars, "width": 60 + 28 * max(1, len(days[-30:]))}
