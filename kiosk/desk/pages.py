"""The desk's pages in the staff member's language, and the board as fragments.

Jinja2 renders every page (autoescape on; gettext through `jinja2.ext.i18n`, one
environment per language, so pages rendered at once in two languages do not share one).
The board is made of fragments with ids, each a partial in `board_parts.html`: the queue
and each request in it, each request's waiting time, each kiosk, the counts. A page's
event stream (`BoardView`) first sends all of them, then only what changed: a request
that was accepted, a kiosk whose state changed, a waiting time a minute on. The page
(htmx, board.js) swaps what it is sent by id, never a fragment holding the keyboard
focus (that one waits until focus leaves), and keeps a resolve form being filled
(`hx-preserve`): an update never resets what a helper chose or typed."""

from __future__ import annotations

import gettext
import hashlib
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kiosk.desk.commands import COMMANDS, CONFIRM, CONFIRMATIONS, END_SESSION, LABELS, READY_MESSAGES, result_text
from kiosk.desk.language import LANGUAGES, OWN_NAMES, load_catalogues, word
from kiosk.desk.roles import ROLE_NAMES, command_action, may
from kiosk.desk.store import RESOLUTIONS
from kiosk.languages import LOCALE_DIR

HERE = Path(__file__).resolve().parent
LONG_WAIT_S = 5 * 60
VERY_LONG_WAIT_S = 10 * 60


