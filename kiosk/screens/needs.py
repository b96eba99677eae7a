from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty

from kiosk.screens.widgets import KioskScreen


class NeedsScreen(KioskScreen):
    """"How can we help you?": the four levels of need of the digital-support model."""

    essentials = ("level_self", "level_guided", "level_person", "level_nondigital")
    # The cards show their titles only when all four would not fit with their explanations.
    compact = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fit_soon = Clock.create_trigger(self._fit, 0)
        Clock.schedule_once(self._watch, 0)

    def _watch(self, _dt) -> None:
        ids = self.ids
        ids.scroll.fbind("height", self._fit_soon)
        ids.question.fbind("height", self._fit_soon)
        ids.levels.fbind("cols", self._fit_soon)
        ids.others.fbind("height", self._fit_soon)
        for card in ids.levels.children:
            for label in (card.ids.title_label, card.ids.summary_label):
                label.fbind("texture_size", self._fit_soon)
        self._fit_soon()

    def _fit(self, *_args) -> None:
        """Whether the four levels fit above the bars with their explanations. Measured from
        what the texts need with them (their textures exist while hidden), never from the
        cards' present height: showing or hiding them cannot change the answer. What stands
        below the four may scroll; then the row that says so takes its room too."""
        ids = self.ids
        grid, body = ids.levels, ids.body
        cards = list(reversed(grid.children))
        if not ids.scroll.height or not cards:
            return
        full = [max(dp(96), max(card.ids.card_icon.height,
                                card.ids.title_label.height + dp(6) + card.ids.summary_label.texture_size[1]) + dp(36))
                for card in cards]
        rows = -(-len(cards) // max(1, int(grid.cols or 1)))  # all as tall as the tallest
        four = body.padding[1] + ids.question.height + body.spacing + rows * max(full) + grid.spacing[1] * (rows - 1)
        everything = four + body.spacing + ids.others.height + body.padding[3]
        more = ids.scroll.more.ids
        more_row = max(dp(64), more.more_button.texture_size[1], more.more_label.texture_size[1]) + dp(12)
        room = ids.scroll.height
        self.compact = everything > room and four + more_row > room
