""""From my phone": a QR code that opens a one-time page on the person's own phone, where
they send a photo or a PDF; it arrives in My documents (kiosk/phone_upload.py)."""

from __future__ import annotations

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class PhoneUploadScreen(KioskScreen):
    essentials = ("qr", "back_button")
    _bound = None

    def on_pre_enter(self, *_args) -> None:
        app = kiosk()
        phone = app.phone_upload
        phone.ask(app.tr.language)  # a fresh code on each visit: the last one may have run out
        if self._bound is None:
            self._bound = (phone.fbind("state", self._changed), phone.fbind("received", self._changed))
        self.refresh()
        super().on_pre_enter()

    def on_leave(self, *_args) -> None:
        if self._bound is not None:
            phone = kiosk().phone_upload
            phone.unbind_uid("state", self._bound[0])
            phone.unbind_uid("received", self._bound[1])
            self._bound = None

    def _changed(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = kiosk()
        tr, phone = app.tr, app.phone_upload
        if phone.state == "asking":
            status = tr._("Getting a code…")
        elif phone.state == "unavailable":
            status = tr._("Sending from a phone is not possible right now. Please ask the staff.")
        elif phone.received:
            status = tr._("Files received: {n}. You find them in My documents.").format(n=phone.received)
        else:
            status = ""
        self.ids.status.text = status

    def new_code(self) -> None:
        app = kiosk()
        app.phone_upload.ask(app.tr.language)

    def back(self) -> None:
        kiosk().journey.go("documents")
