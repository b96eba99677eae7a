"""Scanning through a real SANE stack: scanimage and SANE's own `test` backend."""

import subprocess

import pytest

from kiosk.background import Immediate
from kiosk.devices.hotplug import SCANNER, FakeMonitor, classify
from kiosk.devices.processes import SessionProcesses
from kiosk.devices.scanner import SaneScanner, ScanSettings, parse_capabilities
from kiosk.documents import list_documents
from kiosk.scanning import Scanning
from kiosk.wipe import SessionWipe
from testbed.sane import SaneTestScanner


@pytest.fixture
def sane(tmp_path, monkeypatch):
    scanner = SaneTestScanner(tmp_path / "sane.d")
    monkeypatch.setenv("SANE_CONFIG_DIR", str(scanner.directory))
    return scanner


@pytest.fixture
def wipe(tmp_path):
    wipe = SessionWipe(tmp_path / "run", tmp_path / "state")
    wipe.prepare()
    return wipe


@pytest.fixture
def scanning(sane, wipe, tmp_path):
    processes = SessionProcesses(tmp_path / "run" / "session-processes")
    wipe.register_step("processes", lambda: [p.kill() for p in processes._children.values()])
    service = Scanning(SaneScanner(processes), wipe.session_dir, Immediate(), ScanSettings(resolution=100))
    wipe.register_step("scanning", service.reset)
    wipe.register_check("scanned pages forgotten", service.left_over)
    service.refresh()
    assert service.available and service.device == "test:0"
    return service


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_two_pages_become_one_pdf_in_the_documents_and_the_wipe_leaves_nothing(scanning, wipe, tmp_path):
    scanning.scan_page()
    scanning.scan_page()
    assert len(scanning.pages) == 2 and len(scanning.previews) == 2 and scanning.fault == ""
    scanning.save("Skannaus 14.03")
    assert scanning.pages == [] and scanning.saved == ["Skannaus 14.03.pdf"]
    documents, _new = list_documents(wipe.session_dir / "downloads", {})
    assert [d.name for d in documents] == ["Skannaus 14.03.pdf"]
    pdf = documents[0].path
    assert pdf_pages(pdf) == 2
    # Read back with poppler: the test backend's colour pattern, 200 x 200 mm, not a blank page.
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "back")], check=True)
    from PIL import Image, ImageStat

    with Image.open(next(tmp_path.glob("back*.png"))) as page:
        assert abs(page.width / 20 * 25.4 - 200) < 3 and len(set(page.convert("RGB").getdata())) > 20
        assert ImageStat.Stat(page.convert("L")).stddev[0] > 10  # a blank page has none
    assert list((wipe.session_dir / "scan").iterdir()) == []  # the pages went into the PDF
    scanning.scan_page()  # a page scanned and not saved: the next person must not find it
    assert list((wipe.session_dir / "scan").iterdir())
    report = wipe.run("session_end")
    assert report.ok, report.failed
    assert not any(p for p in wipe.session_dir.rglob("*") if p.is_file())
    assert scanning.pages == [] and scanning.left_over() == 0


def test_a_page_scanned_again_replaces_the_last_and_pictures_are_kept_as_jpeg(scanning, wipe):
    scanning.scan_page()
    first = scanning.pages[0]
    scanning.scan_page(again=True)
    assert len(scanning.pages) == 1 and scanning.pages[0] != first
    scanning.scan_page()
    scanning.save("Scan 09.15", as_pictures=True)
    names = sorted(p.name for p in (wipe.session_dir / "downloads").iterdir())
    assert names == ["Scan 09.15 (2).jpg", "Scan 09.15.jpg"]
    from PIL import Image

    with Image.open(wipe.session_dir / "downloads" / "Scan 09.15.jpg") as picture:
        assert picture.format == "JPEG" and picture.size == (787, 787)  # 200 mm at 100 dpi


