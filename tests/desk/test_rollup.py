"""The desk's national roll-up of statistics into a real PostgreSQL, started for the tests
(`postgres` in conftest.py)."""

from __future__ import annotations

from bench.stats import generate
from kiosk.desk.cli import main as desk_main
from kiosk.desk.rollup import roll_up
from kiosk.desk.store import Store


def test_a_desks_aggregates_reach_postgresql_kiosks_summed_and_again_changes_nothing(postgres, tmp_path):
    from sqlalchemy import create_engine, text

    store = Store(str(tmp_path / "desk.sqlite"))
    rows = generate(store, kiosks=20, days=14)
    sites = ["site-0", "site-1"]
    expected = {(str(day), site, counter, value): n for day, site, counter, value, n in store.statistics_rows(sites)}
    assert roll_up(store, sites, postgres.url, "helsinki") == len(expected) < rows  # kiosks summed per site
    assert roll_up(store, sites, postgres.url, "helsinki") == len(expected)  # idempotent
    engine = create_engine(postgres.url)
    with engine.connect() as connection:
        found = {(str(day), site, counter, value): n for day, site, counter, value, n in connection.execute(text(
            "SELECT day, site, counter, value, n FROM kiosk_statistics_daily WHERE desk = 'helsinki'"))}
        columns = [row[0] for row in connection.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'kiosk_statistics_daily'"))]
    engine.dispose()
    assert found == expected
    assert "kiosk" not in columns  # only counts per site travel


def test_the_desk_command_rolls_up_and_says_why_when_it_cannot(postgres, tmp_path, capsys):
    store = Store(str(tmp_path / "desk.sqlite"))
    generate(store, kiosks=2, days=2)
    config = tmp_path / "desk.toml"
    config.write_text(f'[desk]\nsites = ["site-0"]\ndatabase = "{tmp_path / "desk.sqlite"}"\n'
                      f'[rollup]\nurl = "{postgres.url}"\nname = "espoo"\n')
    assert desk_main(["rollup", "--config", str(config)]) == 0
    config.write_text(f'[desk]\nsites = ["site-0"]\ndatabase = "{tmp_path / "desk.sqlite"}"\n'
                      f'[rollup]\nurl = "postgresql+psycopg://postgres@127.0.0.1:1/none"\n')
    assert desk_main(["rollup", "--config", str(config)]) == 1  # unreachable: logged, tried again later
    config.write_text(f'[desk]\nsites = ["site-0"]\ndatabase = "{tmp_path / "desk.sqlite"}"\n')
    assert desk_main(["rollup", "--config", str(config)]) == 2
    assert "no [rollup] url" in capsys.readouterr().err
