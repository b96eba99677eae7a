"""What IT may do to a kiosk from the staff desk, beside the person's commands
(kiosk.desk_commands): restart the app, reboot the terminal, take a screenshot, send a log
bundle, and send a wake-on-LAN packet for another kiosk of the site.

Nothing here may reach a person. Restart and reboot wait for a moment between sessions:
while a person (or staff mode) is using the kiosk they are refused ("in_session",
"staff_mode") unless the desk says staff accept that the session ends (`confirm`). A
screenshot is taken only while the kiosk waits for the next person, is out of service or
closed, and never while staff mode or its PIN pad is open; the state is checked again once the
screen is read, and a person who touched the kiosk meanwhile sends it nowhere. The log
bundle carries nothing of a person (kiosk.log_bundle). Wake-on-LAN sends only magic
packets, to addresses that look like a network card's, at most WAKES_PER_MINUTE.

Each handler answers as DeskCommands' do, or LATER: it replies itself once its work on a
worker (reading the screen, the journal, the root helper) is done."""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Callable

from kiosk.devices import DeviceError
from kiosk.log_bundle import bundle_head, pack
from kiosk.ops_wire import CONFIRM, HOURS, LEAF, MAX_PICTURE_BYTES, part, split, valid_mac
from kiosk.share_wire import TOKEN

log = logging.getLogger(__name__)

LATER = "later"  # the handler replies itself
IDLE_SCREENS = ("welcome", "out_of_service", "closed")  # closed: the site's opening hours (kiosk/closing.py)
IDLE_STATES = ("ready", "out_of_service")
STAFF_SCREENS = ("staff", "staff_pin")
RESTART_AFTER_S = 1.0  # the reply goes out before the process ends
WAKES_PER_MINUTE = 10


