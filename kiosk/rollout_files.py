"""The releases a kiosk keeps, and its files as it reads them with them (no Kivy here: the
root helper uses this too, to write the browser's policy from a verified catalogue).

On disk (`<state_dir>/rollout/`): `state.json` says, per kind, which version is current,
which previous (kept, to fall back to), which pending and what was refused last; the
files are `<kind>-<version>.toml`, and only those three are kept. A release being checked
is `<kind>-<version>.candidate` until it is kept or refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk import release
from kiosk.config import Config, load_config, offer_only
from kiosk.config_layers import CONFIG_DIR

log = logging.getLogger(__name__)

WHICH = ("current", "previous", "pending")
MAX_STATE_BYTES = 64 * 1024
MAX_DETAIL = 600  # characters of problems told to the desk (its page shows them)


@dataclass(frozen=True)
class Loader:
    """The kiosk's files as `kiosk run` reads them: the configuration's layers with the
    rolled-out drop-in over the site's files, and the rolled-out catalogue in place of the
    configuration's. `extra`: the `--config FILE` the kiosk was started with."""

    extra: Path | None = None
    config_dir: Path = CONFIG_DIR

    def load(self, config_file: Path | None = None, catalog_file: Path | None = None):
        from kiosk.catalog import Catalog, load_catalog
        from kiosk.toml_schema import Problem

        loaded = load_config(self.extra, config_dir=self.config_dir, rolled_out=config_file)
        if catalog_file is not None:
            loaded = replace(loaded, catalog_file=catalog_file)
        if loaded.catalog_file.exists():
            catalog = load_catalog(loaded.catalog_file, loaded.languages.offered)
            loaded = offer_only(loaded, catalog.languages, catalog.left_out)
        else:
            catalog = Catalog((), (), (), str(loaded.catalog_file),
                              (Problem(str(loaded.catalog_file), None, "", "catalogue file not found"),))
        return loaded, catalog

    def problems(self, config_file: Path | None, catalog_file: Path | None) -> list[str]:
        """What `kiosk check-config` says of these files merged with the kiosk's own."""
        from kiosk.cli import support_problems

        loaded, catalog = self.load(config_file, catalog_file)
        found = [str(p) for p in (*loaded.problems, *catalog.problems)]
        if not catalog.services and not catalog.problems:
            found.append(f"{catalog.file}: no services")
        return found + [str(p) for p in support_problems(loaded)]


def base_config(extra: Path | None = None, config_dir: Path = CONFIG_DIR) -> Config:
    """The configuration without what was rolled out: where the state directory is, the
    site and the desk's key (none of which a drop-in may set)."""
    return load_config(extra, config_dir=config_dir)


def public_key(config: Config):
    """The desk's key for releases, or None (nothing is rolled out here, and that is said)."""
    if not config.fleet.rollout_key_file:
        return None
    try:
        return release.load_public_key(config.fleet.rollout_key_file)
    except ValueError as error:
        log.error("roll-out off: %s ([fleet] rollout_key_file)", error)
        return None


def load_at_start(extra: Path | None = None, config_dir: Path = CONFIG_DIR):
    """The kiosk's files as it starts: what the desk rolled out over the site's own, what
    was pending taken (nobody's session runs yet), and a release the kiosk cannot run with
    after all given up for the one before. (config, catalog, loader, rolled-out files)."""
    base = base_config(extra, config_dir)
    files = RolloutFiles(base.session.state_dir / "rollout")
    files.start(public_key(base), base.fleet.site)
    loader = Loader(extra, config_dir)
    loaded, catalog = loader.load(files.path("config"), files.path("catalog"))
    in_use = [kind for kind in release.KINDS if files.path(kind)]
    if in_use and (loaded.core_problems or catalog.problems):
        for kind in in_use:
            files.fall_back(kind, "; ".join(str(p) for p in (*loaded.core_problems, *catalog.problems)[:5]))
        loaded, catalog = loader.load(files.path("config"), files.path("catalog"))
    return loaded, catalog, loader, files


