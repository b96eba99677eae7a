"""The local test e-service and real Chromium, shared by the browser tests in this folder."""

from __future__ import annotations

import pytest

from kiosk.browser_policy import policy, policy_json
from testbed.chromium import CATALOG, Kiosk


@pytest.fixture(scope="module")
def site(xvfb_display):
    import json

    from testbed.site import InstalledPolicy, TestSite

    served = TestSite().start()
    installed = InstalledPolicy(policy_json(CATALOG, [served.host]))
    served.policy = installed
    served.policy_text = json.dumps(policy(CATALOG, [served.host]))
    yield served
    installed.remove()
    served.stop()


@pytest.fixture
def kiosk(site, tmp_path):
    made = Kiosk(site, tmp_path)
    yield made
    made.remove()
