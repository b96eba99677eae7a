"""The `scan_to_document` benchmark, with the real scanning service and a real SANE stack.

scan_to_document: Scan tapped (`Scanning.scan_page`) → the page in → Save tapped → the PDF
    listed in My documents (the printing service's list, as the
    screen shows it), for one page at 200 dpi in colour on SANE's test backend, against
    `scanimage` alone scanning the same page to a file in the same run.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import ThreadRunner, compared, wait_for, wait_until
from bench.printing import NoScheduler

RUNS = 41  # a page on the test backend takes 15 to 30 ms, either way: many runs for a steady median


def scan_to_document(_display: str) -> dict:
    import os

    from kiosk.config import load_config
    from kiosk.devices.printer import NoPrinter
    from kiosk.devices.scanner import SaneScanner, ScanSettings
    from kiosk.printing import Printing
    from kiosk.scanning import Scanning
    from testbed.sane import SaneTestScanner

    with tempfile.TemporaryDirectory(prefix="bench-scan-") as scratch:
        directory = Path(scratch)
        sane = SaneTestScanner(directory / "sane.d")
        os.environ["SANE_CONFIG_DIR"] = str(sane.directory)
        session = directory / "session"
        for sub in ("downloads", "scan"):
            (session / sub).mkdir(parents=True)
        printing = Printing(NoPrinter(), replace(load_config().printing, quota_pages=0), session, ThreadRunner(),
                            NoScheduler())
        settings = ScanSettings()
        scanning = Scanning(SaneScanner(), session, ThreadRunner(), settings, on_saved=printing.refresh_documents,
                            preview_runner=ThreadRunner())
        scanning.refresh()
        wait_until(lambda: scanning.available and scanning.state == "idle", 30, "the scanner")
        device = scanning.device
        capabilities = scanning.scanner.capabilities(device)  # asked once per scanner, as in the kiosk
        argv = ["scanimage", "-d", device, "--format=jpeg", f"--resolution={settings.resolution}",
                "--mode=Color", "-x", f"{capabilities.width_mm:g}", "-y", f"{capabilities.height_mm:g}"]

        def baseline(run: int) -> float:
            target = directory / f"alone-{run}.jpg"  # a new file each time, as the kiosk's pages
            started = time.perf_counter()
            subprocess.run([*argv, "-o", str(target)], check=True, capture_output=True)
            took = time.perf_counter() - started
            target.unlink()
            return took

        def kiosk(run: int) -> float:
            name = f"Scan {run}"
            started = time.perf_counter()
            scanning.scan_page()
            wait_for(scanning, ("pages", "state"), lambda: scanning.pages and scanning.state == "idle", 60, "the page")
            scanning.save(name)
            wait_for(printing, ("documents",), lambda: any(d.name == f"{name}.pdf" for d in printing.documents), 60,
                     "the document")
            took = time.perf_counter() - started
            # The page's small picture, made beside the save, is done before the next run.
            wait_until(lambda: not any((session / "scan").iterdir()), 60, "the preview")
            return took

        ours, alone = [], []
        for run in range(RUNS + 1):  # alternate, so drift in machine load hits both alike
            if run % 2:
                pair = kiosk(run), baseline(run)
            else:
                first = baseline(run)
                pair = kiosk(run), first
            if run:  # the first of each warms the caches (img2pdf's import, the page cache)
                ours.append(pair[0])
                alone.append(pair[1])
        size = (session / "downloads" / f"Scan {RUNS}.pdf").stat().st_size
    return compared("scan_to_document", ours, alone, "s", 4, "ratio <= 1.5", page_bytes=size,
                    detail="one A4-size colour page at 200 dpi, SANE test backend")
