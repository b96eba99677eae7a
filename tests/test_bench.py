"""The benchmark runner prints one JSON object per metric with its baseline and ratio."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.gui
def test_bench_memory_prints_a_ratio_against_its_baseline():
    result = subprocess.run([sys.executable, "-m", "bench", "memory"], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    metric = json.loads(lines[0])
    assert {"name", "value", "unit", "baseline", "ratio"} <= set(metric)
    assert metric["name"] == "memory" and metric["unit"] == "MB"
    assert metric["baseline"] > 50 and metric["value"] > metric["baseline"]
    assert metric["ratio"] == pytest.approx(metric["value"] / metric["baseline"], rel=0.01)


def test_bench_rejects_unknown_names():
    result = subprocess.run([sys.executable, "-m", "bench", "nope"], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 2 and "unknown benchmark: nope" in result.stderr


def test_bench_print_and_preview_measure_the_real_service():
    result = subprocess.run([sys.executable, "-m", "bench", "print", "preview"], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = {m["name"]: m for m in map(json.loads, result.stdout.strip().splitlines())}
    assert set(metrics) == {"print", "preview"}
    for metric in metrics.values():
        assert metric["unit"] == "s" and metric["value"] > 0 and metric["baseline"] > 0
        assert metric["ratio"] == pytest.approx(metric["value"] / metric["baseline"], rel=0.01)
    assert metrics["preview"]["pages_previewed"] == 2


@pytest.mark.gui
def test_bench_browser_open_and_wipe_with_real_chromium():
    result = subprocess.run([sys.executable, "-m", "bench", "browser_open", "browser_wipe"], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = {m["name"]: m for m in map(json.loads, result.stdout.strip().splitlines())}
    assert metrics["browser_open"]["value"] > 0 and metrics["browser_open"]["baseline"] > 0
    assert metrics["browser_wipe"]["receipts_ok"] is True


def test_bench_help_latency_and_desk_fanin_on_one_and_two_desk_processes():
    # Ten seconds of load rather than the benchmark's thirty: this checks that it runs and
    # what it reports, not the figures themselves.
    result = subprocess.run([sys.executable, "-m", "bench", "help_latency", "desk_fanin", "desk_fanin_postgres"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT,
                            env=dict(os.environ, BENCH_FANIN_SECONDS="10"))
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = {m["name"]: m for m in map(json.loads, result.stdout.strip().splitlines())}
    latency, fanin = metrics["help_latency"], metrics["desk_fanin"]
    assert latency["unit"] == "ms" and latency["value"] > 0 and latency["p95_ms"] >= latency["value"]
    assert fanin["help_requests"] >= 3 and fanin["status_messages"] > 6_000 and 0 < fanin["cpu_percent"] < 100
    assert (fanin["kiosks"], fanin["processes"], fanin["pages"]) == (10_000, 1, 1)
    shared = metrics["desk_fanin_postgres"]
    assert (shared["kiosks"], shared["processes"], shared["database"], shared["pages"]) == (10_000, 2, "postgresql", 2)
    assert len(shared["cpu_percent_each"]) == 2 and all(0 < cpu < 100 for cpu in shared["cpu_percent_each"])
    assert shared["value"] > 0 and shared["page_update_p95_ms"] >= shared["value"]


def test_bench_scan_to_document_against_scanimage_alone():
    result = subprocess.run([sys.executable, "-m", "bench", "scan_to_document"], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    metric = json.loads(result.stdout.strip().splitlines()[-1])
    assert metric["name"] == "scan_to_document" and metric["value"] > 0 and metric["baseline"] > 0
    assert metric["ratio"] == pytest.approx(metric["value"] / metric["baseline"], rel=0.01)
    assert metric["page_bytes"] > 100_000  # a real page went into the PDF
