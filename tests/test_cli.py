"""The `kiosk` command as IT staff use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import DEMO_FILE, PACKAGED_CATALOG, pin_matches

ROOT = Path(__file__).resolve().parents[1]


def kiosk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True,
                          input=stdin, timeout=60, cwd=ROOT)


def test_check_config_valid_prints_a_summary():
    result = kiosk("check-config", str(DEMO_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kiosk demo-01 at Esimerkkikirjasto" in result.stdout
    assert "11 services in 9 categories" in result.stdout
    assert "configuration is valid" in result.stdout


def test_check_config_prints_every_error_and_exits_2(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[site]\nkiosk_id = "x"\nnaem = "Oodi"\n\n[timeouts]\nwarning_s = 10\n'
                   '[devices]\nprinter = "cpus"\n')
    result = kiosk("check-config", str(bad))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert f"{bad}:3: site.naem: unknown key (did you mean 'name'?)" in lines
    assert f"{bad}:6: timeouts.warning_s: 10 is out of range: must be between 20 and 300 seconds" in lines
    assert f"{bad}:8: devices.printer: 'cpus' is not one of cups, fake, none (did you mean 'cups'?)" in lines
    assert "3 problems found" in result.stderr


def test_check_config_reports_syntax_errors_and_missing_files(tmp_path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[site\n')
    result = kiosk("check-config", str(bad))
    assert result.returncode == 2 and f"{bad}:1: not valid TOML" in result.stdout
    result = kiosk("check-config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2 and "file not found" in result.stderr


def test_check_config_checks_a_candidate_drop_in_merged_over_the_rest(tmp_path):
    """Provisioning's validate: the new drop-in, a temporary file, in place of the old one,
    under the site's kiosk.toml and over its local drop-ins."""
    etc = tmp_path / "etc"
    (etc / "kiosk.d").mkdir(parents=True)
    (etc / "kiosk.d" / "90-local.toml").write_text("[timeouts]\ninactivity_s = 200\n")
    candidate = tmp_path / "source"
    candidate.write_text('[site]\nkiosk_id = "oodi-01"\n[timeouts]\ninactivity_s = 100\naccessible_inactivity_s = 150\n')
    layer = str(etc / "kiosk.d" / "50-provisioning.toml")
    result = kiosk("check-config", "--config-dir", str(etc), "--as", layer, str(candidate))
    assert result.returncode == 2 and f"{candidate}:5: timeouts.accessible_inactivity_s: 150 is shorter than " \
                                      "inactivity_s (200)" in result.stdout, result.stdout + result.stderr
    (etc / "kiosk.d" / "90-local.toml").write_text("[timeouts]\nwarning_s = 40\n")
    result = kiosk("check-config", "--config-dir", str(etc), "--as", layer, str(candidate))
    assert result.returncode == 0 and "kiosk oodi-01 at" in result.stdout
    assert f"read from: {ROOT}/kiosk/data/defaults.toml, {candidate}, {etc}/kiosk.d/90-local.toml" in result.stdout
    result = kiosk("check-config", "--config-dir", str(etc), "--as", str(tmp_path / "kiosk.conf"), str(candidate))
    assert result.returncode == 2 and "is not a layer of the configuration" in result.stderr


def test_check_config_includes_the_catalogue_it_names(tmp_path):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(PACKAGED_CATALOG.read_text().replace('url = "https://www.kela.fi/asiointi"',
                                                           'url = "http://www.kela.fi/asiointi"'))
    config = tmp_path / "kiosk.toml"
    config.write_text('[catalog]\nfile = "catalog.toml"\n')
    result = kiosk("check-config", str(config))
    assert result.returncode == 2
    assert "service[0].url: 'http://www.kela.fi/asiointi' is not an https:// address" in result.stdout


def test_catalog_check(tmp_path):
    result = kiosk("catalog", "check", str(PACKAGED_CATALOG))
    assert result.returncode == 0 and "catalogue is valid" in result.stdout
    broken = tmp_path / "catalog.toml"
    broken.write_text(PACKAGED_CATALOG.read_text().replace('id = "omavero"', 'id = "kela"'))
    result = kiosk("catalog", "check", str(broken))
    assert result.returncode == 2
    assert any(line.endswith("service[1].id: 'kela' is used by another service") for line in result.stdout.splitlines())


