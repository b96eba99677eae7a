"""The digital-support list as a one-page A4 slip to print and take home, in the person's
language: each place with what it offers, where, its week's hours, phone and a QR code.

Made with ReportLab (the PDF library of the Python world: real text a printer driver and a
screen reader can read, its own QR codes) in Kivy's own Roboto, which every kiosk has. What
does not fit on the page is left out and the slip says how many more the staff can tell of.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.i18n import N_
from kiosk.support import HELSINKI, Support, Weekly

DAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
QR_SIZE = 26  # mm


def _fonts() -> tuple[str, str]:
    import os

    import kivy
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = os.path.join(os.path.dirname(kivy.__file__), "data", "fonts")
    for name, file in (("KioskRegular", "Roboto-Regular.ttf"), ("KioskBold", "Roboto-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, os.path.join(folder, file)))
    return "KioskRegular", "KioskBold"


def week_text(tr, weekly: tuple[Weekly, ...], clock) -> str:
    """"Tue–Thu 10–14, Sat 11–13" in the person's words (`clock` writes a time)."""
    parts = []
    for row in weekly:
        days = tr._(DAY_NAMES[row.first]) + ("" if row.first == row.last else "–" + tr._(DAY_NAMES[row.last]))
        parts.append(f"{days} {clock(row.opens, tr.language)}–{clock(row.closes, tr.language, with_word=False)}")
    return ", ".join(parts)


def write_slip(path: Path, support: Support, tr, site_name: str, phone: str, phone_hours: str,
               now: datetime, large: bool = False) -> Path:
    """The slip at `path`; `large`: type a third larger, for a person who uses large text
    (fewer places fit; the rest are counted)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    from kiosk.support_words import OFFER_NAMES, advice_words, clock, stale_words

    regular, bold = _fonts()
    width, height = A4
    margin = 18 * mm
    canvas = Canvas(str(path), pagesize=A4, invariant=True)  # the same list makes the same file
    canvas.setTitle(tr._("Digital support near you"))
    y = height - margin

    grow = 1.35 if large else 1.0

    def parts(text: str, font: str, size: float, room: float = 0) -> list[str]:
        return simpleSplit(text, font, size * grow, width - 2 * margin - room)

    def line(text: str, font: str = regular, size: float = 11, room: float = 0) -> None:
        nonlocal y
        size *= grow
        for part in parts(text, font, size / grow, room):
            canvas.setFont(font, size)
            canvas.drawString(margin, y - size, part)
            y -= size * 1.3

    def qr(data: str, top: float) -> None:
        widget = QrCodeWidget(data)
        x0, y0, x1, y1 = widget.getBounds()
        side = QR_SIZE * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, canvas, width - margin - side, top - side)

    local = now.astimezone(HELSINKI)
    line(tr._("Digital support near you"), bold, 20)
    line(tr._("Printed at {place} on {date}").format(place=site_name, date=f"{local.day}.{local.month}.{local.year}"),
         regular, 10)
    stale = stale_words(tr, support, now)
    if stale:
        line(stale, bold, 10)
    y -= 4 * mm
    floor = margin + 30 * mm  # Public Service Info's lines stay on the page
    left_out = 0
    for provider in support.providers:
        room = (QR_SIZE + 4) * mm if provider.url or provider.phone else 0
        offers = " · ".join(tr._(OFFER_NAMES[o]) for o in provider.offers if o in OFFER_NAMES)
        texts = [text for text in (
            offers, provider.address.in_(tr.language) if provider.address else "",
            week_text(tr, provider.weekly, clock) if provider.weekly else "",
            provider.hours_note.in_(tr.language) if provider.hours_note else "",
            tr._("Phone {number}").format(number=provider.phone) if provider.phone else "",
            provider.url.removeprefix("https://")) if text]
        # Measured before it is drawn: a place that would run into the floor waits for the staff.
        name = provider.name.in_(tr.language)
        needed = (len(parts(name, bold, 13, room)) * 13 + sum(len(parts(t, regular, 11, room)) * 11 for t in texts)) \
            * 1.3 * grow
        needed = max(needed, QR_SIZE * mm if room else 0) + 5 * mm
        if y - needed < floor:
            left_out += 1
            continue
        top = y
        line(name, bold, 13, room=room)
        for text in texts:
            line(text, regular, 11, room=room)
        if room:
            qr(provider.url or "tel:" + provider.phone.replace(" ", ""), top)
            y = min(y, top - QR_SIZE * mm)
        y -= 5 * mm
    if left_out:
        line(tr._("More places that did not fit here: {count}. The staff can tell you of them.").format(
            count=left_out), bold, 11)
        y -= 3 * mm
    line(tr._("Public Service Info (Kansalaisneuvonta)"), bold, 13)
    line(advice_words(tr, phone, phone_hours))
    canvas.showPage()
    canvas.save()
    return path
