"""The staff desk in the browser: the site's kiosks, the help queue (longest waiting first,
with a sound for a new request), Accept and Resolve, and a report of response times.

Staff log in (scrypt-hashed passwords, a session cookie that scripts cannot read, a CSRF
token on every change, lockout after five failures); each sees only their own sites.
"""

from __future__ import annotations

import html
import http.server
import json
import logging
import secrets
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from kiosk.desk.link import DeskLink
from kiosk.desk.stats_page import period, stats_csv, stats_page
from kiosk.desk.store import RESOLUTIONS, Store

log = logging.getLogger(__name__)

SESSION_S = 12 * 3600
BOARD_EVERY_S = 2.0
COMMANDS = ("lift_print_limit", "message", "end_session", "out_of_service", "back_in_service", "reopen_browser")
MAX_BODY = 16 * 1024
STYLE = """body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1c1c1c}
header{background:#0b4f8a;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
header a,header button{color:#fff;font-size:16px;background:none;border:0;cursor:pointer}
main{padding:16px 24px;display:grid;grid-template-columns:2fr 3fr;gap:24px}
h2{margin:8px 0} .card{background:#fff;border-radius:10px;padding:12px 16px;margin:8px 0;
box-shadow:0 1px 3px #0002} .new{outline:4px solid #c75000} .offline{opacity:.55}
.fault{color:#a01010;font-weight:bold} button.act{font-size:18px;padding:8px 16px;border-radius:8px;border:0;
background:#0b4f8a;color:#fff;cursor:pointer} select,input{font-size:16px;padding:6px}
table{border-collapse:collapse} td,th{padding:6px 10px;border-bottom:1px solid #ddd;text-align:left}
.alert{background:#c75000;color:#fff;padding:10px 24px;font-size:20px;display:none}"""


class DeskApp:
    def __init__(self, store: Store, link: DeskLink | None) -> None:
        self.store = store
        self.link = link
        self.sessions: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._board_timer: threading.Timer | None = None
        self.version = 0

    def notify(self, kind: str = "") -> None:
        """Something changed: pages are told at once of help requests; kiosks' statuses
        (a thousand kiosks send one every ten seconds) at most every `BOARD_EVERY_S`."""
        if kind in ("kiosks", "status", "presence"):
            with self._changed:
                if self._board_timer is not None:
                    return
                self._board_timer = threading.Timer(BOARD_EVERY_S, self._board_changed)
                self._board_timer.daemon = True
                self._board_timer.start()
            return
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def _board_changed(self) -> None:
        with self._changed:
            self._board_timer = None
            self.version += 1
            self._changed.notify_all()

    def wait_change(self, seen: int, timeout_s: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=timeout_s)
            return self.version

    # -- sessions ---------------------------------------------------------------------------

    def login(self, name: str, password: str) -> tuple[str | None, str]:
        sites, problem = self.store.login(name, password)
        if sites is None:
            log.warning("desk login failed (%s)", problem)  # never the password
            return None, problem
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.sessions[token] = {"name": name, "sites": sites, "csrf": secrets.token_urlsafe(24),
                                    "expires": time.time() + SESSION_S}
        return token, ""

    def session(self, token: str | None) -> dict | None:
        if not token:
            return None
        with self._lock:
            session = self.sessions.get(token)
            if session and session["expires"] < time.time():
                del self.sessions[token]
                return None
            return session

    def logout(self, token: str | None) -> None:
        with self._lock:
            self.sessions.pop(token or "", None)

    # -- what the pages show ---------------------------------------------------------------

    def state(self, session: dict) -> dict:
        now = time.time()
        queue = self.store.queue(session["sites"])
        for request in queue:
            request["waiting_s"] = round(now - request["created"])
        return {"kiosks": self.store.kiosks(session["sites"]), "queue": queue,
                "broker": bool(self.link and self.link.connected), "me": session["name"]}

    def allowed(self, session: dict, request_id: str) -> bool:
        request = self.store.request(request_id)
        return request is not None and request["site"] in session["sites"]


