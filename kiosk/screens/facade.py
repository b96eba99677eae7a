"""The screens' one door to the running kiosk.

Screens' Python code reaches the kiosk only through `kiosk()` and the few settings below,
never by App.get_running_app() of their own, and KV only through what KioskApp declares
for it: its services (tr, look, journey, session, speech, printing, eservices, help, usb,
catalog, phone_upload), the help contacts (`app.contact`), and its controllers (`app.flow`, `app.staff`,
`app.errands`, `app.speech_nav`, `app.watch`). Nothing here reaches further into the
configuration than a screen shows."""

from __future__ import annotations

from kivy.app import App


def kiosk():
    """The running KioskApp."""
    return App.get_running_app()


def kiosk_id() -> str:
    """The terminal's id, shown on the staff and out-of-service screens for staff to quote."""
    return kiosk().kiosk_config.site.kiosk_id


def printer_place(language: str) -> str:
    """Where printouts are collected, in `language`: a whole sentence, shown as written."""
    return kiosk().kiosk_config.printing.printer_place.in_(language)


def max_file_mb() -> int:
    """The largest document the kiosk prints or previews."""
    return kiosk().kiosk_config.printing.max_file_mb


def controls_low() -> bool:
    """Whether the session's controls sit at the bottom of the screen ([display] controls_low)."""
    return kiosk().kiosk_config.display.controls_low
