"""Run by kiosk.devices.pictures as a child process, never imported by the kiosk: one
PNG or JPEG from a memory stick decoded and laid out on one A4 page, written as a PDF.

    python -I picture_page.py SOURCE TARGET MAX_PIXELS DPI MARGIN_MM

The file is hostile until decoded, so this runs within the limits the parent sets (address
space, CPU time, file size, a timeout) and uses nothing but Pillow and the standard library:
it is run by path in isolated mode, so no kiosk package on the path is imported. It answers
with one line of JSON on stdout: {"landscape": bool} once the page is written, or
{"kind": ..., "detail": ...} with exit status 2 when the file is refused.
"""

from __future__ import annotations

import json
import sys
import warnings

A4_MM = (210.0, 297.0)
TURNED = (5, 6, 7, 8)  # EXIF orientations stored a quarter turn from upright


def refuse(kind: str, detail: str) -> None:
    print(json.dumps({"kind": kind, "detail": detail[:200]}))
    sys.exit(2)


def main(argv: list[str]) -> None:
    source, target, max_pixels, dpi, margin_mm = argv[0], argv[1], int(argv[2]), int(argv[3]), float(argv[4])
    from PIL import Image, ImageOps, UnidentifiedImageError

    # Pillow warns past MAX_IMAGE_PIXELS and refuses past twice that: here it refuses at
    # the limit, from the header, before a pixel is decoded.
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        # Only the decoders of what the kiosk lists: a renamed TIFF never reaches its own.
        with Image.open(source, formats=["PNG", "JPEG"]) as picture:
            orientation = picture.getexif().get(0x0112, 1)
            width, height = picture.size[::-1] if orientation in TURNED else picture.size
            landscape = width > height  # as the camera was held
            page_mm = A4_MM[::-1] if landscape else A4_MM
            page_px = tuple(round(mm / 25.4 * dpi) for mm in page_mm)
            margin_px = round(margin_mm / 25.4 * dpi)
            scale = min((page_px[0] - 2 * margin_px) / width, (page_px[1] - 2 * margin_px) / height)
            fitted = (max(1, round(width * scale)), max(1, round(height * scale)))
            # A JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is all the page needs.
            picture.draft(picture.mode, fitted[::-1] if orientation in TURNED else fitted)
            picture.load()
            upright = ImageOps.exif_transpose(picture) if orientation != 1 else picture
            if upright.mode.startswith(("I", "F")):  # 16-bit grey: to 8 bits, not clipped to white
                upright = upright.convert("I").point(lambda value: value / 256)
                upright = upright.convert("L")
            if upright.mode in ("1", "L"):
                mode = "L"
            elif "A" in upright.mode or "transparency" in upright.info:
                mode = "RGBA"
            else:
                mode = "RGB"
            if upright.mode != mode:
                upright = upright.convert(mode)
            fitted_picture = upright.resize(fitted, Image.Resampling.LANCZOS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        refuse("too_large", str(error))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        # Truncated, corrupt or no picture at all: Pillow raises each of these for bad data.
        refuse("damaged", f"{type(error).__name__}: {error}")
    page = Image.new("L" if mode == "L" else "RGB", page_px, "white")
    offset = ((page_px[0] - fitted[0]) // 2, (page_px[1] - fitted[1]) // 2)
    # Transparent parts are the white of the paper.
    page.paste(fitted_picture, offset, fitted_picture if mode == "RGBA" else None)
    # No title: Pillow would put the file's name in it, and a name may be a person's.
    page.save(target, "PDF", resolution=float(dpi), title=None)
    print(json.dumps({"landscape": landscape}))


if __name__ == "__main__":
    main(sys.argv[1:])
