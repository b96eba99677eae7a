from kivy.properties import StringProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import CardButton, KioskScreen


class ServicesScreen(KioskScreen):
    """The services of one category, each with a short plain summary."""

    heading = StringProperty("")

    def refresh(self) -> None:
        app = kiosk()
        language = app.tr.language
        category = app.catalog.category(app.journey.category_id)
        self.heading = category.title.in_(language) if category else ""
        grid = self.ids.grid
        grid.clear_widgets()
        for service in app.catalog.services_in(app.journey.category_id):
            texts = service.in_(language)
            card = CardButton(title=texts.title, summary=texts.summary)
            card.bind(on_release=lambda _c, sid=service.id: app.journey.choose_service(sid))
            grid.add_widget(card)
