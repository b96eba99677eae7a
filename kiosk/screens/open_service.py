from kivy.app import App
from kivy.properties import StringProperty

from kiosk.screens.widgets import KioskScreen


class OpenServiceScreen(KioskScreen):
    """Says where the service is and what will happen when it opens.

    The locked browser that opens it on this screen is its own piece of work; until a
    terminal has it, this screen gives the address and the ways forward, never a dead end.
    """

    heading = StringProperty("")
    address = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        service = app.catalog.service(app.journey.service_id)
        if service is None:
            return
        self.heading = service.in_(app.tr.language).title
        self.address = service.url
