from kivy.clock import Clock
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
# The page's tools as they stand in the strip, and which keep their place first when the
# row is short (a narrow window, long words, large text): the rest go under "More".
TOOLS = ("read_aloud", "print_page", "browser_documents", "browser_text_size", "keyboard_button")
TOOL_PRIORITY = ("print_page", "read_aloud", "keyboard_button", "browser_documents", "browser_text_size")


class BrowserScreen(KioskScreen):
    """While an e-service is open the kiosk's window is this strip under the browser:
    Back, Home, Read aloud, Print this page, My documents, text size, keyboard, Help and
    End session, and what the person should know now (logging in, a refused download).
    One row at every text size: the tools that do not fit wait under "More"."""

    keyboard = BooleanProperty(False)
    more_open = BooleanProperty(False)
    overflowing = BooleanProperty(False)
    needed_height = NumericProperty(0)
    essentials = ("browser_back", "browser_home", "browser_help", "browser_end")

    def __init__(self, **kwargs) -> None:
        super().__init__(chrome=False, **kwargs)
        self._build_keys()
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
            more = max(ids.more_button.fixed_width, ids.more_button.texture_size[0])
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
        from kivy.metrics import dp

        return max(dp(96), self._tools[name].texture_size[0])

    def _build_keys(self) -> None:
        from kivy.factory import Factory
        from kivy.uix.boxlayout import BoxLayout

        keys = self.ids.key_rows
        for row in reversed(KEY_ROWS):  # each goes on top of the last; the space row stays last
            line = BoxLayout(size_hint_y=None, spacing=4)
            line.bind(minimum_height=line.setter("height"))
            for char in row:
                # A bound method (Kivy keeps it weakly), not a lambda holding the screen: a
                # closure over the screen in its own children's handlers is never collected.
                key = Factory.BrowserKey(text=char, on_release=self._key_pressed)
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
            return tr._("You are logging in: this computer will log you out and erase everything when you finish.")
        if services.logged_in:
            return tr._("You are logged in: this computer will log you out and erase everything when you finish.")
        if services.starting:
            return tr._("Opening the service…")
        return ""