@pytest.mark.parametrize("fault", ["jammed", "cover_open", "busy"])
def test_a_scanner_fault_is_said_in_its_own_words_and_nothing_is_left(scanning, sane, wipe, fault):
    sane.configure(fault=fault)
    scanning.scan_page()
    assert scanning.fault == fault and scanning.pages == [] and scanning.state == "idle"
    assert list((wipe.session_dir / "scan").iterdir()) == []  # no half page
    sane.configure()
    scanning.scan_page()
    assert scanning.fault == "" and len(scanning.pages) == 1


def test_a_scanner_taken_away_and_plugged_in_again(scanning, sane):
    monitor, events = FakeMonitor(), []
    monitor.start(events.append)
    sane.configure(devices=0)
    scanning.scan_page()
    assert scanning.fault in ("none", "failed") and not scanning.available  # found gone after the failure
    sane.configure(devices=1)
    monitor.plug(SCANNER, "/devices/usb1/1-2")  # as udev reports it: the watch looks again
    assert events[-1].kind == SCANNER
    scanning.refresh()
    assert scanning.available and scanning.scanner_name == "Noname frontend-tester"


def test_udev_marks_of_sane_make_a_scanner():
    assert classify("usb", "usb_device", "1-2", {"ID_USB_INTERFACES": ":ff0000:", "libsane_matched": "yes"}) == SCANNER
    assert classify("usb", "usb_device", "1-2", {"ID_USB_INTERFACES": ":ff0000:"}) is None


def test_staff_test_scans_a_page_and_keeps_nothing(scanning, sane, wipe):
    results = []
    scanning.test(results.append)
    assert results == [""]
    sane.configure(fault="cover_open")
    scanning.test(results.append)
    sane.configure(devices=0)
    scanning.test(results.append)
    assert results == ["", "cover_open", "none"]
    assert not list((wipe.session_dir.parent / "staff-scan").iterdir())
    assert scanning.pages == []


def test_a_scan_of_the_previous_person_is_dropped(sane, wipe, tmp_path):
    """The wipe comes while a page is being scanned: its result never reaches the next person."""
    from kiosk.background import Runner

    class Later(Runner):
        def __init__(self):
            self.waiting = []

        def run(self, work, done):
            self.waiting.append((work, done))

    runner = Later()
    service = Scanning(SaneScanner(), wipe.session_dir, runner, ScanSettings(resolution=50))
    service.device = "test:0"
    service.scan_page()
    assert service.state == "scanning"
    service.reset()
    work, done = runner.waiting.pop()
    done(work(), None)
    assert service.pages == [] and service.left_over() == 0
    assert list((wipe.session_dir / "scan").iterdir()) == []


def test_the_backend_options_are_read_from_scanimage(sane):
    help_text = subprocess.run(["scanimage", "-d", "test:0", "-A"], capture_output=True, text=True,
                               env=sane.environment()).stdout
    found = parse_capabilities(help_text)
    assert found.resolution_range == (1, 1200) and "Color" in found.modes
    assert (found.width_mm, found.height_mm) == (200, 200)
    listed = parse_capabilities("    --resolution 75|150|300|600dpi [300]\n    --mode Lineart|Gray|Color [Color]\n")
    assert listed.resolutions == (75, 150, 300, 600)


@pytest.mark.parametrize("with_pidfd", [True, False])
def test_the_wait_for_scanimage_ends_when_it_ends(with_pidfd):
    """The scan's wait wakes when the process exits (its pidfd), and without a pidfd
    (Linux before 5.3) falls back to Popen's own wait; either way it does not report a
    running process as ended."""
    import os
    import time

    from kiosk.devices.scanner import _ended_within, _pidfd

    process = subprocess.Popen(["sleep", "0.3"])
    pidfd = _pidfd(process) if with_pidfd else None
    assert (pidfd is not None) == with_pidfd
    try:
        assert not _ended_within(process, pidfd, 0.01)
        started = time.monotonic()
        assert _ended_within(process, pidfd, 30)
        assert time.monotonic() - started < 29  # woken by the exit, not by the timeout
        assert process.returncode == 0
    finally:
        if pidfd is not None:
            os.close(pidfd)
