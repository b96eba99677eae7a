"""The desk's statistics page and its CSV: what digital support achieved, from the kiosks'
daily counts (no person in them). Charts are inline SVG with their numbers as titles and a
table beside each, so a screen reader and a spreadsheet get the same figures."""

from __future__ import annotations

import csv
import html
import io
from datetime import date, timedelta

LABELS = {
    "outcome": {"yes": "Got it done", "partly": "Partly", "no": "No", "no_answer": "No answer"},
    "accessibility": {"speech": "Speech", "large_text": "Large text", "high_contrast": "High contrast",
                      "plain_language": "Plain language"},
    "need": {"self": "Can do it myself", "guided": "Guide me", "person": "A person to help",
             "nondigital": "Cannot use e-services"},
    "duration": {"under_5_min": "Under 5 min", "5_15_min": "5–15 min", "15_30_min": "15–30 min",
                 "over_30_min": "Over 30 min"},
    "help_accepted": {"under_2_min": "Under 2 min", "2_5_min": "2–5 min", "5_15_min": "5–15 min",
                      "over_15_min": "Over 15 min"},
}
ORDER = {counter: list(values) for counter, values in LABELS.items()}
COLOURS = ("#0b4f8a", "#c75000", "#2e7d32", "#6a1b9a", "#555")


def period(days: int, today: date | None = None) -> tuple[str, str]:
    today = today or date.today()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def bars(title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart with a table of the same numbers."""
    if not items:
        return f"<section><h2>{html.escape(title)}</h2><p>No data yet.</p></section>"
    top = max(value for _, value in items) or 1
    rows = []
    for index, (label, value) in enumerate(items):
        width = 360 * value / top
        y = index * 30
        rows.append(f"<text x=0 y={y + 19} font-size=14>{html.escape(label)}</text>"
                    f"<rect x=180 y={y + 4} width={width:.1f} height=20 fill='{COLOURS[index % len(COLOURS)]}'>"
                    f"<title>{html.escape(label)}: {value}{unit}</title></rect>"
                    f"<text x={186 + width:.1f} y={y + 19} font-size=14>{value}{unit}</text>")
    svg = (f"<svg width=620 height={30 * len(items) + 6} role=img aria-label='{html.escape(title)}'>"
           f"{''.join(rows)}</svg>")
    table = "".join(f"<tr><td>{html.escape(label)}</td><td>{value}{unit}</td></tr>" for label, value in items)
    return (f"<section><h2>{html.escape(title)}</h2>{svg}<details><summary>Table</summary><table>{table}</table>"
            "</details></section>")


def columns(title: str, items: list[tuple[str, int]]) -> str:
    """A vertical bar chart (sessions per day, per hour)."""
    if not items:
        return f"<section><h2>{html.escape(title)}</h2><p>No data yet.</p></section>"
    top = max(value for _, value in items) or 1
    width = max(8, min(28, 900 // len(items)))
    parts = []
    for index, (label, value) in enumerate(items):
        height = 160 * value / top
        parts.append(f"<rect x={40 + index * width} y={170 - height:.1f} width={width - 2} height={height:.1f} "
                     f"fill='#0b4f8a'><title>{html.escape(label)}: {value}</title></rect>")
    step = max(1, len(items) // 8)
    for index in range(0, len(items), step):
        parts.append(f"<text x={40 + index * width} y=190 font-size=12>{html.escape(items[index][0])}</text>")
    return (f"<section><h2>{html.escape(title)}</h2><svg width={60 + width * len(items)} height=200 role=img "
            f"aria-label='{html.escape(title)}'>{''.join(parts)}<line x1=38 y1=170 x2={40 + width * len(items)} "
            "y2=170 stroke='#333'/></svg></section>")


def labelled(totals: dict, counter: str) -> list[tuple[str, int]]:
    values = totals.get(counter, {})
    order = ORDER.get(counter) or sorted(values, key=lambda v: -values[v])
    return [(LABELS.get(counter, {}).get(v, v), values[v]) for v in order if v in values]


def stats_page(figures: dict, sites: list[str], chosen: str, days: int) -> str:
    totals = figures["totals"]
    started = totals.get("session", {}).get("started", 0)
    pages = totals.get("pages", {}).get("printed", 0)
    help_kinds = totals.get("help", {})
    on_site = sum(n for kind, n in help_kinds.items() if kind.startswith("on_site."))
    answered = sum(n for v, n in totals.get("outcome", {}).items() if v != "no_answer")
    done = totals.get("outcome", {}).get("yes", 0)
    site_links = " ".join(
        f"<a href='/stats?site={html.escape(site)}&days={days}'{' aria-current=page' if site == chosen else ''}>"
        f"{html.escape(site)}</a>" for site in ["all", *sites])
    day_links = " ".join(f"<a href='/stats?site={html.escape(chosen)}&days={n}'>{n} days</a>" for n in (7, 30, 90, 365))
    summary = (f"<p class=summary><strong>{started}</strong> sessions on <strong>{figures['kiosks']}</strong> kiosks · "
               f"<strong>{on_site}</strong> on-site help requests · <strong>{pages}</strong> pages printed · "
               + (f"<strong>{round(100 * done / answered)} %</strong> of those who answered got their matter done"
                  if answered else "no outcome answers yet") + "</p>")
    services = [(s["service"], s["opened"]) for s in figures["services"][:15]]
    help_rates = [(s["service"], round(100 * s["help_rate"])) for s in figures["services"][:15]
                  if s["help_rate"] is not None]
    topics = [(kind.split(".", 1)[1].replace("_", " "), n) for kind, n in
              sorted(help_kinds.items(), key=lambda item: -item[1]) if kind.startswith("on_site.")]
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Help desk – statistics</title>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            "<link rel=stylesheet href=/static/desk.css></head><body><header><strong>Help desk</strong>"
            "<a href=/>Back to the queue</a><a href=/report>Help report</a></header><main class=page>"
            f"<h1>Statistics</h1><p>Site: {site_links} · Period: {day_links} · "
            f"<a href='/stats.csv?site={html.escape(chosen)}&days={days}'>Download CSV</a></p>{summary}"
            + columns(f"Sessions per day (last {days} days)", list(figures["per_day"].items()))
            + columns("Sessions by hour of the day", [(f"{h:02d}", n) for h, n in sorted(figures["per_hour"].items())])
            + bars("Did people get their matter done?", labelled(totals, "outcome"))
            + bars("Top e-services opened", services)
            + bars("Help rate by e-service (on-site help requests per opening)", help_rates, " %")
            + bars("What people needed help with", topics)
            + bars("Time until a helper accepted", labelled(totals, "help_accepted"))
            + bars("Level of need chosen", labelled(totals, "need"))
            + bars("Accessibility features used (sessions)", labelled(totals, "accessibility"))
            + bars("Languages (sessions)", labelled(totals, "language"))
            + bars("Session length", labelled(totals, "duration"))
            + "<p>Counts only: the kiosks record no person, address, file or text. See the kiosk's README.</p>"
            "</main></body></html>")


def stats_csv(rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "site", "counter", "value", "count"])
    writer.writerows(rows)
    return out.getvalue()
