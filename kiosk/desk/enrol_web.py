"""The desk's enrolment routes (kiosk.desk.enrolment): a terminal's own three, which need no
staff login (the terminal holds its secret), and the administrators' page where a waiting
terminal is given its site, id and place, or refused. Every decision is in the audit log."""

from __future__ import annotations

import logging

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk.desk.enrolment import CODE, EnrolmentError, Enrolments
from kiosk.desk.language import N_
from kiosk.desk.link import TokenBucket, valid_id
from kiosk.wire import WireError, decode

log = logging.getLogger(__name__)

ROUTES = {("POST", "/enrol/hello"): None, ("POST", "/enrol/wait"): None, ("POST", "/enrol/done"): None,
          ("GET", "/admin/enrol"): "admin", ("POST", "/admin/enrol/accept"): "admin",
          ("POST", "/admin/enrol/refuse"): "admin"}
MAX_BODY = 2048
# Terminals' requests, in all: a few hundred terminals asking every few seconds at the most.
# Behind the site's HTTPS proxy every client has the proxy's address, so the bound is global.
BURST, PER_S = 60, 20.0
REASONS = {"unknown": N_("No terminal is waiting with that code (it may have been set up already)."),
           "invalid": N_("The kiosk's id is lower-case letters, digits and '-', and the place at most 80 characters."),
           "in_use": N_("Another kiosk already has that id."),
           "site": N_("This desk does not serve that site.")}


def enrol_routes(desk, pages, json_change, page_session, page, language_of, from_htmx) -> list[Route]:
    bucket = TokenBucket(BURST, PER_S)

    def enrolments_of() -> Enrolments | None:
        return getattr(desk, "enrolments", None)

    async def terminal_body(request: Request) -> dict:
        if enrolments_of() is None:
            raise HTTPException(404)
        if not bucket.take():
            raise HTTPException(429)
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_BODY:
            raise HTTPException(413 if declared.isdigit() else 411)
        try:
            data = decode(await request.body(), MAX_BODY)
        except WireError:
            raise HTTPException(400) from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise HTTPException(400)
        return data

    async def hello(request: Request) -> Response:
        data = await terminal_body(request)
        address = request.client.host if request.client else ""
        try:
            await anyio.to_thread.run_sync(enrolments_of().hello, data.get("code", ""), data.get("secret", ""), address,
                                           data.get("mac", ""), data.get("version", ""))
        except EnrolmentError as error:
            status = {"taken": 409, "full": 503}.get(error.reason, 400)
            return JSONResponse({"state": error.reason}, status)
        return JSONResponse({"state": "waiting"})

    async def wait(request: Request) -> Response:
        data = await terminal_body(request)
        try:
            answer = await anyio.to_thread.run_sync(enrolments_of().collect, data.get("secret", ""))
        except EnrolmentError as error:
            return JSONResponse({"state": error.reason}, 403 if error.reason == "refused" else 404)
        except OSError as error:  # the broker did not make the account: the terminal asks again
            log.error("enrolment: %s", error)
            return JSONResponse({"state": "waiting"}, 503)
        if answer is None:
            return JSONResponse({"state": "waiting"})
        await anyio.to_thread.run_sync(lambda: desk.store.audit("desk", "kiosk_credentials", answer["site"],
                                                                answer["kiosk_id"]))
        return JSONResponse({"state": "accepted", **answer}, headers={"Cache-Control": "no-store"})

    async def done(request: Request) -> Response:
        data = await terminal_body(request)
        await anyio.to_thread.run_sync(enrolments_of().collected, data.get("secret", ""))
        return Response(status_code=204)

    async def admin_page(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        enrolments = enrolments_of()
        waiting = await anyio.to_thread.run_sync(enrolments.waiting) if enrolments is not None else []
        code = request.query_params.get("code", "")
        shown = [w for w in waiting if w["code"] == code] if CODE.fullmatch(code) else waiting
        return page(request, "enrol.html", session=session, waiting=shown, everything=len(waiting),
                    code=code if shown and CODE.fullmatch(code) else "", configured=enrolments is not None,
                    sites=list(desk.sites))

    async def decide(request: Request) -> Response:
        session, data = await json_change(request)
        enrolments = enrolments_of()
        if enrolments is None:
            raise HTTPException(404)
        code, action = str(data.get("code", "")), request.url.path.rsplit("/", 1)[1]
        site, kiosk = str(data.get("site", "")), str(data.get("kiosk", ""))
        _ = pages.gettext(language_of(request))
        try:
            if action == "accept":
                if not valid_id(site) or site not in desk.sites:
                    raise EnrolmentError("site")
                await anyio.to_thread.run_sync(enrolments.accept, code, site, kiosk, str(data.get("place", "")),
                                               session["name"])
            else:
                await anyio.to_thread.run_sync(enrolments.refuse, code, session["name"])
        except EnrolmentError as error:
            raise HTTPException(409, REASONS.get(error.reason, N_("bad request"))) from None
        await anyio.to_thread.run_sync(lambda: desk.store.audit(
            session["name"], "kiosk_enrolled" if action == "accept" else "enrolment_refused",
            site if action == "accept" else "", kiosk if action == "accept" else "", detail={"code": code}))
        if from_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": "/admin/enrol"})
        return JSONResponse({"done": action})

    return [Route("/enrol/hello", hello, methods=["POST"]), Route("/enrol/wait", wait, methods=["POST"]),
            Route("/enrol/done", done, methods=["POST"]), Route("/admin/enrol", admin_page),
            Route("/admin/enrol/accept", decide, methods=["POST"]), Route("/admin/enrol/refuse", decide,
                                                                          methods=["POST"])]
