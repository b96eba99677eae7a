"""A picture (PNG or JPEG) from a memory stick made printable: one A4 page as a PDF, the
picture fitted within margins, the page turned landscape for a picture wider than tall.

A picture from a stick is hostile input: a few kilobytes can claim a billion pixels, or be
cut short, or be something else with a .jpg name. It is decoded in a child process
(picture_page.py, Pillow in isolated mode) under `PictureLimits`, the way kiosk.devices.pdf
runs poppler: address space, CPU time and output size capped by prlimit(1), a timeout on
the whole, Pillow's decompression-bomb check at the pixel limit. What fails is a
`DocumentError` whose kind the stick screen says in words; nothing half-written is left.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kiosk.devices.pdf import DocumentError, _tool

CHILD = Path(__file__).with_name("picture_page.py")


@dataclass(frozen=True)
class PictureLimits:
    """What making one picture printable may cost the kiosk."""

    timeout_s: float = 30.0
    cpu_s: int = 20
    # Address space of the child (RLIMIT_AS): Python and Pillow map under 64 MB; a photo
    # takes 3 bytes a pixel decoded, and resizing a third as much again (a 48-megapixel
    # PNG peaks at 260 MB, one at the pixel limit near 350 MB).
    memory_bytes: int = 768 * 1024 * 1024
    # A 50-megapixel phone camera's full-size photo fits; a bomb's claimed size does not.
    max_pixels: int = 64_000_000
    max_file_bytes: int = 50 * 1024 * 1024
    # The page written (RLIMIT_FSIZE): an A4 page at `dpi` as JPEG is well under this.
    max_output_bytes: int = 20 * 1024 * 1024
    dpi: int = 200
    margin_mm: float = 10.0


PICTURE_LIMITS = PictureLimits()


def picture_pdf(source: Path, target: Path, limits: PictureLimits = PICTURE_LIMITS) -> Path:
    """Write `source` (PNG or JPEG) as a one-page A4 PDF at `target`. Raises DocumentError:
    too_large (the file or its pixels), damaged (not a picture, cut short, corrupt),
    unshowable (it could not be decoded within the limits)."""
    size = source.stat().st_size
    if size > limits.max_file_bytes:
        raise DocumentError("too_large", f"{size} bytes")
    # Written beside the target under a name the documents list skips, renamed when whole.
    partial = target.with_name(target.name + ".part")
    argv = [_tool("prlimit", "util-linux"), f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_s}",
            f"--fsize={limits.max_output_bytes}", "--", sys.executable, "-I", str(CHILD),
            str(source), str(partial), str(limits.max_pixels), str(limits.dpi), str(limits.margin_mm)]
    try:
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=limits.timeout_s,
                                    errors="replace")
        except subprocess.TimeoutExpired:
            raise DocumentError("unshowable", f"not decoded in {limits.timeout_s:g} s") from None
        answer = _answer(result.stdout)
        if result.returncode == 2 and answer.get("kind") in ("too_large", "damaged"):
            raise DocumentError(answer["kind"], str(answer.get("detail", "")))
        # Killed by a limit (SIGKILL, SIGXCPU, SIGXFSZ), or out of memory inside Python.
        if result.returncode != 0 or "landscape" not in answer:
            raise DocumentError("unshowable", (result.stderr.strip()[-200:] or f"exit status {result.returncode}"))
        with partial.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise DocumentError("unshowable", "the page written is not a PDF")
        partial.replace(target)
        return target
    finally:
        partial.unlink(missing_ok=True)


def _answer(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
