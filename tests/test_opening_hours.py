"""The site's opening hours as the kiosk keeps them (issue 22): the next warning, closing and
opening against a fixed clock, across midnight, weekends, exceptions, public holidays, a
summer closed whole and the changes of summer time; [hours] read and checked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from kiosk.closing import notice_level
from kiosk.config import HoursConfig, load_config
from kiosk.opening_hours import Hours, next_unknown_holiday, site_hours
from kiosk.support import HELSINKI, EMPTY, Exceptional, Weekly, load_support

UTC = timezone.utc
WEEK = (Weekly(0, 4, time(9), time(20)), Weekly(5, 5, time(10), time(16)))  # Mon-Fri 9-20, Sat 10-16


def at(*args) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def local(instant: datetime | None) -> datetime | None:
    return instant.astimezone(HELSINKI) if instant is not None else None


def test_open_on_a_weekday_closes_that_evening_and_opens_the_next_morning():
    hours = Hours(WEEK)
    noon = hours.moment(at(2026, 12, 8, 12, 0))  # a Tuesday
    assert noon.open and local(noon.closes) == at(2026, 12, 8, 20, 0)
    evening = hours.moment(at(2026, 12, 8, 20, 0))  # closing time itself is closed
    assert not evening.open and local(evening.opens) == at(2026, 12, 9, 9, 0)
    assert local(evening.closed_at) == at(2026, 12, 8, 20, 0) and evening.promised
    assert hours.moment(at(2026, 12, 9, 8, 59)).opens == hours.moment(at(2026, 12, 8, 23, 0)).opens


def test_the_weekend_friday_to_saturday_and_saturday_to_monday():
    hours = Hours(WEEK)
    assert local(hours.moment(at(2026, 12, 11, 21, 0)).opens) == at(2026, 12, 12, 10, 0)
    saturday = hours.moment(at(2026, 12, 12, 16, 30))
    assert local(saturday.opens) == at(2026, 12, 14, 9, 0) and local(saturday.closed_at) == at(2026, 12, 12, 16, 0)
    sunday = hours.moment(at(2026, 12, 13, 12, 0))
    assert not sunday.open and local(sunday.closed_at) == at(2026, 12, 12, 16, 0)


def test_hours_past_midnight_and_round_the_clock():
    late = Hours((Weekly(4, 4, time(20), time(2)),))  # Friday 20-02
    assert local(late.moment(at(2026, 12, 11, 23, 59)).closes) == at(2026, 12, 12, 2, 0)
    after = late.moment(at(2026, 12, 12, 1, 0))
    assert after.open and local(after.closes) == at(2026, 12, 12, 2, 0)
    assert local(late.moment(at(2026, 12, 12, 2, 0)).opens) == at(2026, 12, 18, 20, 0)
    # Monday to 24:00 runs straight into Tuesday from 00:00: one span, no closing at midnight.
    joined = Hours((Weekly(0, 0, time(8), None), Weekly(1, 1, time(0), time(12))))
    assert local(joined.moment(at(2026, 12, 7, 23, 0)).closes) == at(2026, 12, 8, 12, 0)
    always = Hours((Weekly(0, 6, time(0), None),))
    assert always.moment(at(2026, 12, 8, 3, 0)).open and always.moment(at(2026, 12, 8, 3, 0)).closes is None


def test_exceptions_close_days_and_shorten_others():
    hours = Hours(WEEK, (Exceptional(date(2026, 12, 24), date(2026, 12, 26), True),
                         Exceptional(date(2026, 12, 31), date(2026, 12, 31), False, time(9), time(14))))
    # Christmas closed: from Wednesday evening to Monday (Sunday 27th is closed every week).
    assert local(hours.moment(at(2026, 12, 23, 20, 0)).opens) == at(2026, 12, 28, 9, 0)
    assert hours.moment(at(2026, 12, 23, 20, 0)).promised
    assert local(hours.moment(at(2026, 12, 31, 13, 0)).closes) == at(2026, 12, 31, 14, 0)
    assert [bool(d.spans) for d in hours.week(at(2026, 12, 24, 12, 0))] == [False, False, False, False, True,
                                                                             True, True]


def test_a_public_holiday_without_an_exception_keeps_the_weekly_hours_but_promises_nothing():
    hours = Hours(WEEK)  # Ascension Day, Thursday 14 May 2026: the data says nothing of it
    eve = hours.moment(at(2026, 5, 13, 20, 30))
    assert local(eve.opens) == at(2026, 5, 14, 9, 0) and not eve.promised
    assert hours.moment(at(2026, 5, 14, 12, 0)).open  # never closed on a guess
    day = hours.day(date(2026, 5, 14))
    assert day.guessed and day.holiday == "Helatorstai" and day.spans == ((time(9), time(20)),)
    assert next_unknown_holiday(hours, at(2026, 5, 4, 12, 0)) == day
    said = Hours(WEEK, (Exceptional(date(2026, 5, 14), date(2026, 5, 14), True),))
    assert local(said.moment(at(2026, 5, 13, 20, 30)).opens) == at(2026, 5, 15, 9, 0)
    assert said.moment(at(2026, 5, 13, 20, 30)).promised and next_unknown_holiday(said, at(2026, 5, 4, 12)) is None


def test_a_summer_closed_whole_opens_in_august_and_longer_promises_nothing():
    summer = Hours(WEEK, (Exceptional(date(2026, 7, 1), date(2026, 7, 31), True),))
    assert local(summer.moment(at(2026, 6, 30, 21, 0)).opens) == at(2026, 8, 1, 10, 0)
    shut = Hours(WEEK, (Exceptional(date(2026, 1, 1), date(2026, 12, 31), True),))
    moment = shut.moment(at(2026, 3, 2, 12, 0))
    assert not moment.open and moment.opens is None


def test_the_change_to_summer_time_is_counted_in_real_minutes():
    # Helsinki's clocks go from 03:00 to 04:00 on 29 March 2026: a night open from Saturday
    # 20:00 to Sunday 06:00 is nine hours long, and its warnings are 15 and 5 real minutes ahead.
    night = Hours((Weekly(5, 5, time(20), time(6)),))
    moment = night.moment(at(2026, 3, 28, 22, 0))
    assert moment.closes == datetime(2026, 3, 29, 3, 0, tzinfo=UTC)
    assert moment.closes - at(2026, 3, 28, 20, 0) == timedelta(hours=9)
    assert local(moment.closes - timedelta(minutes=15)) == at(2026, 3, 29, 5, 45)
    daily = Hours((Weekly(0, 6, time(9), time(20)),))
    assert daily.moment(at(2026, 3, 28, 21, 0)).opens == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 9:00 EEST
    # ... and back on 25 October 2026 (04:00 becomes 03:00): 9:00 is an hour later in UTC.
    assert daily.moment(at(2026, 10, 24, 21, 0)).opens == datetime(2026, 10, 24, 6, 0, tzinfo=UTC) + timedelta(
        hours=25)
    fall = night.moment(datetime(2026, 10, 24, 19, 0, tzinfo=UTC))  # 22:00 EEST
    assert fall.closes - datetime(2026, 10, 24, 17, 0, tzinfo=UTC) == timedelta(hours=11)


@pytest.mark.parametrize("left, said", [(timedelta(minutes=15), "15"), (timedelta(minutes=14, seconds=59.9), "15"),
                                        (timedelta(minutes=10), "soon"), (timedelta(minutes=5), "5"),
                                        (timedelta(seconds=4 * 60 + 1), "5"), (timedelta(minutes=3), "soon")])
def test_the_notice_says_15_or_5_minutes_on_their_time_and_soon_otherwise(left, said):
    assert notice_level(left) == said


def test_hours_from_a_place_in_the_support_files_go_stale_with_the_snapshot(tmp_path):
    snapshot = tmp_path / "snapshot.toml"
    snapshot.write_text('format = 1\nmade = 2026-12-01T08:00:00Z\n\n[[provider]]\nid = "oodi"\nname = "Oodi"\n'
                        'offers = ["eservice_help"]\naddress = "Töölönlahdenkatu 4"\n'
                        'hours = [{ from = "mon", to = "fri", opens = "08:00", closes = "22:00" }]\n',
                        encoding="utf-8")
    support = load_support([snapshot], ("fi",), max_age_days=30)
    hours, note = site_hours(HoursConfig(place="oodi"), support)
    assert note == "" and hours.weekly[0].opens == time(8) and not hours.stale(at(2026, 12, 20, 12, 0))
    assert hours.stale(at(2027, 1, 2, 12, 0))  # older than 30 days: nothing is closed by it
    assert site_hours(HoursConfig(place="kallio"), support) == (
        None, "[hours] place: 'kallio' is no place in the support files")
    assert site_hours(HoursConfig(), EMPTY) == (None, "")  # no hours: always open
    own, _ = site_hours(HoursConfig(weekly=WEEK), EMPTY)
    assert own.made is None and not own.stale(at(2040, 1, 1, 12, 0))  # the site's own never go stale


def test_hours_in_the_configuration_are_read_and_checked(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[hours]\nweekly = [{ from = "mon", to = "fri", opens = "09:00", closes = "20:00" },\n'
                    '          { from = "sat", opens = "10:00", closes = "25:00" }]\n'
                    'exception = [{ first = 2026-12-24, last = 2026-12-26, closed = true }]\n'
                    'screen_off_after_min = 0\n', encoding="utf-8")
    config = load_config(path, config_dir=tmp_path / "none")
    assert config.hours.weekly == (WEEK[0],) and config.hours.exceptions[0].closed
    assert config.hours.screen_off_after_min == 0 and config.hours.screen_on_before_min == 5
    assert [(p.key, p.line) for p in config.problems] == [("hours.weekly[1].closes", 2)]  # where its list begins
    assert "hours" in config.disabled and config.usable  # the hours off, the kiosk in service
    path.write_text('[hours]\nplace = "oodi"\nweekly = [{ opens = "09:00", closes = "20:00" }]\n', encoding="utf-8")
    config = load_config(path, config_dir=tmp_path / "none")
    assert [p.key for p in config.problems] == ["hours.place"] and config.hours.weekly == ()
    from kiosk.cli import support_problems  # kiosk check-config: a place must be one in the support files

    assert support_problems(config) == ["[hours] place: 'oodi' is no place in the support files"]
