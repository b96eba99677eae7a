
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskButton, KioskScreen


class NondigitalScreen(KioskScreen):
    """For people who cannot use e-services: the same services in person or by phone
    (each service's route: kiosk/screens/route.py), and how someone else may act for them
    (Suomi.fi mandates)."""

    def refresh(self) -> None:
        app = kiosk()
        language = app.tr.language
        box = self.ids.services
        box.clear_widgets()
        for service in app.catalog.services:
            category = app.catalog.category(service.category)
            button = KioskButton(text=service.in_(language).title, icon=category.icon if category else "")
            button.bind(on_release=lambda _b, chosen=service.id: self.open_route(chosen))
            box.add_widget(button)

    def open_route(self, service_id: str) -> None:
        journey = kiosk().journey
        journey.service_id = service_id
        journey.go("route")
