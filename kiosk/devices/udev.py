"""A pyudev observer that survives: pyudev's MonitorObserver thread dies on an exception or
a netlink buffer overflow and cannot be restarted (PITFALLS.md), so a watchdog thread
starts a new one on the same monitor. Shared by the headset and hot-plug adapters."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)

WATCHDOG_S = 5.0


class SupervisedObserver:
    def __init__(self, monitor, callback: Callable, name: str) -> None:
        self.monitor = monitor
        self.callback = callback
        self.name = name
        self._observer = None
        self._stop = threading.Event()

    def start(self) -> None:
        self._observe()
        threading.Thread(target=self._watch, daemon=True, name=f"{self.name}-watchdog").start()

    def _observe(self) -> None:
        import pyudev

        self._observer = pyudev.MonitorObserver(self.monitor, callback=self.callback, name=self.name)
        self._observer.start()

    def _watch(self) -> None:
        while not self._stop.wait(WATCHDOG_S):
            if not self.is_alive():
                log.warning("the udev observer %s died; starting a new one", self.name)
                self._observe()

    def is_alive(self) -> bool:
        return self._observer is not None and self._observer.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.send_stop()
