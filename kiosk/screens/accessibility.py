from kiosk.screens.widgets import KioskScreen


class AccessibilityScreen(KioskScreen):
    """Text size and colours, changed with one tap and reset for the next person."""

    # A person who made the text too large (or small) must find the way back at once.
    essentials = ("text_normal", "text_large", "text_largest")
