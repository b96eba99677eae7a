"""Times booked with a site's digital-support helpers: the desk's side of kiosk/booking.py.

A kiosk asks which times of a support place are taken (`taken`) and books one (`book`);
helpers see the coming times on the desk's "Booked times" page and may cancel one. One
live booking a time and place: the database's unique partial index decides between two
kiosks booking the same time at once, whichever desk process each reached.

Everything from a kiosk is checked here (`check_booking`): a kiosk account in the wrong
hands can book only real-looking times within the kiosk's bounds, at most
`MAX_LIVE_PER_KIOSK` coming ones, and a helper can cancel them.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.exc import IntegrityError

from kiosk.desk.language import WORDS
from kiosk.desk.schema import bookings
from kiosk.support import BOOK_MINUTES, HELSINKI, MAX_BOOK_DAYS, overlaps, parse_slot, slot_text

MAX_TAKEN = 500           # times a kiosk is told are taken (the kiosk reads no more)
MAX_LIVE_PER_KIOSK = 50   # coming bookings made at one kiosk
PAGE = 200                # rows of the "Booked times" page
# A code a person can read out and a helper can hear right: no 0/O, 1/I, 2/Z, 5/S, 8/B.
CODE_LETTERS = "ACEFHJKLMNPRTUVWXY34679"
CODE_LENGTH = 4
ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,60}", re.ASCII)
LANGUAGE = re.compile(r"[a-z]{2,3}", re.ASCII)


def local_now() -> datetime:
    """Helsinki wall-clock time now, without a zone (as booked times are kept)."""
    return datetime.now(HELSINKI).replace(tzinfo=None, second=0, microsecond=0)


def _text(value, longest: int) -> bool:
    return isinstance(value, str) and len(value) <= longest and not any(ord(c) < 32 for c in value)


def check_booking(data: dict, now: datetime) -> str:
    """Why a kiosk's booking cannot be taken ("" if it can)."""
    starts = parse_slot(data.get("starts"))
    if starts is None or starts.minute % 5:
        return "a time on the five minutes"
    if not now < starts <= now + timedelta(days=MAX_BOOK_DAYS + 1):
        return f"a time in the next {MAX_BOOK_DAYS} days"
    if data.get("minutes") not in BOOK_MINUTES or isinstance(data.get("minutes"), bool):
        return "a length of " + ", ".join(map(str, BOOK_MINUTES)) + " minutes"
    if not (isinstance(data.get("provider"), str) and ID.fullmatch(data["provider"])):
        return "a support place's id"
    if data.get("topic") not in WORDS["topic"]:
        return "a topic the desk knows"
    if not (_text(data.get("provider_name"), 200) and _text(data.get("service", ""), 60)
            and isinstance(data.get("language"), str) and LANGUAGE.fullmatch(data["language"])):
        return "a place name, a service id and a language code"
    accessibility = data.get("accessibility", [])
    if not (isinstance(accessibility, list) and len(accessibility) <= 10 and all(_text(a, 40) for a in accessibility)):
        return "at most 10 accessibility modes"
    return ""


