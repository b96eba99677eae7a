"""Where a person is on their way through the kiosk.

The screens show this state and call these methods; the ScreenManager follows `screen`.
Keeping it out of the widgets lets tests and later services (session, statistics, help)
see what the person chose without touching the UI.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, OptionProperty, StringProperty

HOME = "welcome"
LEVELS = ("self", "guided", "person", "nondigital")


class Journey(EventDispatcher):
    """The current screen, the way back, and what the person has chosen so far."""

    screen = StringProperty(HOME)
    history = ListProperty()
    level = OptionProperty("", options=("",) + LEVELS)
    guided = BooleanProperty(False)
    category_id = StringProperty("")
    service_id = StringProperty("")
    step = NumericProperty(0)

    def go(self, screen: str) -> None:
        if screen == self.screen:
            return
        self.history.append(self.screen)
        self.screen = screen

    def back(self) -> None:
        if self.history:
            self.screen = self.history.pop()

    def back_to(self, screen: str) -> None:
        """Back to `screen`, where the person came from (or to it, if they came otherwise)."""
        if self.history and self.history[-1] == screen:
            self.back()
        else:
            self.go(screen)

    def home(self) -> None:
        """Back to the start of the person's choices, keeping their session."""
        self.history = [HOME]
        self.screen = "needs"

    def choose_level(self, level: str) -> None:
        self.level = level
        self.guided = level == "guided"
        self.go({"self": "categories", "guided": "categories", "person": "help",
                 "nondigital": "nondigital"}[level])

    def choose_category(self, category_id: str) -> None:
        self.category_id = category_id
        self.go("services")

    def choose_service(self, service_id: str) -> None:
        self.service_id = service_id
        self.step = 0
        self.go("guide")

    def reset(self) -> None:
        """Forget everything for the next person."""
        self.history = []
        self.level = ""
        self.guided = False
        self.category_id = ""
        self.service_id = ""
        self.step = 0
        self.screen = HOME
