"""The digital-support list as a one-page A4 slip to print and take home, in the person's
language: each place with what it offers, where, its week's hours, phone and a QR code.

Made with ReportLab (the PDF library of the Python world: real text a printer driver and a
screen reader can read, its own QR codes) in Kivy's own Roboto, which every kiosk has. What
does not fit on the page is left out and the slip says how many more the staff can tell of.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import BinaryIO

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


class Slip:
    """One A4 page written top down: lines that wrap, QR codes at the right margin. `large`:
    type a third larger, for a person who uses large text."""

    def __init__(self, path: "Path | BinaryIO", title: str, large: bool = False) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.pdfgen.canvas import Canvas

        self.regular, self.bold = _fonts()
        self.width, height = A4
        self.mm = mm
        self.margin = 18 * mm
        self.canvas = Canvas(str(path) if isinstance(path, Path) else path, pagesize=A4, invariant=True)  # the same list makes the same file
        self.canvas.setTitle(title)
        self.y = height - self.margin
        self.grow = 1.35 if large else 1.0

    def parts(self, text: str, font: str, size: float, room: float = 0) -> list[str]:
        from reportlab.lib.utils import simpleSplit

        return simpleSplit(text, font, size * self.grow, self.width - 2 * self.margin - room)

    def line(self, text: str, font: str = "", size: float = 11, room: float = 0, indent: float = 0) -> None:
        font = font or self.regular
        grown = size * self.grow
        for part in self.parts(text, font, size, room + indent):
            self.canvas.setFont(font, grown)
            self.canvas.drawString(self.margin + indent, self.y - grown, part)
            self.y -= grown * 1.3

    def tick(self, size: float) -> float:
        """A done mark at the left margin of the next line (drawn: the font has none); the
        indent to write beside it."""
        grown = size * self.grow
        path = self.canvas.beginPath()
        path.moveTo(self.margin, self.y - grown * 0.55)
        path.lineTo(self.margin + grown * 0.35, self.y - grown * 0.95)
        path.lineTo(self.margin + grown * 0.95, self.y - grown * 0.05)
        self.canvas.setLineWidth(grown * 0.14)
        self.canvas.drawPath(path, stroke=1, fill=0)
        return grown * 1.4

    def qr(self, data: str, top: float, side_mm: float = QR_SIZE) -> None:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing

        widget = QrCodeWidget(data)
        x0, y0, x1, y1 = widget.getBounds()
        side = side_mm * self.mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, self.canvas, self.width - self.margin - side, top - side)

    def gap(self, millimetres: float) -> None:
        self.y -= millimetres * self.mm

    def save(self) -> None:
        self.canvas.showPage()
        self.canvas.save()


def write_slip(path: Path, support: Support, tr, site_name: str, phone: str, phone_hours: str,
               now: datetime, large: bool = False) -> Path:
    """The slip at `path`; `large`: type a third larger, for a person who uses large text
    (fewer places fit; the rest are counted)."""
    from kiosk.support_words import OFFER_NAMES, advice_words, clock, stale_words

    page = Slip(path, tr._("Digital support near you"), large)
    mm, regular, bold = page.mm, page.regular, page.bold
    local = now.astimezone(HELSINKI)
    page.line(tr._("Digital support near you"), bold, 20)
    page.line(tr._("Printed at {place} on {date}").format(place=site_name,
                                                          date=f"{local.day}.{local.month}.{local.year}"), regular, 10)
    stale = stale_words(tr, support, now)
    if stale:
        page.line(stale, bold, 10)
    page.gap(4)
    floor = page.margin + 30 * mm  # Public Service Info's lines stay on the page
    left_out = 0
    for provider in support.places():
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
        needed = (len(page.parts(name, bold, 13, room)) * 13
                  + sum(len(page.parts(t, regular, 11, room)) * 11 for t in texts)) * 1.3 * page.grow
        needed = max(needed, QR_SIZE * mm if room else 0) + 5 * mm
        if page.y - needed < floor:
            left_out += 1
            continue
        top = page.y
        page.line(name, bold, 13, room=room)
        for text in texts:
            page.line(text, regular, 11, room=room)
        if room:
            page.qr(provider.url or "tel:" + provider.phone.replace(" ", ""), top)
            page.y = min(page.y, top - QR_SIZE * mm)
        page.gap(5)
    if left_out:
        page.line(tr._("More places that did not fit here: {count}. The staff can tell you of them.").format(
            count=left_out), bold, 11)
        page.gap(3)
    page.line(tr._("Public Service Info (Kansalaisneuvonta)"), bold, 13)
    page.line(advice_words(tr, phone, phone_hours))
    page.save()
    return path


def write_booking_slip(path: Path, booking, tr, site_name: str, large: bool = False) -> Path:
    """A booked time on paper: when, where, how long, the code, and a QR code with the
    time as a calendar event (a phone's camera offers to add it). Nothing of the person."""
    from kiosk.booking import place_words, when_words

    title = tr._("Your time with a helper")
    page = Slip(path, title, large)
    at = booking.chosen_at()
    top = page.y
    room = (QR_SIZE + 8) * page.mm
    page.line(title, page.bold, 20, room=room)
    page.line(when_words(tr, at), page.bold, 16, room=room)
    page.line(place_words(tr, booking), page.regular, 12, room=room)
    page.gap(3)
    page.line(tr._("Booking code: {code}").format(code=booking.code), page.bold, 16, room=room)
    page.line(tr._("Show this slip or say the code to the helper when you come."), page.regular, 12, room=room)
    provider = booking.provider
    if provider is not None and provider.phone:
        page.line(tr._("If you cannot come, please call {number}.").format(number=provider.phone), page.regular,
                  12, room=room)
    page.qr(booking.slip_event(title), top, QR_SIZE + 4)
    page.y = min(page.y, top - (QR_SIZE + 4) * page.mm)
    page.gap(4)
    page.line(tr._("Scan the code with your phone's camera to add the time to your calendar."), page.regular, 10)
    page.line(tr._("Booked at {place}").format(place=site_name), page.regular, 10)
    page.save()
    return path


def write_route_slip(path: Path, service, support: Support, tr, phone: str, phone_hours: str, now: datetime,
                     large: bool = False) -> Path:
    """A service's route without e-services on paper: the same words as the route screen."""
    from kiosk.route_words import office_blocks, other_lines, phone_lines

    texts = service.in_(tr.language)
    page = Slip(path, texts.title, large)
    page.line(texts.title, page.bold, 20)
    page.line(texts.offline, page.regular, 11)
    page.gap(3)
    page.line(tr._("Call"), page.bold, 13)
    for text in phone_lines(tr, service, phone, phone_hours):
        page.line(text)
    page.gap(3)
    page.line(tr._("Nearest office"), page.bold, 13)
    offices = office_blocks(tr, service, support, now)
    for name, lines in offices:
        page.line(name, page.bold, 11)
        for text in lines:
            page.line(text)
    if not offices:
        page.line(tr._("The staff here can tell you where the nearest office is."))
    page.gap(3)
    page.line(tr._("What to bring"), page.bold, 13)
    for text in texts.bring:
        page.line("• " + text)
    page.gap(3)
    for text in other_lines(tr, service):
        page.line(text, page.regular, 10)
    page.save()
    return path


def write_learnt_slip(path: Path, learnt: list[tuple[str, str]], tr, site_name: str, large: bool = False) -> Path:
    """"What I learnt today": each lesson done in this session with what it taught, a done
    mark beside it, and where and when. No name: the person may write theirs on it."""
    from kiosk.support import now_utc

    title = tr._("What I learnt today")
    page = Slip(path, title, large)
    local = now_utc().astimezone(HELSINKI)
    page.line(title, page.bold, 22)
    page.line(tr._("At {place} on {date}").format(place=site_name, date=f"{local.day}.{local.month}.{local.year}"),
              page.regular, 11)
    page.gap(6)
    for lesson_title, what in learnt:
        indent = page.tick(15)
        page.line(lesson_title, page.bold, 15, indent=indent)
        page.line(what, page.regular, 12, indent=indent)
        page.gap(4)
    page.gap(4)
    page.line(tr._("Well done! The lessons are there to do again whenever you like."), page.regular, 12)
    page.save()
    return path
