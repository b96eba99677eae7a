""""Book a time with a helper": the next free times at the site's digital support, the one
chosen confirmed, the code on screen and on a slip (kiosk/booking.py does the booking)."""

from __future__ import annotations

from kiosk.booking import parse_slot, place_words, status_words, when_words
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskButton, KioskScreen


class BookingScreen(KioskScreen):
    essentials = ("book_button", "print_slip", "try_again")
    _bound = None

    def on_pre_enter(self, *_args) -> None:
        booking = kiosk().booking
        if booking.state not in ("booked", "booking", "confirming"):
            booking.ask()  # a fresh look at what is free, on each visit
        if self._bound is None:
            self._bound = booking.fbind("state", self._changed)
        super().on_pre_enter()

    def on_leave(self, *_args) -> None:
        if self._bound is not None:
            kiosk().booking.unbind_uid("state", self._bound)
            self._bound = None

    def _changed(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = kiosk()
        tr, booking = app.tr, app.booking
        self.ids.place_line.text = place_words(tr, booking)
        self.ids.status.text = status_words(tr, booking)
        box = self.ids.times
        box.clear_widgets()
        if booking.state == "choosing":
            for slot in booking.free:
                at = parse_slot(slot)
                button = KioskButton(text=when_words(tr, at), icon="event")
                button.bind(on_release=lambda _b, chosen=slot: booking.choose(chosen))
                box.add_widget(button)

    def book(self) -> None:
        app = kiosk()
        app.booking.book("other", app.journey.service_id, app.tr.language, app.accessibility_in_use())
