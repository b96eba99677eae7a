"""A page's file chooser ("Attach a file"), answered by the kiosk instead of a system dialog.

The policy keeps Chromium's own dialog shut (`AllowFileSelectionDialogs: False`: it would
open the whole file system). The kiosk intercepts the page's request over the DevTools
protocol (`Page.setInterceptFileChooserDialog`, honoured before the policy is asked, as the
browser tests prove), shows the person their session's documents, and sets the one they
pick on the page's input (`DOM.setFileInputFiles`). Nothing but a regular file directly in
the session's documents folder is ever given to a page (`offered_file`).
"""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.devices import DeviceError

MAX_ACCEPT = 40        # types in an input's `accept` that the kiosk reads; a page may write more
MAX_ACCEPT_CHARS = 1000
MAX_FILES = 20         # documents set on one input at most

# Reading the input must not wait on the page: DOM.describeNode runs no page script, but
# a renderer busy in the page's own script answers nothing until it is done.
DESCRIBE_TIMEOUT_S = 2.0

Call = Callable[..., dict]


@dataclass(frozen=True)
class FileChooser:
    """A page's request for files: its input (`node`, a backend node id, in the frame
    `frame`: "" for the page's own process, else the id of an out-of-process frame), whether
    it takes several, and its `accept` list (lower-case ".pdf", "image/*", "application/pdf";
    empty: any file)."""

    node: int
    frame: str = ""
    multiple: bool = False
    accept: tuple[str, ...] = ()


def parse_accept(text: str) -> tuple[str, ...]:
    entries = (part.strip().lower() for part in text[:MAX_ACCEPT_CHARS].split(","))
    return tuple(dict.fromkeys(e for e in entries if e and len(e) <= 100))[:MAX_ACCEPT]


def accepted(name: str, accept: tuple[str, ...]) -> bool:
    """Whether a file named `name` is of a kind the input accepts (any file, with no list)."""
    if not accept:
        return True
    lower = name.lower()
    mime = (mimetypes.guess_type(lower, strict=False)[0] or "").lower()
    for entry in accept:
        if entry.startswith(".") and lower.endswith(entry):
            return True
        if entry.endswith("/*") and mime.startswith(entry[:-1]):
            return True
        if "/" in entry and entry == mime:
            return True
    return False


def offered_file(path: Path, folder: Path) -> Path:
    """`path` if it is a regular file (not a link) directly in `folder`, the session's
    documents: the only files a page may be given. Raises DeviceError."""
    path, folder = Path(path), Path(folder)
    try:
        real_folder = folder.resolve(strict=True)
        details = os.lstat(path)
    except (OSError, RuntimeError):
        raise DeviceError(f"no such document: {path.name}") from None
    if path.name in ("", ".", "..") or path.parent.resolve() != real_folder or not stat.S_ISREG(details.st_mode):
        raise DeviceError(f"not one of the session's documents: {path.name}")
    if path.name.endswith((".crdownload", ".part")):
        raise DeviceError(f"an unfinished download: {path.name}")
    return real_folder / path.name


def offered_files(paths: list[Path], folder: Path, chooser: FileChooser) -> list[str]:
    """What may be set on the chooser's input, as absolute paths. Raises DeviceError."""
    if not paths or len(paths) > (MAX_FILES if chooser.multiple else 1):
        raise DeviceError(f"{len(paths)} files for an input that takes {'several' if chooser.multiple else 'one'}")
    return [str(offered_file(p, folder)) for p in paths]


def read_chooser(call: Call, params: dict, frame: str) -> FileChooser | None:
    """The chooser of a `Page.fileChooserOpened` event in the session `call` reaches, or
    None if its node is not a file input (any more). Read from the node's attributes as the
    DOM holds them (`DOM.describeNode`): no script of the page's runs, so no getter it
    redefined can answer instead and nothing it does can make the guard's worker wait
    past `DESCRIBE_TIMEOUT_S`. Raises DeviceError."""
    node = params.get("backendNodeId")
    if not isinstance(node, int) or isinstance(node, bool):
        return None
    described = call("DOM.describeNode", {"backendNodeId": node, "depth": 0}, timeout_s=DESCRIBE_TIMEOUT_S)
    found = described.get("node") if isinstance(described, dict) else None
    if not isinstance(found, dict) or str(found.get("nodeName", "")).upper() != "INPUT":
        return None
    listed = found.get("attributes")
    listed = listed if isinstance(listed, list) else []
    # [name, value, name, value, ...]; HTML's attribute names are lower case, the first one counts.
    attributes: dict[str, str] = {}
    for name, value in zip(listed[::2], listed[1::2]):
        if isinstance(name, str) and isinstance(value, str):
            attributes.setdefault(name.lower(), value)
    if attributes.get("type", "").strip().lower() != "file":
        return None
    multiple = params.get("mode") == "selectMultiple" and "multiple" in attributes
    return FileChooser(node, frame, multiple, parse_accept(attributes.get("accept", "")))
