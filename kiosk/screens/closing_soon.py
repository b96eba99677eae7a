from kiosk.closing_words import NOTICE_TITLE, notice_words
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class ClosingSoonScreen(KioskScreen):
    """"This computer closes soon. In 15 minutes, at 20:00." over whatever the person was
    doing (the browser's page too); Continue goes back to it (kiosk/closing.py)."""

    session_controls = False
    essentials = ("closing_continue",)
    heading = NOTICE_TITLE

    def when(self, *_bound) -> str:
        app = kiosk()
        return notice_words(app.tr, app.closing.notice, app.closing.closes_at)
