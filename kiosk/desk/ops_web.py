"""The desk's routes for IT's operations on a kiosk (role action "operate": site leads and
administrators, kiosk.desk.roles): a screenshot, shown once on a page of its own; a log
bundle, downloaded as text while the desk keeps it; wake-on-LAN for a kiosk that is off.
Restart and reboot are commands of `/api/command` (kiosk.desk.web). Each is checked against
the staff member's sites and the known kiosks, sent as a command the kiosk replies to, and
audited with who, which kiosk, what, and what became of it; the result is on the kiosk's
card as every command's is (kiosk.desk.commands' words)."""

from __future__ import annotations

import logging
import time
import uuid

import anyio
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk.desk.commands import LABELS, result_text
from kiosk.desk.language import N_
from kiosk.desk.link import valid_id, valid_request_id
from kiosk.desk.pages import BoardView
from kiosk.ops_wire import HOURS

log = logging.getLogger(__name__)

ROUTES = {("POST", "/api/ops/screenshot"): "operate", ("GET", "/ops/screenshot"): "operate",
          ("GET", "/ops/screenshot.jpg"): "operate", ("POST", "/api/ops/logs"): "operate",
          ("GET", "/ops/logs"): "operate", ("POST", "/api/ops/wake"): "operate"}
LOGS_REPLY_S = 60.0  # the kiosk reads its journal (the root helper gives it 60 s) and sends it
ARRIVED_S = 5.0  # after the kiosk's "done", for its last part (it was sent first)
WAKE_REPLY_S = 4.0  # then the desk sends the packet itself


