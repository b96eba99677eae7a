from kivy.uix.boxlayout import BoxLayout

from kiosk.screens.widgets import Hideable


class ShareBanner(Hideable, BoxLayout):
    """While a helper sees the screen: who, and Stop, on every screen and in the browser's
    strip (kiosk/screen_share.py). Hidden, it takes no room."""
