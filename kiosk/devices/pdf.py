"""Looking inside a PDF before it is printed: pages, encryption, damage, and a preview
image of a page. Through poppler's `pdfinfo` and `pdftoppm`, each run within `Limits`: a
hostile or broken file must neither hang the kiosk nor take its memory."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """What looking at one document may cost the kiosk."""

    timeout_s: float = 10.0
    # Address space of each poppler tool (RLIMIT_AS). A 480 px preview needs tens of MB; a
    # 418-byte PDF with a 1 x 1500 pt page asks pdftoppm for a 480 x 720,000 px bitmap (1-2 GB).
    memory_bytes: int = 512 * 1024 * 1024
    # A preview has a fixed width, so a page's pixels grow with its length over its width;
    # beyond this ratio (either way) a page is a sliver on screen and a bomb in memory.
    # A4 is 1.41, a long till receipt about 8.
    max_aspect: float = 10.0


LIMITS = Limits()


class DocumentError(ValueError):
    """A file that cannot be printed. `kind` is one of: not_pdf, encrypted, damaged, empty,
    too_large, unshowable (its pages cannot be drawn within `Limits`); the printing service
    turns it into words for the citizen."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    size_bytes: int
    page_mm: tuple[float, float]


def _tool(name: str, package: str = "poppler-utils") -> str:
    path = shutil.which(name)
    if path is None:
        from kiosk.devices import DeviceError

        raise DeviceError(f"{name} is not installed (Debian package '{package}')")
    return path


def _run(argv: list[str], limits: Limits) -> subprocess.CompletedProcess:
    """One poppler tool under `limits`. The limit is set by prlimit(1), which then execs the
    tool: a `preexec_fn` would run Python between fork and exec, which can deadlock in a
    process with threads (the kiosk has several). TimeoutExpired is the caller's."""
    return subprocess.run([_tool("prlimit", "util-linux"), f"--as={limits.memory_bytes}", "--",
                           _tool(argv[0]), *argv[1:]],
                          capture_output=True, text=True, timeout=limits.timeout_s, errors="replace")


def _check_shape(number: int, width_pt: float, height_pt: float, limits: Limits) -> None:
    if width_pt <= 0 or height_pt <= 0:
        raise DocumentError("unshowable", f"page {number} is {width_pt:g} x {height_pt:g} pt")
    if max(width_pt, height_pt) / min(width_pt, height_pt) > limits.max_aspect:
        raise DocumentError("unshowable", f"page {number} is {width_pt:g} x {height_pt:g} pt, "
                                          f"more than {limits.max_aspect:g} times longer than wide or wider than long")


def inspect(path: Path, max_bytes: int = 50 * 1024 * 1024, limits: Limits = LIMITS) -> PdfInfo:
    """Check that `path` is a printable PDF and read its page count. Raises DocumentError."""
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError("too_large", f"{size} bytes")
    with path.open("rb") as handle:
        if not handle.read(1024).lstrip().startswith(b"%PDF-"):
            raise DocumentError("not_pdf")
    try:
        result = _run(["pdfinfo", str(path)], limits)
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
    if box:
        _check_shape(1, float(box.group(1)), float(box.group(2)), limits)
    page_mm = (round(float(box.group(1)) * 25.4 / 72, 1), round(float(box.group(2)) * 25.4 / 72, 1)) if box else (0.0, 0.0)
    return PdfInfo(int(pages.group(1)), size, page_mm)


def page_sizes(path: Path, last_page: int, limits: Limits = LIMITS) -> list[tuple[float, float]]:
    """(width, height) in points of the crop boxes of pages 1..`last_page`. Raises DocumentError."""
    try:
        result = _run(["pdfinfo", "-f", "1", "-l", str(last_page), str(path)], limits)
    except subprocess.TimeoutExpired:
        raise DocumentError("damaged", "pdfinfo took too long") from None
    # A size pdfinfo prints negative or not at all does not match: the page count says so.
    sizes = [(float(w), float(h)) for w, h in
             re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", result.stdout, re.M)]
    if result.returncode != 0 or len(sizes) != last_page:
        raise DocumentError("damaged", (result.stderr.strip() or f"{len(sizes)} page sizes of {last_page}")[:200])
    return sizes


def _png_size(path: Path) -> tuple[int, int] | None:
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def previews(path: Path, last_page: int, target: Path, width_px: int = 600, limits: Limits = LIMITS) -> list[Path]:
    """PNGs of pages 1..`last_page`, `width_px` wide, named `target`-N.png, from one
    pdftoppm run (one parse of the document). The pages' shapes are read first, so a page
    that would take an absurd bitmap is refused before anything is drawn. Raises DocumentError."""
    for old in target.parent.glob(f"{target.name}-*.png"):
        old.unlink()
    for number, (width_pt, height_pt) in enumerate(page_sizes(path, last_page, limits), start=1):
        _check_shape(number, width_pt, height_pt, limits)
    # -cropbox: the box pdfinfo measured, and the page viewers show. Without it pdftoppm draws
    # the media box, which a hostile file makes 1 x 1500 pt around a 1 x 1.5 pt crop box.
    try:
        result = _run(["pdftoppm", "-png", "-cropbox", "-f", "1", "-l", str(last_page), "-scale-to-x", str(width_px),
                       "-scale-to-y", "-1", str(path), str(target)], limits)
    except subprocess.TimeoutExpired:
        raise DocumentError("unshowable", "pdftoppm took too long") from None
    # pdftoppm pads page numbers to the width of the document's page count (-01, -001).
    pngs = sorted(target.parent.glob(f"{target.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    # Past its memory limit pdftoppm says "Out of memory", writes a 1 x 1 image and exits 0;
    # killed by a signal (an abort on a failed allocation) it exits negative.
    if "Out of memory" in result.stderr or result.returncode < 0:
        raise DocumentError("unshowable", result.stderr.strip()[:200] or f"pdftoppm: signal {-result.returncode}")
    if result.returncode != 0 or len(pngs) != last_page:
        raise DocumentError("damaged", result.stderr.strip()[:200])
    # The shapes were checked; this is for what pdfinfo and pdftoppm might see differently.
    # A page turned by /Rotate 90 comes out `width_px` high instead of wide.
    longest = width_px * limits.max_aspect + 1
    for png in pngs:
        size = _png_size(png)
        if size is None or width_px not in size or max(size) > longest:
            raise DocumentError("unshowable", f"{png.name}: an image of {size} px for {width_px} px")
    return pngs


def write_text_pdf(path: Path, pages: list[str], page_pt: tuple[float, float] = (595, 842)) -> Path:
    """A PDF with one line of Latin-1 text (Helvetica) per page, A4 unless `page_pt` says
    otherwise: the printer's test page, and the sample document of the screenshots.
    Readable back with pdftotext."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"", b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica"
               b"/Encoding/WinAnsiEncoding>>"]
    kids = []
    for text in pages:
        line = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 28 Tf 72 760 Td ({line}) Tj ET".encode("cp1252", errors="replace")
        objects.append(b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %g %g]/Resources<</Font<</F1 3 0 R>>>>"
                       b"/Contents %d 0 R>>" % (*page_pt, content))
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
