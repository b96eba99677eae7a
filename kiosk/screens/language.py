from kivy.factory import Factory

from kiosk.i18n import N_
from kiosk.languages import NATIVE_NAMES
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen

TITLE = N_("Choose a language")


class LanguageScreen(KioskScreen):
    """Every offered language as one large button in its own name (the bottom bar's chooser
    opens it at large text); choosing one switches the kiosk to it and goes back."""

    def refresh(self) -> None:
        app = kiosk()
        # The title in every offered language: whoever is here may not read the current one.
        # Past three it would push the languages out of sight at large text: then the
        # buttons, each in its own language's name, say it themselves.
        codes = app.tr.languages if len(app.tr.languages) <= 3 else [app.tr.language]
        self.ids.title.text = " · ".join(dict.fromkeys(app.tr.gettext_for(code, TITLE) for code in codes))
        box = self.ids.choices
        box.clear_widgets()
        for code in app.tr.languages:
            # A bound method (kept weakly by Kivy), not a lambda holding the screen.
            button = Factory.LanguageButton(text=NATIVE_NAMES.get(code, code), on_release=self._chosen,
                                            kind="selected" if code == app.tr.language else "secondary")
            button.language = code
            box.add_widget(button)

    def essential_widgets(self) -> list:
        return list(reversed(self.ids.choices.children))  # every answer to "which language?"

    def _chosen(self, button) -> None:
        app = kiosk()
        app.switch_language(button.language)
        app.journey.back()
