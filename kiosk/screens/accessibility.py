from kiosk.screens.widgets import KioskScreen


class AccessibilityScreen(KioskScreen):
    """Text size and colours, changed with one tap and reset for the next person."""
