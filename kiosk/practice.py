"""Practice mode: each service's pretend version on loopback, to rehearse before the real one.

The model's "learn by doing" (practice credentials, kokeilutunnukset): a first-timer goes
through a service's guide step by step on pages that look like the real ones, with the
same buttons, a pretend identification (the choice of bank, mobile certificate or
certificate card) and a form that asks what the real one asks, to a confirmation to print.
The pages are the catalogue's data (kiosk/scenario.py); every one says PRACTICE and shows
the guide's step beside its own. Served by the kiosk itself on 127.0.0.1 only; nothing is
sent anywhere or kept: what is typed travels in the page's own address from page to page
and goes with the browser's profile at the wipe.

Addresses: /<service>/<page>?lang=fi[&plain=1], the page counted from 1; the kiosk reads
the step from them (`step_of`).
"""

from __future__ import annotations

import http.server
import logging
import re
import threading
import zlib
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

import jinja2

from kiosk.catalog import Catalog, Service
from kiosk.i18n import N_
from kiosk.lessons import lesson, missing_from_password
from kiosk.scenario import Page

log = logging.getLogger(__name__)

PERSON = "Maija Harjoittelija"
# Suomi.fi identification's choice, as it lists them (the names are the banks' own).
BANKS = ("Aktia", "Danske Bank", "Handelsbanken", "Nordea", "Oma Säästöpankki", "OP", "POP Pankki",
         "S-Pankki", "Säästöpankki", "Ålandsbanken")
METHODS = ("bank", "mobile", "card")
# What the pages carry from one to the next, and how much: a practice, not a store.
MAX_VALUE_CHARS = 200
MAX_QUERY_BYTES = 16 * 1024

WORDS = {
    "banner": N_("PRACTICE – this is not a real service. Nothing is sent anywhere."),
    "practice_of": N_("Practice: {service}"),
    "step": N_("Step {n} of {total}"),
    "guide_says": N_("The guide says:"),
    "open": N_("Open the service"),
    "start_text": N_("Here you can go through {service} step by step, as the guide tells. Everything is made up, and nothing you write is sent or kept."),
    "identification": N_("Identification"),
    "choose_method": N_("Choose how to identify yourself"),
    "banking_codes": N_("Banking codes"),
    "mobile": N_("Mobile certificate"),
    "card": N_("Certificate card"),
    "not_real_bank": N_("Practice: this is not {bank}'s real page. Write anything here, never your real codes."),
    "user": N_("User ID"),
    "password": N_("Password"),
    "continue": N_("Continue"),
    "phone": N_("Phone number"),
    "mobile_text": N_("In the real service your phone shows a code: check it is the same as on the screen, then confirm with your PIN in the phone. Here, write any number and press Confirm."),
    "confirm": N_("Confirm"),
    "card_text": N_("In the real service you put your ID card in the card reader and type its PIN1 code. Here, write any four digits."),
    "pin": N_("PIN code"),
    "identified": N_("You are identifying yourself to the service as {person}."),
    "to_service": N_("Continue to the service"),
    "check": N_("Check the details before you go on. To change them, press Back below the page."),
    "empty": N_("(not filled in)"),
    "reference": N_("Practice reference: {code}"),
    "print_hint": N_("You can print this page: press Print this page below the page."),
    "logged_out": N_("You have logged out"),
    "all_done": N_("You have practised all {total} steps. In the real service you would now press End and erase. Press Guide below the page to go back to the guide."),
    "again": N_("Practise again"),
    "date_format": N_("dd.mm.yyyy"),
    "learn_banner": N_("LEARNING – nothing here is real, and nothing is sent anywhere."),
    "lesson_of": N_("Lesson: {title}"),
    "page_of": N_("Page {n} of {total}"),
    "next": N_("Next"),
    "type_this": N_("Type: {answer}"),
    "your_answer": N_("Your answer"),
    "right": N_("Right!"),
    "not_yet": N_("Not yet: you typed “{typed}”. It should be “{answer}”. Erase what is wrong and try again."),
    "nothing_typed": N_("Nothing was typed yet. Touch the field first, then type."),
    "still_needed": N_("Nearly: the password still needs {missing}."),
    "password_ok": N_("Right: this password has a capital letter, a number and a symbol."),
    "keep_scrolling": N_("Keep going: the button is further down."),
    "well_done": N_("Well done!"),
    "finished": N_("You finished the lesson: {title}"),
    "you_learnt": N_("What you learnt: {learnt}"),
    "choose_next": N_("Press Lessons below the page to choose the next lesson, or to print what you learnt today."),
    "document_title": N_("Practice document"),
    "document_text": N_("You saved this document and printed it yourself. Well done!"),
    "and": N_("{first} and {last}"),
    "not_found": N_("This practice page does not exist. Press Guide below the page to go back to the guide."),
}

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("kiosk", "practice_pages"),
                                autoescape=True, undefined=jinja2.StrictUndefined)
