"""The anonymous counts of each session (kiosk.stats), taken from what the services report:
a session started and ended, the level of need chosen, the help screen seen, help asked,
accepted and resolved, pages printed, documents scanned, the one-tap answer at the goodbye. Nothing here
knows a person; the counters are a closed vocabulary."""

from __future__ import annotations

import time
from typing import Callable

from kiosk.stats import Statistics, duration_bucket, wait_bucket


class SessionStatistics:
    def __init__(self, stats: Statistics, session, journey, help_, printing, tr,
                 accessibility: Callable[[], list[str]], clock: Callable[[], float] = time.monotonic,
                 scanning=None) -> None:
        self.stats = stats
        self.tr, self.help, self.printing = tr, help_, printing
        self.accessibility = accessibility
        self.clock = clock
        self.started_at: float | None = None  # when this person's session began
        self._help_at: float | None = None
        self._help_viewed = False
        self._outcome_pending = False
        session.bind(state=self._on_state, on_ended=self._on_ended)
        journey.bind(level=lambda _j, level: level and self.stats.count("need", level), screen=self._on_screen)
        help_.bind(state=self._on_help_state)
        printing.bind(job_state=self._on_print_job)
        if scanning is not None:
            scanning.bind(saved=lambda _s, saved: self.document_added("scanned", len(saved)))

    # -- what the controllers tell ----------------------------------------------------------

    def document_added(self, how: str, count: int = 1) -> None:
        """Documents that came into the session other than by download ("scanned")."""
        if count:
            self.stats.count("document", how, count)

    def service_opened(self, service_id: str) -> None:
        self.stats.count("service", service_id)

    def practised(self) -> None:
        self.stats.count("practice", "used")

    def learnt(self, lesson_id: str) -> None:
        """A lesson of Learn the basics finished (kiosk/lessons.py)."""
        self.stats.count("lesson", lesson_id)

    def help_asked(self, topic: str, service_id: str) -> None:
        self.stats.count("help", f"on_site.{topic}")
        self.stats.count("help_service", service_id or "none")
        self._help_at = self.clock()

    def answered(self, answer: str) -> None:
        """The goodbye's "Did you get your matter done?" (counted once per session)."""
        if self._outcome_pending:
            self.stats.count("outcome", answer)
            self._outcome_pending = False

    def goodbye_left(self) -> None:
        self.answered("no_answer")

    # -- what the services report -----------------------------------------------------------

    def _on_state(self, _session, state: str) -> None:
        if state == "active" and self.started_at is None:
            self.started_at = self.clock()
            self.stats.count("session", "started")
        elif state == "wiping" and self.started_at is not None:
            # Taken before the wipe resets what they read (language, accessibility).
            self.stats.count("session", "ended")
            self.stats.count("duration", duration_bucket(self.clock() - self.started_at))
            self.stats.count("language", self.tr.language)
            for mode in self.accessibility():
                self.stats.count("accessibility", mode)
            self.started_at = self._help_at = None
            self._help_viewed = False

    def _on_ended(self, _session, reason: str, receipt) -> None:
        if reason in ("end", "timeout", "staff"):
            self.stats.count("end", reason)
            self.stats.count("wipe", "ok" if receipt.ok else "failed")
        if not receipt.ok:
            return
        if reason == "timeout":  # nobody there to answer "Did you get your matter done?"
            self.stats.count("outcome", "no_answer")
        self._outcome_pending = reason == "end"

    def _on_screen(self, _journey, screen: str) -> None:
        """The help screen seen in a session: its remote help (phone, chat, video) was offered."""
        if screen == "help" and self.started_at is not None and not self._help_viewed:
            self._help_viewed = True
            self.stats.count("help", "remote.offered")

    def _on_help_state(self, help_, state: str) -> None:
        if self._help_at is not None and state == "accepted":
            self.stats.count("help_accepted", wait_bucket(self.clock() - self._help_at))
        elif self._help_at is not None and state == "resolved":
            self.stats.count("help_resolved", duration_bucket(self.clock() - self._help_at))
            self._help_at = None

    def _on_print_job(self, printing, state: str) -> None:
        if state == "done" and printing.job_pages:
            self.stats.count("pages", "printed", printing.job_pages)