def read_regular(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most `max_bytes` (OSError otherwise): no link followed, no
    pipe waited on. The root helper reads the kiosk's state directory this way too."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(descriptor)
        if not (info.st_mode & 0o170000 == 0o100000) or info.st_size > max_bytes:
            raise OSError(f"{path.name}: not a regular file of at most {max_bytes} bytes")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise OSError(f"{path.name}: larger than {max_bytes} bytes")
    return data


class RolloutFiles:
    """The releases kept in `directory`, and which is current, previous, pending, refused."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.state: dict[str, dict] = {kind: dict.fromkeys((*WHICH, "refused")) for kind in release.KINDS}
        try:
            saved = json.loads(read_regular(directory / "state.json", MAX_STATE_BYTES))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            log.error("roll-out state unreadable (%s): the kiosk's own files are used", error)
            return
        for kind in release.KINDS:
            for which in (*WHICH, "refused"):
                entry = saved.get(kind, {}).get(which) if isinstance(saved.get(kind), dict) else None
                if isinstance(entry, dict) and type(entry.get("version")) is int:
                    self.state[kind][which] = entry

    def entry(self, kind: str, which: str = "current") -> dict | None:
        return self.state[kind][which]

    def path(self, kind: str, which: str = "current") -> Path | None:
        entry = self.state[kind][which]
        return self.file(kind, entry["version"]) if entry else None

    def file(self, kind: str, version: int) -> Path:
        return self.directory / f"{kind}-{version}.toml"

    def candidate(self, kind: str, version: int) -> Path:
        """Where a fetched release is written while it is checked (never pruned meanwhile)."""
        return self.directory / f"{kind}-{version}.candidate"

    def version(self, kind: str) -> int:
        """The version in use (0: the kiosk's own file)."""
        entry = self.state[kind]["current"]
        return entry["version"] if entry else 0

    def newest(self, kind: str) -> int:
        return max(self.version(kind), (self.state[kind]["pending"] or {}).get("version", 0))

    def pending_kinds(self) -> list[str]:
        return [kind for kind in release.KINDS if self.state[kind]["pending"]]

    def keep_pending(self, kind: str, entry: dict) -> None:
        """A checked release (its candidate written) waits to be applied."""
        self.candidate(kind, entry["version"]).replace(self.file(kind, entry["version"]))
        self.state[kind]["pending"] = entry
        refused = self.state[kind]["refused"]
        if refused and refused["version"] <= entry["version"]:
            self.state[kind]["refused"] = None
        self._save()

    def refuse(self, kind: str, version: int, reason: str, detail: str = "", sha256: str = "") -> None:
        self.state[kind]["refused"] = {"version": version, "reason": reason, "detail": detail[:MAX_DETAIL],
                                       "sha256": sha256}
        self.candidate(kind, version).unlink(missing_ok=True)
        self._save()

    def refuse_pending(self, kind: str, detail: str) -> None:
        """The pending release cannot be used after all (the kiosk's own files changed)."""
        pending = self.state[kind]["pending"]
        if pending:
            self.state[kind]["pending"] = None
            self.refuse(kind, pending["version"], "invalid", detail, pending["sha256"])

    def promote(self, kind: str) -> None:
        """The pending release is in use now; what was is kept as the previous."""
        state = self.state[kind]
        if state["pending"]:
            state["previous"], state["current"], state["pending"] = state["current"], state["pending"], None
            self._save()

    def fall_back(self, kind: str, detail: str) -> None:
        """The current release turned out unusable: refused, and the previous one in use."""
        state = self.state[kind]
        if state["current"]:
            state["refused"] = {"version": state["current"]["version"], "reason": "invalid",
                                "detail": detail[:MAX_DETAIL]}
            state["current"], state["previous"] = state["previous"], None
            self._save()

    def start(self, key, site: str) -> None:
        """At start-up, before anything is read: nobody's session runs, so what was pending
        is promoted; a kept file that does not verify any more is dropped (and said)."""
        if not any(self.state[kind][which] for kind in release.KINDS for which in WHICH):
            return  # nothing was ever rolled out here
        for kind in release.KINDS:
            self.promote(kind)
            for which in WHICH:
                entry = self.state[kind][which]
                if entry and not self.verified(kind, entry, key, site):
                    log.error("roll-out: %s version %s does not verify: not used", kind, entry["version"])
                    self.state[kind][which] = None
            if not self.state[kind]["current"] and self.state[kind]["previous"]:
                self.state[kind]["current"], self.state[kind]["previous"] = self.state[kind]["previous"], None
        self._save()

    def verified(self, kind: str, entry: dict, key, site: str) -> bytes | None:
        """The release's bytes if its file is as signed, for this site; else None."""
        if key is None:
            return None
        try:
            data = read_regular(self.file(kind, entry["version"]), release.MAX_BYTES[kind])
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.get("sha256") or not release.verify(key, entry.get("signature"), kind, site,
                                                                entry["version"], digest):
            return None
        return data

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        draft = self.directory / "state.json.new"
        draft.write_text(json.dumps(self.state, indent=1), encoding="utf-8")
        draft.replace(self.directory / "state.json")
        kept = {self.file(kind, entry["version"]).name for kind in release.KINDS for which in WHICH
                if (entry := self.state[kind][which])}
        for path in self.directory.glob("*.toml"):
            if path.name not in kept and re.fullmatch(r"(config|catalog)-[0-9]+\.toml", path.name):
                path.unlink(missing_ok=True)

    def status(self) -> dict:
        """For the desk: the version of each kind in use, what waits, what was refused."""
        return {"config_version": self.version("config"), "catalog_version": self.version("catalog"),
                "rollout": {kind: {"pending": (self.state[kind]["pending"] or {}).get("version"),
                                   "refused": _told(self.state[kind]["refused"])} for kind in release.KINDS}}


def _told(refused: dict | None) -> dict | None:
    return {key: refused[key] for key in ("version", "reason", "detail")} if refused else None


def verified_files(files: RolloutFiles, key, site: str, into: Path) -> dict[str, Path | None]:
    """The current releases as signed, copied into `into` (a directory of the reader's own):
    the root helper reads what it checked, not a file the kiosk user may swap meanwhile."""
    found: dict[str, Path | None] = {}
    for kind in release.KINDS:
        entry = files.entry(kind)
        data = files.verified(kind, entry, key, site) if entry else None
        if entry and data is None:
            raise ValueError(f"the rolled-out {kind} (version {entry['version']}) does not verify")
        found[kind] = None
        if data is not None:
            found[kind] = into / f"{kind}.toml"
            found[kind].write_bytes(data)
    return found


def browser_policy_text(config_file: Path | None, state_dir: Path, into: Path, config_dir: Path = CONFIG_DIR) -> str:
    """The Chromium policy `kiosk browser-policy` writes, for the kiosk's files with what
    the desk rolled out, as root reads them (kiosk/root_daemon.py): the site's files and
    the desk's key from /etc, the releases from the kiosk's state directory verified
    against that key and copied into `into` first. ValueError says what is wrong."""
    from kiosk.browser_policy import policy_json, remote_help

    base = base_config(config_file, config_dir)
    key = public_key(base)
    if key is None:
        raise ValueError("no key for releases ([fleet] rollout_key_file)")
    files = RolloutFiles(state_dir / "rollout")
    found = verified_files(files, key, base.fleet.site, into)
    loaded, catalog = Loader(config_file, config_dir).load(found["config"], found["catalog"])
    if catalog.problems or not loaded.usable:
        raise ValueError("the kiosk's files with the releases have problems: "
                         + "; ".join(str(p) for p in (*loaded.core_problems, *catalog.problems))[:300])
    hosts, capture = remote_help(loaded.help)
    practice = [loaded.browser.practice_host] if loaded.browser.practice_host else []
    return policy_json(catalog, [*loaded.browser.allow, *practice, *hosts], capture)
