"""The `print` and `preview` benchmarks, with the real printing service, a real cupsd and poppler.

print:   Print confirmed (`Printing.confirm`) → the job accepted by CUPS (the device's
         submit returned a job id, handed back across the service's worker thread), for a
         10-page PDF, against `lp` sending the same file to the same queue in the same run.
         The queue holds its jobs, so both are measured up to acceptance and nothing else
         (no filters printing in the background) disturbs the next run.
preview: a document chosen (`Printing.choose`) → its check and the preview images of its
         first pages ready, for a 10-page PDF of scanned-looking pages, against `pdftoppm`
         alone rendering the first page the same way in the same run.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import ThreadRunner, compared, wait_until

RUNS = 15


class NoScheduler:
    def call_later(self, _delay, _callback):
        return lambda: None


def scanned_pdf(path: Path, pages: int = 10) -> Path:
    """A 10-page letter as a scanner or an e-service's "print to PDF" of images makes it."""
    from PIL import Image, ImageDraw

    images = []
    for number in range(1, pages + 1):
        image = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
        draw = ImageDraw.Draw(image)
        draw.rectangle((100, 100, 500, 220), fill=(20, 60, 120))
        for line in range(40):
            draw.text((120, 300 + line * 34), f"Page {number}, line {line}: Kela decision on housing allowance",
                      fill="black")
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path


def _service(printer, directory: Path):
    from kiosk.config import load_config
    from kiosk.printing import Printing

    session = directory / "session"
    (session / "downloads").mkdir(parents=True, exist_ok=True)
    return Printing(printer, replace(load_config().printing, quota_pages=0), session, ThreadRunner(),
                    NoScheduler())


def print_(display: str) -> dict:
    from kiosk.devices.printer import CupsPrinter
    from kiosk.printing import Document
    from testbed.cupsd import CupsServer

    cups = CupsServer().start()
    queue = cups.add_queue("BenchHeld", held=True)
    printer = CupsPrinter(cups.socket, "kiosk-bench", queue)
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-print-") as scratch:
            directory = Path(scratch)
            printing = _service(printer, directory)
            pdf = scanned_pdf(printing.documents_dir / "decision.pdf")
            document = Document(pdf, pdf.name, "PDF", pdf.stat().st_size, pages=10)
            printer.status()  # connected, as it is in a running kiosk
            ours, lp = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                subprocess.run(["lp", "-h", cups.socket, "-U", "kiosk-bench", "-d", queue, str(pdf)],
                               check=True, capture_output=True)
                lp.append(time.perf_counter() - started)

                printing.document, printing.first_page, printing.last_page = document, 1, 10
                printing.job_state = ""
                started = time.perf_counter()
                assert printing.confirm(), printing.reason
                wait_until(lambda: printing.job_state in ("waiting", "failed"), 30, "the job accepted")
                ours.append(time.perf_counter() - started)
                if printing.job_state != "waiting":
                    raise RuntimeError(f"the job was not accepted: {printing.job_problem}")
                printing._job = 0
            printer.purge_jobs()
    finally:
        printer.close()
        cups.stop()
    return compared("print", ours, lp, "s", 6, "ratio <= 1.5",
                    detail="Print confirmed -> job accepted by CUPS, 10-page PDF, vs lp of the same file",
                    kiosk_s=[round(v, 4) for v in ours], lp_s=[round(v, 4) for v in lp])


def preview(display: str) -> dict:
    from kiosk.devices.printer import FakePrinter
    from kiosk.printing import PREVIEW_WIDTH_PX, Document

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-preview-") as scratch:
        directory = Path(scratch)
        printing = _service(FakePrinter(), directory)
        pdf = scanned_pdf(printing.documents_dir / "decision.pdf")
        document = Document(pdf, pdf.name, "PDF", pdf.stat().st_size)
        ours, alone = [], []
        for run in range(RUNS):
            started = time.perf_counter()
            subprocess.run(["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to-x",
                            str(PREVIEW_WIDTH_PX), "-scale-to-y", "-1", str(pdf), str(directory / f"alone-{run}")],
                           check=True, capture_output=True)
            alone.append(time.perf_counter() - started)

            started = time.perf_counter()
            printing.choose(document)
            wait_until(lambda: not printing.preparing, 30, "the preview")
            ours.append(time.perf_counter() - started)
            if printing.problem or not printing.previews:
                raise RuntimeError(f"no preview: {printing.problem}")
    return compared("preview", ours, alone, "s", 4, "value < 0.5 s", pages_previewed=len(printing.previews),
                    detail="document chosen -> checked and first pages previewed, 10-page scanned PDF, "
                           "vs pdftoppm of the first page alone",
                    kiosk_s=[round(v, 4) for v in ours], pdftoppm_s=[round(v, 4) for v in alone])
