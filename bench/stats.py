"""stats_rollup: a year of 200 kiosks' daily statistics aggregated into the desk's
statistics page, against a plain SQL GROUP BY over the same rows in the same database."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.common import compared

KIOSKS = 200
DAYS = 365
SERVICES = ("kela", "omavero", "omakanta", "tyomarkkinatori", "migri", "traficom", "poliisi", "dvv", "library")
TOPICS = ("logging_in", "filling_form", "printing", "attaching", "other")


def generate(store, kiosks: int = KIOSKS, days: int = DAYS, seed: int = 7) -> int:
    """Plausible daily aggregates (opening hours 9–19), written straight into the desk's table."""
    rng = random.Random(seed)
    first = date(2025, 1, 1)
    rows = []
    for k in range(kiosks):
        site, kiosk = f"site-{k // 10}", f"kiosk-{k}"
        for d in range(days):
            day = (first + timedelta(days=d)).isoformat()
            sessions = 0
            for hour in range(9, 19):
                n = rng.randint(0, 4)
                if n:
                    sessions += n
                    rows.append((site, kiosk, day, hour, "session", "started", n))
                    rows.append((site, kiosk, day, hour, "session", "ended", n))
            if not sessions:
                continue
            for counter, values in (("duration", ("under_5_min", "5_15_min", "15_30_min", "over_30_min")),
                                    ("outcome", ("yes", "partly", "no", "no_answer")),
                                    ("need", ("self", "guided", "person", "nondigital")),
                                    ("language", ("fi", "sv", "en")), ("service", SERVICES[:6]),
                                    ("help", tuple(f"on_site.{t}" for t in TOPICS[:3])),
                                    ("help_service", SERVICES[:3]), ("accessibility", ("speech", "large_text"))):
                for value in values:
                    n = rng.randint(0, sessions)
                    if n:
                        rows.append((site, kiosk, day, 12, counter, value, n))
            rows.append((site, kiosk, day, 12, "pages", "printed", rng.randint(0, 40) or 1))
    with store.engine.begin() as connection:  # the driver's executemany: millions of rows
        connection.exec_driver_sql("INSERT INTO stats (site, kiosk, day, hour, counter, value, n) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def stats_rollup(_display: str) -> dict:
    from kiosk.desk.store import Store

    with tempfile.TemporaryDirectory(prefix="kiosk-stats-") as scratch:
        database = str(Path(scratch) / "desk.sqlite")
        store = Store(database)
        rows = generate(store)
        plain = sqlite3.connect(database)  # the baseline: plain SQL, beside the store's own connection
        sites = sorted({f"site-{k // 10}" for k in range(KIOSKS)})
        ours, baseline = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            figures = store.statistics(sites)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            plain.execute("SELECT counter, value, SUM(n) FROM stats GROUP BY counter, value").fetchall()
            baseline.append(time.perf_counter() - t0)
        plain.close()
        assert figures["kiosks"] == KIOSKS
        return compared("stats_rollup", ours, baseline, "s", 3, "under 5 s", rows=rows, kiosks=KIOSKS, days=DAYS)