class Bookings:
    """The bookings in the desk's database (the Store's engine)."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def taken(self, site: str, provider: str, now: datetime) -> list[list]:
        """The coming taken times of a place as [start, minutes], earliest first, at most
        MAX_TAKEN (from the start of today: one begun before now may still run)."""
        query = (select(bookings.c.starts, bookings.c.minutes).where(and_(
            bookings.c.site == site, bookings.c.provider == provider, bookings.c.cancelled.is_(None),
            bookings.c.starts >= slot_text(now.replace(hour=0, minute=0)))).order_by(bookings.c.starts)
            .limit(MAX_TAKEN))
        with self.engine.connect() as connection:
            return [[row[0], row[1]] for row in connection.execute(query)]

    def book(self, site: str, kiosk: str, data: dict) -> tuple[str, str]:
        """("made", code) or ("refused", why: "taken", "too_many"). The kiosk's id makes a
        resend the same booking: answered with its code again."""
        known = self.booking(data["id"])
        if known is not None:
            if known["site"] == site and known["kiosk"] == kiosk and known["cancelled"] is None:
                return "made", known["code"]
            return "refused", "invalid"
        now = local_now()
        row = {"id": data["id"], "site": site, "kiosk": kiosk, "provider": data["provider"],
               "provider_name": data["provider_name"], "starts": data["starts"], "minutes": data["minutes"],
               "topic": data["topic"], "service": data.get("service", ""), "language": data["language"],
               "accessibility": ",".join(data.get("accessibility", [])),
               "code": "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH)), "created": time.time()}
        try:
            with self.engine.begin() as connection:
                live = connection.execute(select(func.count()).select_from(bookings).where(and_(
                    bookings.c.kiosk == kiosk, bookings.c.site == site, bookings.c.cancelled.is_(None),
                    bookings.c.starts >= slot_text(now)))).scalar_one()
                if live >= MAX_LIVE_PER_KIOSK:
                    return "refused", "too_many"
                if self._overlapping(connection, site, data):
                    return "refused", "taken"
                connection.execute(bookings.insert().values(**row))
        except IntegrityError:
            again = self.booking(data["id"])  # another desk process took this very booking
            if again is not None and again["kiosk"] == kiosk and again["cancelled"] is None:
                return "made", again["code"]
            return "refused", "taken"
        return "made", row["code"]

    def _overlapping(self, connection, site: str, data: dict) -> bool:
        """Whether a live booking of the place meets this one's time (kiosks may cut the hours
        in other lengths). Several desk processes on PostgreSQL take the place's lock first,
        so two overlapping bookings cannot pass this at once; a SQLite desk is one process
        whose link handles one message at a time, and equal times meet the unique index."""
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:place))"),
                               {"place": f"booking/{site}/{data['provider']}"})
        starts = parse_slot(data["starts"])
        day_before = slot_text(starts - timedelta(days=1))
        rows = connection.execute(select(bookings.c.starts, bookings.c.minutes).where(and_(
            bookings.c.site == site, bookings.c.provider == data["provider"], bookings.c.cancelled.is_(None),
            bookings.c.starts >= day_before, bookings.c.starts < slot_text(starts + timedelta(days=1)))))
        taken = [(parse_slot(other), minutes) for other, minutes in rows]
        return overlaps(starts, data["minutes"], [(at, minutes) for at, minutes in taken if at is not None])

    def call_off(self, booking_id: str, site: str, kiosk: str) -> bool:
        """The kiosk calls off a booking it never got an answer to (its person left): only
        its own, and only one without a code the person holds."""
        with self.engine.begin() as connection:
            done = connection.execute(update(bookings).where(and_(
                bookings.c.id == booking_id, bookings.c.site == site, bookings.c.kiosk == kiosk,
                bookings.c.cancelled.is_(None))).values(cancelled=time.time(), cancelled_by="kiosk"))
        return bool(done.rowcount)

    def booking(self, booking_id: str) -> dict | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(bookings).where(bookings.c.id == booking_id)).mappings().first()
        return dict(row) if row else None

    def coming(self, sites: list[str], now: datetime, limit: int = PAGE) -> list[dict]:
        """The live bookings of `sites` from the start of today, earliest first."""
        start_of_day = slot_text(now.replace(hour=0, minute=0))
        query = (select(bookings).where(and_(bookings.c.site.in_(sites), bookings.c.cancelled.is_(None),
                                             bookings.c.starts >= start_of_day))
                 .order_by(bookings.c.starts).limit(limit))
        with self.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        for row in rows:
            row["accessibility"] = [a for a in row["accessibility"].split(",") if a]
        return rows

    def cancel(self, booking_id: str, sites: list[str], by: str) -> dict | None:
        """A helper calls a booking off (the person phoned, or it was never real): the time
        is free again. None if it is not a live booking of `sites`."""
        with self.engine.begin() as connection:
            done = connection.execute(update(bookings).where(and_(
                bookings.c.id == booking_id, bookings.c.site.in_(sites), bookings.c.cancelled.is_(None)))
                .values(cancelled=time.time(), cancelled_by=by))
        return self.booking(booking_id) if done.rowcount else None
