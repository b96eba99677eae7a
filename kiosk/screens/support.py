""""Digital support near you": the places and phone lines that help with e-services, courses,
peer support, help at home and acting for someone else, with today's hours and whether they
are open now (kiosk/support.py, in words by kiosk/support_words.py), and a slip to print.
Reached from the needs screen, Help and the screen for people who do not use e-services."""

from __future__ import annotations

from kiosk import support as support_data
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen, TextBlock
from kiosk.support_words import advice_words, provider_lines, stale_words


class SupportScreen(KioskScreen):
    """"Digital support near you": the providers of the kiosk's region and the site's own."""

    essentials = ("book_time", "print_list")
    _ticking = None
    _shown: list = []

    def on_enter(self, *_args) -> None:
        from kivy.clock import Clock

        # "Open now" stays true while the person reads: told again each minute. A bound
        # method, which Kivy's clock holds weakly: a dropped screen is not kept alive.
        self._ticking = Clock.schedule_interval(self._tick, 60)

    def _tick(self, _dt) -> None:
        now = support_data.now_utc()
        content = self._content(now)
        if content != self._shown:  # rebuilt only when a line changed (a person may be listening)
            self._show(now, content)

    def _content(self, now) -> list:
        app = kiosk()
        tr, support = app.tr, app.support
        return [(p.name.in_(tr.language), provider_lines(tr, p, now, support)) for p in support.places()]

    def refresh(self) -> None:
        now = support_data.now_utc()
        self._show(now, self._content(now))

    def _show(self, now, content: list) -> None:
        app = kiosk()
        self._shown = content
        box = self.ids.providers
        box.clear_widgets()
        for heading, lines in content:
            box.add_widget(TextBlock(heading=heading, lines=lines))
        self.ids.stale_note.text = stale_words(app.tr, app.support, now)
        self.ids.stale_note.hidden = not self.ids.stale_note.text
        self.ids.none_note.hidden = bool(app.support.places())

    def advice(self, *_bound) -> str:
        app = kiosk()
        return advice_words(app.tr, app.contact.phone, app.contact.phone_hours.in_(app.language)
                            if app.contact.phone_hours else "")
