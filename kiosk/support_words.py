"""What the digital-support screen and slip say of a place, in the person's words: what it
offers, today's hours, open now or when it opens, times written as the language writes them
and as speech reads them right (kiosk/spoken_text.py). No Kivy here."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kiosk import support as support_data
from kiosk.i18n import N_

OFFER_NAMES = {
    "eservice_help": N_("Help with e-services"),
    "courses": N_("Courses"),
    "peer_support": N_("Peer support"),
    "home_support": N_("Help at home"),
    "on_behalf": N_("Acting for someone else"),
    "devices": N_("Devices to try"),
}
DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
             N_("Sunday"))
OPENS_ON = (N_("Opens on Monday at {time}."), N_("Opens on Tuesday at {time}."), N_("Opens on Wednesday at {time}."),
            N_("Opens on Thursday at {time}."), N_("Opens on Friday at {time}."), N_("Opens on Saturday at {time}."),
            N_("Opens on Sunday at {time}."))


def clock(at: time | None, language: str, with_word: bool = True) -> str:
    """A time as it is written in the language, and read right by speech (kiosk/spoken_text.py):
    "klo 8.30", "kl. 8.30", "8:30"; None is the day's end (24)."""
    hour, minute = (24, 0) if at is None else (at.hour, at.minute)
    if language == "en":
        return f"{hour}:{minute:02d}"
    number = f"{hour}" if not minute else f"{hour}.{minute:02d}"
    word = {"fi": "klo ", "sv": "kl. "}.get(language, "") if with_word else ""
    return word + number


def span(opens: time, closes: time | None, language: str) -> str:
    return f"{clock(opens, language)}–{clock(closes, language, with_word=False)}"


def provider_lines(tr, provider: support_data.Provider, now: datetime, support: support_data.Support) -> list[str]:
    """What a person reads (and hears) of one provider, in `tr`'s language."""
    language = tr.language
    lines = []
    offers = " · ".join(tr._(OFFER_NAMES[o]) for o in provider.offers if o in OFFER_NAMES)
    if offers:
        lines.append(offers)
    if provider.summary:
        lines.append(provider.summary.in_(language))
    if provider.address:
        lines.append(tr._("Address: {address}").format(address=provider.address.in_(language)))
    lines += hours_lines(tr, provider, now, support)
    if provider.phone:
        note = provider.phone_note.in_(language) if provider.phone_note else ""
        lines.append(tr._("Phone {number}").format(number=provider.phone) + (f" ({note})" if note else ""))
    if provider.url:
        lines.append(tr._("On the web: {address}").format(address=provider.url.removeprefix("https://")))
    return lines


def hours_lines(tr, provider: support_data.Provider, now: datetime, support: support_data.Support) -> list[str]:
    language = tr.language
    local = now.astimezone(support_data.HELSINKI)
    today = support_data.today(provider, local.date())
    state = support_data.status(provider, now, support)
    lines = []
    if today.unknown and today.holiday:
        name = support_data.public_holiday(local.date(), language)
        lines.append(tr._("Today is {holiday}: the opening hours may differ.").format(
            holiday=name if language == "en" else name.lower()))  # "jouluaatto": not a name in fi or sv
    elif today.closed and not state.open_now:  # open from last night until early today: said below
        lines.append(tr._("Closed today."))
    elif today.spans:
        lines.append(tr._("Today {hours}.").format(hours=", ".join(span(o, c, language) for o, c in today.spans)))
    if today.note:
        lines.append(today.note.in_(language))
    if provider.hours_note:
        lines.append(provider.hours_note.in_(language))
    if state.known and state.open_now:
        lines.append(tr._("Open now, until {time}.").format(time=clock(state.closes, language, with_word=False))
                     if state.closes is not None else tr._("Open now."))
    elif state.known and state.next_open is not None:
        lines.append(opens_words(tr, state.next_open, local.date()))
    elif state.known and not today.closed:  # closed for the rest of a day that had hours
        lines.append(tr._("Closed now."))
    return lines


def opens_words(tr, at: datetime, today: date) -> str:
    when = clock(at.time(), tr.language, with_word=False)
    if at.date() == today:
        return tr._("Closed now. Opens today at {time}.").format(time=when)
    if at.date() == today + timedelta(days=1):
        return tr._("Closed now. Opens tomorrow at {time}.").format(time=when)
    return tr._("Closed now.") + " " + tr._(OPENS_ON[at.weekday()]).format(time=when)


def stale_words(tr, support: support_data.Support, now: datetime) -> str:
    """Said above the list (and on the slip) when its details are older than they may be; ""."""
    if not support.stale(now):
        return ""
    made = support.made
    return tr._("These details are from {date} and may have changed: check the opening hours before you go.").format(
        date=f"{made.day}.{made.month}.{made.year}")


def advice_words(tr, phone: str, hours: str) -> str:
    """Public Service Info, last on the screen and the slip: its number and, if given, hours."""
    if hours:
        return tr._("Advice on public services by phone: {phone}, {hours}.").format(phone=phone, hours=hours)
    return tr._("Advice on public services by phone: {phone}.").format(phone=phone)
