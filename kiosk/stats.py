"""Usage statistics: counters only, by hour, never anything that identifies a person.

What is counted is a closed vocabulary (COUNTERS): each counter's value is one of a fixed
set or a catalogue id, checked against a strict pattern, so no URL, file name, typed text
or time finer than the hour can be stored even by mistake. Counts live in SQLite in the
kiosk's state directory, one row per (day, hour, counter, value). A finished day is sent
to the desk as one daily aggregate, oldest first, again until the desk acknowledges it
(`stats_ack`); a kiosk offline for days delivers them in order when it is back. Days older
than `keep_days` are deleted, delivered or not.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

VALUE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
# counter -> the values it may take (None: any VALUE, e.g. a catalogue id or language code)
COUNTERS: dict[str, frozenset[str] | None] = {
    "session": frozenset({"started", "ended"}),
    "duration": frozenset({"under_5_min", "5_15_min", "15_30_min", "over_30_min"}),
    "end": frozenset({"end", "timeout", "staff"}),
    "language": None,
    "accessibility": frozenset({"speech", "large_text", "high_contrast", "plain_language"}),
    "need": frozenset({"self", "guided", "person", "nondigital"}),
    "service": None,            # catalogue id of a service opened
    "practice": frozenset({"used"}),
    "lesson": None,             # id of a lesson of Learn the basics finished (kiosk/lessons.py)
    "outcome": frozenset({"yes", "partly", "no", "no_answer"}),
    "help": None,               # "on_site.<topic>" or "remote.<way>"
    "help_service": None,       # catalogue id of the service a help request came from
    "help_accepted": frozenset({"under_2_min", "2_5_min", "5_15_min", "over_15_min"}),
    "help_resolved": frozenset({"under_5_min", "5_15_min", "15_30_min", "over_30_min"}),
    "pages": frozenset({"printed"}),
    "document": frozenset({"scanned"}),  # a document that came in other than by download
    "wipe": frozenset({"ok", "failed"}),
}


def in_vocabulary(counter: object, value: object) -> bool:
    """Whether a counter may take this value (the kiosk counts, the desk accepts, only these)."""
    if not isinstance(counter, str) or counter not in COUNTERS or not isinstance(value, str):
        return False
    allowed = COUNTERS[counter]
    return bool(VALUE.fullmatch(value)) and (allowed is None or value in allowed)


def duration_bucket(seconds: float) -> str:
    minutes = seconds / 60
    return "under_5_min" if minutes < 5 else "5_15_min" if minutes < 15 else "15_30_min" if minutes < 30 \
        else "over_30_min"


def wait_bucket(seconds: float) -> str:
    minutes = seconds / 60
    return "under_2_min" if minutes < 2 else "2_5_min" if minutes < 5 else "5_15_min" if minutes < 15 \
        else "over_15_min"


class Statistics:
    def __init__(self, path: Path, kiosk_id: str, site: str, keep_days: int = 90,
                 clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.kiosk_id = kiosk_id
        self.site = site
        self.keep_days = keep_days
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        # Counts are written on the Kivy thread, several as a session ends: with the default
        # journal each was an fsync (5-20 ms on a busy disk). In WAL mode with synchronous=NORMAL
        # a count is an append to the log; a kiosk that crashes loses none, a power cut at most
        # the last few counts, never the database.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            "CREATE TABLE IF NOT EXISTS counts (day TEXT NOT NULL, hour INTEGER NOT NULL, counter TEXT NOT NULL,"
            " value TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, hour, counter, value));"
            "CREATE TABLE IF NOT EXISTS delivered (day TEXT PRIMARY KEY);")

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock())

    def count(self, counter: str, value: str, n: int = 1) -> bool:
        """Add n to a counter this hour; False (and a log line) for anything outside the vocabulary."""
        if not in_vocabulary(counter, value) or n <= 0:
            log.warning("statistics: %s=%.40r not counted (not in the vocabulary)", counter, value)
            return False
        now = self._now()
        with self._lock:
            self._db.execute("INSERT INTO counts VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, hour, counter, value) "
                             "DO UPDATE SET n = n + excluded.n",
                             (now.date().isoformat(), now.hour, counter, value, int(n)))
        return True

    # -- delivery --------------------------------------------------------------------------

    def pending_days(self) -> list[str]:
        """Finished days not yet acknowledged by a desk, oldest first."""
        today = self._now().date().isoformat()
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT day FROM counts WHERE day < ? AND day NOT IN "
                                    "(SELECT day FROM delivered) ORDER BY day", (today,)).fetchall()
        return [row[0] for row in rows]

    def daily(self, day: str) -> dict:
        """A day's aggregate as the desk receives it."""
        with self._lock:
            rows = self._db.execute("SELECT hour, counter, value, n FROM counts WHERE day = ? "
                                    "ORDER BY hour, counter, value", (day,)).fetchall()
        return {"type": "daily", "kiosk": self.kiosk_id, "site": self.site, "day": day,
                "counts": [list(row) for row in rows]}

    def acknowledged(self, day: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO delivered VALUES (?)", (day,))
        log.info("statistics of %s delivered", day)

    def expire(self) -> int:
        """Delete days older than keep_days; returns how many rows went."""
        cutoff = (self._now().date() - timedelta(days=self.keep_days)).isoformat()
        with self._lock:
            undelivered = self._db.execute("SELECT COUNT(DISTINCT day) FROM counts WHERE day < ? AND day NOT IN "
                                           "(SELECT day FROM delivered)", (cutoff,)).fetchone()[0]
            gone = self._db.execute("DELETE FROM counts WHERE day < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM delivered WHERE day < ?", (cutoff,))
        if undelivered:
            log.warning("statistics: %d undelivered day(s) older than %d days deleted", undelivered, self.keep_days)
        return gone

    def close(self) -> None:
        self._db.close()


class Delivery:
    """Finished days to the desk: the oldest not yet acknowledged, one at a time, sent again
    after `resend_s` until the desk's `stats_ack` for it; then the next. So days arrive in
    order, and the desk (which replaces a kiosk's day on a repeat) stores each once."""

    def __init__(self, stats: Statistics, publish: Callable[[dict], bool], resend_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stats = stats
        self.publish = publish
        self.resend_s = resend_s
        self.clock = clock
        self._sent: tuple[str, float] | None = None

    def tick(self, connected: bool) -> None:
        if not connected:
            return
        days = self.stats.pending_days()
        if not days:
            return
        day = days[0]
        if self._sent and self._sent[0] == day and self.clock() - self._sent[1] < self.resend_s:
            return
        if self.publish(self.stats.daily(day)):
            self._sent = (day, self.clock())

    def acknowledged(self, day: str) -> None:
        if not valid_day(day):
            return
        self.stats.acknowledged(day)
        if self._sent and self._sent[0] == day:
            self._sent = None
        self.tick(True)


def valid_day(text: object) -> bool:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
