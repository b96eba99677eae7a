"""Blocking work off the Kivy thread, its result back on it.

Services hand a device call (CUPS, poppler) to a `Background` and get `done(result, error)`
called on the Kivy main thread, where they may touch properties. Tests use `Immediate`,
which runs both at once on the caller's thread.
"""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any, Callable, Protocol

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]


class Runner(Protocol):
    def run(self, work: Callable[[], Any], done: Done) -> None:
        """Run `work()` away from the caller; then `done(result, None)` or `done(None, error)`."""


class Background:
    """One worker thread (work runs in order), results delivered on the Kivy clock."""

    def __init__(self, name: str) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def run(self, work: Callable[[], Any], done: Done) -> None:
        from kivy.clock import Clock

        def task() -> None:
            try:
                result, error = work(), None
            except Exception as caught:  # handed to `done`, which decides what the person sees
                result, error = None, caught
            Clock.schedule_once(lambda _dt: done(result, error), 0)

        self._executor.submit(task)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class Immediate:
    """Work and its result at once, on the calling thread (unit tests, command-line tools)."""

    def run(self, work: Callable[[], Any], done: Done) -> None:
        try:
            result, error = work(), None
        except Exception as caught:
            result, error = None, caught
        done(result, error)
