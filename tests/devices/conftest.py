"""Real Chromium on the local test e-service (tests/conftest.py `site`), shared by the
browser tests in this folder."""

from __future__ import annotations

import json

import pytest

from testbed.chromium import CATALOG, Kiosk


@pytest.fixture
def kiosk(site, tmp_path):
    made = Kiosk(site, tmp_path)
    yield made
    made.remove()


@pytest.fixture
def other_site(site):
    """The test site under its other name, localhost, allowed too: another site, whose
    frames Chromium runs in processes of their own."""
    port = site.host.rsplit(":", 1)[1]
    allowed = json.loads(site.policy_text)
    allowed["URLAllowlist"].append(f"localhost:{port}")
    site.policy.write(json.dumps(allowed))
    yield f"localhost:{port}"
    site.policy.write(site.policy_text)
