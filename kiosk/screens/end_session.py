from kiosk.screens.widgets import KioskScreen


class EndSessionScreen(KioskScreen):
    """Asks before ending, and says exactly what will be erased."""

    essentials = ("confirm_end", "cancel_end")
