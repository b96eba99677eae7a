from kivy.clock import Clock

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class ShareAskScreen(KioskScreen):
    """"Staff member Aino asks to see your screen. Allow?" over whatever was on screen (the
    browser's too); either answer goes back there (kiosk/screen_share.py)."""

    session_controls = False
    essentials = ("share_allow", "share_decline")

    def on_pre_enter(self, *args) -> None:
        if kiosk().share.state != "asking":
            # Nobody asks any more (the way back should not hold the question): no empty
            # question with dead buttons. After this screen change, not within it.
            Clock.schedule_once(lambda _dt: self._leave(), 0)
        super().on_pre_enter(*args)

    def _leave(self) -> None:
        app = kiosk()
        if app.journey.screen == self.name and app.share.state != "asking":
            if app.journey.history:
                app.journey.back()
            else:
                app.journey.home()
