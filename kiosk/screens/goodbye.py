from kiosk.screens.widgets import KioskScreen


class GoodbyeScreen(KioskScreen):
    """After every session: everything was erased, and did you get your matter done?

    Shown after the wipe, as the person had the kiosk: in their language
    (`app.flow.goodbye_language`), text size and contrast, spoken if they used speech; the
    session flow puts the defaults back when it closes."""

    chrome = False
    session_controls = False
    essentials = ("answer_yes", "answer_partly", "answer_no")
