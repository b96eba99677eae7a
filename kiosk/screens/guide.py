from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


class GuideScreen(KioskScreen):
    """What you need before you start and the steps in order; one step per page when guided.

    In guided mode page 0 is "what you need", pages 1..n are the steps.
    """

    heading = StringProperty("")
    summary = StringProperty("")
    needs = ListProperty()
    steps = ListProperty()
    strong_identification = BooleanProperty(False)
    practice = BooleanProperty(False)  # the service has a practice version (kiosk/scenario.py)
    guided = BooleanProperty(False)
    page = NumericProperty(0)
    essentials = ("previous_button", "next_button", "open_button")

    def refresh(self) -> None:
        app = kiosk()
        service = app.catalog.service(app.journey.service_id)
        if service is None:
            return
        texts = service.in_(app.tr.language)
        plain = texts.plain if app.plain_language else None
        self.heading = texts.title
        self.summary = plain.summary if plain else texts.summary
        self.needs = list(plain.needs if plain else texts.needs)
        self.steps = list(plain.steps if plain else texts.steps)
        self.strong_identification = service.strong_identification
        self.practice = bool(service.practice)
        self.guided = app.journey.guided
        self.page = min(app.journey.step, len(self.steps))

    def turn(self, delta: int) -> None:
        app = kiosk()
        app.journey.step = max(0, min(len(self.steps), self.page + delta))
        self.page = app.journey.step
        self.ids.scroll.scroll_to_top()
