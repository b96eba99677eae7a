from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty

from kiosk.screens.facade import kiosk
from kiosk.screens.widgets import KioskScreen

# The on-screen keyboard: Finnish letters, digits and what addresses and e-mail need; a
# layer of symbols (passwords ask for one), and large digits alone for numeric fields.
KEY_ROWS = (
    "1234567890",
    "qwertyuiopå",
    "asdfghjklöä",
    "zxcvbnm,.-@",
)
LAYERS = {
    "letters": KEY_ROWS,
    "symbols": ("1234567890", "!\"#%&/()=?", "+*<>[]{}€$£", "_'~^|\\;:§½"),
    "numbers": ("123", "456", "789", ",0-"),
}
NEXT_LAYER = {"letters": "symbols", "symbols": "numbers", "numbers": "letters"}
FIELD_CHECK_S = 1.0  # how often the open keyboard asks the page what its focus is in
# The page's tools as they stand in the strip, and which keep their place first when the
# row is short (a narrow window, long words, large text): the rest go under "More".
TOOLS = ("read_aloud", "print_page", "browser_documents", "browser_scan", "browser_text_size", "keyboard_button")
TOOL_PRIORITY = ("print_page", "read_aloud", "keyboard_button", "browser_documents", "browser_scan",
                 "browser_text_size")


def attach_failed_words(tr) -> str:
    """Nothing reached the page's "Attach a file" (its input went, the page moved on)."""
    return tr._("The document could not be attached. Press the attach button on the page again.")


