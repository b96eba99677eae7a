"""A helper at the desk sees this screen, view only, once the person allows it.

The desk asks (`share_ask`, with a token for this share and the helper's name); the person
sees "... asks to see your screen. Allow?" over whatever is on screen. Nothing leaves the
kiosk before Allow. Then a worker thread reads the screen a few times a second and sends a
picture when it changed, over the fleet link, with the token (kiosk.share_wire). It ends
at Stop, when the person's session ends (the wipe), when the desk stops it, when the link
drops (the desk is told once it is back) and when the desk has given no sign for
`ALIVE_S`; "No", or no answer within `ASK_S`, tells the desk "declined"."""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import OptionProperty, StringProperty

from kiosk.devices import DeviceError
from kiosk.share_wire import TOKEN, helper_name

log = logging.getLogger(__name__)

ASK_S = 60.0
EVERY_S = 0.25  # at most four pictures a second
# While its helper's page is open the desk sends `share_alive` every 5 s (kiosk.desk.share);
# this long without one (the desk restarted, lost its link, or forgot the share), the
# kiosk stops: a share never outlives the desk's view of it by more than this.
ALIVE_S = 15.0
QUESTION = "share_ask"
# The timeout warning is never covered: the person's answer there must reach it, and the
# question waits until they have given it ("I'm still here").
NOT_OVER = ("warning",)


def sharing_words(tr, helper: str) -> str:
    """The banner's words, shown and spoken while a helper sees the screen."""
    return tr._("{helper} from the staff can see your screen").format(helper=helper)


def asking_words(tr, helper: str) -> str:
    return tr._("Staff member {helper} asks to see your screen. Allow?").format(helper=helper)


def without_question(history: list[str], screen: str) -> list[str]:
    """The way back without the share question, and without a step back to `screen` itself
    that taking it out left behind."""
    kept: list[str] = []
    for name in history:
        if name != QUESTION and (not kept or kept[-1] != name):
            kept.append(name)
    if kept and kept[-1] == screen:
        kept.pop()
    return kept


