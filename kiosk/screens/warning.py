from kiosk.screens.widgets import KioskScreen


class WarningScreen(KioskScreen):
    """"Are you still there?": the session ends when the countdown runs out; one tap
    anywhere continues it (the app takes that tap, so it presses nothing else)."""

    session_controls = False
    essentials = ("still_here",)
