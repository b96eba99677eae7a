"""Cameras plugged in and out (a USB webcam is a video4linux device that can capture), for
video help at the kiosk: video is offered only while a camera and a headset are there.

Callbacks come from pyudev's (supervised) observer thread: the receiver hops to its own
thread first, as with headsets (devices/headset.py).
"""

from __future__ import annotations

from typing import Callable, Protocol

from kiosk.devices import DeviceError
from kiosk.devices.udev import SupervisedObserver

OnChange = Callable[[bool], None]  # a camera is there (True) or not


class Cameras(Protocol):
    def start(self, on_change: OnChange) -> None:
        """Report the current state once, then every change. Raises DeviceError."""

    def stop(self) -> None:
        ...


def captures(device) -> bool:
    """A video4linux device that captures pictures (not a metadata node, not an output)."""
    return device.sys_name.startswith("video") and ":capture:" in device.properties.get("ID_V4L_CAPABILITIES", "")


class SystemCameras:
    def __init__(self) -> None:
        self._observer = None
        self._present: set[str] = set()
        self._on_change: OnChange | None = None

    def start(self, on_change: OnChange) -> None:
        try:
            import pyudev

            context = pyudev.Context()
            monitor = pyudev.Monitor.from_netlink(context)
            monitor.filter_by("video4linux")
        except Exception as error:  # no udev (a container), no permission
            raise DeviceError(f"cannot watch for cameras through udev: {error}") from None
        self._on_change = on_change
        self._present = {d.sys_name for d in context.list_devices(subsystem="video4linux") if captures(d)}
        on_change(bool(self._present))
        self._observer = SupervisedObserver(monitor, self._udev_event, "camera-udev")
        self._observer.start()

    def _udev_event(self, device) -> None:
        before = bool(self._present)
        if device.action == "add" and captures(device):
            self._present.add(device.sys_name)
        elif device.action == "remove":
            self._present.discard(device.sys_name)
        if bool(self._present) != before and self._on_change is not None:
            self._on_change(bool(self._present))

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()


class FakeCameras:
    """For the demo and tests: `plug()` and `unplug()` as a person would."""

    def __init__(self, present: bool = False) -> None:
        self.present = present
        self._on_change: OnChange | None = None

    def start(self, on_change: OnChange) -> None:
        self._on_change = on_change
        on_change(self.present)

    def plug(self) -> None:
        self.present = True
        if self._on_change:
            self._on_change(True)

    def unplug(self) -> None:
        self.present = False
        if self._on_change:
            self._on_change(False)

    def stop(self) -> None:
        self._on_change = None
