"""A USB stick during a session: print a file from it, save one's documents to it, take it
out safely. No Kivy widgets: the stick screen shows this service's properties.

The stick is mounted by the root helper (read-only unless the person asks to save and the
site allows it: [devices] usb_storage), with no programs runnable from it; only PDFs and
pictures are listed. A PDF to print is copied into the session's documents (so it is
wiped with them); a picture is made into a one-page PDF there (kiosk.devices.pictures),
and one that cannot be is said in words (`refused`), the stick left as it was. Saving copies only the session's own documents, then unmounts the stick
and tells the person they may take it out. The wipe unmounts any stick still there.
Blocking work (mounting, listing, copying) runs off the Kivy thread through the runner.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty

from kiosk.background import Runner
from kiosk.devices.hotplug import STORAGE, Plugged
from kiosk.devices.pdf import DocumentError
from kiosk.devices.pictures import picture_pdf

log = logging.getLogger(__name__)

LISTED = {".pdf": "PDF", ".png": "PNG", ".jpg": "JPG", ".jpeg": "JPG"}
PICTURES = ("PNG", "JPG")
MAX_FILES = 200
MAX_DEPTH = 3
# none: no stick; blocked: sticks are not allowed here; opening: being mounted and read;
# ready: its files are listed; saving: documents being written; removable: unmounted, may
# be taken out; failed: could not be read or written (problem says why).
STATES = ("none", "blocked", "opening", "ready", "saving", "removable", "failed")


@dataclass(frozen=True)
class StickFile:
    path: Path
    name: str      # relative to the stick's top, for people
    kind: str
    size_bytes: int


def list_files(top: Path) -> list[StickFile]:
    """PDFs and pictures on the stick (no hidden files, no links, at most MAX_FILES)."""
    found: list[StickFile] = []
    top_depth = len(top.parts)
    for directory, subdirectories, files in os.walk(top):
        depth = len(Path(directory).parts) - top_depth
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and depth < MAX_DEPTH)
        for name in sorted(files):
            path = Path(directory) / name
            kind = LISTED.get(path.suffix.lower())
            if kind is None or name.startswith(".") or path.is_symlink():
                continue
            found.append(StickFile(path, str(path.relative_to(top)), kind, path.stat().st_size))
            if len(found) >= MAX_FILES:
                return found
    return found


class UsbSticks(EventDispatcher):
    state = OptionProperty("none", options=STATES)
    files = ListProperty()           # StickFile, as listed
    label = StringProperty("")       # the stick's name ("KINGSTON"), for the screen
    problem = StringProperty("")     # for the log and staff; the screen says it in words
    writable_here = BooleanProperty(False)  # the site allows saving to sticks
    saved = ListProperty()           # names of the documents saved last
    preparing = StringProperty("")   # the file being made ready to print, by its name
    refused = StringProperty("")     # why the file `refused_name` cannot be printed (DocumentError kind)
    refused_name = StringProperty("")

    def __init__(self, helper, policy: str, runner: Runner,
                 make_pdf: Callable[[Path, Path], Path] = picture_pdf) -> None:
        """`make_pdf(picture, target)`: a picture as a printable PDF (raises DocumentError)."""
        super().__init__()
        self.helper = helper         # RootHelper or None (no helper: sticks are not offered)
        self.policy = policy
        self.runner = runner
        self.make_pdf = make_pdf
        self.writable_here = policy == "allowed"
        self._stick: Plugged | None = None
        self._generation = 0

    @property
    def present(self) -> bool:
        return self._stick is not None

    # -- what the monitor reports --------------------------------------------------------

    def plugged(self, event: Plugged) -> None:
        if event.kind != STORAGE:
            return
        if not event.added:
            if self._stick is not None and event.key == self._stick.key:
                self._forget("taken out")
            return
        self._stick = event
        self.label = event.label
        self._generation += 1
        if self.policy == "blocked" or self.helper is None:
            self.state = "blocked"
            return
        self._open(write=False)

    def _open(self, write: bool) -> None:
        self.state = "opening"
        node = self._stick.node

        def work():
            return list_files(Path(self.helper.request("mount", device=node, write=write)["path"]))

        def done(files) -> None:
            self.files = files
            self.state = "ready"

        self._for_this_stick(work, done)

    def _for_this_stick(self, work, on_done) -> None:
        """Work off the Kivy thread; its result only if the same stick is still there."""
        generation = self._generation

        def done(result, error) -> None:
            if generation != self._generation:
                return
            if error is not None:
                self._failed(error)
            else:
                on_done(result)

        self.runner.run(work, done)

    def _failed(self, error: BaseException) -> None:
        log.warning("USB stick: %s", error)
        self.problem = str(error)
        self.state = "failed"

    # -- what the person asks --------------------------------------------------------------

    def copy_for_printing(self, file: StickFile, documents_dir: Path, done) -> None:
        """A PDF copied, or a picture made into a one-page PDF, into the session's documents;
        done(path or None) on the Kivy thread. A picture that cannot be printed is `refused`."""
        self.refused = self.refused_name = ""
        self.preparing = file.name

        def work():
            documents_dir.mkdir(parents=True, exist_ok=True)
            if file.kind in PICTURES:
                return self.make_pdf(file.path, unused_name(documents_dir, Path(file.name).stem + ".pdf"))
            target = documents_dir / Path(file.name).name
            shutil.copyfile(file.path, target)
            return target

        def finished(target, error) -> None:
            self.preparing = ""
            if isinstance(error, DocumentError):
                log.info("a picture on the USB stick cannot be printed: %s", error)
                self.refused, self.refused_name = error.kind, file.name
                done(None)
            elif error is not None:
                self._failed(error)
                done(None)
            else:
                done(target)

        self.runner.run(work, finished)

    def save_documents(self, documents: list[Path]) -> None:
        """The session's documents to the stick (remounted writable), then unmounted."""
        if not self.writable_here or self._stick is None or not documents:
            return
        self.state = "saving"
        node = self._stick.node

        def work():
            answer = self.helper.request("mount", device=node, write=True)
            folder = Path(answer["path"])
            written = []
            for document in documents:
                shutil.copyfile(document, unused_name(folder, document.name))
                written.append(document.name)
            self.helper.request("unmount", device=node)  # syncs first
            return written

        def done(written) -> None:
            self.saved = written
            self._removable()

        self._for_this_stick(work, done)

    def remove_safely(self) -> None:
        if self._stick is None:
            return
        node = self._stick.node
        self._for_this_stick(lambda: self.helper.request("unmount", device=node), lambda _answer: self._removable())

    def _removable(self) -> None:
        self.files = []
        self.state = "removable"

    # -- the wipe ----------------------------------------------------------------------------

    def forget(self) -> None:
        """After a session: the root helper's wipe has unmounted the stick; nothing is kept."""
        self._forget("session ended")

    def _forget(self, why: str) -> None:
        if self._stick is not None:
            log.info("USB stick forgotten (%s)", why)
        self._generation += 1
        self._stick = None
        self.files = []
        self.saved = []
        self.label = ""
        self.problem = ""
        self.preparing = self.refused = self.refused_name = ""
        self.state = "none"


def unused_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/name (2) ... where a file of that name is already there."""
    target = folder / name
    stem, suffix, number = target.stem, target.suffix, 2
    while target.exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target
