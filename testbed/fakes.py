"""Fakes shared by unit tests, and the kiosk's scheduler on threads for tests without Kivy."""

from __future__ import annotations


class FakeScheduler:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[tuple[float, int, object]] = []
        self._ids = 0

    def call_later(self, delay_s, callback):
        self._ids += 1
        entry = (self.now + delay_s, self._ids, callback)
        self.pending.append(entry)
        return lambda: entry in self.pending and self.pending.remove(entry)

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while True:
            due = sorted(e for e in self.pending if e[0] <= end)
            if not due:
                break
            entry = due[0]
            self.pending.remove(entry)
            self.now = entry[0]
            entry[2]()
        self.now = end


class TimerScheduler:
    """The kiosk's scheduler on threads (the Kivy clock's stand-in where no clock runs)."""

    def call_later(self, delay_s, callback):
        import threading

        timer = threading.Timer(delay_s, callback)
        timer.daemon = True
        timer.start()
        return timer.cancel
