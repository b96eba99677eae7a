"""Pictures made into one-page PDFs in a child process under limits, on pictures the tests
make with Pillow: fitted on A4 the way they were taken, and hostile ones refused in time."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from kiosk.devices.pdf import DocumentError, inspect, previews
from kiosk.devices.pictures import PictureLimits, picture_pdf

A4_MM = (209.9, 297.0)  # as pdfinfo's points come back in millimetres


def photo(path: Path, size: tuple[int, int], **save) -> Path:
    """A picture with a black frame and a dark square in its top left corner."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline="black", width=max(2, size[0] // 50))
    draw.rectangle((0, 0, size[0] // 4, size[1] // 4), fill=(40, 40, 40))
    image.save(path, **save)
    return path


def page_of(pdf: Path, tmp_path: Path) -> Image.Image:
    png = previews(pdf, 1, tmp_path / "page", width_px=300)[0]
    with Image.open(png) as image:
        return image.convert("L")


def refused(source: Path, target: Path, limits: PictureLimits = PictureLimits()) -> str:
    with pytest.raises(DocumentError) as error:
        picture_pdf(source, target, limits)
    assert not target.exists() and not target.with_name(target.name + ".part").exists()  # nothing half-made
    return error.value.kind


@pytest.mark.parametrize("name, size, page_mm", [
    ("photo.jpg", (1200, 900), A4_MM[::-1]),   # wider than tall: a landscape page
    ("scan.png", (850, 1100), A4_MM),           # taller than wide: portrait
    ("square.png", (500, 500), A4_MM),
])
def test_a_picture_becomes_one_a4_page_turned_the_way_it_is_wider(tmp_path, name, size, page_mm):
    pdf = picture_pdf(photo(tmp_path / name, size), tmp_path / "out.pdf")
    info = inspect(pdf)
    assert info.pages == 1 and info.page_mm == pytest.approx(page_mm, abs=0.5)
    page = page_of(pdf, tmp_path)
    assert page.getpixel((2, 2)) > 240  # the margin is white paper
    # Fitted within the margins: the frame runs along one pair of page edges, 10 mm in.
    inked = page.point(lambda v: 255 if v < 128 else 0).getbbox()
    margin_px = 10 / page_mm[0] * page.width
    left, top, right, bottom = inked
    assert min(left, page.width - right, top, page.height - bottom) == pytest.approx(margin_px, abs=3)


def test_a_photo_turned_by_its_camera_is_printed_upright(tmp_path):
    # Stored 1200 x 900 but EXIF orientation 6: the camera was held upright, so portrait.
    exif = Image.Exif()
    exif[0x0112] = 6
    pdf = picture_pdf(photo(tmp_path / "turned.jpg", (1200, 900), exif=exif), tmp_path / "out.pdf")
    assert inspect(pdf).page_mm == pytest.approx(A4_MM, abs=0.5)
    page = page_of(pdf, tmp_path)
    # Turned a quarter clockwise, the dark corner is now at the top right.
    quarter = (page.width // 2, page.height // 2)
    top_left = page.crop((0, 0, *quarter)).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    top_right = page.crop((quarter[0], 0, page.width, quarter[1])).resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    assert top_right < top_left


def test_transparency_is_white_paper_and_the_file_name_is_not_in_the_pdf(tmp_path):
    source = tmp_path / "Maija Meikäläinen passi.png"
    Image.new("RGBA", (400, 600), (0, 0, 0, 0)).save(source)
    pdf = picture_pdf(source, tmp_path / "out.pdf")
    assert page_of(pdf, tmp_path).getextrema()[0] > 240  # all of it white
    assert b"Maija" not in pdf.read_bytes() and b"passi" not in pdf.read_bytes()


def test_grey_and_sixteen_bit_pictures_are_printed(tmp_path):
    grey = tmp_path / "grey.png"
    Image.linear_gradient("L").save(grey)
    deep = tmp_path / "deep.png"
    Image.linear_gradient("L").convert("I").point(lambda v: v * 256).convert("I;16").save(deep)
    for source in (grey, deep):
        pdf = picture_pdf(source, tmp_path / f"{source.stem}.pdf")
        low, high = page_of(pdf, tmp_path).getextrema()
        assert low < 60 and high > 240, source.name  # black to white, not clipped to white


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(path: Path, side: int) -> Path:
    """A real PNG of `side` x `side` black 1-bit pixels: a few hundred kilobytes that decode
    to side² pixels (30,000² is 900 million)."""
    row = b"\x00" + bytes((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data)
                     + png_chunk(b"IEND", b""))
    return path


def test_a_decompression_bomb_is_refused_from_its_header_at_once(tmp_path):
    bomb = bomb_png(tmp_path / "bomb.png", 30_000)
    assert bomb.stat().st_size < 1_000_000
    started = time.monotonic()
    assert refused(bomb, tmp_path / "out.pdf") == "too_large"
    assert time.monotonic() - started < 10
    # A picture within Pillow's own default limit is still refused at the kiosk's.
    assert refused(photo(tmp_path / "big.png", (1000, 1000)), tmp_path / "out.pdf",
                   PictureLimits(max_pixels=500_000)) == "too_large"


@pytest.mark.parametrize("name, cut", [("photo.jpg", 0.5), ("scan.png", 0.5), ("photo.jpg", 0.02)])
def test_a_truncated_picture_is_refused_as_damaged(tmp_path, name, cut):
    whole = photo(tmp_path / f"whole-{name}", (800, 600), **({"quality": 90} if name.endswith("jpg") else {}))
    data = whole.read_bytes()
    broken = tmp_path / name
    broken.write_bytes(data[:int(len(data) * cut)])
    assert refused(broken, tmp_path / "out.pdf") == "damaged"


def test_what_is_not_a_png_or_jpeg_is_refused_whatever_its_name(tmp_path):
    program = tmp_path / "kuva.jpg"
    program.write_bytes(b"MZ\x90\x00 this is a program")
    assert refused(program, tmp_path / "out.pdf") == "damaged"
    tiff = tmp_path / "scan.png"  # a TIFF under a PNG's name never reaches Pillow's TIFF decoder
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(buffer, "TIFF")
    tiff.write_bytes(buffer.getvalue())
    assert refused(tiff, tmp_path / "out.pdf") == "damaged"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert refused(empty, tmp_path / "out.pdf") == "damaged"


def test_the_limits_hold_a_picture_too_big_for_its_memory_or_time(tmp_path):
    source = tmp_path / "large.png"
    Image.linear_gradient("L").resize((4000, 4000)).convert("RGB").save(source, compress_level=1)
    # 48 MB decoded does not fit in 96 MB of address space with Python and Pillow.
    assert refused(source, tmp_path / "out.pdf", PictureLimits(memory_bytes=96 * 1024 * 1024)) == "unshowable"
    started = time.monotonic()
    assert refused(source, tmp_path / "out.pdf", PictureLimits(timeout_s=0.05)) == "unshowable"
    assert time.monotonic() - started < 5
    assert refused(source, tmp_path / "out.pdf", PictureLimits(max_file_bytes=1000)) == "too_large"
    # The page it writes is bounded too: killed past the size, nothing is left.
    assert refused(source, tmp_path / "out.pdf", PictureLimits(max_output_bytes=10_000)) == "unshowable"


def test_the_child_runs_isolated_from_the_callers_path(tmp_path, monkeypatch):
    """Run by path in isolated mode: PYTHONPATH and the current directory are not looked in,
    so a module planted there (here a PIL that would fail) is never imported."""
    planted = tmp_path / "planted" / "PIL"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text("raise SystemExit('the planted PIL ran')\n")
    monkeypatch.setenv("PYTHONPATH", str(planted.parent))
    monkeypatch.chdir(planted.parent)
    assert inspect(picture_pdf(photo(tmp_path / "a.png", (200, 100)), tmp_path / "a.pdf")).pages == 1
