"""Looking inside a PDF before it is printed: pages, encryption, damage, and a preview
image of a page. Through poppler's `pdfinfo` and `pdftoppm`, each run with a time limit
(a hostile or broken file must not hang the kiosk)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 10.0


class DocumentError(ValueError):
    """A file that cannot be printed. `kind` is one of: not_pdf, encrypted, damaged, empty,
    too_large; the printing service turns it into words for the citizen."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    size_bytes: int
    page_mm: tuple[float, float]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        from kiosk.devices import DeviceError

        raise DeviceError(f"{name} is not installed (Debian package 'poppler-utils')")
    return path


def inspect(path: Path, max_bytes: int = 50 * 1024 * 1024) -> PdfInfo:
    """Check that `path` is a printable PDF and read its page count. Raises DocumentError."""
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError("too_large", f"{size} bytes")
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF-"):
            raise DocumentError("not_pdf")
    try:
        result = subprocess.run([_tool("pdfinfo"), str(path)], capture_output=True, text=True,
                                timeout=TIMEOUT_S, errors="replace")
    except subprocess.TimeoutExpired:
        raise DocumentError("damaged", "pdfinfo took too long") from None
    output = result.stdout + result.stderr
    if "Incorrect password" in output or re.search(r"^Encrypted:\s+yes", result.stdout, re.M):
        raise DocumentError("encrypted")
    pages = re.search(r"^Pages:\s+(\d+)", result.stdout, re.M)
    if not pages and "Invalid page count 0" in result.stderr:
        raise DocumentError("empty")
    if result.returncode != 0 or not pages:
        raise DocumentError("damaged", result.stderr.strip()[:200])
    if int(pages.group(1)) == 0:
        raise DocumentError("empty")
    box = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", result.stdout, re.M)
    page_mm = (round(float(box.group(1)) * 25.4 / 72, 1), round(float(box.group(2)) * 25.4 / 72, 1)) if box else (0.0, 0.0)
    return PdfInfo(int(pages.group(1)), size, page_mm)


def previews(path: Path, last_page: int, target: Path, width_px: int = 600) -> list[Path]:
    """PNGs of pages 1..`last_page`, `width_px` wide, named `target`-N.png, from one
    pdftoppm run (one parse of the document). Raises DocumentError."""
    for old in target.parent.glob(f"{target.name}-*.png"):
        old.unlink()
    try:
        result = subprocess.run(
            [_tool("pdftoppm"), "-png", "-f", "1", "-l", str(last_page), "-scale-to-x", str(width_px),
             "-scale-to-y", "-1", str(path), str(target)],
            capture_output=True, text=True, timeout=TIMEOUT_S, errors="replace")
    except subprocess.TimeoutExpired:
        raise DocumentError("damaged", "pdftoppm took too long") from None
    # pdftoppm pads page numbers to the width of the document's page count (-01, -001).
    pngs = sorted(target.parent.glob(f"{target.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if result.returncode != 0 or not pngs:
        raise DocumentError("damaged", result.stderr.strip()[:200])
    return pngs


def write_text_pdf(path: Path, pages: list[str]) -> Path:
    """An A4 PDF with one line of Latin-1 text (Helvetica) per page: the printer's test page,
    and the sample document of the screenshots. Readable back with pdftotext."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"", b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica"
               b"/Encoding/WinAnsiEncoding>>"]
    kids = []
    for text in pages:
        line = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 28 Tf 72 760 Td ({line}) Tj ET".encode("cp1252", errors="replace")
        objects.append(b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 3 0 R>>>>"
                       b"/Contents %d 0 R>>" % content)
        kids.append(len(objects))
    objects[1] = b"<</Type/Pages/Kids[%s]/Count %d>>" % (" ".join(f"{k} 0 R" for k in kids).encode(), len(pages))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