class Pages:
    """Templates and translations, per language."""

    def __init__(self, locale_dir: Path = LOCALE_DIR) -> None:
        self.catalogues: dict[str, gettext.NullTranslations] = load_catalogues(locale_dir)
        self._environments: dict[str, Environment] = {}
        for code, catalogue in self.catalogues.items():
            environment = Environment(loader=FileSystemLoader(HERE / "templates"),
                                      autoescape=select_autoescape(default=True),
                                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
            environment.install_gettext_translations(catalogue, newstyle=True)
            environment.globals.update(
                language=code, languages=[(c, OWN_NAMES[c]) for c in LANGUAGES], resolutions=RESOLUTIONS,
                commands=COMMANDS, confirm=CONFIRM, confirmations=CONFIRMATIONS, command_labels=LABELS,
                ready_messages=READY_MESSAGES, may=may, role_names=ROLE_NAMES, end_session_text=END_SESSION,
                long_wait_s=LONG_WAIT_S, very_long_wait_s=VERY_LONG_WAIT_S,
                word=lambda kind, value, _g=catalogue.gettext: word(_g, kind, value),
                duration=lambda seconds, _g=catalogue.gettext: duration(_g, seconds),
                result_text=lambda command, result, _g=catalogue.gettext: result_text(_g, command, result),
                clock=lambda at: time.strftime("%H:%M", time.localtime(at)),
                day_and_clock=day_and_clock)
            environment.filters["strong"] = lambda value: Markup("<strong>{}</strong>").format(value)
            self._environments[code] = environment

    def render(self, language: str, template: str, **values) -> str:
        return self._environments[language].get_template(template).render(**values)

    def parts(self, language: str):
        """The board's partials (macros) in `language`."""
        return self._environments[language].get_template("board_parts.html").module

    def parts_of(self, language: str, template: str):
        """A template's macros in `language`."""
        return self._environments[language].get_template(template).module

    def gettext(self, language: str):
        return self.catalogues[language].gettext


def day_and_clock(at: float) -> str:
    """A moment as staff read it in tables: 2026-12-07 14:05."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def duration(_, seconds: float | None) -> str:
    """A wait as staff read it: seconds under a minute, whole minutes under two hours,
    then hours and minutes."""
    seconds = max(0, round(seconds or 0))
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    if seconds < 2 * 3600:
        return _("%(minutes)s min") % {"minutes": seconds // 60}
    return _("%(hours)s h %(minutes)s min") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


def digest(*values) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def kiosk_key(site: str, kiosk: str) -> str:
    return f"kiosk-{site}--{kiosk}"


def presence(kiosk: dict) -> str:
    """Whether the person who asked is still there, as far as their kiosk says."""
    session = kiosk["status"].get("session")
    if not kiosk["online"]:
        return "offline"
    if session is None:
        return ""  # a kiosk that has not told its state yet
    return "in_use" if session in ("active", "warning") else "free"


class BoardView:
    """One page of the board: what it was last sent, and what to send it next."""

    def __init__(self, pages: Pages, desk, session: dict, language: str, clock=time.time) -> None:
        self.pages, self.desk, self.session, self.language, self.clock = pages, desk, session, language, clock
        self._cards: dict[str, str] = {}     # request id -> digest of what its card shows
        self._waits: dict[str, str] = {}     # request id -> its waiting time as sent
        self._kiosks: dict[str, str] = {}    # fragment id -> digest
        self._others: dict[str, str] = {}    # summary, broker, title -> as sent
        self._first = True
        # The commands this staff member's role may send: the only buttons their cards show.
        self.allowed = [c for c in COMMANDS if may(session.get("role"), command_action(c))] + [
            action for action in ("share", "operate") if may(session.get("role"), action)]

    def snapshot(self) -> dict:
        """Everything the board shows, read from the store once."""
        now = self.clock()
        sites = self.session["sites"]
        queue = self.desk.queue(self.session)
        me = self.session["name"][:60]
        notes = self.desk.store.notes([q["id"] for q in queue])
        duty = self.desk.store.on_duty(sorted({*sites, *(q["site"] for q in queue)}))
        staff = self.desk.store.users() if any(q["accepted"] for q in queue) else []
        for request in queue:
            request["notes"] = notes.get(request["id"], [])
            request["elsewhere"] = request["site"] not in sites
            request["may_pass"] = bool(request["accepted"]) and self.desk.may_pass(self.session, request)
            request["colleagues"] = [(name, name in duty.get(request["site"], []))
                                     for name in self.desk.colleagues(request["site"], staff)
                                     if name != request["helper"]] if request["may_pass"] else []
            # Who has it and who may take it, not who is on duty: a colleague going on duty
            # must not reset a choice being made.
            request["pass_key"] = digest(request["helper"], [name for name, _ in request["colleagues"]])[:8]
        asking: dict[tuple[str, str], dict] = {}
        for request in queue:
            asking.setdefault((request["site"], request["kiosk"]), request)
        kiosks = self.desk.store.kiosks(sites)
        at_kiosk = {(k["site"], k["kiosk"]): presence(k) for k in kiosks}
        for request in queue:
            request["presence"] = at_kiosk.get((request["site"], request["kiosk"]), "")
        for kiosk in kiosks:
            kiosk["asking"] = asking.get((kiosk["site"], kiosk["kiosk"]))
            kiosk["result"] = self.desk.results.get((kiosk["site"], kiosk["kiosk"]))
            kiosk["key"] = kiosk_key(kiosk["site"], kiosk["kiosk"])
            # The newest log bundle the desk keeps of it (kiosk.desk.operations), for IT.
            bundle = self.desk.ops.latest_bundle(kiosk["site"], kiosk["kiosk"]) if "operate" in self.allowed \
                else None
            kiosk["bundle"] = {"id": bundle.id, "hours": bundle.hours, "at": bundle.made_at} if bundle else None
        many_sites = len(sites) > 1
        for request in queue:
            request["digest"] = self.card_digest(request, self.language)
        for kiosk in kiosks:
            kiosk["digest"] = self.kiosk_digest(kiosk, self.language, many_sites)
        link = self.desk.link
        waiting = sum(1 for q in queue if not q["accepted"])
        return {"allowed": self.allowed, "queue": queue, "kiosks": kiosks, "now": now, "many_sites": many_sites,
                "broker": bool(link is not None and link.connected), "waiting": waiting,
                "helped": len(queue) - waiting, "duty": [(site, duty.get(site, [])) for site in sites], "me": me}

    # What a card shows, but for the waiting time (its own fragment).
    @staticmethod
    def card_digest(request: dict, language: str) -> str:
        return digest(language, request["id"], request["kiosk"], request["place"], request["topic"],
                      request["service"], request["language"], tuple(request["accessibility"]),
                      bool(request["accepted"]), request["helper"], request["presence"],
                      bool(request["escalated"]), request["elsewhere"], request["may_pass"],
                      tuple(request["colleagues"]), tuple((n["at"], n["author"], n["text"]) for n in request["notes"]))

    @staticmethod
    def kiosk_digest(kiosk: dict, language: str, many_sites: bool) -> str:
        asking = kiosk["asking"]
        result = kiosk["result"]
        return digest(language, many_sites, kiosk["key"], kiosk["online"], sorted(kiosk["status"].items(), key=str),
                      asking and (asking["id"], asking["helper"] if asking["accepted"] else None),
                      result and tuple(sorted(result.items())), kiosk.get("bundle") and kiosk["bundle"]["id"])

    def page(self) -> dict:
        """The values board.html renders the whole board with (as the first update would)."""
        snap = self.snapshot()
        snap["queue_hash"] = digest(*(q["digest"] for q in snap["queue"]))
        snap["kiosks_hash"] = digest(*(k["digest"] for k in snap["kiosks"]))
        return snap

    def card_of(self, request_id: str) -> str:
        """One request's card, as the answer to this staff member's own Accept (swapped at
        once, focus kept in it: it is their action, not an update)."""
        snap = self.snapshot()
        found = [q for q in snap["queue"] if q["id"] == request_id]
        return str(self.pages.parts(self.language).request_card(found[0], snap["now"], oob=True)) if found else ""

    def kiosk_of(self, site: str, kiosk: str) -> str:
        """One kiosk's card, as the answer to this staff member's own command."""
        snap = self.snapshot()
        found = [k for k in snap["kiosks"] if k["key"] == kiosk_key(site, kiosk)]
        return str(self.pages.parts(self.language).kiosk_card(found[0], snap["many_sites"], self.allowed,
                                                                oob=True)) \
            if found else ""

    def duty_fragment(self) -> str:
        """Who is on duty at the staff member's sites, as the answer to their own change."""
        snap = self.snapshot()
        return str(self.pages.parts(self.language).duty(snap["duty"], snap["me"], oob=True))

    def update(self) -> str:
        """The fragments to swap, each marked for htmx's out-of-band swap: everything the
        first time, then what changed since. "" when nothing did."""
        snap = self.snapshot()
        parts = self.pages.parts(self.language)
        now = snap["now"]
        out: list = []
        cards = {q["id"]: q for q in snap["queue"]}
        kiosks = {k["key"]: k for k in snap["kiosks"]}
        if self._first or list(kiosks) != list(self._kiosks):  # a kiosk came or went: the whole list, in order
            out.append(parts.kiosk_list(snap["kiosks"], snap["many_sites"],
                                        digest(*(k["digest"] for k in snap["kiosks"])), self.allowed, oob=True))
        else:
            out += [parts.kiosk_card(k, snap["many_sites"], self.allowed, oob=True)
                    for key, k in kiosks.items() if self._kiosks[key] != k["digest"]]
        waits = {r: str(parts.wait(q, now)) for r, q in cards.items()}
        if self._first:
            out.append(parts.queue_list(snap["queue"], now, digest(*(q["digest"] for q in snap["queue"])), oob=True))
        else:
            new = [q for r, q in cards.items() if r not in self._cards]
            out += [Markup('<article id="request-{}" hx-swap-oob="delete" data-gone="true"></article>').format(r)
                    for r in self._cards if r not in cards]
            out += [parts.request_card(q, now, append=True) for q in new]
            for r, q in cards.items():
                if r in self._cards and self._cards[r] != q["digest"]:
                    out.append(parts.request_card(q, now, oob=True))
                elif r in self._cards and self._waits.get(r) != waits[r]:
                    out.append(parts.wait(q, now, oob=True))
            if new:
                out.append(parts.alert(new))
        self._cards = {r: q["digest"] for r, q in cards.items()}
        self._waits = waits
        self._kiosks = {key: k["digest"] for key, k in kiosks.items()}
        for name, html in (("summary", parts.summary(snap["waiting"], snap["helped"], oob=True)),
                           ("broker", parts.broker(snap["broker"], oob=True)),
                           ("title", parts.title(snap["waiting"])),
                           ("duty", parts.duty(snap["duty"], snap["me"], oob=True))):
            if self._others.get(name) != str(html):
                out.append(html)
                self._others[name] = str(html)
        self._first = False
        return "".join(str(part) for part in out)
