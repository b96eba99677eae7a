"""Input routing: every touch and key reaches the window here first, and goes where the
moment says. In staff mode it keeps staff mode alive; on the welcome screen it starts a
session; during the timeout warning it only says "I am here"; in speech mode a touch is
explored before it presses anything. Two gestures start here too: both top corners held in
turn open staff mode's PIN pad (Ctrl+Alt+K from a keyboard), and a finger held on the
welcome screen turns speech on."""

from __future__ import annotations

from kivy.clock import Clock

from kiosk.staff import CORNER_HOLD_S, GESTURE_GAP_S, in_corner

SWIPE_PX = 80  # a finger moved this far sideways (and mostly sideways) is a swipe
# The keyboard's or keypad's volume keys (SDL key codes), spoken as they change the volume.
VOLUME_KEYS = {1073741952: 0.1, 1073741953: -0.1}


def release_grabs(touch) -> None:
    """Whatever `touch` pressed lets go of it, unpressed (the gesture was for the kiosk)."""
    for reference in list(touch.grab_list):
        widget = reference()
        if widget is not None:
            touch.ungrab(widget)
            if hasattr(widget, "state"):
                widget.state = "normal"


class InputRouter:
    def __init__(self, services, flow, staff, speech_nav, focus) -> None:
        """`focus`: the keyboard's focus ring (kiosk.screens.focus.FocusRing)."""
        self.s, self.flow, self.staff, self.nav, self.focus = services, flow, staff, speech_nav, focus
        self._corner = None          # (touch, cancel) of a finger held in a top corner
        self._left_corner_at = -1e9  # when the top-left corner was last held long enough
        self._long_press = None      # (touch, cancel) of a finger held on the welcome screen
        services.journey.bind(screen=lambda *_: focus.clear())

    def attach(self, window) -> None:
        window.bind(on_touch_down=self.touch_down, on_touch_up=self.touch_up, on_key_down=self.key_down)

    def touch_down(self, window, touch) -> bool:
        corner = in_corner(touch.x, touch.y, window.width, window.height)
        if corner:
            self._watch_corner(touch, corner)
        if self.staff.active:
            self.staff.touched()
            return False
        session = self.s.session
        if self.s.journey.screen == "closed" and not corner:
            self._watch_long_press(touch)  # speech on without sight, as on the welcome screen
        if self.flow.waiting():
            # Any first touch on the welcome screen starts a session, a language button
            # included: whatever it changes is then erased after this person.
            self.flow.begin_session()
            if not corner:  # a corner held is the staff gesture, not a request for speech
                self._watch_long_press(touch)
            return False
        if session.state == "warning":
            # The tap that says "I am here" must not also press what lies under it.
            session.extend()
            return True
        session.activity()
        if self.s.speech.enabled:
            # The TalkBack convention beside tap-then-tap: a double tap anywhere chooses
            # the item last spoken, a swipe moves to the next or previous one (touch_up).
            if touch.is_double_tap and self.nav.takes_double_tap(touch):
                return self.nav.activate()
            return self.nav.explore(touch)
        return False

    def touch_up(self, _window, touch) -> bool:
        for name in ("_long_press", "_corner"):
            held = getattr(self, name)
            if held is not None and held[0] is touch:
                held[1]()
                setattr(self, name, None)
        if self.s.speech.enabled and not self.staff.active:
            dx, dy = touch.x - touch.ox, touch.y - touch.oy
            if abs(dx) >= SWIPE_PX and abs(dx) > 2 * abs(dy):
                release_grabs(touch)  # a swipe that began on a button must not press it
                self.nav.step(1 if dx > 0 else -1)
                return True
        return False

    def key_down(self, _window, key, _scancode=None, _codepoint=None, modifiers=()) -> bool:
        from kivy.core.window import Keyboard

        from kiosk.screens.focus import ACTIVATE_KEYS, NEXT_KEYS

        modifiers = set(modifiers or ())
        if key == Keyboard.keycodes.get("k") and {"ctrl", "alt"} <= modifiers:
            self.staff.open_pin()  # staff mode from a keyboard: Ctrl+Alt+K
            return True
        if self.staff.active:
            self.staff.touched()
            return False
        session, speech = self.s.session, self.s.speech
        if session.state == "warning":
            session.extend()
            return True
        if self.flow.waiting():
            self.flow.begin_session()
        session.activity()
        speech_key = self.s.config.speech.key
        if speech_key and key == Keyboard.keycodes.get(speech_key):
            self.nav.set_speech(not speech.enabled)
            return True
        if key in VOLUME_KEYS and speech.available:
            self.nav.change_volume(VOLUME_KEYS[key])
            return True
        if key in NEXT_KEYS:
            focused = self.focus.move(NEXT_KEYS[key], shift="shift" in modifiers)
            if focused is not None:
                self.nav.focused(focused)
            return True
        if key in ACTIVATE_KEYS:
            return self.focus.activate()
        return False

    def _watch_corner(self, touch, corner: str) -> None:
        """Top-left corner held, then top-right: staff mode's PIN pad (documented for staff)."""
        def held(_dt) -> None:
            self._corner = None
            now = Clock.get_time()
            if corner == "left":
                self._left_corner_at = now
            elif now - self._left_corner_at <= GESTURE_GAP_S + CORNER_HOLD_S:
                self._left_corner_at = -1e9
                self.staff.open_pin()

        if self._corner is not None:
            self._corner[1]()
        self._corner = (touch, Clock.schedule_once(held, CORNER_HOLD_S).cancel)

    def _watch_long_press(self, touch) -> None:
        """Holding a finger on the welcome (or closed) screen turns speech on, without needing sight."""
        speech = self.s.speech
        if not speech.available or speech.enabled:
            return

        def fire(_dt) -> None:
            self._long_press = None
            release_grabs(touch)  # the finger that asked for speech must not also press "Touch to start"
            self.nav.set_speech(True)

        self._long_press = (touch, Clock.schedule_once(fire, self.s.config.speech.long_press_s).cancel)
