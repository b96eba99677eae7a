"""A release from the desk taken into use between sessions, never in one.

The roll-out (kiosk/rollout.py) keeps a checked release as pending. The moment nobody's
session runs (the welcome screen waits, or the kiosk is out of service, and staff mode is
closed), it becomes the current version, and then:
- what a running kiosk can take (`kiosk.compose.LIVE_KEYS`, a catalogue of the same
  languages) is given to its services (`kiosk.compose.reconfigure`), the app's own
  attributes follow (`applied`), and the root helper writes the browser's policy for the
  new catalogue (it verifies the release itself);
- anything else (devices, the fleet link, languages, ...) restarts the kiosk process
  (`restart`: systemd starts it again, and it reads the new files at start).
"""

from __future__ import annotations

import logging
from typing import Callable

from kiosk.compose import reconfigure, restart_needed
from kiosk.devices import DeviceError

log = logging.getLogger(__name__)


class BetweenSessions:
    def __init__(self, services, quiet: Callable[[], bool], restart: Callable[[], None],
                 applied: Callable[[], None] = lambda: None) -> None:
        """`quiet`: nobody's session runs and staff mode is closed; `restart`: the app's
        stop (systemd starts the kiosk again); `applied`: the app takes the new values."""
        self.s, self.quiet, self.restart, self.applied = services, quiet, restart, applied
        self.restarting = False
        self._loading = False
        rollout = services.rollout
        rollout.bind(on_ready=lambda *_: self.now())
        services.session.bind(state=lambda *_: self.now())
        services.journey.bind(screen=lambda *_: self.now())

    def now(self) -> None:
        """Apply what is pending, if nobody is here; else this is called again when the
        session's state or the screen changes. The files are read in the background: the
        welcome screen keeps answering a touch meanwhile."""
        rollout = self.s.rollout
        kinds = rollout.files.pending_kinds()
        if not kinds or self.restarting or self._loading or not self.quiet():
            return
        paths = self._paths()
        self._loading = True
        rollout.background.run(lambda: rollout.loader.load(*paths),
                               lambda loaded, error: self._loaded(kinds, paths, loaded, error))

    def _paths(self) -> tuple:
        files = self.s.rollout.files
        return tuple(files.path(kind, "pending") or files.path(kind) for kind in ("config", "catalog"))

    def _loaded(self, kinds: list[str], paths: tuple, loaded, error: BaseException | None) -> None:
        self._loading = False
        rollout = self.s.rollout
        files = rollout.files
        if files.pending_kinds() != kinds or self._paths() != paths:
            self.now()  # a newer release came meanwhile
            return
        if not self.quiet():
            return  # someone came: the next moment nobody is here
        config, catalog = loaded if error is None else (None, None)
        problems = [str(p) for p in (*config.problems, *catalog.problems)] if error is None \
            else [f"the kiosk could not read it: {type(error).__name__}"]
        if problems:  # the kiosk's own files changed since the release was checked
            for kind in kinds:
                files.refuse_pending(kind, "; ".join(problems[:5]))
            rollout.applied()
            return
        why = restart_needed(self.s, config, catalog)
        policy_changed = set(catalog.allowed_domains()) != set(self.s.catalog.allowed_domains())
        for kind in kinds:
            files.promote(kind)
        rollout.applied()
        log.info("roll-out: %s now in use", ", ".join(f"{kind} version {files.version(kind)}" for kind in kinds))
        if "catalog" in kinds and policy_changed:
            self._browser_policy()
        if why:
            log.info("roll-out: the kiosk restarts between sessions (%s)", why)
            self.restarting = True
            self.restart()
            return
        reconfigure(self.s, config, catalog)
        self.applied()

    def _browser_policy(self) -> None:
        """The browser's allowlist as the new catalogue's (root writes it, having verified
        the release itself); without the helper the policy stays as provisioning wrote it."""
        helper = self.s.usb.helper
        if helper is None:
            log.warning("roll-out: no root helper: the browser's policy keeps the previous catalogue's domains")
            return
        try:
            helper.request("browser_policy")
        except DeviceError as error:
            log.error("roll-out: %s; the browser's policy keeps the previous catalogue's domains", error)
