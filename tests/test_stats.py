"""Usage statistics on the kiosk: a closed vocabulary of counters by hour, days delivered
oldest first until acknowledged, old days deleted."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.stats import Delivery, Statistics, duration_bucket, valid_day, wait_bucket


class Clock:
    def __init__(self, when: str) -> None:
        self.now = datetime.fromisoformat(when).timestamp()

    def __call__(self) -> float:
        return self.now

    def days(self, n: float) -> None:
        self.now += n * 86400


@pytest.fixture
def stats(tmp_path):
    clock = Clock("2026-11-02 10:15")
    statistics = Statistics(tmp_path / "statistics.sqlite", "oodi-1", "oodi", keep_days=30, clock=clock)
    yield statistics, clock
    statistics.close()


@pytest.mark.parametrize("counter, value", [
    ("service", "https://www.kela.fi/asiointi"), ("service", "Maija Meikäläinen"), ("language", "maija@example.fi"),
    ("help", "on_site.131052-308T päätös.pdf"), ("outcome", "maybe"), ("session", "started by 131052-308T"),
    ("unknown", "x"), ("service", ""), ("service", "a" * 41),
])
def test_anything_outside_the_vocabulary_is_not_counted(stats, counter, value):
    statistics, _clock = stats
    assert not statistics.count(counter, value)
    assert statistics.daily("2026-11-02")["counts"] == []


def test_counts_add_up_by_hour_and_a_finished_day_is_one_aggregate(stats):
    statistics, clock = stats
    assert statistics.count("session", "started") and statistics.count("session", "started")
    assert statistics.count("service", "kela") and statistics.count("pages", "printed", 4)
    clock.now += 3600
    statistics.count("session", "started")
    assert statistics.pending_days() == []  # today is not finished
    clock.days(1)
    assert statistics.pending_days() == ["2026-11-02"]
    assert statistics.daily("2026-11-02") == {
        "type": "daily", "kiosk": "oodi-1", "site": "oodi", "day": "2026-11-02",
        "counts": [[10, "pages", "printed", 4], [10, "service", "kela", 1], [10, "session", "started", 2],
                   [11, "session", "started", 1]]}


def test_days_go_oldest_first_one_at_a_time_again_until_acknowledged(stats):
    statistics, clock = stats
    for _ in range(3):  # three days offline
        statistics.count("session", "started")
        clock.days(1)
    sent, now = [], [0.0]
    delivery = Delivery(statistics, lambda daily: sent.append(daily["day"]) or True, resend_s=60, clock=lambda: now[0])
    delivery.tick(connected=False)
    assert sent == []
    delivery.tick(connected=True)
    delivery.tick(connected=True)
    assert sent == ["2026-11-02"]  # not again within a minute
    now[0] += 61
    delivery.tick(connected=True)
    assert sent == ["2026-11-02", "2026-11-02"]  # the desk did not answer: once more
    delivery.acknowledged("2026-11-02")
    assert sent[-1] == "2026-11-03"  # the next at once
    delivery.acknowledged("2026-11-03")
    delivery.acknowledged("2026-11-04")
    assert sent == ["2026-11-02", "2026-11-02", "2026-11-03", "2026-11-04"] and statistics.pending_days() == []
    delivery.acknowledged("not a day")  # ignored


def test_days_older_than_the_keeping_period_are_deleted_delivered_or_not(stats, caplog):
    statistics, clock = stats
    statistics.count("session", "started")
    clock.days(1)
    statistics.count("session", "started")
    statistics.acknowledged("2026-11-02")
    clock.days(31)
    assert statistics.expire() == 2
    assert statistics.pending_days() == [] and "1 undelivered day" in caplog.text


def test_buckets_and_days():
    assert [duration_bucket(s * 60) for s in (1, 5, 20, 45)] == ["under_5_min", "5_15_min", "15_30_min", "over_30_min"]
    assert [wait_bucket(s * 60) for s in (1, 3, 10, 20)] == ["under_2_min", "2_5_min", "5_15_min", "over_15_min"]
    assert valid_day("2026-02-28") and not valid_day("2026-02-30") and not valid_day("yesterday")
