"""What a service's route without e-services says (level 4 of the needs screen): whose
phone service, its number and hours, the nearest offices with today's hours, what to
bring, and whether the matter can be started by talking. For the route screen
(kiosk/screens/route.py) and its slip (kiosk/support_slip.py). No Kivy here."""

from __future__ import annotations

from datetime import datetime

from kiosk.catalog import Service
from kiosk.support import Support

MAX_OFFICES = 2  # the nearest ones: the snapshot holds the kiosk's own area


def phone_lines(tr, service: Service, advice_phone: str, advice_hours: str) -> list[str]:
    from kiosk.support_slip import week_text
    from kiosk.support_words import clock

    route, texts = service.route, service.in_(tr.language)
    if route.advice:
        return [tr._("Public Service Info (Kansalaisneuvonta) tells you which office and number to call: {number}.").format(number=advice_phone)] \
            + ([advice_hours] if advice_hours else [])
    lines = [f"{texts.phone_name}: {route.phone}"]
    if route.hours:
        lines.append(tr._("Open {hours}.").format(hours=week_text(tr, route.hours, clock)))
    return lines


def office_blocks(tr, service: Service, support: Support, now: datetime) -> list[tuple[str, list[str]]]:
    """The nearest offices as (name, lines), today's hours and open now among them."""
    from kiosk.support_words import hours_lines

    blocks = []
    for office in support.offices(service.route.office)[:MAX_OFFICES]:
        lines = [tr._("Address: {address}").format(address=office.address.in_(tr.language))] if office.address else []
        lines += hours_lines(tr, office, now, support)
        if office.phone:
            lines.append(tr._("Phone {number}").format(number=office.phone))
        blocks.append((office.name.in_(tr.language), lines))
    return blocks


def other_lines(tr, service: Service) -> list[str]:
    """Whether it can be started by talking, and where the number comes from."""
    lines = []
    if service.route.oral:
        lines.append(tr._("You can also start the matter by talking, on the phone or at the office: ask them to write it down."))
    checked = service.route.checked
    if checked is not None:
        lines.append(tr._("Number checked on {date}.").format(date=f"{checked.day}.{checked.month}.{checked.year}"))
    return lines
