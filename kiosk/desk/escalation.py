"""Escalation: a help request nobody has accepted within `after_s` goes to the rest of the
region. It is marked escalated (one conditional UPDATE, so of several desk processes on
one database exactly one escalates it), the boards of the region's other staff show it
with a sound and an alert, it is audited, and, where the site has one, a message goes to
the chat tool's incoming webhook (Mattermost, Slack, Rocket.Chat and Teams' workflows all
take a JSON body with "text").

The message names the site, the kiosk, its place, what the person needs help with and
how long they have waited: the same as the board shows, never anything about the person."""

from __future__ import annotations

import logging
import time
import urllib.request
from typing import Callable
from urllib.parse import urlsplit

from kiosk.desk.language import LANGUAGES, load_catalogues, word
from kiosk.desk.store import Store
from kiosk.wire import encode

log = logging.getLogger(__name__)

EVERY_S = 15.0
WEBHOOK_TIMEOUT_S = 10.0
# A request is escalated once; this many at most in one round (a desk back after an outage
# with a long queue does not send the chat a hundred messages at once).
MAX_PER_ROUND = 20


def valid_webhook(url) -> bool:
    """An http(s) URL with a host, or "" for none."""
    if url == "":
        return True
    if not isinstance(url, str) or len(url) > 2000:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def post_json(url: str, body: dict) -> None:
    """POST `body` as JSON; OSError (URLError, HTTPError, a timeout) if it did not arrive."""
    request = urllib.request.Request(url, data=encode(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "kiosk-desk"})
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
        answer.read(4096)


class Escalation:
    """`run_once` escalates what is due; the desk calls it every `EVERY_S`."""

    def __init__(self, store: Store, sites: list[str], after_s: float, webhooks: dict[str, str] | None = None,
                 language: str = "fi", on_change: Callable[[str], None] = lambda kind: None,
                 post: Callable[[str, dict], None] = post_json, clock: Callable[[], float] = time.time) -> None:
        self.store, self.sites, self.after_s = store, list(sites), after_s
        # The chat each site uses: site -> incoming webhook URL ("": every other site's).
        self.webhooks = {site: url for site, url in (webhooks or {}).items() if url}
        self.language = language if language in LANGUAGES else "en"
        self.on_change, self.post, self.clock = on_change, post, clock
        self._gettext = load_catalogues()[self.language].gettext

    def run_once(self) -> list[dict]:
        """Escalate every request of the region waiting longer than `after_s`; the ones this
        call escalated (another desk process may have taken some)."""
        if self.after_s <= 0:
            return []
        now = self.clock()
        due = [r for r in self.store.waiting_unescalated(self.sites) if now - r["created"] >= self.after_s]
        escalated = []
        for request in due[:MAX_PER_ROUND]:
            claimed = self.store.escalate(request["id"])
            if claimed is None:
                continue  # accepted, cancelled or escalated by another desk process meanwhile
            escalated.append(claimed)
            waited_min = int((now - claimed["created"]) // 60)
            self.store.audit("desk", "request_escalated", claimed["site"], claimed["kiosk"],
                             {"topic": claimed["topic"], "waited_min": waited_min})
            log.info("desk: the request from %s has waited %d min: escalated to the region", claimed["kiosk"],
                     waited_min)
            url = self.webhooks.get(claimed["site"], self.webhooks.get(""))
            if url:
                self._tell_chat(url, claimed, waited_min)
        if escalated:
            self.on_change("help")
        return escalated

    def message(self, request: dict, waited_min: int) -> str:
        _ = self._gettext
        where = request["kiosk"] + (f" ({request['place']})" if request["place"] else "")
        return _("Help needed at %(site)s, kiosk %(where)s: %(topic)s. Waiting %(minutes)s min, "
                 "nobody has accepted yet.") % {"site": request["site"], "where": where,
                                                "topic": word(_, "topic", request["topic"]), "minutes": waited_min}

    def _tell_chat(self, url: str, request: dict, waited_min: int) -> None:
        body = {"text": self.message(request, waited_min), "site": request["site"], "kiosk": request["kiosk"],
                "place": request["place"], "topic": request["topic"], "waited_min": waited_min}
        try:
            self.post(url, body)
        except (OSError, ValueError) as error:  # the chat away: the boards have it all the same
            log.error("desk: the escalation of %s did not reach the chat webhook: %s", request["kiosk"], error)
            self.store.audit("desk", "webhook_failed", request["site"], request["kiosk"],
                             {"error": str(error)[:200]})
