"""What the staff desk may ask of a kiosk, one small handler each, and what the kiosk
tells the desk of itself (its status: no person in it, only the kiosk's state).

Events arrive already checked by the help service (kiosk.help: known types, bounded
fields); a command that does not fit the moment (a message to an empty kiosk, a lifted
print limit with nobody printing) is dropped here. Each handler says what became of its
command, and the kiosk replies so (kiosk.help.RESULTS): the desk shows staff "delivered" or
"nobody at the kiosk", never a success it cannot know. IT's operations (restart, reboot,
screenshot, log bundle, wake-on-LAN) are kiosk.remote_ops's handlers in the same table."""

from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock

from kiosk.remote_ops import LATER, RemoteOperations

log = logging.getLogger(__name__)


class DeskCommands:
    def __init__(self, services, flow, changed: Callable[[], None], operations: RemoteOperations | None = None) -> None:
        """`flow`: the session flow (kiosk.session_flow), which keeps the reasons to be out of
        service; `changed`: the status should go to the desk again; `operations`: IT's
        (restart, reboot, screenshot, log bundle, wake-on-LAN: kiosk.remote_ops)."""
        self.s, self.flow, self.changed = services, flow, changed
        self.handlers: dict[str, Callable[[dict, bool], str | None]] = {
            "message": self._message, "end_session": self._end_session, "out_of_service": self._out_of_service,
            "back_in_service": lambda _event, _busy: flow.lift("desk", "staff", "wipe"), "stats_ack": self._stats_ack,
            "lift_print_limit": self._lift_print_limit, "reopen_browser": self._reopen_browser,
            **(operations.handlers if operations is not None else {})}
        services.help.bind(on_desk=self._on_desk)

    def _on_desk(self, _help, event: dict) -> None:
        log.info("desk: %s", event["type"])
        handler = self.handlers.get(event["type"])
        if handler is not None:
            result = handler(event, self.flow.busy())
            if result != LATER:  # an operation on a worker replies once it is done
                self.s.help.reply(event, result or "done")
        self.changed()

    def _message(self, _event: dict, busy: bool) -> str:
        if not busy:
            return "no_session"  # nobody to read it; the next person must not
        self.s.journey.go("help")
        self.s.speech.say(self.s.tr._("Message from the staff: {text}").format(text=self.s.help.message))
        return "done"

    def _end_session(self, _event: dict, busy: bool) -> str:
        if busy:  # the person confirms; an empty kiosk is just wiped
            self.s.journey.go("end_session")
            return "done"
        self.s.session.recover()
        return "no_session"

    def _out_of_service(self, _event: dict, _busy: bool) -> None:
        self.flow.put_out("desk")  # a person's session is ended (and wiped) first

    def _stats_ack(self, event: dict, _busy: bool) -> None:
        self.s.stats_delivery.acknowledged(event["day"])  # and the next day goes, in order

    def _lift_print_limit(self, _event: dict, busy: bool) -> str:
        if not busy:
            return "no_session"
        self.s.printing.lift_quota()
        return "done"

    def _reopen_browser(self, _event: dict, busy: bool) -> str:
        if not busy:
            return "no_session"
        service = self.s.catalog.service(self.s.eservices.service_id or self.s.journey.service_id)
        if service is None:
            return "no_service"
        self.s.eservices.open_service(service)
        self.s.journey.go("browser")
        return "done"


class StatusReporter:
    """The kiosk's retained status on the broker, sent again (at most once a second) when
    anything in it changes."""

    def __init__(self, services, flow, accessibility: Callable[[], list[str]]) -> None:
        self.s, self.flow, self.accessibility = services, flow, accessibility
        self.soon = Clock.create_trigger(self.publish, 1.0)

    def watch(self) -> None:
        s = self.s
        s.session.bind(state=lambda *_: self.soon())
        s.journey.bind(screen=lambda *_: self.soon(), service_id=lambda *_: self.soon())
        s.printing.bind(on_printer_status=lambda *_: self.soon())
        s.help.bind(state=lambda *_: self.soon())
        self.flow.bind(out_of_service=lambda *_: self.soon())
        if s.rollout is not None:
            s.rollout.bind(revision=lambda *_: self.soon())
        self.soon()

    def status(self) -> dict:
        from kiosk import __version__

        s = self.s
        printer = s.printing.printer
        wake = getattr(getattr(s, "devices", None), "wake", None)
        return {"kiosk": s.config.site.kiosk_id, "version": __version__, "session": s.session.state,
                "screen": s.journey.screen, "service": s.journey.service_id, "language": s.tr.language,
                "accessibility": self.accessibility(),
                "printer": {"state": printer.state if printer else "unknown",
                            "faults": list(printer.faults) if printer else ["unreachable"]},
                "help": s.help.state, "out_of_service": self.flow.out_of_service,
                # The versions of configuration and catalogue in use, what waits, what was
                # refused and why (kiosk/rollout.py).
                **(s.rollout.status() if s.rollout is not None else {}),
                # The terminal's wired card, for the desk to wake it when it is off.
                **({"mac": wake.mac} if wake is not None and wake.mac else {})}

    def publish(self, _dt=None) -> None:
        self.s.help.publish_status(self.status())
