"""Real Chromium on the local test e-service (tests/conftest.py `site`), shared by the
browser tests in this folder."""

from __future__ import annotations

import pytest

from testbed.chromium import CATALOG, Kiosk


@pytest.fixture
def kiosk(site, tmp_path):
    made = Kiosk(site, tmp_path)
    yield made
    made.remove()
