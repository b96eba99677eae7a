from kivy.properties import StringProperty

from kiosk.i18n import N_
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen


TOPIC_LABELS = {
    "logging_in": N_("Logging in"),
    "filling_form": N_("Filling in a form"),
    "printing": N_("Printing"),
    "attaching": N_("Attaching a file"),
    "other": N_("Something else"),
}


def request_words(help_, tr, phone: str) -> str:
    """The on-site request's state in a sentence (shown and spoken)."""
    state = help_.state
    if state == "queued":
        if help_.connected:
            return tr._("Sending your request to the staff…")
        return tr._("Not delivered yet: waiting for the network. Meanwhile you can call {phone}.").format(phone=phone)
    if state == "sent":
        return tr._("Your request has reached the staff. Please wait here.")
    if state == "seen":
        return tr._("The staff have seen your request. Please wait here.")
    if state == "accepted" and help_.helper_elsewhere:
        return tr._("{helper} from another service point will arrange help for you. Please wait here.").format(
            helper=help_.helper)
    if state == "accepted":
        return tr._("{helper} is coming to help you.").format(helper=help_.helper)
    if state == "resolved":
        return tr._("Your request for help has been closed.")
    if state == "cancelled":
        return tr._("You cancelled your request for help.")
    return ""


class HelpScreen(KioskScreen):
    """Where help is: someone here (a request to the staff desk, followed live), and
    remote help that works when nobody is on site."""

    # The question "What do you need help with?" and every answer to it.
    essentials = ("topics",)

    def topic_label(self, topic: str, *_bound) -> str:
        return kiosk().tr._(TOPIC_LABELS[topic])

    def words(self, *_bound) -> str:
        app = kiosk()
        return request_words(app.help, app.tr, app.contact.phone)

    service_line = StringProperty("")

    def refresh(self) -> None:
        app = kiosk()
        service = app.catalog.service(app.journey.service_id)
        if service is not None and service.helpline:
            self.service_line = app.tr._("{service}: phone {number}").format(
                service=service.in_(app.tr.language).title, number=service.helpline)
        else:
            self.service_line = ""