def make_handler(app: DeskApp):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "kiosk-desk"

        def log_message(self, *_args) -> None:
            pass

        def _token(self) -> str | None:
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
            return cookie["desk_session"].value if "desk_session" in cookie else None

        def _send(self, code: int, body: str | bytes, kind: str = "text/html; charset=utf-8",
                  headers: dict | None = None) -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                                                        "style-src 'unsafe-inline'")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ValueError("too large")
            return self.rfile.read(length)

        def do_GET(self) -> None:
            session = app.session(self._token())
            path = self.path.split("?")[0]
            if path == "/login":
                self._send(200, login_page(""))
            elif session is None:
                self._send(303, "", headers={"Location": "/login"})
            elif path == "/":
                self._send(200, board_page(session))
            elif path == "/api/state":
                self._send(200, json.dumps(app.state(session)), "application/json")
            elif path == "/api/events":
                self._events()
            elif path in ("/stats", "/stats.csv"):
                self._stats(session, path)
            elif path == "/report":
                self._send(200, report_page(app.store.report(session["sites"]),
                                            app.store.by_service(session["sites"])))
            else:
                self._send(404, "not found", "text/plain")

        def _stats(self, session: dict, path: str) -> None:
            query = parse_qs(self.path.split("?", 1)[1] if "?" in self.path else "")
            chosen = query.get("site", ["all"])[0]
            sites = [chosen] if chosen in session["sites"] else list(session["sites"])
            chosen = chosen if chosen in session["sites"] else "all"
            try:
                days = min(3650, max(1, int(query.get("days", ["30"])[0])))
            except ValueError:
                days = 30
            first, last = period(days)
            if path == "/stats.csv":
                rows = [row for row in app.store.statistics_rows(sites) if first <= row[0] <= last]
                self._send(200, stats_csv(rows), "text/csv; charset=utf-8",
                           headers={"Content-Disposition": f"attachment; filename=kiosk-statistics-{chosen}.csv"})
            else:
                self._send(200, stats_page(app.store.statistics(sites, first, last), list(session["sites"]), chosen,
                                           days, STYLE))

        def _command(self, session: dict, body: bytes) -> None:
            """A command to one kiosk of the staff member's sites (the kiosk checks it too)."""
            try:
                data = json.loads(body)
                site, kiosk, command = str(data["site"]), str(data["kiosk"]), str(data["command"])
            except (ValueError, KeyError, TypeError):
                self._send(400, "bad request", "text/plain")
                return
            if site not in session["sites"] or command not in COMMANDS or app.link is None:
                self._send(404, "no such kiosk or command", "text/plain")
                return
            event = {"type": command}
            if command in ("message", "out_of_service"):
                event["text"] = str(data.get("text", ""))[:500] or "-"
            app.link.event(site, kiosk, event)
            log.info("desk: %s sent %s to %s", session["name"], command, kiosk)
            self._send(200, "{}", "application/json")

        def _events(self) -> None:
            """Server-sent events: one line whenever something changed (pages then refresh)."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = app.version
            try:
                self.wfile.write(b"retry: 2000\n\n")
                self.wfile.flush()
                while True:
                    version = app.wait_change(seen, 15.0)
                    self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": still here\n\n")
                    self.wfile.flush()
                    seen = version
            except (BrokenPipeError, ConnectionResetError):
                return

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            try:
                body = self._body()
            except ValueError:
                self._send(413, "too large", "text/plain")
                return
            if path == "/login":
                form = parse_qs(body.decode("utf-8", "replace"))
                token, problem = app.login(form.get("name", [""])[0][:60], form.get("password", [""])[0][:200])
                if token is None:
                    message = ("Too many failed attempts: try again in five minutes." if problem == "locked"
                               else "Wrong name or password.")
                    self._send(401, login_page(message))
                    return
                self._send(303, "", headers={"Location": "/", "Set-Cookie":
                                             f"desk_session={token}; HttpOnly; SameSite=Strict; Path=/"})
                return
            session = app.session(self._token())
            if session is None:
                self._send(401, "log in first", "text/plain")
                return
            if not secrets.compare_digest(self.headers.get("X-CSRF-Token", ""), session["csrf"]):
                self._send(403, "missing or wrong CSRF token", "text/plain")
                return
            if path == "/logout":
                app.logout(self._token())
                self._send(200, "{}", "application/json")
                return
            if path == "/api/command":
                self._command(session, body)
                return
            try:
                data = json.loads(body or b"{}")
                request_id = str(data["id"])
            except (ValueError, KeyError, TypeError):
                self._send(400, "bad request", "text/plain")
                return
            if not app.allowed(session, request_id) or app.link is None:
                self._send(404, "no such request", "text/plain")
                return
            if path == "/api/accept":
                request = app.link.accept(request_id, str(data.get("helper") or session["name"])[:60])
            elif path == "/api/resolve":
                request = app.link.resolve(request_id, str(data.get("resolution", "other")),
                                           str(data.get("service", ""))[:40])
            else:
                self._send(404, "not found", "text/plain")
                return
            app.notify("help")
            self._send(200, json.dumps(request), "application/json")

    return Handler


def serve(app: DeskApp, bind: str, port: int) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer((bind, port), make_handler(app))
    server.daemon_threads = True  # open event streams do not hold the desk at exit
    threading.Thread(target=server.serve_forever, name="desk-web", daemon=True).start()
    return server


def login_page(message: str) -> str:
    note = f"<p class=fault>{html.escape(message)}</p>" if message else ""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Help desk – log in</title>"
            f"<style>{STYLE}</style></head><body><header><strong>Help desk</strong></header><main>"
            f"<form method=post action=/login class=card><h2>Log in</h2>{note}"
            "<p><label>Name <input name=name autocomplete=username required></label></p>"
            "<p><label>Password <input name=password type=password autocomplete=current-password required>"
            "</label></p><button class=act>Log in</button></form></main></body></html>")


def board_page(session: dict) -> str:
    resolutions = "".join(f"<option value={r}>{r.replace('_', ' ')}</option>" for r in RESOLUTIONS)
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8><title>Help desk</title>
<style>{STYLE}</style></head><body>
<header><strong>Help desk</strong><span>{html.escape(session['name'])} · {html.escape(', '.join(session['sites']))}</span>
<a href=/report>Report</a><a href=/stats>Statistics</a><button onclick=logout()>Log out</button><span id=broker></span></header>
<div class=alert id=alert>New request for help</div>
<main><section><h2>Help queue</h2><div id=queue></div></section>
<section><h2>Kiosks</h2><div id=kiosks></div></section></main>
<script>
const csrf = {json.dumps(session['csrf'])};
let known = null;
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({{"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}}[c]));
function beep() {{
  try {{ const a = new AudioContext(), o = a.createOscillator(); o.frequency.value = 880; o.connect(a.destination);
        o.start(); o.stop(a.currentTime + 0.3); }} catch (e) {{}}
}}
async function post(path, body) {{
  const r = await fetch(path, {{method: "POST", headers: {{"Content-Type": "application/json", "X-CSRF-Token": csrf}},
                              body: JSON.stringify(body)}});
  refresh();
  return r.ok;
}}
function accept(id) {{ return post("/api/accept", {{id}}); }}
function command(site, kiosk, command) {{
  const body = {{site, kiosk, command}};
  if (command === "message") {{ body.text = prompt("Message to the person at " + kiosk); if (!body.text) return; }}
  return post("/api/command", body);
}}
function resolve(id) {{
  return post("/api/resolve", {{id, resolution: document.getElementById("res-" + id).value,
                               service: document.getElementById("svc-" + id).value}});
}}
async function logout() {{ await post("/logout", {{}}); location = "/login"; }}
function minutes(s) {{ return s < 60 ? s + " s" : Math.floor(s / 60) + " min"; }}
async function refresh() {{
  const r = await fetch("/api/state");
  if (r.status !== 200) {{ location = "/login"; return; }}
  const s = await r.json();
  document.getElementById("broker").textContent = s.broker ? "" : "⚠ no connection to the broker";
  const ids = new Set(s.queue.map(q => q.id));
  const fresh = known ? s.queue.filter(q => !known.has(q.id)) : [];
  if (fresh.length) {{ beep(); const a = document.getElementById("alert"); a.style.display = "block";
                      setTimeout(() => a.style.display = "none", 5000); }}
  known = ids;
  document.getElementById("queue").innerHTML = s.queue.map(q => `
    <div class="card ${{fresh.some(f => f.id === q.id) ? "new" : ""}}" data-id="${{esc(q.id)}}">
      <strong>${{esc(q.kiosk)}}</strong> ${{esc(q.place)}} · waiting ${{minutes(q.waiting_s)}}<br>
      ${{esc(q.topic)}} · ${{esc(q.service || "no service chosen")}} · ${{esc(q.language)}}
      ${{q.accessibility.length ? "· " + esc(q.accessibility.join(", ")) : ""}}<br>
      ${{q.accepted ? "Accepted by " + esc(q.helper) : `<button class=act onclick="accept('${{esc(q.id)}}')">Accept</button>`}}
      <select id="res-${{esc(q.id)}}">{resolutions}</select>
      <input id="svc-${{esc(q.id)}}" placeholder="e-service" value="${{esc(q.service)}}" size=10>
      <button class=act onclick="resolve('${{esc(q.id)}}')">Resolve</button>
    </div>`).join("") || "<p>No one is waiting.</p>";
  document.getElementById("kiosks").innerHTML = s.kiosks.map(k => {{
    const st = k.status || {{}}, printer = st.printer || {{}};
    const faults = (printer.faults || []).filter(f => f !== "toner_low");
    return `<div class="card ${{k.online ? "" : "offline"}}"><strong>${{esc(k.kiosk)}}</strong>
      ${{k.online ? "online" : "offline"}} · ${{st.out_of_service ? "out of service" :
        (st.session === "active" || st.session === "warning" ? "in use" : "free")}}
      ${{faults.length ? `<span class=fault>printer: ${{esc(faults.join(", "))}}</span>` : ""}}<br>
      <button onclick="command('${{esc(k.site)}}', '${{esc(k.kiosk)}}', 'message')">Message</button>
      <button onclick="command('${{esc(k.site)}}', '${{esc(k.kiosk)}}', 'lift_print_limit')">Lift print limit</button>
      <button onclick="command('${{esc(k.site)}}', '${{esc(k.kiosk)}}', 'end_session')">End session</button>
      <button onclick="command('${{esc(k.site)}}', '${{esc(k.kiosk)}}', st.out_of_service ? 'back_in_service' : 'out_of_service')">${{st.out_of_service ? "Back in service" : "Out of service"}}</button></div>`;
  }}).join("") || "<p>No kiosks yet.</p>";
}}
refresh(); setInterval(refresh, 5000);
new EventSource("/api/events").onmessage = () => refresh();
</script></body></html>"""


