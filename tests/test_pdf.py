"""PDF inspection and preview with the real poppler tools, on PDFs the tests make."""

from __future__ import annotations

import subprocess

import pytest

from kiosk.devices.pdf import DocumentError, inspect, previews


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
