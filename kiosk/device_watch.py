"""What the kiosk notices of its devices while it runs: a headset plugged in (speech on,
into it), a memory stick (its screen), a printer or ID-card reader coming and going, the
printer's state now and then (so staff hear of faults before anyone prints), and new files
of the session (downloads) within seconds. Device threads report here; everything is
acted on in the Kivy thread."""

from __future__ import annotations

import logging
from typing import Callable

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty

from kiosk.devices import DeviceError
from kiosk.devices.hotplug import CARD_READER, PRINTER, SCANNER, STORAGE, Plugged

log = logging.getLogger(__name__)

PRINTER_CHECK_S = 60
DOCUMENTS_CHECK_S = 2
SCANNER_CHECK_S = 60


def to_kivy_thread(callback: Callable) -> Callable:
    """`callback`, called from a device thread, runs in the Kivy thread."""
    return lambda *args: Clock.schedule_once(lambda _dt: callback(*args), 0)


class DeviceWatch(EventDispatcher):
    card_readers = NumericProperty(0)  # ID-card readers plugged in: the guides mention the ID card
    # Video help at the kiosk needs both: someone must see and hear the helper, privately.
    camera = BooleanProperty(False)
    headset = BooleanProperty(False)

    def __init__(self, services, flow, headset: Callable[[bool, str], None], changed: Callable[[], None],
                 **kwargs) -> None:
        """`headset(plugged, device)`: speech navigation's; `changed`: the status should go
        to the desk again."""
        super().__init__(**kwargs)
        self.s, self.flow, self.headset_changed, self.changed = services, flow, headset, changed
        services.journey.bind(screen=lambda *_: self.check_documents())

    def start(self) -> None:
        devices = self.s.devices
        if devices.headsets is not None:
            try:
                devices.headsets.start(to_kivy_thread(self._headset))
            except DeviceError as error:
                log.warning("headsets will not turn speech on: %s", error)
        if devices.cameras is not None:
            try:
                devices.cameras.start(to_kivy_thread(lambda present: setattr(self, "camera", present)))
            except DeviceError as error:
                log.warning("video help is not offered here: %s", error)
        if devices.monitor is not None:
            try:
                devices.monitor.start(to_kivy_thread(self.plugged))
            except DeviceError as error:
                log.warning("memory sticks, printers and card readers plugged in go unnoticed: %s", error)
        scanning = self.s.scanning
        scanning.refresh()
        # A scanner not found (off, or its network backend slow to answer) is looked for
        # again now and then, as a USB one is when plugged in.
        Clock.schedule_interval(lambda _dt: scanning.available or scanning.refresh(), SCANNER_CHECK_S)
        printing = self.s.printing
        if printing.available:
            printing.refresh_printer()
            Clock.schedule_interval(lambda _dt: printing.refresh_printer(), PRINTER_CHECK_S)
        Clock.schedule_interval(lambda _dt: self.check_documents(), DOCUMENTS_CHECK_S)

    def _headset(self, plugged: bool, device: str) -> None:
        self.headset = plugged
        self.headset_changed(plugged, device)

    def plugged(self, event: Plugged) -> None:
        log.info("%s %s", event.kind, "plugged in" if event.added else "taken out")
        if event.kind == STORAGE:
            self.s.usb.plugged(event)
            # The person just put it in: show what it can do (starting a session if need be).
            if event.added and self.flow.begin_session():
                self.s.session.activity()
                self.s.journey.go("stick")
        elif event.kind == PRINTER:
            self.s.printing.refresh_printer()  # the status follows, and reaches staff
            self.changed()
        elif event.kind == SCANNER:
            self.s.scanning.refresh()  # "Scan a paper" comes and goes with it
            self.changed()
        elif event.kind == CARD_READER:
            self.card_readers = max(0, self.card_readers + (1 if event.added else -1))

    def check_documents(self) -> None:
        """New files of the session (downloads) show up in the top bar within seconds."""
        if self.flow.busy():
            self.s.printing.refresh_documents()
