"""Helpers the benchmarks share."""

from __future__ import annotations

import statistics
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


def wait_for(dispatcher, names: tuple[str, ...], condition, timeout: float, what: str) -> None:
    """Until `condition()` holds, woken by a change of one of `dispatcher`'s Kivy properties
    `names`, not by polling: a look every half millisecond takes CPU from the very work
    measured, which the baseline it is compared with does not pay."""
    ready = threading.Event()

    def check(*_) -> None:
        if condition():
            ready.set()

    for name in names:
        dispatcher.fbind(name, check)
    try:
        check()
        if not ready.wait(timeout):
            raise RuntimeError(f"{what} not in {timeout:g} s")
    finally:
        for name in names:
            dispatcher.funbind(name, check)


def compared(name: str, ours: list[float], baseline: list[float], unit: str, digits: int, target: str,
             **detail) -> dict:
    """One metric line: the medians of our runs and the baseline's, and their ratio."""
    value, base = statistics.median(ours), statistics.median(baseline)
    return {"name": name, "value": round(value, digits), "unit": unit, "baseline": round(base, digits),
            "ratio": round(value / base, 3), "target": target, "runs": len(ours), **detail}
