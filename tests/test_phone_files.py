"""Files from a phone, checked by content and made into what the kiosk gets (kiosk/phone_files.py)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from PIL import Image

from kiosk.phone_files import Refused, check, prepare, safe_name, sniff


def photo(width=40, height=20, exif_orientation=None, gps=False, fmt="JPEG", mode="RGB") -> bytes:
    image = Image.new(mode, (width, height), "red" if mode == "RGB" else None)
    if mode == "RGB":
        image.paste((0, 0, 255), (0, 0, width // 2, height))  # the left half blue: which way is up
    exif = Image.Exif()
    if exif_orientation:
        exif[0x0112] = exif_orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (60.0, 10.0, 0.0), 3: "E", 4: (24.0, 56.0, 0.0)}
        exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes()) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    return out.getvalue()


def test_kinds_are_told_by_content_not_by_name():
    assert sniff(photo()) == "jpeg"
    assert sniff(photo(fmt="PNG")) == "png"
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"\0\0\0\x18ftypheic\0\0\0\0") == "heic"
    assert sniff(a_zip()) is None
    assert sniff(b"\x7fELF\x02\x01\x01" + bytes(100)) is None


@pytest.mark.parametrize("data, reason", [
    (a_zip(), "type"), (b"\x7fELF\x02\x01\x01" + bytes(100), "type"), (b"", "type"),
    (b"\0\0\0\x18ftypheic\0\0\0\0mif1", "heic"),
    (b"%PDF-1.4\nno end", "broken"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "broken"),
])
def test_what_is_refused_and_why(data, reason):
    with pytest.raises(Refused) as refused:
        prepare(data)
    assert refused.value.reason == reason


def test_too_big_is_refused_before_anything_is_decoded():
    with pytest.raises(Refused) as refused:
        check(b"%PDF-1.4\n" + bytes(2000) + b"%%EOF", max_bytes=1000)
    assert refused.value.reason == "size"


def test_a_decompression_bomb_is_refused():
    bomb = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(bomb, "PNG")  # 100 megapixels, a few hundred KB
    with pytest.raises(Refused) as refused:
        prepare(bomb.getvalue())
    assert refused.value.reason == "size"


def test_a_photo_becomes_a_one_page_pdf_turned_as_the_phone_showed_it(tmp_path):
    import subprocess

    # Orientation 6: the camera was turned; the picture is to be rotated 90° clockwise.
    data, kind = prepare(photo(40, 20, exif_orientation=6, gps=True))
    assert kind == "pdf" and data.startswith(b"%PDF-")
    (tmp_path / "out.pdf").write_bytes(data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "out.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +1$", info, re.MULTILINE)
    subprocess.run(["pdftoppm", "-png", "-r", "72", str(tmp_path / "out.pdf"), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    assert page.height > page.width  # turned upright
    top, bottom = page.getpixel((page.width // 2, 2)), page.getpixel((page.width // 2, page.height - 3))
    assert top[2] > 200 and top[0] < 60 and bottom[0] > 200  # blue (the left half) is now on top
    assert b"PhoneMaker" not in data and b"GPS" not in data


def test_as_a_picture_the_metadata_is_gone_and_the_orientation_applied():
    data, kind = prepare(photo(40, 20, exif_orientation=6, gps=True), as_picture=True)
    assert kind == "jpeg"
    image = Image.open(io.BytesIO(data))
    assert image.size == (20, 40)
    assert not image.getexif() and b"PhoneMaker" not in data
    png, kind = prepare(photo(fmt="PNG", mode="RGBA"), as_picture=True)
    assert kind == "png" and Image.open(io.BytesIO(png)).mode == "RGB"


def test_a_pdf_passes_as_it_came():
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    assert prepare(pdf) == (pdf, "pdf")
    assert prepare(pdf, as_picture=True) == (pdf, "pdf")


@pytest.mark.parametrize("name, kind, expected", [
    ("IMG_1234.HEIC.jpg", "pdf", "IMG_1234.HEIC.pdf"), ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("C:\\Users\\x\\vuokrasopimus.pdf", "pdf", "vuokrasopimus.pdf"), ("", "jpeg", "phone.jpg"),
    ("<script>.png", "png", "script.png"), ("...", "pdf", "phone.pdf"), ("a" * 200 + ".jpg", "jpeg", "a" * 60 + ".jpg"),
    ("lääkärintodistus.jpg", "pdf", "lääkärintodistus.pdf")])
def test_names_are_made_safe_with_the_suffix_of_the_real_kind(name, kind, expected):
    assert safe_name(name, kind) == expected


def test_a_picture_that_grows_past_the_bound_when_written_anew_is_refused():
    import random

    noise = Image.frombytes("RGB", (200, 200), random.Random(7).randbytes(200 * 200 * 3))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=10)  # small as it came, larger again at the kiosk's quality 90
    data = out.getvalue()
    again, _kind = prepare(data, as_picture=True)
    assert len(data) < len(again)
    with pytest.raises(Refused) as refused:
        prepare(data, as_picture=True, max_bytes=len(again) - 1)
    assert refused.value.reason == "size"


def test_a_broken_exif_that_trips_pillow_is_refused_as_broken():
    """Two bytes changed in the EXIF block: Pillow raises a TypeError, no OSError, as it
    writes the turned picture's EXIF anew (found by mutating photos)."""
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112], exif[0x010F], exif[0x8825] = 6, "PhoneMaker", {1: "N", 2: (60.0, 10.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = bytearray(out.getvalue())
    data[107], data[170] = 14, 92
    with pytest.raises(Refused) as refused:
        prepare(bytes(data))
    assert refused.value.reason == "broken"
