""""Digital support near you": the places and phone lines that help with e-services, courses,
peer support, help at home and acting for someone else, with today's hours and whether they
are open now (kiosk/support.py, in words by kiosk/support_words.py), and a slip to print.
Reached from the needs screen, Help and the screen for people who do not use e-services."""

from __future__ import annotations

from kiosk import support as support_data
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen, TextBlock
from kiosk.support_words import provider_lines


class SupportScreen(KioskScreen):
    """"Digital support near you": the providers of the kiosk's region and the site's own."""

    essentials = ("print_list",)
    _ticking = None
    _shown: list = []

    def on_enter(self, *_args) -> None:
        from kivy.clock import Clock

        # "Open now" stays true while the person reads: told again each minute. A bound
        # method, which Kivy's clock holds weakly: a dropped screen is not kept alive.
        self._ticking = Clock.schedule_interval(self._tick, 60)

    def _tick(self, _dt) -> None:
        if self._content() != self._shown:  # rebuilt only when a line changed (a person may be listening)
            self.refresh()

    def _content(self) -> list:
        app = kiosk()
        tr, support, now = app.tr, app.support, support_data.now_utc()
        return [(p.name.in_(tr.language), provider_lines(tr, p, now, support)) for p in support.providers]

    def refresh(self) -> None:
        app = kiosk()
        tr, support = app.tr, app.support
        now = support_data.now_utc()
        self._shown = self._content()
        box = self.ids.providers
        box.clear_widgets()
        for heading, lines in self._shown:
            box.add_widget(TextBlock(heading=heading, lines=lines))
        self.ids.stale_note.text = (
            tr._("These details are from {date} and may have changed: check the opening hours before you go.").format(
                date=f"{support.made.day}.{support.made.month}.{support.made.year}") if support.stale(now) else "")
        self.ids.stale_note.hidden = not self.ids.stale_note.text
        self.ids.none_note.hidden = bool(support.providers)
