""""Without a computer", one service: the authority's phone service and hours, the nearest
office with today's hours, what to bring, whether the matter can be started by talking,
and a slip to print (kiosk/route_words.py). Reached from the screen for people who do not
use e-services, for the service chosen there (`journey.service_id`)."""

from __future__ import annotations

from kiosk import support as support_data
from kiosk.route_words import office_blocks, other_lines, phone_lines
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen, TextBlock


class RouteScreen(KioskScreen):
    essentials = ("print_route",)

    def service(self):
        app = kiosk()
        return app.catalog.service(app.journey.service_id)

    def refresh(self) -> None:
        app = kiosk()
        tr, service = app.tr, self.service()
        if service is None:
            return
        texts = service.in_(tr.language)
        self.ids.title.text = texts.title
        self.ids.offline.text = texts.offline
        self.ids.phone.lines = phone_lines(tr, service, app.contact.phone, app.contact.phone_hours.in_(tr.language)
                                           if app.contact.phone_hours else "")
        box = self.ids.offices
        box.clear_widgets()
        for name, lines in office_blocks(tr, service, app.support, support_data.now_utc()):
            box.add_widget(TextBlock(heading=name, lines=lines, icon="place"))
        self.ids.no_office.hidden = bool(box.children)
        self.ids.bring.lines = list(texts.bring)
        self.ids.other.text = " ".join(other_lines(tr, service))
        self.ids.other.hidden = not self.ids.other.text
