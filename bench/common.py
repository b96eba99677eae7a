"""Helpers the benchmarks share."""

from __future__ import annotations

import threading
import time


class ThreadRunner:
    """A service's work on a thread of its own, as in the kiosk, and the result handed back
    on that thread (the kiosk hops to the Kivy clock instead; no clock runs here)."""

    def run(self, work, done) -> None:
        def task() -> None:
            try:
                result, error = work(), None
            except Exception as caught:
                result, error = None, caught
            done(result, error)

        threading.Thread(target=task, daemon=True).start()


def wait_until(condition, timeout: float, what: str, poll_s: float = 0.0005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not in {timeout:g} s")
        time.sleep(poll_s)
