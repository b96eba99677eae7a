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
import re
import time
import urllib.request
from typing import Callable
from urllib.parse import urlsplit

from kiosk.desk.language import LANGUAGES, WORDS, load_catalogues, word
from kiosk.desk.pages import presence
from kiosk.desk.store import Store
from kiosk.wire import encode

log = logging.getLogger(__name__)

EVERY_S = 15.0
WEBHOOK_TIMEOUT_S = 10.0
# A request is escalated once; this many at most in one round (a desk back after an outage
# with a long queue does not send the chat a hundred messages at once).
MAX_PER_ROUND = 20


# What a kiosk's place may keep in a chat message: letters (any script), digits, spaces and
# . , - ( ) / ' — nothing a chat reads as a mention (@, <!here>), a link or formatting.
_NOT_PLAIN = re.compile(r"[^\w\s.,()/'-]|_", re.UNICODE)


def plain(text: str, longest: int = 60) -> str:
    return " ".join(_NOT_PLAIN.sub(" ", text or "").split())[:longest]


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
        """Escalate the region's requests that are due: waiting unaccepted longer than
        `after_s` (since they came, or since they went back to the queue), or at once at a
        site whose staff use the on-duty switch when nobody there is on duty. Not a request
        whose person has left (their kiosk is free again), and one per kiosk a round. The
        ones this call escalated (another desk process may have taken some)."""
        if self.after_s <= 0:
            return []
        now = self.clock()
        waiting = self.store.waiting_unescalated(self.sites)
        if not waiting:
            return []
        uses_duty, on_duty = self.store.duty_used(self.sites), self.store.on_duty(self.sites)
        due, kiosks = [], set()
        for request in waiting:
            waited = now - (request["waiting_since"] or request["created"])
            unattended = request["site"] in uses_duty and request["site"] not in on_duty
            if (waited >= self.after_s or unattended) and (request["site"], request["kiosk"]) not in kiosks:
                due.append(request)
                kiosks.add((request["site"], request["kiosk"]))
        if due:
            at = {(k["site"], k["kiosk"]): presence(k) for k in self.store.kiosks(sorted({r["site"] for r in due}))}
            due = [r for r in due if at.get((r["site"], r["kiosk"])) != "free"]
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
        seen = for_chat(request)
        where = seen["kiosk"] + (f" ({seen['place']})" if seen["place"] else "")
        return _("Help needed at %(site)s, kiosk %(where)s: %(topic)s. Waiting %(minutes)s min, "
                 "nobody has accepted yet.") % {"site": seen["site"], "where": where,
                                                "topic": word(_, "topic", seen["topic"]), "minutes": waited_min}

    def _tell_chat(self, url: str, request: dict, waited_min: int) -> None:
        body = {"text": self.message(request, waited_min), **for_chat(request), "waited_min": waited_min}
        try:
            self.post(url, body)
        except (OSError, ValueError) as error:  # the chat away: the boards have it all the same
            log.error("desk: the escalation of %s did not reach the chat webhook: %s", request["kiosk"], error)
            self.store.audit("desk", "webhook_failed", request["site"], request["kiosk"],
                             {"error": str(error)[:200]})


def for_chat(request: dict) -> dict:
    """What the chat is told of a request, in the desk's words only: what came from the
    kiosk (its place and topic) could carry mentions or links into the staff's chat, so the
    topic is one the desk knows and the place is reduced to letters, digits and plain
    punctuation. Site and kiosk ids are the desk's own pattern."""
    return {"site": request["site"], "kiosk": request["kiosk"], "place": plain(request["place"]),
            "topic": request["topic"] if request["topic"] in WORDS["topic"] else "other"}
