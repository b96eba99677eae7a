"""PDF inspection and preview with the real poppler tools, on PDFs the tests make."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from PIL import Image

from kiosk.devices.pdf import DocumentError, Limits, inspect, previews
from testbed.pdfs import make_page_pdf


def make_pdf(path, pages: int):
    from PIL import Image, ImageDraw

    images = []
    for number in range(pages):
        image = Image.new("RGB", (595, 842), "white")
        ImageDraw.Draw(image).text((60, 60), f"Page {number + 1}", fill="black")
        images.append(image)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=72)
    return path


def test_a_ten_page_pdf_is_counted_and_previewed(tmp_path):
    pdf = make_pdf(tmp_path / "decision.pdf", 10)
    info = inspect(pdf)
    assert info.pages == 10 and info.page_mm == (209.9, 297.0)
    pngs = previews(pdf, 2, tmp_path / "preview", width_px=300)
    # pdftoppm names them preview-01.png, preview-02.png for a 10-page document
    assert [p.name for p in pngs] == ["preview-01.png", "preview-02.png"]
    from PIL import Image

    for png in pngs:
        with Image.open(png) as image:
            assert image.width == 300 and image.height > 400
            assert image.convert("L").getextrema()[0] < 100  # the page has ink on it


@pytest.mark.parametrize("content, kind", [
    (b"MZ\x90\x00 this is an executable", "not_pdf"),
    (b"%PDF-1.4\n%%%% cut short", "damaged"),
])
def test_bad_files_are_refused_with_their_kind(tmp_path, content, kind):
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    with pytest.raises(DocumentError) as error:
        inspect(path)
    assert error.value.kind == kind


def test_encrypted_and_oversized_pdfs_are_refused(tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", 2)
    locked = tmp_path / "locked.pdf"
    subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", str(plain), str(locked)], check=True)
    with pytest.raises(DocumentError) as error:
        inspect(locked)
    assert error.value.kind == "encrypted"
    with pytest.raises(DocumentError) as error:
        inspect(plain, max_bytes=100)
    assert error.value.kind == "too_large"


# One preview in a fresh interpreter, so that RUSAGE_CHILDREN holds only the poppler tools
# it ran (prlimit execs them in place): their peak memory, the time, and what came of it.
PREVIEW_ALONE = """
import json, resource, sys, time
from pathlib import Path
from kiosk.devices.pdf import DocumentError, Limits, previews

limits = Limits(max_aspect=float(sys.argv[3]))
started = time.monotonic()
try:
    result = [p.name for p in previews(Path(sys.argv[1]), 1, Path(sys.argv[2]), 480, limits)]
except DocumentError as error:
    result = error.kind
print(json.dumps({"result": result, "seconds": time.monotonic() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def preview_alone(pdf, tmp_path, max_aspect=Limits().max_aspect) -> dict:
    out = subprocess.run([sys.executable, "-c", PREVIEW_ALONE, str(pdf), str(tmp_path / pdf.stem),
                          str(max_aspect)], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def test_hostile_page_shapes_are_refused_at_once_and_huge_pages_previewed_small(tmp_path):
    normal = preview_alone(make_page_pdf(tmp_path / "a4.pdf", 595, 842), tmp_path)
    assert normal["result"] == ["a4-1.png"]
    budget_mb = normal["peak_mb"] + 64
    # 418 bytes that asked pdftoppm for 1.3-2.1 GB until its 10 s timeout.
    for width, height in ((1, 1500), (1500, 1), (1, 14400)):
        hostile = preview_alone(make_page_pdf(tmp_path / f"page-{width}x{height}.pdf", width, height), tmp_path)
        assert hostile["result"] == "unshowable", (width, height, hostile)
        assert hostile["seconds"] < 3 and hostile["peak_mb"] < budget_mb, (width, height, hostile, normal)
    # Two hundred inches square: large paper, but an ordinary 480 px preview.
    huge = preview_alone(make_page_pdf(tmp_path / "huge.pdf", 14400, 14400), tmp_path)
    assert huge["result"] == ["huge-1.png"] and huge["seconds"] < 5 and huge["peak_mb"] < budget_mb
    with Image.open(tmp_path / "huge-1.png") as image:
        assert image.size == (480, 480)


def test_the_memory_limit_alone_stops_a_hostile_page(tmp_path):
    """With the shape check switched off, pdftoppm itself meets its RLIMIT_AS."""
    thin = make_page_pdf(tmp_path / "thin.pdf", 1, 1500)
    unbounded = preview_alone(thin, tmp_path, max_aspect=float("inf"))
    assert unbounded["result"] == "unshowable", unbounded
    assert unbounded["seconds"] < 5 and unbounded["peak_mb"] < Limits().memory_bytes / 2**20, unbounded


def test_a_hostile_media_box_behind_an_ordinary_crop_box_is_not_drawn(tmp_path):
    a4 = make_page_pdf(tmp_path / "a4.pdf", 595, 842).read_bytes()
    # pdfinfo measures the crop box (1 x 1.5 pt, an ordinary shape); the 1 x 1500 pt media
    # box around it would be a 480 x 720,000 px bitmap.
    cropped = tmp_path / "cropped.pdf"
    cropped.write_bytes(a4.replace(b"/MediaBox[0 0 595 842]", b"/MediaBox[0 0 1 1500]/CropBox[0 0 1 1.5]"))
    result = preview_alone(cropped, tmp_path)
    assert result["result"] == ["cropped-1.png"] and result["seconds"] < 3, result
    with Image.open(tmp_path / "cropped-1.png") as image:
        assert image.size == (480, 720)


def test_a_hostile_page_turned_by_rotate_is_refused(tmp_path):
    a4 = make_page_pdf(tmp_path / "a4.pdf", 595, 842).read_bytes()
    turned = tmp_path / "turned.pdf"
    turned.write_bytes(a4.replace(b"/MediaBox[0 0 595 842]", b"/MediaBox[0 0 1500 1]/Rotate 90"))
    started = time.monotonic()
    with pytest.raises(DocumentError) as error:
        previews(turned, 1, tmp_path / "preview", width_px=480)
    assert error.value.kind == "unshowable" and time.monotonic() - started < 3


def test_a_rotated_a4_page_still_previews(tmp_path):
    a4 = make_page_pdf(tmp_path / "a4.pdf", 595, 842).read_bytes()
    turned = tmp_path / "landscape.pdf"
    turned.write_bytes(a4.replace(b"/MediaBox[0 0 595 842]", b"/MediaBox[0 0 595 842]/Rotate 90"))
    (png,) = previews(turned, 1, tmp_path / "preview", width_px=480)
    with Image.open(png) as image:
        assert image.size == (680, 480)
