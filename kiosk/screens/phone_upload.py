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
        phone.show(app.tr.language)  # the code shown before, while it is young: the desk gives few
        if self._bound is None:
            self._bound = tuple(phone.fbind(name, self._changed) for name in ("state", "received", "lost"))
        self.refresh()
        super().on_pre_enter()

    def on_leave(self, *_args) -> None:
        if self._bound is not None:
            phone = kiosk().phone_upload
            for name, uid in zip(("state", "received", "lost"), self._bound):
                phone.unbind_uid(name, uid)
            self._bound = None

    def _changed(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = kiosk()
        tr, phone = app.tr, app.phone_upload
        said = []
        if phone.state == "asking":
            said.append(tr._("Getting a code…"))
        if phone.received:
            said.append(tr._("Files received: {n}. You find them in My documents.").format(n=phone.received))
        if phone.state == "unavailable" or phone.lost:  # a file that could not be fetched or written too
            said.append(tr._("Sending from a phone is not possible right now. Please ask the staff."))
        self.ids.status.text = " ".join(said)

    def new_code(self) -> None:
        app = kiosk()
        app.phone_upload.ask(app.tr.language)

    def back(self) -> None:
        kiosk().journey.go("documents")
