"""The report's and statistics' charts: every day and hour there (empty ones as zero), day
labels that do not overlap, round ticks, a legend for several series, a table beside."""

from __future__ import annotations

from datetime import date

from kiosk.desk.charts import LABEL_PX, axis_top, bars, columns, Series
from kiosk.desk.pages import duration
from kiosk.desk.stats_page import report_figures, stats_figures

TODAY = date(2026, 12, 1)


def figures(per_day: dict, per_hour: dict) -> dict:
    return {"totals": {"session": {"started": sum(per_day.values())}}, "per_day": per_day, "per_hour": per_hour,
            "services": [], "kiosks": 1}


def test_every_day_and_hour_is_there_and_empty_ones_are_zero():
    page = stats_figures(lambda text: text, "fi", figures({"2026-11-30": 4}, {9: 3, 14: 1}), ["oodi"], "all", 30,
                         today=TODAY)
    per_day, per_hour = page["charts"][0], page["charts"][1]
    assert len(per_day.rows) == 30 and per_day.rows[0] == ["2.11.", "0"] and per_day.rows[-2] == ["30.11.", "4"]
    assert [row[0] for row in per_hour.rows] == [f"{h:02d}" for h in range(24)]
    assert per_hour.rows[9] == ["09", "3"] and per_hour.rows[10] == ["10", "0"]
    assert len(per_hour.shapes) == 24


def test_day_labels_never_overlap_whatever_the_period():
    for days in (7, 30, 90, 365, 3650):
        chart = stats_figures(lambda text: text, "sv", figures({}, {}), [], "all", days, today=TODAY)["charts"][0]
        positions = [x for x, _label in chart.labels]
        assert positions == sorted(positions) and len(chart.rows) == days
        assert all(b - a >= LABEL_PX for a, b in zip(positions, positions[1:])), days
        assert chart.labels[0][1] == chart.rows[0][0]  # the first day is labelled


def test_ticks_are_round_and_counts_whole():
    assert [axis_top(n, True) for n in (0, 3, 5, 41)] == [4, 4, 8, 80]
    assert axis_top(4330, False) == 8000 and axis_top(0.3, False) == 0.4
    chart = columns("c", "Title", ["a", "b"], [Series("Sessions", [3, 1])], "Sessions", "Day")
    assert [label for _y, label in chart.ticks] == ["0", "1", "2", "3", "4"]
    assert chart.legend == []  # one series: its name is the axis
    two = columns("c", "Title", ["a"], [Series("Accepted", [1.5]), Series("Resolved", [None])], "Minutes", "Day")
    assert [name for _colour, name in two.legend] == ["Accepted", "Resolved"] and two.rows == [["a", "1.5", "–"]]
    assert bars("b", "Title", [], "Count").empty


def test_the_report_has_every_day_of_thirty_a_legend_and_a_table():
    days = [{"day": "2026-11-30", "requests": 2, "accept_median_s": 90.0, "accept_p90_s": 120.0,
             "resolve_median_s": 600.0, "resolve_p90_s": 900.0}]
    chart = report_figures(lambda text: text, "en", days, [], today=TODAY)["chart"]
    assert len(chart.rows) == 30 and chart.headers == ["Day", "Accepted, median", "Resolved, median"]
    assert ["11/30", "1.5 min", "10 min"] in chart.rows and chart.rows[0] == ["11/2", "–", "–"]
    assert len(chart.legend) == 2


def test_waits_read_in_seconds_minutes_then_hours():
    say = lambda text: text  # noqa: E731
    assert [duration(say, s) for s in (0, 59, 60, 7199, 3 * 3600 + 5 * 60)] == [
        "0 s", "59 s", "1 min", "119 min", "3 h 5 min"]
