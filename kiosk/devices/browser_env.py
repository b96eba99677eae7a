"""Where Chromium writes besides its profile, kept inside the session directory.

`--user-data-dir` is not all of it: Chromium keeps its crash database in its configuration
home whatever the profile ($HOME/.config/chromium/Crash Reports: memory images of the
session's pages), its singleton socket in $TMPDIR, GTK its settings in
$XDG_RUNTIME_DIR/dconf, Mesa its shader cache in $XDG_CACHE_HOME, NSS its certificates in
$HOME/.pki. The browser gets an environment whose every such directory is under its own
directory in the session, which the wipe deletes.

Crash dumps are not made at all. Crashpad's handler starts despite --disable-breakpad, and
the one switch that stops it breaks Chromium 156 (see FLAGS in browser_chromium.py); but it starts
only if it has a database: where Chromium looks for one ($BREAKPAD_DUMP_LOCATION if that
is a directory, else the configuration home's), the environment has a plain file. The wipe
still checks the default database of the kiosk's own environment (`CrashReports`), where
a person's memory would outlive the wipe if that ever failed.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# What Chromium's crash database keeps reports in (its settings.dat is no person's).
REPORT_FOLDERS = ("new", "pending", "completed", "attachments")
# Chromium's singleton socket is $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket, and
# Chromium stops if that is longer than a socket's path may be (107 bytes).
TMPDIR_ROOM = 107 - len("/org.chromium.Chromium.XXXXXX/SingletonSocket")


def browser_environment(home: Path, base: Mapping[str, str] = os.environ) -> tuple[dict[str, str], Path | None]:
    """`base` with the browser's home, configuration, caches, runtime and temporary files
    under `home`; and a folder outside it to delete when the browser has gone, or None.

    That folder exists only where the session's path is too long for the singleton socket
    (deep test directories): it holds a short link to the temporary files' folder, no data.
    """
    places = {"HOME": home, "XDG_CONFIG_HOME": home / ".config", "CHROME_CONFIG_HOME": home / ".config",
              "XDG_CACHE_HOME": home / ".cache", "XDG_DATA_HOME": home / ".local" / "share",
              "XDG_STATE_HOME": home / ".local" / "state", "XDG_RUNTIME_DIR": home / "run", "TMPDIR": home / "tmp"}
    for path in places.values():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    no_database = home / ".config" / "chromium" / "Crash Reports"
    no_database.parent.mkdir(exist_ok=True, mode=0o700)
    no_database.touch(mode=0o400)
    env = {**base, **{name: str(path) for name, path in places.items()}}
    link_folder = None
    if len(os.fsencode(env["TMPDIR"])) > TMPDIR_ROOM:
        link_folder = Path(tempfile.mkdtemp(prefix="kiosk-browser-", dir="/tmp"))  # short, whatever $TMPDIR is
        (link_folder / "tmp").symlink_to(places["TMPDIR"])
        env["TMPDIR"] = str(link_folder / "tmp")
        log.warning("the session directory's path is too long for Chromium's socket: its temporary "
                    "files are reached through %s (use a shorter [session] runtime_dir)", link_folder)
    env["BREAKPAD_DUMP_LOCATION"] = str(no_database)
    env["GSETTINGS_BACKEND"] = "memory"  # GTK's settings stay in the process, not in dconf's files
    # X's cookie and the sound server were found through the old home and runtime directory.
    if "XAUTHORITY" not in base and "HOME" in base:
        env["XAUTHORITY"] = str(Path(base["HOME"]) / ".Xauthority")
    sound = Path(base.get("XDG_RUNTIME_DIR", "/nonexistent")) / "pulse" / "native"
    if "PULSE_SERVER" not in base and sound.exists():
        env["PULSE_SERVER"] = f"unix:{sound}"
    return env, link_folder


class CrashReports:
    """Chromium's crash database where it puts it when nobody says otherwise, read from the
    kiosk's environment when asked (the environment the browser would have inherited)."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.environ = environ

    def databases(self) -> list[Path]:
        env = self.environ
        config = env.get("CHROME_CONFIG_HOME") or env.get("XDG_CONFIG_HOME") or os.path.join(
            env.get("HOME") or os.path.expanduser("~"), ".config")
        found = [Path(config) / "chromium" / "Crash Reports"]
        if env.get("BREAKPAD_DUMP_LOCATION"):
            found.append(Path(env["BREAKPAD_DUMP_LOCATION"]))
        return found

    def reports(self) -> list[Path]:
        """Every file of a crash report there (a .dmp is a memory image of a browser process)."""
        return [path for database in self.databases() for folder in REPORT_FOLDERS
                for path in (database / folder).rglob("*") if not path.is_dir()]

    def remove(self) -> None:
        for database in self.databases():
            for folder in REPORT_FOLDERS:
                shutil.rmtree(database / folder, ignore_errors=True)