_TEMPLATES.globals["fmt"] = lambda text, **values: text.format(**values)  # a translated text's {names}
STYLE = (Path(__file__).parent / "practice_pages" / "practice.css").read_text()


def address(service_id: str, page: int, language: str, plain: bool = False, **carried: str) -> str:
    query = {"lang": language, **({"plain": "1"} if plain else {}), **carried}
    return f"/{service_id}/{page}?{urlencode(query)}"


def _language(query: str) -> str:
    """The address's language code; Finnish for anything that is not one."""
    code = dict(parse_qsl(query)).get("lang", "")
    return code if re.fullmatch(r"[a-z]{2,3}", code) else "fi"


def _number(text: str) -> int:
    """A page's number in an address (0 for anything else: a practice has at most 40 pages)."""
    return int(text) if text.isdecimal() and len(text) <= 3 else 0


def _service_page(catalog: Catalog, path: str) -> tuple[Service, int] | None:
    """A service's practice and the page (from 1; one past its last: the logged-out page)
    an address's path names; None for any other path."""
    bits = path.strip("/").split("/")
    service = catalog.service(bits[0]) if len(bits) == 2 else None
    if service is None or not service.practice or not 1 <= _number(bits[1]) <= len(service.practice) + 1:
        return None
    return service, _number(bits[1])


def step_of(catalog: Catalog, url: str, host: str) -> tuple[str, int]:
    """(service id, the guide's step) of a practice page's address; ("", 0) for any other."""
    parts = urlsplit(url)
    found = _service_page(catalog, parts.path) if parts.netloc == host else None
    if found is None:
        return "", 0
    service, number = found
    return service.id, service.practice[min(number, len(service.practice)) - 1].step


def render(catalog: Catalog, translate: Callable[[str, str], str], path: str, query: str) -> tuple[int, str]:
    """(HTTP status, HTML) of one practice page."""
    if path == "/practice.css":
        return 200, STYLE
    params = dict(parse_qsl(query, keep_blank_values=True))
    language = _language(query)
    words = _words(translate, language)
    if path.startswith("/learn/"):
        return _lesson_page(path, params, language, words, lambda text: translate(language, text))
    found = _service_page(catalog, path)
    if found is None:
        return 404, _missing(words, language)
    return 200, _page(*found, params, language, words)


def _words(translate: Callable[[str, str], str], language: str) -> dict[str, str]:
    return {key: translate(language, text) for key, text in WORDS.items()}


def lesson_of(url: str, host: str) -> tuple[str, str]:
    """(lesson id, its page number or "done") of a lesson page's address; ("", "") for any other."""
    parts = urlsplit(url)
    bits = parts.path.strip("/").split("/")
    if parts.netloc != host or len(bits) != 3 or bits[0] != "learn" or lesson(bits[1]) is None:
        return "", ""
    return (bits[1], bits[2]) if bits[2] == "done" or _number(bits[2]) else ("", "")


