"""What the desk's tests share: one private PostgreSQL for the whole run (each test that
needs a database of its own makes one with `postgres.database(name)`)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def postgres():
    from testbed.postgres import Postgres

    server = Postgres().start()
    yield server
    server.stop()