class ScreenShare(EventDispatcher):
    """`state`: "" (none), "asking" (the question is on screen, or waits for the timeout
    warning to be answered), "sharing"; `helper`: the name the desk gave."""

    state = OptionProperty("", options=("", "asking", "sharing"))
    helper = StringProperty("")

    def __init__(self, help_, capture, busy: Callable[[], bool], scheduler, tr, every_s: float = EVERY_S,
                 ask_s: float = ASK_S, alive_s: float = ALIVE_S, **kwargs) -> None:
        """`help_`: the help service (its link and the desk's events); `capture`: the screen
        (kiosk.devices.screen_capture), None where there is none; `busy`: a person is here;
        `scheduler`: kiosk.session.Scheduler."""
        super().__init__(**kwargs)
        self.help, self.capture, self.busy, self.scheduler, self.tr = help_, capture, busy, scheduler, tr
        self._cancel_ask: Callable[[], None] = lambda: None
        self._cancel_alive: Callable[[], None] = lambda: None
        self.every_s, self.ask_s, self.alive_s = every_s, ask_s, alive_s
        self.share_id = ""
        self._token = ""
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        # Ids of shares that ended here: QoS 1 may deliver a request twice. Desk-made
        # UUIDs, nothing of the person.
        self._done: deque[str] = deque(maxlen=8)
        self._untold: tuple[str, str] | None = None  # ended while the link was down: (id, state)
        help_.bind(on_share=self._on_desk, connected=self._on_connected)

    @property
    def available(self) -> bool:
        return self.help.available and self.capture is not None

    def _on_desk(self, _help, event: dict) -> None:
        if event["type"] == "share_ask":
            self.ask(event)
        elif not self.state or event["id"] != self.share_id:
            return
        elif event["type"] == "share_stop":
            self.end("desk")
        elif event["type"] == "share_alive" and self.state == "sharing":
            self._arm_alive()

    def _on_connected(self, _help, up: bool) -> None:
        if not up and self.state:
            # Nothing can be sent now. The broker says "offline" to the desk only after the
            # keepalive; should the link be back before that, the desk would keep the share.
            self._untold = (self.share_id, self._ending_state())
            self.end("link", tell=False)
        elif up and self._untold is not None:
            share_id, state = self._untold
            self._untold = None
            self._tell(share_id, state)

    def ask(self, event: dict) -> None:
        name = helper_name(event.get("helper"))
        share_id, token = event.get("id", ""), event.get("token", "")
        if name is None or not isinstance(token, str) or TOKEN.fullmatch(token) is None or not self.available:
            log.warning("a shared screen was asked for with a bad name or token: ignored")
            return
        if share_id and (share_id == self.share_id or share_id in self._done):
            log.info("shared screen: the same request again, ignored")  # QoS 1 delivers at least once
            return
        if self.state:
            self._tell(share_id, "busy")
            return
        if not self.busy():
            self._tell(share_id, "no_session")
            return
        self.share_id, self._token, self.helper, self.state = share_id, token, name, "asking"
        self._cancel_ask = self.scheduler.call_later(self.ask_s, self._no_answer)
        log.info("shared screen: asked")

    def _no_answer(self) -> None:
        if self.state == "asking":
            self.decline()

    def allow(self) -> None:
        """The person said Allow: pictures go to the desk until it ends."""
        if self.state != "asking":
            return
        self._cancel_ask()
        self.state = "sharing"
        self._tell(self.share_id, "allowed")
        self._arm_alive()
        self.capture.reset()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._send_pictures, args=(self._token, self._stop),
                                        name="screen-share", daemon=True)
        self._worker.start()
        log.info("shared screen: allowed")

    def decline(self) -> None:
        """The person said No (or nothing in time)."""
        if self.state != "asking":
            return
        self._cancel_ask()
        self._tell(self.share_id, "declined")
        self._forget()
        log.info("shared screen: declined")

    def stop(self) -> None:
        """The person pressed Stop."""
        self.end("person")

    def _arm_alive(self) -> None:
        self._cancel_alive()
        self._cancel_alive = self.scheduler.call_later(self.alive_s, self._desk_silent)

    def _desk_silent(self) -> None:
        if self.state == "sharing":
            self.end("no sign of the desk")

    def _ending_state(self) -> str:
        return "declined" if self.state == "asking" else "ended"

    def end(self, why: str, tell: bool = True) -> None:
        """No more pictures: at once (the worker checks before every one)."""
        if not self.state:
            return
        self._stop.set()
        self._cancel_ask()
        if tell:
            self._tell(self.share_id, self._ending_state())
        self._forget()
        log.info("shared screen: ended (%s)", why)

    def _forget(self) -> None:
        self._cancel_alive()
        if self.share_id:
            self._done.append(self.share_id)
        self.share_id = self._token = self.helper = ""
        self.state = ""

    def _tell(self, share_id: str, state: str) -> None:
        self.help.link.publish("share", {"type": "share", "id": share_id, "state": state}, qos=1)

    def _send_pictures(self, token: str, stop: threading.Event) -> None:
        """On the worker thread: a picture whenever the screen changed, until `stop`."""
        prefix = token.encode("ascii")
        while not stop.is_set():
            try:
                picture = self.capture.grab()
            except DeviceError as error:
                log.warning("shared screen: %s", error)
                picture = None
            if picture is not None and not stop.is_set():
                self.help.link.publish("screen", prefix + picture)
            stop.wait(self.every_s)

    def banner_words(self, *_bound) -> str:
        return sharing_words(self.tr, self.helper) if self.state == "sharing" else ""

    def asking_words(self, *_bound) -> str:
        return asking_words(self.tr, self.helper) if self.helper else ""

    # -- what the person sees and hears ---------------------------------------------------

    def follow(self, journey, speech) -> None:
        """The question over whatever is on screen (the browser's too: the kiosk's window
        then covers the whole screen), but never over the timeout warning: there it waits
        until the person answered "I'm still here". Once the question ends, back to where
        the person was, and it is gone from the way back too (it may end while a staff
        message or the warning covers it)."""
        waiting = [False]  # asked while the warning was on screen

        def show() -> None:
            if self.state == "asking" and journey.screen != QUESTION:
                journey.go(QUESTION)

        def screen_changed(_journey, screen: str) -> None:
            if waiting[0] and screen not in NOT_OVER:
                waiting[0] = False
                # Not within the screen change going on: the screens still follow that one.
                self.scheduler.call_later(0, show)

        def changed(_share, state: str) -> None:
            waiting[0] = state == "asking" and journey.screen in NOT_OVER
            if state == "asking":
                if not waiting[0]:
                    show()
                return
            if journey.screen == QUESTION:
                journey.back()
            journey.history = without_question(journey.history, journey.screen)
            if state == "sharing":
                speech.say(sharing_words(self.tr, self.helper))

        self.bind(state=changed)
        journey.bind(screen=screen_changed)

    # -- the wipe --------------------------------------------------------------------------

    def reset(self) -> None:
        """The person has gone: whatever was shared ends."""
        self.end("session")
        self._forget()
        if self._worker is not None:
            self._worker.join(timeout=2)
            self._worker = None

    def left_over(self) -> int:
        return int(bool(self.state)) + int(bool(self.share_id or self.helper or self._token)) + int(
            self._worker is not None and self._worker.is_alive())