# What once gave a traceback (RecursionError, ValueError), was accepted, or took gigabytes:
# file text -> the problem reported, after "FILE" or "FILE:LINE".
HOSTILE = {
    "arrays 5,000 deep": ("[site]\nx = " + "[" * 5000 + "]" * 5000 + "\n",
                          ":2: not read: arrays and tables nest deeper than 16 levels"),
    "inline tables 2,000 deep": ("[site]\n\nx = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
                                 ":3: not read: arrays and tables nest deeper than 16 levels"),
    "a 5,000-digit integer": ("[timeouts]\nidle_s = " + "9" * 5000 + "\n",
                              ":2: not read: a number of 5,000 digits; numbers here have at most 19"),
    "a dotted key of 5,000 parts": ("[site]\n" + "a." * 5000 + "b = 1\n", ":2: not read: a dotted key of more than 16 parts"),
    "20 MB": ("# " + "x" * 20 * 2**20 + "\n", ": not read: larger than"),
}


def assert_refused(result: subprocess.CompletedProcess, path: Path, expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert any(line.startswith(f"{path}{expected}") for line in result.stdout.splitlines()), result.stdout[-3000:]
    assert "1 problem found" in result.stderr


@pytest.mark.parametrize("name", [*HOSTILE, "a 2 MB string"])
def test_check_config_refuses_hostile_files_without_a_traceback(tmp_path, name):
    path = tmp_path / "kiosk.toml"
    text, expected = HOSTILE.get(name) or ('[site]\nname = "' + "x" * 2 * 2**20 + '"\n',
                                           ": not read: larger than 1,048,576 bytes (1 MiB), the limit for this file")
    path.write_text(text)
    assert_refused(kiosk("check-config", str(path)), path, expected)


@pytest.mark.parametrize("name", [*HOSTILE, "a 2 MB string"])
def test_catalog_check_refuses_hostile_files_without_a_traceback(tmp_path, name):
    path = tmp_path / "catalog.toml"
    text, expected = HOSTILE.get(name) or (
        '[identification]\ndomains = ["tunnistus.suomi.fi"]\n\n[[service]]\nid = "kela"\nurl = "' + "x" * 2 * 2**20 + '"\n',
        ":6: service[0].url: a text of 2,097,152 characters; texts have at most 4,096")
    path.write_text(text)
    assert_refused(kiosk("catalog", "check", str(path)), path, expected)


def test_check_config_names_the_file_that_cannot_be_read(tmp_path):
    fifo = tmp_path / "kiosk.toml"
    os.mkfifo(fifo)  # nobody writes into it: reading it would wait for ever
    assert_refused(kiosk("check-config", str(fifo)), fifo, ": cannot be read: not a regular file")


# The peak memory of one command, alone in a fresh interpreter's children.
PEAK = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_kb(*args: str) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "kiosk", *args], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, check=True).stdout.split()
    return int(out[0]), int(out[1])


def test_a_long_quoted_string_costs_the_check_no_more_than_its_size(tmp_path):
    """The pattern that skipped strings took ~125 bytes per character: 375 MB for these 3 MB."""
    text = PACKAGED_CATALOG.read_text()
    start = text.index('summary = "') + len('summary = "')
    hostile = tmp_path / "catalog.toml"
    hostile.write_text(text[:start] + "a" * 3_000_000 + text[text.index('"', start):])
    code, baseline = peak_kb("catalog", "check", str(PACKAGED_CATALOG))
    assert code == 0
    code, peak = peak_kb("catalog", "check", str(hostile))
    assert code == 2 and peak < baseline + 48 * 1024, (baseline, peak)


def test_hash_pin_from_stdin():
    result = kiosk("hash-pin", stdin="482913\n")
    assert result.returncode == 0
    assert pin_matches("482913", result.stdout.strip())
    assert kiosk("hash-pin", stdin="12ab\n").returncode == 1


