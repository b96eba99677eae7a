from kivy.app import App
from kivy.properties import StringProperty

from kiosk.screens.widgets import KioskScreen


class HelpScreen(KioskScreen):
    """Where help is: here at the site, and remote help that works when nobody is on site."""

    service_line = StringProperty("")

    def refresh(self) -> None:
        app = App.get_running_app()
        service = app.catalog.service(app.journey.service_id)
        if service is not None and service.helpline:
            self.service_line = app.tr._("{service}: phone {number}").format(
                service=service.in_(app.tr.language).title, number=service.helpline)
        else:
            self.service_line = ""