def _lesson_page(path: str, params: dict[str, str], language: str, words: dict[str, str],
                 _: Callable[[str], str]) -> tuple[int, str]:
    bits = path.strip("/").split("/")
    item = lesson(bits[1]) if len(bits) == 3 else None
    if item is None:
        return 404, _missing(words, language)
    words = {**words, "banner": words["learn_banner"]}
    total = len(item.pages)
    common = dict(t=words, language=language, lesson_id=item.id, title=_(item.title), total=total)
    if bits[2] == "done":
        return 200, _TEMPLATES.get_template("lesson.html").render(kind="done", n=total + 1, learnt=_(item.learnt), **common)
    if not 1 <= _number(bits[2]) <= total:
        return 404, _missing(words, language)
    n = _number(bits[2])
    page = item.pages[n - 1]
    typed = params.get("answer", "")[:60]
    verdict, right = "", False
    if page.kind == "type" and "answer" in params:
        right = typed.strip() == page.answer
        verdict = (words["right"] if right else words["nothing_typed"] if not typed.strip()
                   else words["not_yet"].format(typed=typed, answer=page.answer))
    elif page.kind == "password" and "answer" in params:
        missing = [_(rule) for rule in missing_from_password(typed)]
        right = not missing
        verdict = words["password_ok"] if right else words["still_needed"].format(missing=_joined(missing, words))
    elif page.kind == "quiz" and params.get("chosen", "").isdecimal() and int(params["chosen"]) < len(page.choices):
        chosen = int(params["chosen"])
        right = chosen == page.right
        verdict = _(page.feedback[min(chosen, len(page.feedback) - 1)])
    return 200, _TEMPLATES.get_template("lesson.html").render(
        kind=page.kind, n=n, heading=_(page.heading), text=[_(line) for line in page.text], button=_(page.button),
        answer=page.answer, typed=typed, verdict=verdict, right=right, choices=[_(c) for c in page.choices],
        message=item.id == "scam" and page.kind == "quiz",
        here=f"/learn/{item.id}/{n}", next=f"/learn/{item.id}/{n + 1 if n < total else 'done'}",
        document=f"/learn/{item.id}/document.pdf?" + urlencode({"lang": language}), **common)


def _joined(parts: list[str], words: dict[str, str]) -> str:
    return parts[0] if len(parts) == 1 else words["and"].format(first=", ".join(parts[:-1]), last=parts[-1])


def practice_document(language: str, translate: Callable[[str, str], str]) -> bytes:
    """The "Saving and printing" lesson's document: one A4 page, made when asked."""
    import io

    from kiosk.support_slip import Slip

    out = io.BytesIO()
    page = Slip(out, translate(language, WORDS["document_title"]))
    page.line(translate(language, WORDS["document_title"]), page.bold, 24)
    page.gap(6)
    page.line(translate(language, WORDS["document_text"]), page.regular, 14)
    page.line(translate(language, WORDS["learn_banner"]), page.regular, 11)
    page.save()
    return out.getvalue()


def _missing(words: dict[str, str], language: str) -> str:
    """The page for an address that is no practice page: a way back."""
    return _TEMPLATES.get_template("missing.html").render(t=words, language=language)


def _page(service: Service, number: int, params: dict[str, str], language: str, words: dict[str, str]) -> str:
    texts = service.in_(language)
    plain = params.get("plain") == "1" and texts.plain is not None
    steps = texts.steps_for(plain)
    pages = service.practice
    after_logout = number == len(pages) + 1
    page = pages[-1] if after_logout else pages[number - 1]
    # Answers of the pages before this one travel on; this page's own are asked again.
    carried = {key: value[:MAX_VALUE_CHARS] for key, value in params.items() if _page_of(key) in range(1, number)}
    kept = {"lang": language, **({"plain": "1"} if plain else {}), **carried}
    stage = params.get("stage", "") if page.kind == "identify" else ""
    pick = params.get("pick", "")
    bank = pick[5:] if pick.startswith("bank:") and pick[5:] in BANKS else ""
    method = "bank" if bank else pick if pick in METHODS else ""
    if stage not in ("", "login", "confirmed") or stage == "login" and not method:
        stage = ""  # an address put together by hand: from the choice again
    if stage == "login":
        kept["pick"] = pick
    return _TEMPLATES.get_template("page.html").render(
        t=words, language=language, service=texts.title, page=page, kind="end" if after_logout else page.kind,
        n=page.step, total=len(steps), guide=steps[page.step - 1], number=number, stage=stage,
        method=method, bank=bank, banks=BANKS, person=PERSON,
        next=f"/{service.id}/{number + 1}", here=f"/{service.id}/{number}", first=address(service.id, 1, language, plain),
        kept=kept, answers=_answers(pages[:number - 1], carried, language, words),
        code=_reference(service.id, carried), field_name=lambda index: f"v{number}_{index}",
        choice_name=f"c{number}")