@pytest.mark.gui
def test_screenshots_with_the_packaged_defaults_say_why_the_kiosk_is_out_of_service(xvfb_display, tmp_path):
    """No --config: the packaged defaults print through the default CUPS server; with none
    there the start-up wipe fails and the kiosk is out of service (it fails closed). The
    tour says so and photographs that screen, instead of a traceback."""
    env = dict(os.environ, DISPLAY=xvfb_display, XDG_RUNTIME_DIR=str(tmp_path / "run"),
               XDG_STATE_HOME=str(tmp_path / "state"), CUPS_SERVER=str(tmp_path / "no-cups.sock"))
    result = subprocess.run([sys.executable, "-m", "kiosk", "screenshots", "--out", str(tmp_path / "shots"),
                             "--looks", "normal", "--languages", "fi"], capture_output=True, text=True,
                            timeout=240, env=env, cwd=ROOT)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "out of service with this configuration" in result.stderr
    assert sorted(p.name for p in (tmp_path / "shots").rglob("*.png")) == ["out_of_service.png"]


def test_screenshots_of_every_screen_language_and_look(kiosk_cli, tmp_path):
    # Three of the demo's nine languages, and Arabic (right to left): the others look alike.
    result = kiosk_cli("screenshots", "--config", str(DEMO_FILE), "--out", str(tmp_path),
                       "--languages", "fi", "sv", "en", "ar")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wipe check" not in result.stderr and "wipe step" not in result.stderr, result.stderr[-3000:]
    pictures = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.png"))
    screens = ["accessibility", "booking", "browser", "categories", "choose_file", "closed", "closing_soon",
               "documents", "end_session", "goodbye", "guide", "help", "language", "learn", "needs", "nondigital",
               "on_behalf", "open_service", "phone_upload", "print", "print_status", "route", "scan", "services",
               "share_ask", "staff", "staff_pin", "stick", "support", "warning", "welcome"]
    assert pictures == sorted(f"{look}/{lang}/{screen}.png" for look in ("normal", "large", "contrast")
                              for lang in ("fi", "sv", "en", "ar") for screen in screens)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "كيف يمكننا مساعدتك؟" in manifest["normal/ar/needs.png"]
    assert "Kosketa aloittaaksesi" in manifest["normal/fi/welcome.png"]
    assert "Rör för att börja" in manifest["contrast/sv/welcome.png"]
    assert "How can we help you?" in manifest["large/en/needs.png"]
    assert "Esimerkkikirjaston digituki" in manifest["normal/fi/support.png"]
    assert "Saturday: 10:00–16:00" in manifest["large/en/closed.png"]  # the sample week
    # The looks really differ: a high-contrast picture is not the normal one.
    assert (tmp_path / "normal/fi/needs.png").read_bytes() != (tmp_path / "contrast/fi/needs.png").read_bytes()


@pytest.mark.gui
def test_broken_core_configuration_shows_out_of_service_not_a_crash(kiosk_cli, tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[site]\nkiosk_id = "oodi-7"\n[display]\nfullscreen = false\ndpi = "high"\n'
                      'width = 1280\nheight = 800\n')
    result = kiosk_cli("screenshots", "--config", str(config), "--out", str(tmp_path / "shots"),
                       "--looks", "normal")
    assert result.returncode == 0, result.stderr[-3000:]
    pictures = sorted(str(p.relative_to(tmp_path / "shots")) for p in (tmp_path / "shots").rglob("*.png"))
    assert pictures == ["normal/en/out_of_service.png", "normal/fi/out_of_service.png",
                        "normal/sv/out_of_service.png"]
    texts = json.loads((tmp_path / "shots" / "manifest.json").read_text())["normal/fi/out_of_service.png"]
    assert "Tämä tietokone on pois käytöstä" in texts
    assert "Den här datorn är ur funktion" in texts
    assert "This computer is out of service" in texts
    assert "oodi-7" in texts
    assert f"{config}:5: display.dpi: must be a number of dots per inch, not text" in result.stderr
    assert "out of service" in result.stderr


@pytest.mark.gui
def test_kiosk_run_starts_and_keeps_running(xvfb_display, tmp_path):
    import os
    import time

    env = dict(os.environ, DISPLAY=xvfb_display, XDG_RUNTIME_DIR=str(tmp_path / "run"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    log = tmp_path / "kiosk.log"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(DEMO_FILE)],
                                   stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + 60
            while "Start application main loop" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
            time.sleep(2)
            assert process.poll() is None, log.read_text()[-3000:]  # still up: nothing made it exit
        finally:
            process.terminate()
            process.wait(timeout=10)
    text = log.read_text()
    assert "Start application main loop" in text
    assert "Traceback" not in text and "ERROR" not in text
