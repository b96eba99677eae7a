from kiosk.screens.widgets import KioskScreen


class NeedsScreen(KioskScreen):
    """"How can we help you?": the four levels of need of the digital-support model."""

    essentials = ("level_self", "level_guided", "level_person", "level_nondigital")
