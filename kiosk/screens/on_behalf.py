from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class OnBehalfScreen(KioskScreen):
    """"Doing this for someone else": for relatives and helpers, what a Suomi.fi mandate is
    and how it is given, never another person's bank codes, a child's matters, when
    guardianship is the right route, and what a person must do themselves."""

    essentials = ("support_button",)

    def open_mandate_guide(self) -> None:
        app = kiosk()
        service = app.catalog.service("suomifi-mandates")
        if service is None:
            return
        app.journey.category_id = service.category
        app.journey.guided = True  # step by step: the relative does this for the first time
        app.journey.choose_service(service.id)
