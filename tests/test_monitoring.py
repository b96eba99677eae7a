"""The example monitoring (provisioning/monitoring): the alert rules and their unit tests
through promtool, the example Prometheus configuration, and the rules asking only for
metrics the desk's /metrics has."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "provisioning" / "monitoring"


def promtool(*argv: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess:
    if shutil.which("promtool") is None:
        pytest.fail("promtool is missing (Debian package 'prometheus'; 'make test' installs it)")
    return subprocess.run(["promtool", *argv], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_the_alert_rules_are_valid_and_fire_when_they_should_and_not_before():
    checked = promtool("check", "rules", "kiosk-alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "kiosk-alerts.test.yml")
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr


def test_the_example_prometheus_configuration_is_valid(tmp_path):
    """As it would be on the monitoring host: its token and CA files there."""
    text = (MONITORING / "prometheus.yml").read_text()
    for name in ("kiosk-desk-metrics-token", "kiosk-ca.pem"):
        assert f"/etc/prometheus/{name}" in text
        (tmp_path / name).write_text("x" * 64 + "\n")
        text = text.replace(f"/etc/prometheus/{name}", str(tmp_path / name))
    (tmp_path / "prometheus.yml").write_text(text)
    shutil.copy(MONITORING / "kiosk-alerts.yml", tmp_path)
    checked = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert checked.returncode == 0 and "SUCCESS: 4 rules found" in checked.stdout, checked.stdout + checked.stderr


def test_the_rules_ask_only_for_metrics_the_desk_has(tmp_path):
    from prometheus_client.exposition import generate_latest
    from prometheus_client.parser import text_string_to_metric_families
    from prometheus_client.registry import CollectorRegistry

    from kiosk.desk.metrics import DeskCollector
    from kiosk.desk.store import Store

    store = Store(str(tmp_path / "desk.sqlite"))
    store.status("oodi", "oodi-1", {"session": "active", "printer": {"faults": ["jammed"]}})
    request_id = str(uuid.uuid4())
    store.add_request("oodi", {"id": request_id, "kiosk": "oodi-1", "topic": "printing"})
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeskCollector(store, lambda: ["oodi"]))
    exposed = {sample.name for family in text_string_to_metric_families(generate_latest(registry).decode())
               for sample in family.samples}
    asked = set(re.findall(r"\bkiosk_desk_[a-z_]+", (MONITORING / "kiosk-alerts.yml").read_text()))
    assert asked and asked <= exposed, asked - exposed
