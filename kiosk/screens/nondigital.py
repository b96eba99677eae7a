
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen, TextBlock


class NondigitalScreen(KioskScreen):
    """For people who cannot use e-services: the same services in person or by phone,
    and how someone else may act for them (Suomi.fi mandates)."""

    def refresh(self) -> None:
        app = kiosk()
        language = app.tr.language
        box = self.ids.services
        box.clear_widgets()
        for service in app.catalog.services:
            texts = service.in_(language)
            box.add_widget(TextBlock(heading=texts.title, lines=[texts.offline]))
