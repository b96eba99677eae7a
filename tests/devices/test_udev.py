"""SupervisedObserver: pyudev's real MonitorObserver on a fake netlink monitor that can overflow."""

from __future__ import annotations

import errno
import os
import threading
from collections import deque

import pytest

from kiosk.devices.udev import WATCHDOG_S, SupervisedObserver

# The watchdog looks every WATCHDOG_S seconds (not injectable): allow two of its rounds.
DEADLINE_S = 2 * WATCHDOG_S + 5


class FakeNetlinkMonitor:
    """What pyudev's MonitorObserver uses of a Monitor: start(), fileno() and poll(timeout).
    `deliver()` queues a device, or an OSError that poll() raises as pyudev does when the
    netlink buffer overflowed (ENOBUFS). Records how often an observer started on it."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self.starts = 0
        self.started = threading.Condition()

    def deliver(self, item) -> None:
        with self._lock:
            self._queue.append(item)
        os.write(self._write, b"!")

    def start(self) -> None:
        with self.started:
            self.starts += 1
            self.started.notify_all()

    def wait_for_starts(self, count: int) -> bool:
        with self.started:
            return self.started.wait_for(lambda: self.starts >= count, DEADLINE_S)

    def fileno(self) -> int:
        return self._read

    def poll(self, timeout=None):
        try:
            os.read(self._read, 1)
        except BlockingIOError:
            return None
        with self._lock:
            item = self._queue.popleft()
        if isinstance(item, OSError):
            raise item
        return item

    def close(self) -> None:
        os.close(self._read)
        os.close(self._write)


class Received:
    """A callback that records the devices it was given."""

    def __init__(self) -> None:
        self.devices: list = []
        self._arrived = threading.Condition()

    def __call__(self, device) -> None:
        if device == "bad-device":
            raise ValueError("a callback's bug")
        with self._arrived:
            self.devices.append(device)
            self._arrived.notify_all()

    def wait_for(self, device) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: device in self.devices, DEADLINE_S)


def test_events_reach_the_callback_and_stop_ends_the_observer():
    monitor, received = FakeNetlinkMonitor(), Received()
    observer = SupervisedObserver(monitor, received, "test-udev")
    assert not observer.is_alive()
    observer.start()
    try:
        assert observer.is_alive()
        monitor.deliver("stick-added")
        monitor.deliver("printer-added")
        assert received.wait_for("printer-added")
        assert received.devices == ["stick-added", "printer-added"]
    finally:
        observer.stop()
    assert wait_until(lambda: not observer.is_alive())
    monitor.close()


# The dying thread's exception is what is tested; pytest would report it as a warning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("killer", [OSError(errno.ENOBUFS, "No buffer space available"), "bad-device"],
                         ids=["netlink-overflow", "callback-raises"])
def test_an_observer_whose_thread_died_is_replaced_on_the_same_monitor(killer):
    monitor, received = FakeNetlinkMonitor(), Received()
    observer = SupervisedObserver(monitor, received, "test-udev")
    observer.start()
    try:
        assert monitor.wait_for_starts(1)
        monitor.deliver(killer)
        assert wait_until(lambda: not observer.is_alive()), "pyudev's thread should have died"
        monitor.deliver("after-the-overflow")  # waits in the socket until an observer reads it
        assert monitor.wait_for_starts(2), "the watchdog did not start a new observer"
        assert received.wait_for("after-the-overflow")
        assert observer.is_alive()
        assert received.devices == ["after-the-overflow"]
    finally:
        observer.stop()
    assert wait_until(lambda: not observer.is_alive())
    monitor.close()


def wait_until(condition) -> bool:
    pause = threading.Event()
    for _ in range(int(DEADLINE_S / 0.02)):
        if condition():
            return True
        pause.wait(0.02)
    return condition()
