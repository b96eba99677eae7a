from kivy.properties import StringProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class OpenServiceScreen(KioskScreen):
    """Says where the service is and what will happen, then opens it in the locked browser;
    says sorry here when the browser could not open or closed for good."""

    heading = StringProperty("")
    address = StringProperty("")
    essentials = ("open_button",)

    def refresh(self) -> None:
        app = kiosk()
        service = app.catalog.service(app.journey.service_id)
        if service is None:
            return
        self.heading = service.in_(app.tr.language).title
        self.address = service.url
