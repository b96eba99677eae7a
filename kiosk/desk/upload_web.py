"""The phone's page of a one-time upload link, and the kiosk's fetch (kiosk/desk/uploads.py).

Neither needs a staff login: the phone holds the link's token, the kiosk the file's fetch
token. The page is a plain form (no script at all); the body is bounded before it is read,
one file a post, and the files stay in memory (python-multipart would spool one over 1 MB
to a temporary file: the parser is told not to), then in the database, encrypted, until
fetched."""

from __future__ import annotations

import logging

import anyio
from starlette.formparsers import MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from kiosk.desk import language as languages
from kiosk.desk.language import N_
from kiosk.desk.uploads import FILES_PER_LINK, Uploads
from kiosk.phone_files import MAX_FILE_BYTES, Refused, prepare, safe_name

log = logging.getLogger(__name__)

MAX_UPLOAD_BODY = MAX_FILE_BYTES + 64 * 1024  # the file and the form around it
CONVERSIONS = 2           # photos decoded at once (each may take a few hundred MB)
MAX_WAITING = 10
MAX_RECEIVING = 10        # bodies of up to 15 MB in memory at once; more are asked to wait
MultiPartParser.spool_max_size = MAX_UPLOAD_BODY  # in memory: no file of a person's on the desk's disk
PROBLEMS = {
    "type": N_("This file cannot be sent. Send a photo (JPEG or PNG) or a PDF document."),
    "heic": N_("Photos in the HEIC format cannot be sent. Choose “Most Compatible” in your camera's settings, "
               "or send a screenshot of the photo."),
    "size": N_("This file is too big. A file can be at most 15 MB."),
    "broken": N_("This file could not be read. Please try another one."),
    "none": N_("Choose a file first."),
    "full": N_("Too many files are waiting right now. Please try again in a few minutes."),
}
ROUTES = {("GET", "/u/{token}"): None, ("POST", "/u/{token}"): None, ("GET", "/upload/fetch/{file_id}"): None}


def upload_routes(desk, pages) -> list[Route]:
    """The phone's page and the kiosk's fetch, for `desk` (its store's database, its link)."""
    uploads: Uploads = getattr(desk.link, "uploads", None) or Uploads(desk.store.engine)
    converting = anyio.CapacityLimiter(CONVERSIONS)
    receiving = [0]  # posts whose body is being read (one event loop: no lock)

    def language(request: Request, link: dict | None) -> str:
        chosen = link["language"] if link else None
        return languages.negotiate(chosen, request.headers.get("accept-language"))

    def answer(request: Request, link: dict | None, token: str, state: str, status: int = 200,
               problem: str = "") -> HTMLResponse:
        code = language(request, link)
        message = pages.gettext(code)(PROBLEMS[problem]) if problem else ""
        left = FILES_PER_LINK - link["files"] if link else 0
        return HTMLResponse(pages.render(code, "phone_upload.html", state=state, token=token, message=message,
                                         left=left), status)

    async def upload_page(request: Request) -> Response:
        token = request.path_params["token"]
        link = await anyio.to_thread.run_sync(uploads.link, token)
        if link is None:
            return answer(request, None, "", "gone", 410)
        return answer(request, link, token, "form")

    async def upload_post(request: Request) -> Response:
        token = request.path_params["token"]
        link = await anyio.to_thread.run_sync(uploads.link, token)
        if link is None:
            return answer(request, None, "", "gone", 410)
        declared = request.headers.get("content-length", "")
        if not declared.isdigit():
            return PlainTextResponse("a length is needed", 411)
        if int(declared) > MAX_UPLOAD_BODY:
            return answer(request, link, token, "form", 413, "size")
        if converting.statistics().tasks_waiting >= MAX_WAITING or receiving[0] >= MAX_RECEIVING:
            return answer(request, link, token, "form", 503, "full")
        receiving[0] += 1
        try:
            async with request.form(max_files=1, max_fields=4, max_part_size=1024) as form:
                upload, as_picture = form.get("file"), form.get("as") == "picture"
                if upload is None or isinstance(upload, str) or not upload.size:
                    return answer(request, link, token, "form", 400, "none")
                data, name = await upload.read(MAX_FILE_BYTES + 1), upload.filename or ""
        except ClientDisconnect:
            return PlainTextResponse("", 400)
        except Exception as error:  # python-multipart's and Starlette's refusals of a malformed body
            log.info("an upload's form refused: %s", type(error).__name__)
            return answer(request, link, token, "form", 400, "type")
        finally:
            receiving[0] -= 1
        try:
            content, kind = await anyio.to_thread.run_sync(prepare, data, as_picture, limiter=converting)
        except Refused as refused:
            log.info("an upload refused: %s", refused.reason)  # never the name: it may be the person's
            return answer(request, link, token, "form", 413 if refused.reason == "size" else 415, refused.reason)
        kept = await anyio.to_thread.run_sync(uploads.add, token, safe_name(name, kind), kind, content)
        if kept == "gone":
            return answer(request, None, "", "gone", 410)
        if kept == "full":
            return answer(request, link, token, "form", 503, "full")
        if desk.link is not None:
            desk.link.event(kept["site"], kept["kiosk"], kept["event"])
        log.info("an upload of %d bytes waits for %s", len(content), kept["kiosk"])
        link["files"] += 1
        return answer(request, link, token, "sent")

    def fetch(request: Request) -> Response:
        bearer = request.headers.get("authorization", "")
        taken = uploads.take(request.path_params["file_id"], bearer.removeprefix("Bearer ").strip()) \
            if bearer.startswith("Bearer ") else None
        if taken is None:
            return PlainTextResponse("no such file", 404)
        kind, data = taken
        return Response(data, media_type={"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[kind])

    return [Route("/u/{token}", upload_page, methods=["GET"]), Route("/u/{token}", upload_post, methods=["POST"]),
            Route("/upload/fetch/{file_id}", fetch, methods=["GET"])]
