"""The CUPS printer device against a real cupsd with virtual printers."""

from __future__ import annotations

import time

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.printer import CupsPrinter, FakePrinter, PrinterStatus, faults_from

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def test_faults_are_read_from_state_reasons():
    assert faults_from(["media-empty-error", "toner-low-warning"], 3, True) == ("out_of_paper", "toner_low")
    assert faults_from(["media-jam-error", "offline-report"], 5, True) == ("jammed", "offline", "paused")
    assert faults_from([], 3, False) == ("not_accepting",)
    assert faults_from(["cups-insecure-filter-warning"], 3, True) == ()
    assert PrinterStatus("P", "idle", ("toner_low",)).can_print
    assert not PrinterStatus("P", "stopped", ("out_of_paper",)).can_print


def test_submit_and_follow_a_job(cupsd, tmp_path):
    document = tmp_path / "tax-card.pdf"
    document.write_bytes(PDF)
    printer = CupsPrinter(cupsd.socket, "kiosk-printer-test", cupsd.add_queue("JobTest"))
    try:
        assert printer.status() == PrinterStatus("JobTest", "idle", ())
        job = printer.submit(document, "tax card", copies=2, page_ranges="1")
        assert job > 0
        deadline = time.monotonic() + 20
        while printer.job_state(job) not in (None, "completed") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert printer.job_state(job) in (None, "completed")  # done (and forgotten: no history kept)
        assert printer.pending_jobs() == []
    finally:
        printer.close()


def test_a_paused_or_rejecting_queue_is_a_fault_before_printing(cupsd):
    queue = cupsd.add_queue("FaultTest")
    printer = CupsPrinter(cupsd.socket, "kiosk-printer-test", queue)
    try:
        cupsd.pause(queue, "out of paper")
        status = printer.status()
        assert status.state == "stopped" and "paused" in status.faults and not status.can_print
        cupsd.reject(queue)
        assert "not_accepting" in printer.status().faults
    finally:
        printer.close()


def test_an_unknown_queue_or_server_is_a_device_error(cupsd, tmp_path):
    printer = CupsPrinter(cupsd.socket, "kiosk-printer-test", "NoSuchQueue")
    try:
        with pytest.raises(DeviceError):
            printer.status()
    finally:
        printer.close()
    printer = CupsPrinter("/nonexistent/cups.sock", "kiosk-printer-test")
    try:
        with pytest.raises(DeviceError):
            printer.pending_jobs()
    finally:
        printer.close()


def test_fake_printer_records_and_simulates_faults(tmp_path):
    printer = FakePrinter(hold=True)
    job = printer.submit(tmp_path / "a.pdf", "a", copies=3, page_ranges="1-2")
    assert printer.submitted == [(str(tmp_path / "a.pdf"), "a", 3, "1-2")] and printer.job_state(job) == "held"
    printer.faults = ("out_of_paper",)
    assert not printer.status().can_print
