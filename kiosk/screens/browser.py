from kivy.properties import BooleanProperty, NumericProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen

# The on-screen keyboard: Finnish letters, digits and what addresses and e-mail need.
KEY_ROWS = (
    "1234567890",
    "qwertyuiopå",
    "asdfghjklöä",
    "zxcvbnm,.-@",
)


class BrowserScreen(KioskScreen):
    """While an e-service is open the kiosk's window is this strip under the browser:
    Back, Home, Read aloud, Print this page, My documents, text size, keyboard, Help and
    End session, and what the person should know now (logging in, a refused download)."""

    keyboard = BooleanProperty(False)
    needed_height = NumericProperty(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(chrome=False, **kwargs)
        self._build_keys()

    def _build_keys(self) -> None:
        from kivy.uix.boxlayout import BoxLayout

        from kiosk.screens.widgets import KioskButton

        keys = self.ids.key_rows
        for row in reversed(KEY_ROWS):  # each goes on top of the last; the space row stays last
            line = BoxLayout(size_hint_y=None, spacing=4)
            line.bind(minimum_height=line.setter("height"))
            for char in row:
                # A bound method (Kivy keeps it weakly), not a lambda holding the screen: a
                # closure over the screen in its own children's handlers is never collected.
                key = KioskButton(text=char, font_size="26sp", speech_direct=True, on_release=self._key_pressed)
                line.add_widget(key)
            keys.add_widget(line, index=len(keys.children))

    def _key_pressed(self, key) -> None:
        self.type(key.text)

    def type(self, text: str) -> None:
        app = kiosk()
        app.eservices.type_text(text)
        app.speech_nav.typed(text)

    def notice_text(self, *_bound) -> str:
        app = kiosk()
        services, tr = app.eservices, app.tr
        if services.notice == "download_refused":
            return tr._("Programs and archives cannot be downloaded here: {name} was not saved.").format(
                name=services.notice_detail)
        if services.notice == "downloaded":
            return tr._("Saved to My documents: {name}").format(name=services.notice_detail)
        if services.notice == "popup_refused":
            return tr._("The service tried to open a page that is not allowed here.")
        if services.notice == "reopened":
            return tr._("The browser closed unexpectedly and was opened again.")
        if services.identifying:
            return tr._("You are logging in: the kiosk will log you out and erase everything when you finish.")
        if services.starting:
            return tr._("Opening the service…")
        return ""