def _page_of(key: str) -> int:
    """The page an answer's name belongs to (v3_0: page 3's first field; c3: its choice); 0 for none."""
    head = key[1:].split("_", 1)[0]
    if key[:1] not in ("v", "c") or not head.isdecimal() or not key[1:].replace("_", "").isdecimal():
        return 0
    return int(head)


def _answers(pages: tuple[Page, ...], carried: dict[str, str], language: str,
             words: dict[str, str]) -> list[tuple[str, str]]:
    """What the person wrote and chose on the pages before, as (label, answer) to check."""
    answers = []
    for number, page in enumerate(pages, 1):
        if page.kind == "choose" and len(page.choices) > 1:
            chosen = carried.get(f"c{number}", "")
            if chosen.isdecimal() and int(chosen) < len(page.choices):
                answers.append((page.heading.in_(language), page.choices[int(chosen)].in_(language)))
        for index, field in enumerate(page.fields):
            value = carried.get(f"v{number}_{index}", "").strip()
            if field.type == "choice" and value.isdecimal() and int(value) < len(field.options):
                value = field.options[int(value)].in_(language)
            elif field.type == "password":
                value = "•" * len(value)
            answers.append((field.label.in_(language), value or words["empty"]))
    return answers


def _reference(service_id: str, carried: dict[str, str]) -> str:
    """A made-up reference, the same for the same answers (nothing is counted or kept)."""
    return f"HARJ-{zlib.crc32((service_id + repr(sorted(carried.items()))).encode()) % 1_000_000:06d}"


class PracticeService:
    """The practice site on 127.0.0.1, in a thread of the kiosk. `translate(language,
    text)`: the kiosk's translation of its own words on the pages."""

    def __init__(self, catalog: Catalog, translate: Callable[[str, str], str], port: int = 0) -> None:
        self.catalog = catalog  # replaced by a catalogue rolled out between sessions
        practice = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                kind = "text/css" if parts.path == "/practice.css" else "text/html"
                extra = {}
                try:
                    if len(self.path.encode()) > MAX_QUERY_BYTES:
                        status, body = 414, _missing(_words(translate, "fi"), "fi").encode()
                    elif parts.path.startswith("/learn/") and parts.path.endswith("/document.pdf"):
                        status, body, kind = 200, practice_document(_language(parts.query), translate), "application/pdf"
                        extra["Content-Disposition"] = 'attachment; filename="practice-document.pdf"'
                    else:
                        status, page = render(practice.catalog, translate, parts.path, parts.query)
                        body = page.encode()
                except Exception:  # the practice's fault, not the person's: they see a way back
                    log.exception("practice page %s cannot be drawn", parts.path)
                    language = _language(parts.query)
                    status, body, kind = 500, _missing(_words(translate, language), language).encode(), "text/html"
                self.send_response(status)
                self.send_header("Content-Type", kind if kind == "application/pdf" else f"{kind}; charset=utf-8")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Cache-Control", "no-store")
                # Plain HTML forms: no script of any kind, nothing from elsewhere, sent only here.
                self.send_header("Content-Security-Policy",
                                 "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                pass  # nothing about what the person practised

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="practice", daemon=True)

    def start(self) -> "PracticeService":
        self._thread.start()
        return self

    def url(self, service_id: str, language: str, plain: bool = False) -> str:
        return f"http://{self.host}{address(service_id, 1, language, plain)}"

    def lesson_url(self, lesson_id: str, language: str) -> str:
        """A lesson's first page."""
        return f"http://{self.host}/learn/{lesson_id}/1?" + urlencode({"lang": language})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