def ops_routes(desk, pages, json_change, page_session, page, language_of, from_htmx) -> list[Route]:
    def target(session: dict, data: dict) -> dict:
        """The kiosk the staff member named: one of their sites' known kiosks, else 404 (reads
        the store: called in a thread)."""
        site, kiosk = data.get("site"), data.get("kiosk")
        if not (valid_id(site) and valid_id(kiosk)):
            raise HTTPException(400, N_("bad request"))
        found = [k for k in desk.store.kiosks([site]) if k["kiosk"] == kiosk] \
            if site in session["sites"] and desk.link is not None else []
        if not found:
            raise HTTPException(404, N_("no such kiosk or command"))
        if not desk.link.connected:
            raise HTTPException(503, N_("no connection to the kiosks now: try again in a moment"))
        return found[0]

    async def send(found: dict, event: dict, command_id: str, wait_s: float) -> str:
        """The kiosk's reply to `event`; "offline" (not sent) or "no_answer"."""
        if not found["online"]:
            return "offline"
        reply = desk.replies.expect(command_id)
        desk.link.command(found["site"], found["kiosk"], event, command_id)
        return await desk.replies.wait(command_id, reply, wait_s) or "no_answer"

    async def brought(operation, result: str) -> str:
        """The kiosk's result, "failed" if what it sent did not come whole and sound (its parts
        go before its reply); an operation that is not done is forgotten at once."""
        if result == "done":
            await anyio.to_thread.run_sync(operation.arrived.wait, ARRIVED_S)
            if operation.state != "complete":
                result = "failed"
        if result != "done":
            desk.ops.drop(operation.id)
        return result

    async def record(request: Request, session: dict, found: dict, name: str, result: str, **detail) -> Response:
        """The result on the kiosk's card and in the audit log; answered in words."""
        site, kiosk = found["site"], found["kiosk"]
        log.info("desk: %s: %s of %s: %s", session["name"], name, kiosk, result)
        desk.command_result(site, kiosk, name, result, session["name"])
        await anyio.to_thread.run_sync(lambda: desk.store.audit(session["name"], "command", site, kiosk,
                                                                {"command": name, "result": result, **detail}))
        if not from_htmx(request):
            return JSONResponse({"result": result, **detail})
        language = language_of(request)
        _ = pages.gettext(language)
        card = await anyio.to_thread.run_sync(BoardView(pages, desk, session, language).kiosk_of, site, kiosk)
        return HTMLResponse(Markup("<p>{}</p>").format(f"{kiosk}, {_(LABELS[name])}: {result_text(_, name, result)}")
                            + Markup(card))

    async def screenshot(request: Request) -> Response:
        session, data = await json_change(request)
        found = await anyio.to_thread.run_sync(target, session, data)
        operation = desk.ops.ask("screenshot", found["site"], found["kiosk"], session["name"])
        result = await brought(operation, await send(found, {"type": "screenshot", "token": operation.token},
                                                     operation.id, desk.reply_s))
        answer = await record(request, session, found, "screenshot", result)
        if result != "done":
            return answer
        url = f"/ops/screenshot?id={operation.id}"
        if from_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return JSONResponse({"result": result, "url": url})

    def asked(request: Request, kind: str):
        """The operation of the query's id, to whom it may show: 404 otherwise."""
        session = page_session(request)
        if session is None or "id" not in request.query_params:
            return session, None
        operation_id = request.query_params["id"]
        operation = desk.ops.of(operation_id) if valid_request_id(operation_id) else None
        if operation is None or operation.kind != kind or operation.site not in session["sites"]:
            raise HTTPException(404, N_("This is no longer kept on the desk."))
        return session, operation

    def screenshot_page(request: Request) -> Response:
        session, operation = asked(request, "screenshot")
        if session is None or operation is None:
            return RedirectResponse("/login" if session is None else "/", 303)
        if operation.who != session["name"]:
            raise HTTPException(404, N_("This is no longer kept on the desk."))
        return page(request, "ops_screenshot.html", session=session, operation=operation,
                    taken=time.strftime("%H:%M:%S", time.localtime(operation.made_at)))

    def screenshot_picture(request: Request) -> Response:
        session, operation = asked(request, "screenshot")
        if session is None:
            raise HTTPException(401, N_("log in first"))
        if operation is None:
            return RedirectResponse("/", 303)
        picture = desk.ops.picture(operation.id, session["name"])
        if picture is None:
            raise HTTPException(404, N_("This is no longer kept on the desk."))
        return Response(picture, media_type="image/jpeg")

    async def logs(request: Request) -> Response:
        session, data = await json_change(request)
        try:
            hours = int(str(data.get("hours", "6"))[:3])
        except ValueError:
            hours = 0
        if hours not in HOURS:
            raise HTTPException(400, N_("bad request"))
        found = await anyio.to_thread.run_sync(target, session, data)
        operation = desk.ops.ask("log_bundle", found["site"], found["kiosk"], session["name"], hours)
        result = await brought(operation, await send(
            found, {"type": "log_bundle", "token": operation.token, "hours": hours}, operation.id, LOGS_REPLY_S))
        return await record(request, session, found, "log_bundle", result, hours=hours,
                            **({"size": len(operation.data or b"")} if result == "done" else {}))

    def download(request: Request) -> Response:
        session, operation = asked(request, "log_bundle")
        if session is None or operation is None:
            return RedirectResponse("/login" if session is None else "/", 303)
        found = desk.ops.bundle(operation.id, session["sites"])
        if found is None:
            raise HTTPException(404, N_("This is no longer kept on the desk."))
        operation, text = found
        desk.store.audit(session["name"], "log_bundle_downloaded", operation.site, operation.kiosk,
                         {"hours": operation.hours})
        stamp = time.strftime("%Y%m%d-%H%M", time.localtime(operation.made_at))
        return Response(text, media_type="text/plain; charset=utf-8", headers={
            "Content-Disposition": f"attachment; filename=kiosk-{operation.kiosk}-log-{stamp}.txt"})

    async def wake(request: Request) -> Response:
        """A kiosk that is off, by the address its status gave: broadcast by an online kiosk of
        its site on their LAN, or else by the desk itself."""
        session, data = await json_change(request)
        found = await anyio.to_thread.run_sync(target, session, data)
        mac = found["status"].get("mac")
        if found["online"]:
            raise HTTPException(409, N_("The kiosk is online: it is awake."))
        if not mac:
            raise HTTPException(409, N_("The kiosk has not told the desk its network address: it cannot be woken "
                                        "from here."))
        if not desk.ops.may_wake(found["site"], found["kiosk"]):
            raise HTTPException(429, N_("A wake-up was sent to this kiosk a moment ago."))
        others = sorted((k for k in await anyio.to_thread.run_sync(desk.store.kiosks, [found["site"]])
                         if k["online"] and k["kiosk"] != found["kiosk"]),
                        key=lambda k: k["updated"] or 0, reverse=True)
        result, via = "failed", "desk"
        for other in others[:2]:
            if await send(other, {"type": "wake", "mac": mac}, str(uuid.uuid4()), WAKE_REPLY_S) == "done":
                result, via = "done", other["kiosk"]
                break
        if result != "done":
            try:
                desk.ops.wake_from_desk(mac)
                result = "sent_by_desk"
            except OSError as error:
                log.warning("desk: wake-on-LAN from the desk failed: %s", error)
        return await record(request, session, found, "wake", result, via=via)

    return [Route("/api/ops/screenshot", screenshot, methods=["POST"]), Route("/ops/screenshot", screenshot_page),
            Route("/ops/screenshot.jpg", screenshot_picture), Route("/api/ops/logs", logs, methods=["POST"]),
            Route("/ops/logs", download), Route("/api/ops/wake", wake, methods=["POST"])]
