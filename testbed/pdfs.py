"""PDFs for tests and benchmarks: real text on real pages, written without any library."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kiosk.devices.pdf import write_text_pdf


def make_pdf(path: Path, pages: int, text: str = "Page {n}") -> Path:
    """An A4 PDF of `pages` pages, each saying `text` (with {n} = its number)."""
    return write_text_pdf(path, [text.format(n=n) for n in range(1, pages + 1)])


def make_page_pdf(path: Path, width_pt: float, height_pt: float, pages: int = 1) -> Path:
    """A PDF whose pages are `width_pt` x `height_pt` points (1 x 1500 is a hostile one:
    a few hundred bytes that ask for gigabytes of preview bitmap)."""
    return write_text_pdf(path, [f"Page {n}" for n in range(1, pages + 1)], page_pt=(width_pt, height_pt))


def make_encrypted_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF that opens only with a password (qpdf, Debian package 'qpdf')."""
    plain = make_pdf(path.with_name(path.stem + "-plain.pdf"), pages)
    subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(plain), str(path)], check=True)
    plain.unlink()
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
