
from kiosk.i18n import N_
from kiosk.screens.facade import kiosk, kiosk_id
from kiosk.screens.widgets import KioskLabel, KioskScreen


class OutOfServiceScreen(KioskScreen):
    """Shown instead of anything a person could use when the kiosk cannot be trusted to
    work (a broken configuration, later a failed wipe). Every offered language at once,
    because nobody can choose one here."""

    chrome = False
    session_controls = False

    def refresh(self) -> None:
        app = kiosk()
        box = self.ids.messages
        box.clear_widgets()
        for language in app.tr.languages:
            box.add_widget(KioskLabel(style="heading", halign="center",
                                      text=app.tr.gettext_for(language, N_("This computer is out of service"))))
            box.add_widget(KioskLabel(halign="center", text=app.tr.gettext_for(
                language, N_("Please use another computer, or ask the staff for help."))))
            if app.flow.staff_message:  # one of the staff screen's messages, in each language
                box.add_widget(KioskLabel(halign="center", text=app.tr.gettext_for(language, app.flow.staff_message)))
        box.add_widget(KioskLabel(style="muted", halign="center", text=f"{kiosk_id()}"))
