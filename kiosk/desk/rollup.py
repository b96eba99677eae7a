"""National roll-up: a desk forwards its sites' daily aggregates (kiosks summed) to a
central database through SQLAlchemy, PostgreSQL in practice ([rollup] url in desk.toml;
without it nothing leaves the desk, whose own store stays SQLite).

Idempotent: a (desk, day, site, counter, value) row is replaced, so running it every hour,
or again after an outage, gives the same table. Only counts travel, never a kiosk's id.
"""

from __future__ import annotations

import logging
from datetime import date

log = logging.getLogger(__name__)


def table(metadata):
    from sqlalchemy import BigInteger, Column, Date, String, Table

    return Table("kiosk_statistics_daily", metadata,
                 Column("desk", String(64), primary_key=True), Column("day", Date, primary_key=True),
                 Column("site", String(64), primary_key=True), Column("counter", String(40), primary_key=True),
                 Column("value", String(40), primary_key=True), Column("n", BigInteger, nullable=False))


def roll_up(store, sites: list[str], url: str, desk: str, since: str = "0000-00-00") -> int:
    """Forward the days from `since` on; returns how many rows were written."""
    from sqlalchemy import MetaData, create_engine

    rows = [{"desk": desk, "day": date.fromisoformat(day), "site": site, "counter": counter, "value": value, "n": n}
            for day, site, counter, value, n in store.statistics_rows(sites, since)]
    engine = create_engine(url)
    metadata = MetaData()
    target = table(metadata)
    metadata.create_all(engine)
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            statement = insert(target).values(rows[start:start + 5000])
            connection.execute(statement.on_conflict_do_update(
                index_elements=["desk", "day", "site", "counter", "value"], set_={"n": statement.excluded.n}))
    engine.dispose()
    log.info("rolled up %d rows of %s to %s", len(rows), ", ".join(sites), engine.url.render_as_string(hide_password=True))
    return len(rows)
