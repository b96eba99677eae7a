"""Practice mode: a pretend e-service on loopback, to rehearse before the real one.

AUTA's "practise with test credentials": a first-timer logs in at a fictional bank as a
fictional person and fills in a short application, without anything real happening.
Every page says PRACTICE in all three languages. It is served by the kiosk itself, on
127.0.0.1 only, and sends nothing anywhere; what is typed lives in the page and goes
with the browser's profile at the wipe.
"""

from __future__ import annotations

import html
import http.server
import logging
import threading
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

PERSON = "Maija Harjoittelija"
TEXTS = {
    "fi": {
        "banner": "HARJOITUS – tämä ei ole oikea palvelu. Mitään ei lähetetä.",
        "title": "Harjoittele asiointia",
        "start": "Tällä sivulla voit harjoitella tunnistautumista ja hakemuksen tekemistä. Kaikki on kuvitteellista.",
        "choose": "Valitse tunnistustapa",
        "bank": "Harjoituspankki",
        "login": "Kirjaudu Harjoituspankkiin",
        "user": "Käyttäjätunnus (mikä tahansa)",
        "password": "Salasana (mikä tahansa)",
        "continue": "Jatka",
        "confirm": "Olet tunnistautumassa nimellä {person}. Jatketaanko palveluun?",
        "form": "Hakemus harjoitusetuudesta",
        "name": "Nimi",
        "amount": "Haettava summa euroina",
        "reason": "Miksi haet?",
        "send": "Lähetä hakemus",
        "done": "Valmista! Teit harjoitushakemuksen. Oikeassa palvelussa saisit nyt vahvistuksen. Mitään ei lähetetty.",
        "again": "Harjoittele uudelleen",
    },
    "sv": {
        "banner": "ÖVNING – det här är ingen riktig tjänst. Ingenting skickas.",
        "title": "Öva på att använda e-tjänster",
        "start": "Här kan du öva på att identifiera dig och göra en ansökan. Allt är påhittat.",
        "choose": "Välj identifieringssätt",
        "bank": "Övningsbanken",
        "login": "Logga in i Övningsbanken",
        "user": "Användarnamn (vad som helst)",
        "password": "Lösenord (vad som helst)",
        "continue": "Fortsätt",
        "confirm": "Du identifierar dig som {person}. Fortsätta till tjänsten?",
        "form": "Ansökan om övningsförmån",
        "name": "Namn",
        "amount": "Belopp i euro",
        "reason": "Varför ansöker du?",
        "send": "Skicka ansökan",
        "done": "Klart! Du gjorde en övningsansökan. I den riktiga tjänsten skulle du nu få en bekräftelse. Ingenting skickades.",
        "again": "Öva igen",
    },
    "en": {
        "banner": "PRACTICE – this is not a real service. Nothing is sent.",
        "title": "Practise using e-services",
        "start": "Here you can practise identifying yourself and making an application. Everything is made up.",
        "choose": "Choose how to identify yourself",
        "bank": "Practice Bank",
        "login": "Log in to Practice Bank",
        "user": "User name (anything)",
        "password": "Password (anything)",
        "continue": "Continue",
        "confirm": "You are identifying yourself as {person}. Continue to the service?",
        "form": "Application for a practice allowance",
        "name": "Name",
        "amount": "Amount in euros",
        "reason": "Why are you applying?",
        "send": "Send the application",
        "done": "Done! You made a practice application. In the real service you would now get a confirmation. Nothing was sent.",
        "again": "Practise again",
    },
}
STYLE = """body{font-family:sans-serif;font-size:24px;margin:0;background:#f5f3ef;color:#1d1d1d}
.banner{background:#ffd400;color:#000;font-weight:bold;padding:16px 24px;border-bottom:4px solid #000}
main{padding:24px 40px;max-width:900px} h1{font-size:36px} label{display:block;margin:18px 0 6px}
input,textarea{font-size:24px;padding:10px;width:100%;box-sizing:border-box}
.button{display:inline-block;margin-top:24px;font-size:26px;padding:16px 32px;background:#0b4f8a;color:#fff;
border:0;border-radius:10px;text-decoration:none}"""


def page(language: str, step: str) -> str:
    t = TEXTS.get(language, TEXTS["en"])
    q = f"?lang={language}"
    e = html.escape
    if step == "bank":
        body = (f"<h1>{e(t['login'])}</h1><form action='/confirm'><input type=hidden name=lang value='{language}'>"
                f"<label>{e(t['user'])}<input name=user autocomplete=off></label>"
                f"<label>{e(t['password'])}<input name=password type=password autocomplete=off></label>"
                f"<button class=button>{e(t['continue'])}</button></form>")
    elif step == "confirm":
        body = (f"<h1>{e(t['bank'])}</h1><p>{e(t['confirm'].format(person=PERSON))}</p>"
                f"<a class=button id=continue href='/form{q}'>{e(t['continue'])}</a>")
    elif step == "form":
        body = (f"<h1>{e(t['form'])}</h1><form action='/done'><input type=hidden name=lang value='{language}'>"
                f"<label>{e(t['name'])}<input name=name value='{e(PERSON)}'></label>"
                f"<label>{e(t['amount'])}<input name=amount inputmode=numeric></label>"
                f"<label>{e(t['reason'])}<textarea name=reason rows=3></textarea></label>"
                f"<button class=button id=send>{e(t['send'])}</button></form>")
    elif step == "done":
        body = f"<h1>{e(t['title'])}</h1><p id=done>{e(t['done'])}</p><a class=button href='/{q}'>{e(t['again'])}</a>"
    else:
        body = (f"<h1>{e(t['title'])}</h1><p>{e(t['start'])}</p><h2>{e(t['choose'])}</h2>"
                f"<a class=button id=bank href='/bank{q}'>{e(t['bank'])}</a>")
    return (f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'><title>{e(t['banner'])}</title>"
            f"<style>{STYLE}</style></head><body><div class=banner role=banner>{e(t['banner'])}</div>"
            f"<main>{body}</main></body></html>")


class PracticeService:
    """The practice site on 127.0.0.1, in a thread of the kiosk."""

    def __init__(self, port: int = 0) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                language = parse_qs(parts.query).get("lang", ["fi"])[0]
                body = page(language if language in TEXTS else "en", parts.path.strip("/")).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
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

    def url(self, language: str) -> str:
        return f"http://{self.host}/?lang={language}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
