from kiosk.screens.widgets import KioskScreen


class WelcomeScreen(KioskScreen):
    """The attract screen: the site's name and one huge place to touch."""

    essentials = ("start_button",)