class RemoteOperations:
    def __init__(self, services, staff_active: Callable[[], bool], restart: Callable[[], None], runner, scheduler,
                 helper=None, screen=None, wake=None) -> None:
        """`staff_active`: staff mode is open; `restart`: the app's (the process ends and
        systemd starts it again); `runner`: a worker whose results come back on the Kivy
        thread (kiosk.background); `scheduler`: kiosk.session.Scheduler; `helper`: the root
        helper, `screen`: the screen capture, `wake`: Wake-on-LAN (None where there is none)."""
        self.s, self.staff_active, self.restart = services, staff_active, restart
        self.runner, self.scheduler = runner, scheduler
        self.helper, self.screen, self.wake = helper, screen, wake
        self._wakes: deque[float] = deque(maxlen=WAKES_PER_MINUTE)
        self.handlers: dict[str, Callable[[dict, bool], str]] = {
            "restart": self._restart, "reboot": self._reboot, "screenshot": self._screenshot,
            "log_bundle": self._log_bundle, "wake": self._wake}

    def not_idle(self) -> str:
        """Why the kiosk is not free for an operation: "staff_mode", "in_session" (a person's
        session, its goodbye, a shared screen), or "" when nobody is using it."""
        s = self.s
        if self.staff_active() or s.journey.screen in STAFF_SCREENS:
            return "staff_mode"
        if s.session.state not in IDLE_STATES or s.journey.screen not in IDLE_SCREENS \
                or getattr(getattr(s, "share", None), "state", ""):
            return "in_session"
        return ""

    def _confirmed_or_idle(self, event: dict) -> str:
        return "" if event.get("confirm") == CONFIRM else self.not_idle()

    # -- restart and reboot ------------------------------------------------------------------

    def _restart(self, event: dict, _busy: bool) -> str:
        refused = self._confirmed_or_idle(event)
        if refused:
            return refused
        log.info("restart asked by the desk%s", " (a session ends)" if self.not_idle() else "")
        self.scheduler.call_later(RESTART_AFTER_S, self.restart)
        return "done"

    def _reboot(self, event: dict, _busy: bool) -> str:
        refused = self._confirmed_or_idle(event)
        if refused:
            return refused
        if self.helper is None:
            log.error("reboot asked by the desk: there is no root helper here")
            return "failed"
        log.info("reboot asked by the desk")
        self.runner.run(lambda: self.helper.request("reboot"),
                        lambda _answer, error: self._reply(event, self._failed("reboot", error)))
        return LATER

    # -- a screenshot --------------------------------------------------------------------------

    def _screenshot(self, event: dict, _busy: bool) -> str:
        refused = self.not_idle()
        if refused:
            return refused
        if self.screen is None or not TOKEN.fullmatch(event["token"]):
            return "failed"

        def grab() -> bytes | None:
            self.screen.reset()  # a picture even if the screen is as it was at the last one
            return self.screen.grab()

        def grabbed(picture: bytes | None, error: BaseException | None) -> None:
            refused_now = self.not_idle()  # someone may have touched the screen meanwhile
            if refused_now:
                self._reply(event, refused_now)
            elif error is not None or picture is None or len(picture) > MAX_PICTURE_BYTES:
                self._reply(event, self._failed("screenshot", error or DeviceError("the picture does not fit")))
            else:
                sent = self.s.help.link.publish(LEAF, part(event["token"], 0, 1, picture), qos=1)
                self._reply(event, "done" if sent is not None else "failed")

        self.runner.run(grab, grabbed)
        return LATER

    # -- the log bundle ------------------------------------------------------------------------

    def _log_bundle(self, event: dict, _busy: bool) -> str:
        hours = event["hours"]
        if hours not in HOURS or not TOKEN.fullmatch(event["token"]):
            return "failed"
        config, catalog = self.s.config, self.s.catalog
        problems = [str(p) for p in (*config.problems, *catalog.problems)] + [
            f"{feature} disabled: {reason}" for feature, reason in config.disabled.items()]
        head = bundle_head(config.site.kiosk_id, config.fleet.site, hours, problems)
        session_dir = str(config.session.runtime_dir)

        def gather() -> list[bytes]:
            if self.helper is None:
                journal = "(no root helper on this kiosk: its journal cannot be read)"
            else:
                try:
                    journal = self.helper.request("journal", hours=hours).get("text", "")
                except DeviceError as error:
                    journal = f"(the journal could not be read: {error})"
            return split(event["token"], pack(head, str(journal), session_dir))

        def gathered(parts: list[bytes] | None, error: BaseException | None) -> None:
            if error is not None or not parts:
                self._reply(event, self._failed("log bundle", error or DeviceError("nothing to send")))
                return
            sent = [self.s.help.link.publish(LEAF, payload, qos=1) for payload in parts]
            self._reply(event, "done" if None not in sent else "failed")

        self.runner.run(gather, gathered)
        return LATER

    # -- wake-on-LAN for another kiosk of the site -------------------------------------------------

    def _wake(self, event: dict, _busy: bool) -> str:
        mac = event["mac"]
        now = time.monotonic()
        if self.wake is None or not valid_mac(mac) or mac == self.wake.mac:
            return "failed"
        if len(self._wakes) == self._wakes.maxlen and now - self._wakes[0] < 60:
            log.warning("wake-on-LAN: more than %d a minute asked; this one not sent", WAKES_PER_MINUTE)
            return "failed"
        self._wakes.append(now)
        try:
            self.wake.send(mac)
        except DeviceError as error:
            return self._failed("wake-on-LAN", error)
        log.info("wake-on-LAN packet sent for another kiosk of the site")
        return "done"

    # -- replies -----------------------------------------------------------------------------------

    def _reply(self, event: dict, result: str) -> None:
        self.s.help.reply(event, result)

    @staticmethod
    def _failed(what: str, error: BaseException | None) -> str:
        if error is None:
            return "done"
        log.error("%s asked by the desk failed: %s", what, error)
        return "failed"
