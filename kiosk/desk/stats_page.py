"""The figures of the desk's statistics page and its CSV, and of the help report: what
digital support achieved, from the kiosks' daily counts (no person in them) and the help
requests' times. Every chart (kiosk.desk.charts) covers every day or hour of its period,
an empty one as zero, and has its table beside it; the templates (stats.html,
report.html) draw them in the staff member's language."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from babel.dates import format_skeleton

from kiosk.desk.charts import Series, bars, columns
from kiosk.desk.language import word

# Counters whose values have a fixed order (the others are sorted by count).
ORDER = {"outcome": ("yes", "partly", "no", "no_answer"),
         "need": ("self", "guided", "person", "nondigital"),
         "duration": ("under_5_min", "5_15_min", "15_30_min", "over_30_min"),
         "help_accepted": ("under_2_min", "2_5_min", "5_15_min", "over_15_min"),
         "accessibility": ("speech", "large_text", "high_contrast", "plain_language")}
PERIODS = (7, 30, 90, 365)
REPORT_DAYS = 30


def period(days: int, today: date | None = None) -> tuple[str, str]:
    today = today or date.today()
    return (today - timedelta(days=days - 1)).isoformat(), today.isoformat()


def every_day(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def day_label(day: str, language: str) -> str:
    """A short day, as the language writes it (30.12., 30/12, 12/30)."""
    return format_skeleton("Md", date.fromisoformat(day), locale=language)


def labelled(_, totals: dict, counter: str, kind: str | None = None) -> list[tuple[str, int]]:
    values = totals.get(counter, {})
    order = ORDER.get(counter) or sorted(values, key=lambda v: -values[v])
    return [(word(_, kind or counter, v), values[v]) for v in order if v in values]


def stats_figures(_, language: str, figures: dict, sites: list[str], chosen: str, days: int,
                  today: date | None = None) -> dict:
    totals = figures["totals"]
    first, last = period(days, today)
    help_kinds = totals.get("help", {})
    answered = sum(n for v, n in totals.get("outcome", {}).items() if v != "no_answer")
    per_day = figures["per_day"]
    services = [(s["service"], s["opened"]) for s in figures["services"][:15]]
    help_rates = [(s["service"], round(100 * s["help_rate"])) for s in figures["services"][:15]
                  if s["help_rate"] is not None]
    topics = [(word(_, "topic", kind.split(".", 1)[1]), n) for kind, n in
              sorted(help_kinds.items(), key=lambda item: -item[1]) if kind.startswith("on_site.")]
    count, sessions = _("Count"), _("Sessions")
    charts = [
        columns("per-day", _("Sessions per day (last %(days)s days)") % {"days": days},
                [day_label(d, language) for d in every_day(first, last)],
                [Series(sessions, [per_day.get(d, 0) for d in every_day(first, last)])], sessions, _("Day")),
        columns("per-hour", _("Sessions by hour of the day"), [f"{h:02d}" for h in range(24)],
                [Series(sessions, [figures["per_hour"].get(h, 0) for h in range(24)])], sessions, _("Hour")),
        bars("outcome", _("Did people get their matter done?"), labelled(_, totals, "outcome"), count,
             category_header=_("Answer")),
        bars("services", _("Top e-services opened"), services, _("Times opened"), category_header=_("E-service")),
        bars("help-rate", _("Help rate by e-service (on-site help requests per opening)"), help_rates, "%", "%",
             category_header=_("E-service")),
        bars("topics", _("What people needed help with"), topics, _("Requests"), category_header=_("Topic")),
        bars("accepted", _("Time until a helper accepted"), labelled(_, totals, "help_accepted"), _("Requests"),
             category_header=_("Time")),
        bars("need", _("Level of need chosen"), labelled(_, totals, "need"), sessions, category_header=_("Need")),
        bars("accessibility", _("Accessibility features used (sessions)"), labelled(_, totals, "accessibility"),
             sessions, category_header=_("Feature")),
        bars("languages", _("Languages (sessions)"), labelled(_, totals, "language"), sessions,
             category_header=_("Language")),
        bars("duration", _("Session length"), labelled(_, totals, "duration"), sessions,
             category_header=_("Length")),
    ]
    return {"charts": charts, "sites": ["all", *sites], "chosen": chosen, "days": days, "periods": PERIODS,
            "started": totals.get("session", {}).get("started", 0), "kiosks": figures["kiosks"],
            "on_site": sum(n for kind, n in help_kinds.items() if kind.startswith("on_site.")),
            "printed": totals.get("pages", {}).get("printed", 0),
            "scanned": totals.get("document", {}).get("scanned", 0),
            "done_percent": round(100 * totals.get("outcome", {}).get("yes", 0) / answered) if answered else None}


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def report_figures(_, language: str, days: list[dict], services: list[dict], today: date | None = None) -> dict:
    """The help report: per day of the last 30, the median minutes to accept and to
    resolve (a day without requests has no bar); where people needed help."""
    first, last = period(REPORT_DAYS, today)
    by_day = {d["day"]: d for d in days}
    shown = every_day(first, last)
    chart = columns("times", _("Median time to accept and to resolve, last %(days)s days") % {"days": REPORT_DAYS},
                    [day_label(d, language) for d in shown],
                    [Series(_("Accepted, median"), [minutes(by_day.get(d, {}).get("accept_median_s")) for d in shown]),
                     Series(_("Resolved, median"), [minutes(by_day.get(d, {}).get("resolve_median_s"))
                                                    for d in shown])],
                    _("Minutes"), _("Day"), "min")
    return {"chart": chart, "days": days, "services": services, "minutes": minutes}


def stats_csv(rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "site", "counter", "value", "count"])
    writer.writerows(rows)
    return out.getvalue()
