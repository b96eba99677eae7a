from kiosk.screens.widgets import KioskScreen


class ShareAskScreen(KioskScreen):
    """"Staff member Aino asks to see your screen. Allow?" over whatever was on screen (the
    browser's too); either answer goes back there (kiosk/screen_share.py)."""

    session_controls = False
    essentials = ("share_allow", "share_decline")
