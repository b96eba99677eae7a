"""What a file from a person's phone is, by its content, and the file the kiosk gets of it.

Both ends use this: the desk when the phone sends a file (kiosk/desk/uploads.py), the kiosk
again when it fetches one (kiosk/phone_upload.py), since the desk is a network peer. Names
and the phone's declared types are never trusted; the first bytes and Pillow decide.

Pictures are decoded and written anew: nothing of their metadata (EXIF, GPS position, XMP,
PNG text) is carried over, and the EXIF orientation is applied first, so the picture
stands as the phone showed it."""

from __future__ import annotations

import io
import re
import warnings

MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; more is a decompression bomb, not a photo
KINDS = ("pdf", "jpeg", "png")
SUFFIXES = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


class Refused(ValueError):
    """Not a file to pass on; `reason` is one of "type", "heic", "size", "broken"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str | None:
    """"pdf", "jpeg", "png", "heic" (an iPhone's own format), or None, by the first bytes."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def check(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The kind of `data` ("pdf", "jpeg", "png"), or Refused. A PDF must also end as one."""
    if len(data) > max_bytes:
        raise Refused("size")
    if not data:
        raise Refused("type")
    kind = sniff(data)
    if kind == "heic":
        raise Refused("heic")
    if kind is None:
        raise Refused("type")
    if kind == "pdf" and b"%%EOF" not in data[-2048:]:
        raise Refused("broken")
    return kind


def _opened(data: bytes):
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ("JPEG", "PNG"):
                raise Refused("type")
            if image.width * image.height > MAX_PIXELS:
                raise Refused("size")
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                white = Image.new("RGB", image.size, "white")
                white.paste(image, mask=image.getchannel("A"))
                return white
            return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("size") from None
    except Exception:  # a hostile file finds Pillow's TypeErrors and struct.errors too (EXIF)
        raise Refused("broken") from None


def prepare(data: bytes, as_picture: bool = False, max_bytes: int = MAX_FILE_BYTES) -> tuple[bytes, str]:
    """(the file to deliver, its kind): a PDF as it came; a picture as a one-page PDF, or
    with `as_picture` as a JPEG (a PNG stays PNG), written anew without its metadata."""
    kind = check(data, max_bytes)
    if kind == "pdf":
        return data, "pdf"
    image = _opened(data)
    out = io.BytesIO()
    if as_picture:
        if kind == "png":
            image.save(out, "PNG", optimize=False)
        else:
            image.save(out, "JPEG", quality=90)
        if out.tell() > max_bytes:  # written anew, a picture may grow past the bound
            raise Refused("size")
        return out.getvalue(), kind
    # An A4 page's width at 150 dpi is 1240 pixels: a phone photo prints about page-wide.
    resolution = max(72.0, image.width / 8.27)
    image.save(out, "PDF", resolution=resolution)
    if out.tell() > max_bytes:
        raise Refused("size")
    return out.getvalue(), "pdf"


def safe_name(name: str, kind: str) -> str:
    """A file name to show and to write, from what the phone called it: letters, digits,
    spaces and ".-_" only, at most 60 characters, with the suffix of its real kind."""
    stem = re.sub(r"[^\w .-]", "", str(name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1], flags=re.UNICODE)
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"\s+", " ", stem).strip(" .-")[:60] or "phone"
    return stem + SUFFIXES[kind]
