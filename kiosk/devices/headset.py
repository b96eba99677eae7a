"""Headsets plugged in and out (EN 301 549 5.1.3.2 and 5.2): a USB headset appears as a
sound card (udev), an analogue one as a headphone-jack switch (an input device).

Callbacks come from a worker thread: the receiver must hop to its own thread before
touching anything (the app schedules them on the Kivy clock). pyudev's observer thread
dies on a slow callback or a buffer overflow and cannot be restarted, so it is supervised
(devices/udev.py).
"""

from __future__ import annotations

import logging
import struct
import threading
from pathlib import Path
from typing import Callable, Iterator, Protocol

from kiosk.devices import DeviceError
from kiosk.devices.udev import SupervisedObserver

log = logging.getLogger(__name__)

# (plugged, ALSA device to speak to)
OnChange = Callable[[bool, str], None]

EV_SW = 0x05
SW_HEADPHONE_INSERT = 0x02
INPUT_EVENT = struct.Struct("llHHi")  # struct input_event on 64-bit Linux


class Headsets(Protocol):
    def start(self, on_change: OnChange) -> None:
        """Report the current state once, then every change. Raises DeviceError."""

    def stop(self) -> None:
        ...


def usb_headset_device(card) -> str | None:
    """The ALSA device of a udev sound-card device if it is a USB one, else None."""
    if not card.sys_name.startswith("card") or card.properties.get("ID_BUS") != "usb":
        return None
    card_id = card.attributes.asstring("id") if "id" in card.attributes.available_attributes else ""
    return f"plughw:CARD={card_id}" if card_id else f"plughw:{card.sys_name[4:]}"


def jack_events(stream) -> Iterator[bool]:
    """Headphone-jack insertions (True) and removals (False) from an evdev byte stream."""
    while True:
        data = stream.read(INPUT_EVENT.size)
        if len(data) < INPUT_EVENT.size:
            return
        _sec, _usec, kind, code, value = INPUT_EVENT.unpack(data)
        if kind == EV_SW and code == SW_HEADPHONE_INSERT:
            yield bool(value)


def jack_input_devices(sys_root: Path = Path("/sys/class/input")) -> list[Path]:
    """/dev/input/eventN of ALSA's jack switches (named "... Headphone" or "... Jack")."""
    found = []
    for event in sorted(sys_root.glob("event*")):
        try:
            name = (event / "device" / "name").read_text().strip()
        except OSError:
            continue
        if "headphone" in name.lower() or name.lower().endswith("jack"):
            found.append(Path("/dev/input") / event.name)
    return found


class SystemHeadsets:
    """USB headsets through pyudev, analogue ones through the jack switch."""

    def __init__(self) -> None:
        self._observer = None
        self._monitor = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._on_change: OnChange | None = None
        self._usb: dict[str, str] = {}  # sys_name -> ALSA device

    def start(self, on_change: OnChange) -> None:
        try:
            import pyudev

            context = pyudev.Context()
            self._monitor = pyudev.Monitor.from_netlink(context)
            self._monitor.filter_by("sound")
        except Exception as error:  # no udev (a container), no permission
            raise DeviceError(f"cannot watch for headsets through udev: {error}") from None
        self._on_change = on_change
        for card in context.list_devices(subsystem="sound"):
            device = usb_headset_device(card)
            if device:
                self._usb[card.sys_name] = device
        if self._usb:
            on_change(True, next(iter(self._usb.values())))
        self._observer = SupervisedObserver(self._monitor, self._udev_event, "headset-udev")
        self._observer.start()
        for path in jack_input_devices():
            thread = threading.Thread(target=self._read_jack, args=(path,), daemon=True, name="headset-jack")
            thread.start()
            self._threads.append(thread)

    def _udev_event(self, card) -> None:
        device = usb_headset_device(card)
        if card.action == "add" and device:
            self._usb[card.sys_name] = device
            self._on_change(True, device)
        elif card.action == "remove" and card.sys_name in self._usb:
            del self._usb[card.sys_name]
            self._on_change(bool(self._usb), next(iter(self._usb.values()), "default"))

    def _read_jack(self, path: Path) -> None:
        try:
            with path.open("rb", buffering=0) as stream:
                for plugged in jack_events(stream):
                    if self._stop.is_set():
                        return
                    self._on_change(plugged, "default")
        except OSError as error:
            log.warning("cannot read the headphone jack %s: %s", path, error)

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()


class FakeHeadsets:
    """For the demo and tests: `plug()` and `unplug()` as if a person did; a headset plugged
    before `start` is reported by it, as SystemHeadsets reports one that is there. Its
    contract with SystemHeadsets: tests/devices/test_contract_hotplug.py."""

    def __init__(self) -> None:
        self._on_change: OnChange | None = None
        self.plugged = ""  # the ALSA device of the headset plugged in, "" = none

    def start(self, on_change: OnChange) -> None:
        self._on_change = on_change
        if self.plugged:
            on_change(True, self.plugged)

    def plug(self, device: str = "plughw:CARD=Headset") -> None:
        self.plugged = device
        if self._on_change:
            self._on_change(True, device)

    def unplug(self) -> None:
        self.plugged = ""
        if self._on_change:
            self._on_change(False, "default")

    def stop(self) -> None:
        self._on_change = None
