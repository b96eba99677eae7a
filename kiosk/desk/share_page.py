"""The desk's routes for seeing a kiosk's screen (kiosk.desk.share): ask, the helper's page,
its state and picture (asked for by static/share.js), and Stop. Only the helper who asked
gets anything of a share; another gets 404, as for a share that never was."""

from __future__ import annotations

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk.desk.language import N_
from kiosk.desk.link import valid_id, valid_request_id
from kiosk.desk.share import STATE_TEXTS
from kiosk.share_wire import helper_name

ROUTES = {("POST", "/api/share"): "share", ("GET", "/share"): "share", ("GET", "/api/share/state"): "share",
          ("GET", "/share/frame"): "share", ("POST", "/api/share/stop"): "share"}
IN_USE = ("active", "warning")


def share_routes(desk, pages, json_change, page_session, page, language_of, from_htmx) -> list[Route]:
    def mine(request: Request, share_id) -> object:
        share = desk.shares.of(share_id, request.state.session["name"]) if valid_request_id(share_id) else None
        if share is None:
            raise HTTPException(404, N_("no such view of a screen"))
        return share

    def viewer(request: Request) -> dict | None:
        session = page_session(request)
        request.state.session = session
        return session

    async def ask(request: Request) -> Response:
        """See the screen of a kiosk of the helper's sites, where a person is."""
        session, data = await json_change(request)
        site, kiosk = data.get("site"), data.get("kiosk")
        if not (valid_id(site) and valid_id(kiosk)):
            raise HTTPException(400, N_("bad request"))
        found = [k for k in await anyio.to_thread.run_sync(desk.store.kiosks, [site]) if k["kiosk"] == kiosk] \
            if site in session["sites"] and desk.link is not None else []
        if not found:
            raise HTTPException(404, N_("no such kiosk or command"))
        if not desk.link.connected or not found[0]["online"]:
            raise HTTPException(503, N_("no connection to the kiosks now: try again in a moment"))
        if found[0]["status"].get("session") not in IN_USE:
            raise HTTPException(409, N_("Nobody is using the kiosk."))
        if helper_name(session["name"]) is None:  # the kiosk shows only a plain name
            raise HTTPException(409, N_("Your name cannot be shown to the person: ask the desk's administrator."))
        share = await anyio.to_thread.run_sync(desk.shares.start, session["name"], site, kiosk)
        if share is None:
            raise HTTPException(409, N_("Someone else is already seeing this screen."))
        url = f"/share?id={share.id}"
        if from_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return JSONResponse({"share": share.id, "url": url})

    def view(request: Request) -> Response:
        session = viewer(request)
        if session is None:
            return RedirectResponse("/login", 303)
        if "id" not in request.query_params:
            return RedirectResponse("/", 303)
        share = mine(request, request.query_params["id"])
        return page(request, "share.html", session=session, share=share,
                    state_text=pages.gettext(language_of(request))(STATE_TEXTS[share.state]))

    def state(request: Request) -> Response:
        if viewer(request) is None:
            raise HTTPException(401, N_("log in first"))
        if "id" not in request.query_params:
            return RedirectResponse("/", 303)
        share = mine(request, request.query_params["id"])
        _ = pages.gettext(language_of(request))
        return JSONResponse({"state": share.state, "text": _(STATE_TEXTS[share.state]), "frame": share.frame_no})

    def frame(request: Request) -> Response:
        if viewer(request) is None:
            raise HTTPException(401, N_("log in first"))
        if "id" not in request.query_params:
            return RedirectResponse("/", 303)
        picture = mine(request, request.query_params["id"]).frame
        if picture is None:
            raise HTTPException(404, N_("no picture yet"))
        return Response(picture, media_type="image/jpeg")

    async def stop(request: Request) -> Response:
        session, data = await json_change(request)
        request.state.session = session
        share = mine(request, data.get("id"))
        await anyio.to_thread.run_sync(desk.shares.stop, share, "helper")
        return JSONResponse({"state": share.state})

    return [Route("/api/share", ask, methods=["POST"]), Route("/share", view), Route("/api/share/state", state),
            Route("/share/frame", frame), Route("/api/share/stop", stop, methods=["POST"])]
