"""The roll-out page (kiosk.desk.rollout): a site's releases of configuration and catalogue,
uploading a new one for a ring, releasing a pilot's to every kiosk, rolling back, each
kiosk's ring and what it runs and refused; and the kiosk's fetch of a release.

Administrators only: a release changes every kiosk of a site, what its browser may open
included. Every change is audited. The upload is a form with a file: its body is bounded
before it is read, and nothing is signed that the kiosk's own readers refuse."""

from __future__ import annotations

import logging

import anyio
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk import release
from kiosk.desk.language import N_, word
from kiosk.desk.link import valid_id
from kiosk.desk.rollout import RINGS

log = logging.getLogger(__name__)

ROUTES = {("GET", "/rollout"): "rollout", ("POST", "/rollout/upload"): "rollout",
          ("POST", "/rollout/promote"): "rollout", ("POST", "/rollout/rollback"): "rollout",
          ("POST", "/rollout/ring"): "rollout", ("GET", "/rollout/fetch/{release_id}"): None}
MAX_UPLOAD_BODY = max(release.MAX_BYTES.values()) + 16 * 1024  # the file and the form around it
NO_KEY = N_("This desk has no signing key ([rollout] key_file): nothing can be rolled out.")


def rollout_routes(desk, pages, json_change, staff_change, page_session, page, language_of,
                   from_htmx) -> list[Route]:
    rollout = desk.rollout

    def site_of(session: dict, site) -> str:
        if not (valid_id(site) and site in session["sites"] and site in desk.sites):
            raise HTTPException(400, N_("Choose one of this desk's sites."))
        return site

    def values(site: str) -> dict:
        """What the page shows of a site: its releases by kind, its kiosks with their rings."""
        ring_of = rollout.rings(site, fresh=True)
        kiosks = [{**k, "ring": ring_of.get(k["kiosk"], "all")} for k in desk.store.kiosks([site])]
        return {"site": site, "kinds": release.KINDS, "rings": RINGS, "kiosks": kiosks, "signing": rollout.key is not None,
                "releases": {kind: rollout.listing(site, kind) for kind in release.KINDS}}

    def show(request: Request) -> Response:
        session = page_session(request)
        if session is None:
            return RedirectResponse("/login", 303)
        sites = [s for s in desk.sites if s in session["sites"]]
        chosen = request.query_params.get("site", "")
        site = chosen if chosen in sites else (sites[0] if sites else "")
        return page(request, "rollout.html", session=session, desk_sites=sites, **values(site))

    async def answered(request: Request, site: str, said: str) -> Response:
        """The sentence for the page's status line and the site's part of the page anew."""
        found = await anyio.to_thread.run_sync(values, site)
        if not from_htmx(request):
            return JSONResponse({"said": said})
        parts = pages.parts_of(language_of(request), "rollout_parts.html")
        return HTMLResponse(Markup("<p>{}</p>").format(said) + Markup(parts.site_parts(**found, oob=True)))

    async def tell_kiosks(site: str, kind: str) -> int:
        online = [k for k in await anyio.to_thread.run_sync(desk.store.kiosks, [site]) if k["online"]]
        if desk.link is None or not desk.link.connected:
            return 0  # each kiosk's next status brings it, once the broker is back
        return await anyio.to_thread.run_sync(rollout.release_to, site, kind, online)

    async def upload(request: Request) -> Response:
        """A new release of a site's configuration drop-in or catalogue, for a ring."""
        session = staff_change(request)
        _ = pages.gettext(language_of(request))
        if rollout.key is None:
            raise HTTPException(409, NO_KEY)
        declared = request.headers.get("content-length", "")
        if not declared.isdigit():
            raise HTTPException(411, N_("bad request"))
        if int(declared) > MAX_UPLOAD_BODY:
            raise HTTPException(413, N_("The file is too large to be rolled out."))
        try:
            async with request.form(max_files=1, max_fields=4, max_part_size=1024) as form:
                site, kind, ring, upload = form.get("site"), form.get("kind"), form.get("ring"), form.get("file")
                if upload is None or isinstance(upload, str):
                    raise HTTPException(400, N_("Choose a file first."))
                content, name = await upload.read(release.MAX_BYTES["catalog"] + 1), upload.filename or ""
        except ClientDisconnect:
            raise HTTPException(400, N_("bad request")) from None
        except HTTPException:
            raise
        except Exception as error:  # python-multipart's and Starlette's refusals of a malformed body
            log.info("a release's form refused: %s", type(error).__name__)
            raise HTTPException(400, N_("bad request")) from None
        site = site_of(session, site)
        if kind not in release.KINDS or ring not in RINGS:
            raise HTTPException(400, N_("bad request"))
        shown = "".join(c for c in name[-60:] if c.isalnum() or c in "._- ") or "the file"
        problems = await anyio.to_thread.run_sync(release.check, kind, content, shown)
        if problems:
            message = Markup("<p>{}</p><ul>{}</ul>").format(
                _("Not rolled out: the kiosks would refuse this file."),
                Markup("").join(Markup("<li>{}</li>").format(p) for p in problems[:20]))
            return HTMLResponse(message, 400) if from_htmx(request) else JSONResponse({"problems": problems}, 400)
        row = await anyio.to_thread.run_sync(rollout.add, site, kind, content, ring, session["name"])
        await anyio.to_thread.run_sync(lambda: desk.store.audit(
            session["name"], "rollout_released", site, detail={"kind": kind, "version": row["version"], "ring": ring,
                                                               "sha256": row["sha256"]}))
        told = await tell_kiosks(site, kind)
        return await answered(request, site, _("Version %(version)s is out; %(count)s kiosks were told now, the "
                                               "others when they are next online.") % {"version": row["version"],
                                                                                       "count": told})

    async def promote(request: Request) -> Response:
        """A pilot's release to every kiosk of the site."""
        session, data = await json_change(request)
        site, kind, version = site_of(session, data.get("site")), data.get("kind"), str(data.get("version", ""))
        if kind not in release.KINDS or not version.isdigit() or len(version) > 10:
            raise HTTPException(400, N_("bad request"))
        if not await anyio.to_thread.run_sync(rollout.promote, site, kind, int(version)):
            raise HTTPException(409, N_("That release is not for the pilot kiosks only."))
        await anyio.to_thread.run_sync(lambda: desk.store.audit(
            session["name"], "rollout_promoted", site, detail={"kind": kind, "version": int(version)}))
        await tell_kiosks(site, kind)
        _ = pages.gettext(language_of(request))
        return await answered(request, site, _("Version %(version)s goes to every kiosk of the site.") % {
            "version": version})

    async def rollback(request: Request) -> Response:
        """Back to the release before the newest: its content as a new version for all."""
        session, data = await json_change(request)
        site, kind = site_of(session, data.get("site")), data.get("kind")
        if kind not in release.KINDS:
            raise HTTPException(400, N_("bad request"))
        if rollout.key is None:
            raise HTTPException(409, NO_KEY)
        row = await anyio.to_thread.run_sync(rollout.rollback, site, kind, session["name"])
        if row is None:
            raise HTTPException(409, N_("There is no earlier release to go back to."))
        await anyio.to_thread.run_sync(lambda: desk.store.audit(
            session["name"], "rollout_rolled_back", site, detail={"kind": kind, "version": row["version"],
                                                                  "content_of": row["rollback_of"]}))
        await tell_kiosks(site, kind)
        _ = pages.gettext(language_of(request))
        return await answered(request, site, _("Version %(version)s has the content of version %(old)s and goes "
                                               "to every kiosk.") % {"version": row["version"],
                                                                     "old": row["rollback_of"]})

    async def ring(request: Request) -> Response:
        """A kiosk of the site into the pilot ring, or back among all."""
        session, data = await json_change(request)
        site, kiosk, chosen = site_of(session, data.get("site")), data.get("kiosk"), data.get("ring")
        known = valid_id(kiosk) and any(k["kiosk"] == kiosk for k in await anyio.to_thread.run_sync(
            desk.store.kiosks, [site]))
        if not known or chosen not in RINGS:
            raise HTTPException(400, N_("bad request"))
        await anyio.to_thread.run_sync(rollout.set_ring, site, kiosk, chosen)
        await anyio.to_thread.run_sync(lambda: desk.store.audit(session["name"], "rollout_ring", site, kiosk,
                                                                {"ring": chosen}))
        for kind in release.KINDS:
            await tell_kiosks(site, kind)
        _ = pages.gettext(language_of(request))
        return await answered(request, site, _("%(kiosk)s is now among “%(ring)s”.") % {
            "kiosk": kiosk, "ring": word(_, "ring", chosen)})

    def fetch(request: Request) -> Response:
        """A kiosk fetches a release it was told of, with the release's fetch token."""
        bearer = request.headers.get("authorization", "")
        content = rollout.fetch(request.path_params["release_id"][:64], bearer.removeprefix("Bearer ").strip()[:64]) \
            if bearer.startswith("Bearer ") else None
        if content is None:
            return PlainTextResponse("no such release", 404)
        return Response(content, media_type="application/toml")

    return [Route("/rollout", show), Route("/rollout/upload", upload, methods=["POST"]),
            Route("/rollout/promote", promote, methods=["POST"]), Route("/rollout/rollback", rollback, methods=["POST"]),
            Route("/rollout/ring", ring, methods=["POST"]), Route("/rollout/fetch/{release_id}", fetch)]
