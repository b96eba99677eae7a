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

    def refresh(self) -> None:
        app = kiosk()
        tr, support = app.tr, app.support
        now = support_data.now_utc()
        box = self.ids.providers
        box.clear_widgets()
        for provider in support.providers:
            box.add_widget(TextBlock(heading=provider.name.in_(tr.language), lines=provider_lines(tr, provider, now, support)))
        self.ids.stale_note.text = (
            tr._("These details are from {date} and may have changed: check the opening hours before you go.").format(
                date=f"{support.made.day}.{support.made.month}.{support.made.year}") if support.stale(now) else "")
        self.ids.stale_note.hidden = not self.ids.stale_note.text
        self.ids.none_note.hidden = bool(support.providers)
