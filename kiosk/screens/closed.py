from kiosk.closing_words import day_words, note_words, opens_again_words
from kiosk.languages import NATIVE_NAMES
from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskButton, KioskLabel, KioskScreen


class ClosedScreen(KioskScreen):
    """Closed by the opening hours: when the computer opens again and the week's hours, in
    the kiosk's language, each offered language a touch away; read aloud on request (or a
    finger held, or a headset plugged in). Nobody's session is here: what a passer-by
    changes (language, text size, speech) goes with the wipe at opening."""

    chrome = False
    session_controls = False

    def on_pre_enter(self, *args) -> None:
        closing = kiosk().closing
        closing.bind(week=self._rebuild, opens_at=self._rebuild, promised=self._rebuild, today=self._rebuild)
        super().on_pre_enter(*args)

    def on_leave(self, *args) -> None:
        closing = kiosk().closing
        for name in ("week", "opens_at", "promised", "today"):
            closing.unbind(**{name: self._rebuild})

    def _rebuild(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = kiosk()
        tr, closing = app.tr, app.closing
        self.ids.opens_again.text = opens_again_words(tr, closing.opens_at, closing.promised, closing.today)
        self.ids.day_note.text = note_words(tr, closing.week[0] if closing.week else None)
        self.ids.week_heading.hidden = not closing.week
        week = self.ids.week
        week.clear_widgets()
        for day in closing.week:
            week.add_widget(KioskLabel(text=day_words(tr, day)))
        choices = self.ids.languages
        choices.clear_widgets()
        for code in app.tr.languages if len(app.tr.languages) > 1 else ():
            # A bound method (kept weakly by Kivy), not a lambda holding the screen.
            button = KioskButton(text=NATIVE_NAMES.get(code, code), on_release=self._chosen,
                                 kind="selected" if code == app.tr.language else "secondary")
            button.language = code
            choices.add_widget(button)

    def _chosen(self, button) -> None:
        app = kiosk()
        app.switch_language(button.language)
        app.speech_nav.repeat()  # read again in the language chosen, when speech is on

    def read_aloud(self) -> None:
        app = kiosk()
        if app.speech.enabled:
            app.speech_nav.repeat()
        else:
            app.speech_nav.set_speech(True)  # says it is on, then reads this screen
