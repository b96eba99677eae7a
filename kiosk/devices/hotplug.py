"""Devices that come and go: USB sticks, USB printers, smart-card readers, headsets.

`UdevMonitor` watches udev (pyudev) and reports what it recognises as `Plugged` events;
anything else is ignored (logged at debug level). Callbacks come from pyudev's observer
thread: the receiver hops to its own thread first (the app schedules onto the Kivy clock).
The observer is supervised: a watchdog replaces it when its thread dies (devices/udev.py).
`FakeMonitor` is driven by tests and the demo through the same callback.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Protocol

from kiosk.devices import DeviceError
from kiosk.devices.udev import SupervisedObserver

log = logging.getLogger(__name__)

STORAGE, PRINTER, CARD_READER, HEADSET, SCANNER = "storage", "printer", "card_reader", "headset", "scanner"
SUBSYSTEMS = ("block", "usb", "sound")


@dataclass(frozen=True)
class Plugged:
    kind: str         # STORAGE, PRINTER, CARD_READER or HEADSET
    added: bool       # True: plugged in; False: taken out
    key: str          # the udev device path: pairs an add with its remove
    node: str = ""    # /dev/sdb1 for a stick's filesystem
    label: str = ""   # the filesystem label or the model, for people ("KINGSTON", "HP LaserJet")


OnPlugged = Callable[[Plugged], None]


class Monitor(Protocol):
    def start(self, on_plugged: OnPlugged) -> None:
        """Report the devices present now (as added), then every change. Raises DeviceError."""

    def stop(self) -> None:
        ...


def classify(subsystem: str, devtype: str, sys_name: str, properties: Mapping[str, str]) -> str | None:
    """The kind of a udev device from its subsystem and properties; None = not ours."""
    bus = properties.get("ID_BUS", "")
    if subsystem == "block":
        # A stick's filesystem: a partition, or a whole disk formatted without partitions.
        if bus == "usb" and properties.get("ID_FS_USAGE") == "filesystem" and devtype in ("partition", "disk"):
            return STORAGE
        return None
    if subsystem == "usb" and devtype == "usb_device":
        interfaces = properties.get("ID_USB_INTERFACES", "")
        if ":0701" in interfaces:  # USB class 7, subclass 1: printer
            return PRINTER
        if ":0b00" in interfaces:  # USB class 11: smart card (CCID), the ID card's reader
            return CARD_READER
        # Scanners have no USB class of their own; SANE's udev rules (libsane1) mark the
        # ones its backends know, and udev keeps the mark for the removal too.
        if properties.get("libsane_matched") == "yes":
            return SCANNER
        return None
    if subsystem == "sound" and sys_name.startswith("card") and bus == "usb":
        return HEADSET
    return None


def describe(kind: str, properties: Mapping[str, str]) -> str:
    if kind == STORAGE:
        return properties.get("ID_FS_LABEL") or properties.get("ID_MODEL", "")
    return (properties.get("ID_VENDOR_FROM_DATABASE") or properties.get("ID_VENDOR", "")) + \
        (" " + properties["ID_MODEL"] if properties.get("ID_MODEL") else "")


def event_of(device, added: bool) -> Plugged | None:
    """A pyudev device as a Plugged event, or None (ignored, logged at debug level)."""
    properties = dict(device.properties)
    kind = classify(device.subsystem or "", device.device_type or "", device.sys_name or "", properties)
    if kind is None:
        log.debug("ignored %s device %s (%s)", device.subsystem, device.sys_name, device.device_type)
        return None
    return Plugged(kind, added, device.device_path, (device.device_node or "") if kind == STORAGE else "",
                   describe(kind, properties).strip())


class UdevMonitor:
    def __init__(self) -> None:
        self._observer = None
        self._monitor = None
        self._on_plugged: OnPlugged | None = None
        self._present: dict[str, Plugged] = {}
        self._lock = threading.Lock()

    def start(self, on_plugged: OnPlugged) -> None:
        try:
            import pyudev

            context = pyudev.Context()
            self._monitor = pyudev.Monitor.from_netlink(context)
            for subsystem in SUBSYSTEMS:
                self._monitor.filter_by(subsystem)
            present = [event for subsystem in SUBSYSTEMS for device in context.list_devices(subsystem=subsystem)
                       if (event := event_of(device, True)) is not None]
        except Exception as error:  # no udev (a container), no permission
            raise DeviceError(f"cannot watch for USB devices through udev: {error}") from None
        self._on_plugged = on_plugged
        for event in present:
            self._present[event.key] = event
            on_plugged(event)
        self._observer = SupervisedObserver(self._monitor, self._udev_event, "hotplug-udev")
        self._observer.start()

    def _udev_event(self, device) -> None:
        try:
            if device.action == "remove":
                with self._lock:
                    event = self._present.pop(device.device_path, None)
                if event is not None:
                    self._on_plugged(replace(event, added=False))
            elif device.action in ("add", "change"):
                event = event_of(device, True)
                with self._lock:
                    fresh = event is not None and event.key not in self._present
                    if fresh:
                        self._present[event.key] = event
                if fresh:
                    self._on_plugged(event)
        except Exception:  # never let an exception kill pyudev's thread
            log.exception("handling the udev event for %s", getattr(device, "sys_name", "?"))

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()


class FakeMonitor:
    """For tests and the demo: `plug()` and `unplug()` as if a person did; what was plugged
    before `start` is reported by it, as UdevMonitor reports what is there. Its contract
    with UdevMonitor: tests/devices/test_contract_hotplug.py."""

    def __init__(self) -> None:
        self._on_plugged: OnPlugged | None = None
        self.present: dict[str, Plugged] = {}

    def start(self, on_plugged: OnPlugged) -> None:
        self._on_plugged = on_plugged
        for event in list(self.present.values()):
            on_plugged(event)

    def plug(self, kind: str, key: str, node: str = "", label: str = "") -> Plugged:
        event = Plugged(kind, True, key, node, label)
        self.present[key] = event
        if self._on_plugged:
            self._on_plugged(event)
        return event

    def unplug(self, key: str) -> None:
        event = self.present.pop(key)
        if self._on_plugged:
            self._on_plugged(replace(event, added=False))

    def stop(self) -> None:
        self._on_plugged = None