def report_page(days: list[dict], services: list[dict]) -> str:
    top = max([d["resolve_p90_s"] or d["accept_p90_s"] or 0 for d in days] + [60])
    bars = []
    for index, day in enumerate(days[-30:]):
        x = 40 + index * 28
        for offset, key, colour in ((0, "accept_median_s", "#0b4f8a"), (12, "resolve_median_s", "#c75000")):
            value = day[key] or 0
            height = 180 * value / top
            bars.append(f"<rect x={x + offset} y={200 - height:.1f} width=10 height={height:.1f} fill='{colour}'>"
                        f"<title>{html.escape(day['day'])} {key}: {value} s</title></rect>")
    chart = (f"<svg width={60 + 28 * max(1, len(days[-30:]))} height=220 role=img aria-label='Median time to "
             f"accept (blue) and resolve (orange) per day'>{''.join(bars)}<line x1=36 y1=200 x2=2000 y2=200 "
             "stroke='#333'/></svg>")
    rows = "".join(f"<tr><td>{html.escape(d['day'])}</td><td>{d['requests']}</td><td>{d['accept_median_s']}</td>"
                   f"<td>{d['accept_p90_s']}</td><td>{d['resolve_median_s']}</td><td>{d['resolve_p90_s']}</td></tr>"
                   for d in days)
    service_rows = "".join(f"<tr><td>{html.escape(s['service'])}</td><td>{html.escape(s['topic'] or '')}</td>"
                           f"<td>{html.escape(s['resolution'])}</td><td>{s['count']}</td></tr>" for s in services)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Help desk – report</title>"
            f"<style>{STYLE}</style></head><body><header><strong>Help desk</strong><a href=/>Back to the queue</a>"
            f"</header><main style='display:block'><h2>Time to accept and resolve (seconds)</h2>{chart}"
            "<table><tr><th>Day</th><th>Requests</th><th>Accept, median</th><th>Accept, 90 %</th>"
            f"<th>Resolve, median</th><th>Resolve, 90 %</th></tr>{rows}</table>"
            "<h2>Where people needed help, by e-service</h2><table><tr><th>E-service</th><th>Topic</th>"
            f"<th>Resolution</th><th>Requests</th></tr>{service_rows}</table></main></body></html>")