class BrowserScreen(KioskScreen):
    """While an e-service is open the kiosk's window is this strip under the browser:
    Back, Home, Read aloud, Print this page, My documents, text size, keyboard, Help and
    End session, and what the person should know now (logging in, a refused download).
    One row at every text size: the tools that do not fit wait under "More"."""

    keyboard = BooleanProperty(False)
    layer = OptionProperty("letters", options=tuple(LAYERS))
    # Capitals: "once" for the next letter (Shift), "lock" until pressed again (Caps Lock).
    shift = OptionProperty("off", options=("off", "once", "lock"))
    more_open = BooleanProperty(False)
    overflowing = BooleanProperty(False)
    needed_height = NumericProperty(0)
    essentials = ("browser_back", "browser_home", "browser_help", "browser_end")

    def __init__(self, **kwargs) -> None:
        super().__init__(chrome=False, **kwargs)
        self._key_lines: list = []
        self._letters: list = []
        self._build_keys()
        self.fbind("layer", self._build_keys)
        self.fbind("shift", self._label_keys)
        # While the keyboard is open, what the page's focus is in picks its layer: a field
        # for digits (a postal code, an amount) gets the large digits at once.
        self._field_kind: tuple[str, str] | None = None  # (page address, kind) last seen
        self._asking = False  # a question to the page not yet answered: the next waits
        self._watch_field = Clock.create_trigger(self.check_field, FIELD_CHECK_S, interval=True)
        self.fbind("keyboard", self._keyboard_changed)
        # The widgets themselves (ids hold weak proxies): a tool out of both rows lives on.
        self._tools = {name: self.ids[name].__self__ for name in TOOLS}
        self._fit_soon = Clock.create_trigger(self._fit_tools, 0)
        ids = self.ids
        for widget in (ids.main_row, ids.browser_back, ids.browser_home, ids.browser_help, ids.browser_end,
                       ids.more_button, *self._tools.values()):
            widget.fbind("width", self._fit_soon)
        for tool in self._tools.values():
            tool.fbind("hidden", self._fit_soon)
            tool.fbind("texture_size", self._fit_soon)
        ids.more_button.fbind("texture_size", self._fit_soon)

    def on_leave(self, *_args) -> None:
        self.more_open = False
        self._watch_field.cancel()

    def on_enter(self, *_args) -> None:
        self._keyboard_changed()

    def _keyboard_changed(self, *_args) -> None:
        self._field_kind = None
        if self.keyboard and self.manager is not None and self.manager.current == self.name:
            self.check_field()
            self._watch_field()
        else:
            self._watch_field.cancel()

    def check_field(self, *_args) -> None:
        """Ask the page what its focus is in; a new field picks the keyboard's layer. One
        question at a time: a busy page is not asked again until it has answered, so typing
        never waits behind a queue of questions."""
        if self._asking:
            return
        self._asking = True
        kiosk().eservices.focused_field(self._field_found)

    def _field_found(self, kind: str | None) -> None:
        self._asking = False
        seen = (kiosk().eservices.url, kind) if kind else None
        if seen is None or seen == self._field_kind or not self.keyboard:
            return
        self._field_kind = seen
        wanted = "numbers" if kind == "numeric" else "letters" if self.layer == "numbers" else self.layer
        if wanted != self.layer:
            self.layer = wanted
            self.shift = "off"
            tr = kiosk().tr
            kiosk().speech_nav.say_now(tr._("Numbers") if wanted == "numbers" else tr._("Letters"))

    def room_for_tools(self) -> float:
        ids = self.ids
        row = ids.main_row
        fixed = ids.browser_back.width + ids.browser_home.width + ids.browser_help.width + ids.browser_end.width
        return row.width - row.padding[0] - row.padding[2] - fixed - row.spacing * (len(row.children) - 1)

    def _fit_tools(self, *_args) -> None:
        """Which tools stand in the row: all if they fit, else the first by priority that fit
        beside "More" (never a later one in a gap: the row stays predictable)."""
        ids = self.ids
        shown = [name for name in TOOL_PRIORITY if not self._tools[name].hidden]
        gap = ids.tools.spacing

        def width(names) -> float:
            return sum(self._natural(name) for name in names) + gap * max(0, len(names) - 1)

        room = self.room_for_tools()
        in_row = shown
        if width(shown) > room:
            more = ids.more_button.fixed_width or self._natural_width(ids.more_button)  # as BarButton sizes it
            in_row = []
            for name in shown:  # in order, the first that does not fit and all after it wait
                if width(in_row + [name]) > room - more:
                    break
                in_row.append(name)
        self.overflowing = len(in_row) < len(shown)
        if not self.overflowing:
            self.more_open = False
        row_tools = [self._tools[name] for name in TOOLS if name in in_row]
        more_tools = [self._tools[name] for name in TOOLS if name in shown and name not in in_row]
        for box, wanted in ((ids.tools, row_tools), (ids.more_row, more_tools)):
            if list(reversed(box.children)) != wanted:
                box.clear_widgets()
                for tool in wanted:
                    if tool.parent is not None:
                        tool.parent.remove_widget(tool)
                    box.add_widget(tool)

    def _natural(self, name: str) -> float:
        return self._natural_width(self._tools[name])

    @staticmethod
    def _natural_width(button) -> float:
        from kivy.metrics import dp

        return max(dp(96), button.texture_size[0])

    def _build_keys(self, *_args) -> None:
        from kivy.factory import Factory
        from kivy.uix.boxlayout import BoxLayout

        keys = self.ids.key_rows
        for line in self._key_lines:
            keys.remove_widget(line)
        self._key_lines, self._letters, self._shift_key = [], [], None
        rows = LAYERS[self.layer]
        for row in reversed(rows):  # each goes on top of the last; the space row stays last
            line = BoxLayout(size_hint_y=None, spacing=4)
            line.keep_ltr = True  # the keys of a Latin keyboard, in their order in Arabic too
            line.bind(minimum_height=line.setter("height"))
            if self.layer == "letters" and row == rows[-1]:
                # Shift left of z, as on every keyboard. A bound method (Kivy keeps it
                # weakly), not a lambda holding the screen: a closure over the screen in its
                # own children's handlers is never collected.
                self._shift_key = Factory.BrowserKey(on_release=self._shift_pressed)  # labelled in _label_keys
                line.add_widget(self._shift_key)
            for char in row:
                key = Factory.BrowserKey(text=char, on_release=self._key_pressed)
                key.char = char
                if char.isalpha():
                    self._letters.append(key)
                line.add_widget(key)
            keys.add_widget(line, index=len(keys.children))
            self._key_lines.append(line)
        self._label_keys()

    def _label_keys(self, *_args) -> None:
        for key in self._letters:
            key.text = key.char.upper() if self.shift != "off" else key.char
        if self._shift_key is not None:
            self._shift_key.text = kiosk().tr._("ABC")  # capitals, as keyboards write it
            self._shift_key.kind = "selected" if self.shift != "off" else "secondary"
            self._shift_key.speech_label = self.shift_words()

    def refresh(self) -> None:
        self._label_keys()  # the Shift key's words, in the new language

    def _shift_pressed(self, _key) -> None:
        self.shift = {"off": "once", "once": "lock", "lock": "off"}[self.shift]
        kiosk().speech_nav.say_now(self.shift_words())

    def shift_words(self, *_bound) -> str:
        tr = kiosk().tr
        return {"off": tr._("Capitals off"), "once": tr._("Capital letter"), "lock": tr._("Capitals on")}[self.shift]

    def next_layer(self) -> None:
        self.layer = NEXT_LAYER[self.layer]
        self.shift = "off"

    def layer_words(self, *_bound) -> tuple[str, str]:
        """The layer key: what it shows (the next layer, as keyboards write it) and says."""
        tr = kiosk().tr
        return {"letters": ("?123", tr._("Symbols")), "symbols": ("123", tr._("Numbers")),
                "numbers": ("abc", tr._("Letters"))}[self.layer]

    def _key_pressed(self, key) -> None:
        self.type(key.text)
        if self.shift == "once":
            self.shift = "off"

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
        if services.notice == "attach_failed":
            return attach_failed_words(tr)
        if app.errands.practice_step:
            return self.practice_words()
        if app.learning.current:
            from kiosk.learning import lesson_words

            return lesson_words(tr, app.learning.current, app.learning.page)
        if services.identifying:
            return tr._("You are logging in: this computer will log you out and erase everything when you finish.")
        if services.logged_in:
            return tr._("You are logged in: this computer will log you out and erase everything when you finish.")
        if services.starting:
            return tr._("Opening the service…")
        return ""

    def home_words(self, *_bound) -> tuple[str, str]:
        """Home, or the way back to what the browser was opened from: a practice goes back to
        its guide, a lesson to the lessons. (What it shows, what speech says.)"""
        app = kiosk()
        tr = app.tr
        if app.errands.practice_step:
            return tr._("Guide"), tr._("Back to the guide")
        if app.learning.current:
            return tr._("Lessons"), tr._("Back to the lessons")
        return tr._("Home"), ""

    def go_home(self) -> None:
        app = kiosk()
        if app.errands.practice_step:
            app.errands.leave_practice()
        elif app.learning.current:
            app.learning.leave()
        else:
            app.errands.leave_service()

    @staticmethod
    def practice_words() -> str:
        """The guide's step beside the practice page's own (which shows the same number)."""
        app = kiosk()
        service = app.catalog.service(app.journey.service_id)
        if service is None:
            return ""
        texts = service.in_(app.tr.language)
        steps = texts.steps_for(app.plain_language)
        n = min(app.errands.practice_step, len(steps))
        return app.tr._("Practice – the guide's step {n} of {total}: {step}").format(n=n, total=len(steps), step=steps[n - 1])
