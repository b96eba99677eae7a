"""What the closing notice and the closed screen say (and speech mode speaks): the time left,
when the computer opens again, the week's hours; times written as the language writes them
and as speech reads them right (kiosk/support_words.py, kiosk/spoken_text.py). No Kivy here."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kiosk.i18n import N_
from kiosk.opening_hours import Day
from kiosk.support import HELSINKI
from kiosk.support_words import DAY_NAMES, clock, span

NOTICE_TITLE = N_("This computer closes soon")
NOTICE_TIME = {"15": N_("In 15 minutes, at {time}."), "5": N_("In 5 minutes, at {time}."),
               "soon": N_("At {time}.")}
OPEN_AGAIN_ON = (N_("Open again on Monday at {time}."), N_("Open again on Tuesday at {time}."),
                 N_("Open again on Wednesday at {time}."), N_("Open again on Thursday at {time}."),
                 N_("Open again on Friday at {time}."), N_("Open again on Saturday at {time}."),
                 N_("Open again on Sunday at {time}."))


def notice_words(tr, notice: str, closes_at: datetime | None) -> str:
    """"In 15 minutes, at 20:00." (Finnish "15 minuutin kuluttua, klo 20.")"""
    if not notice or closes_at is None:
        return ""
    at = clock(closes_at.astimezone(HELSINKI).time(), tr.language, with_word=False)
    return tr._(NOTICE_TIME[notice]).format(time=at)


def opens_again_words(tr, opens_at: datetime | None, promised: bool, today: date | None) -> str:
    """"Open again tomorrow at 9:00.", on a weekday within the week, or on a date; "" when
    no opening is known. An opening on a public holiday the hours say nothing of is not
    promised: then only that the hours may differ."""
    if opens_at is None or today is None:
        return ""
    if not promised:
        return tr._("The opening hours may differ on public holidays.")
    local = opens_at.astimezone(HELSINKI)
    at = clock(local.time(), tr.language, with_word=False)
    if local.date() == today:
        return tr._("Open again today at {time}.").format(time=at)
    if local.date() == today + timedelta(days=1):
        return tr._("Open again tomorrow at {time}.").format(time=at)
    if local.date() < today + timedelta(days=7):
        return tr._(OPEN_AGAIN_ON[local.weekday()]).format(time=at)
    return tr._("Open again on {date} at {time}.").format(date=f"{local.day}.{local.month}.{local.year}", time=at)


def day_words(tr, day: Day) -> str:
    """One row of the week: "Tuesday: 9:00–20:00" ("Tiistai: klo 9–20"), closed, or a public
    holiday whose hours may differ."""
    name = tr._(DAY_NAMES[day.day.weekday()])
    if day.guessed:
        hours = tr._("public holiday, the hours may differ")
    elif not day.spans:
        hours = tr._("closed")
    else:
        hours = ", ".join(span(opens, closes, tr.language) for opens, closes in day.spans)
    return f"{name}: {hours}"


def note_words(tr, day: Day | None) -> str:
    """Today's exception's own words, if it gives any ("Closed for the move")."""
    return day.note.in_(tr.language) if day is not None and day.note else ""
