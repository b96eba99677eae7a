"""Where the kiosk's window and the browser's go: the whole screen for the kiosk's own
screens; while an e-service is open, the browser above and the kiosk's window a strip
below it, as tall as the strip's buttons need at the current text size."""

from __future__ import annotations

from kivy.clock import Clock

from kiosk.devices.browser import Geometry

STRIP_HEIGHT = 160  # until the strip has been laid out once
ACTIVITY_EVERY_S = 5


class WindowLayout:
    def __init__(self, journey, session, eservices, display, idle, root=lambda: None) -> None:
        """`display`: the [display] configuration; `idle`: the X idle probe (or None);
        `root`: the kiosk's root widget once it exists."""
        self.journey, self.session, self.eservices = journey, session, eservices
        self.display, self.idle, self.root = display, idle, root
        self.full_window: tuple[int, int] | None = None
        self.strip = False
        self._last_strip_height = STRIP_HEIGHT
        self._watching = False
        self.arrange_soon = Clock.create_trigger(self.arrange, 0.05)
        journey.bind(screen=self.arrange_soon)
        eservices.geometry = self.browser_geometry

    def strip_height(self) -> int:
        """What the strip needs, once it is laid out across the whole width."""
        root = self.root()
        screen = root.screen("browser") if root is not None else None
        if screen is None or not screen.needed_height or screen.ids.strip.width < (self.full_window or (1, 1))[0]:
            return self._last_strip_height
        self._last_strip_height = int(screen.needed_height)
        return self._last_strip_height

    def browser_geometry(self) -> Geometry:
        width, height = self.full_window or (self.display.width, self.display.height)
        return Geometry(0, 0, width, max(200, height - self.strip_height()))

    def arrange(self, *_args) -> None:
        """The strip under the browser while the browser screen shows; the whole screen else."""
        from kivy.core.window import Window

        if self.full_window is None:
            self.full_window = tuple(Window.system_size)
        width, height = self.full_window
        if self.journey.screen == "browser":
            if not self.strip:
                self.root().screen("browser").bind(needed_height=self.arrange_soon)
                self._watch_activity()
            self.strip = True
            strip_height = self.strip_height()
            if self.display.fullscreen:
                Window.fullscreen = False
            Window.size = (width, strip_height)
            Window.left, Window.top = 0, height - strip_height
            self.eservices.arrange()
        elif self.strip or tuple(Window.size) != (width, height):
            self.strip = False
            Window.size = (width, height)
            Window.left, Window.top = 0, 0
            if self.display.fullscreen:
                Window.fullscreen = "auto"
            Window.raise_window()
            # The window system may still deliver the strip's last size: look again.
            Clock.schedule_once(self.arrange_soon, 0.3)

    def settled(self) -> bool:
        """The window has the size its screen wants (the strip's, or the whole screen)."""
        from kivy.core.window import Window

        if self.full_window is None:
            return True
        width, height = self.full_window
        if self.journey.screen == "browser":
            return self.strip and tuple(Window.size) == (width, self.strip_height())
        return not self.strip and tuple(Window.size) == (width, height)

    def _watch_activity(self) -> None:
        """Touches and keys in the browser keep the session alive (the X server sees them)."""
        if not self._watching and self.idle is not None:
            self._watching = True
            Clock.schedule_interval(self._browser_activity, ACTIVITY_EVERY_S)

    def _browser_activity(self, _dt) -> None:
        if self.journey.screen == "browser" and self.session.state == "active":
            idle = self.idle.idle_ms()
            if idle is not None and idle < ACTIVITY_EVERY_S * 1000:
                self.session.activity()
