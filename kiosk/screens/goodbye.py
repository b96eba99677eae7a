from kiosk.screens.widgets import KioskScreen


class GoodbyeScreen(KioskScreen):
    """After every session: everything was erased, and did you get your matter done?

    Shown after the wipe has put the language back to the default, so it is written in the
    language the person used (`app.flow.goodbye_language`), which nothing else keeps."""

    chrome = False
    session_controls = False
