"""What the browser may keep of a download: programs and archives are refused.

By name first, when the download begins (it is cancelled before a byte lands); then by
content, once it is complete and before it is shown in My documents, because a name says
nothing: `update` with no extension may be a Linux program, `report.pdf` a zip.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Callable

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)

REFUSED_NAMES = (".exe", ".msi", ".msix", ".appx", ".bat", ".cmd", ".com", ".scr", ".ps1", ".vbs", ".js", ".jar",
                 ".sh", ".run", ".bin", ".elf", ".appimage", ".py", ".pl", ".desktop", ".lnk", ".deb", ".rpm",
                 ".apk", ".dmg", ".pkg", ".cab", ".iso", ".img", ".zip", ".7z", ".rar", ".tar", ".gz", ".tgz",
                 ".bz2", ".tbz2", ".xz", ".txz", ".zst", ".tzst", ".lz", ".lzma", ".lz4", ".z", ".cpio", ".ar")

# (offset, leading bytes, what they make the file). Offsets past 0 are the formats' own:
# tar's "ustar" at 257, ISO 9660's and UDF's volume descriptors from 32 KiB on.
SIGNATURES = (
    (0, b"\x7fELF", "a Linux program"), (0, b"MZ", "a Windows program"), (0, b"#!", "a script"),
    (0, b"\xca\xfe\xba\xbe", "a Java class or macOS program"), (0, b"\xfe\xed\xfa\xce", "a macOS program"),
    (0, b"\xfe\xed\xfa\xcf", "a macOS program"), (0, b"\xce\xfa\xed\xfe", "a macOS program"),
    (0, b"\xcf\xfa\xed\xfe", "a macOS program"), (0, b"\x00asm", "a WebAssembly program"),
    (0, b"dex\n", "an Android program"), (0, b"L\x00\x00\x00\x01\x14\x02\x00", "a Windows shortcut"),
    (0, b"[Desktop Entry]", "a desktop launcher"),
    (0, b"PK\x03\x04", "a zip archive"), (0, b"PK\x05\x06", "a zip archive"), (0, b"PK\x07\x08", "a zip archive"),
    (0, b"\x1f\x8b", "a gzip archive"), (0, b"\x1f\x9d", "a compressed archive"), (0, b"\xfd7zXZ\x00", "an xz archive"),
    (0, b"\x28\xb5\x2f\xfd", "a zstd archive"), (0, b"BZh", "a bzip2 archive"), (0, b"LZIP", "an lzip archive"),
    (0, b"\x04\x22\x4d\x18", "an lz4 archive"), (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"Rar!\x1a\x07", "a RAR archive"), (0, b"!<arch>\n", "an ar archive or Debian package"),
    (0, b"\xed\xab\xee\xdb", "an RPM package"), (0, b"MSCF", "a cabinet archive"), (0, b"xar!", "a macOS package"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE file (Windows installer, old Office)"),
    (0, b"070701", "a cpio archive"), (0, b"070702", "a cpio archive"), (0, b"070707", "a cpio archive"),
    (0, b"\xc7\x71", "a cpio archive"), (0, b"hsqs", "a SquashFS image"), (0, b"QFI\xfb", "a disk image"),
    (0, b"vhdxfile", "a disk image"), (0, b"KDMV", "a disk image"), (0, b"conectix", "a disk image"),
    (257, b"ustar", "a tar archive"),
    *((offset, magic, "a CD or DVD image") for offset in (32769, 34817, 36865)
      for magic in (b"CD001", b"BEA01", b"NSR02", b"NSR03")),
)
_HEAD = max(offset + len(magic) for offset, magic, _kind in SIGNATURES)


def refused_name(name: str) -> bool:
    return name.lower().endswith(REFUSED_NAMES)


# Zip is also the container of office documents, which e-services do hand out (forms as
# .docx or .odt): those are let through when their structure says so and they carry no
# macros or programs inside.
OFFICE_PARTS = ("word/", "xl/", "ppt/")
MAX_ZIP_ENTRIES = 5000


def office_document(path: Path) -> bool:
    """An OpenDocument (its first entry `mimetype` names an ODF type) or Office Open XML
    file ([Content_Types].xml and a word/, xl/ or ppt/ part), without macros or programs."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if not entries or len(entries) > MAX_ZIP_ENTRIES:
                return False
            names = [entry.filename for entry in entries]
            if any(n.lower().endswith(("vbaproject.bin", ".bin", *REFUSED_NAMES)) for n in names):
                return False
            if names[0] == "mimetype" and entries[0].file_size < 100:
                return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument.")
            return "[Content_Types].xml" in names and any(n.startswith(OFFICE_PARTS) for n in names)
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError):
        return False


def refused_content(path: Path) -> str:
    """What the file is if it is a program or an archive ("" if it is neither). A file that
    cannot be read is refused too: the kiosk keeps only what it has looked at."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return "unreadable"
    kind = next((kind for offset, magic, kind in SIGNATURES if head[offset:offset + len(magic)] == magic), "")
    if kind == "a zip archive" and office_document(path):
        return ""
    return kind


def safe_file_name(name: str) -> str:
    name = re.sub(r"[^\w .()-]", "_", os.path.basename(name or "")).strip(" .")
    return name[:120] or "download"


def free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name (2)`, `name (3)`... if that is taken."""
    target = folder / name
    stem, suffix = os.path.splitext(name)
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{stem} ({number}){suffix}"
    return target


class DownloadGate:
    """A browser's downloads, from Chromium's folder (`incoming`, in its profile) to My
    documents (`documents`). `event()` takes the protocol's Browser.download* events, in
    order, on a thread that may make protocol calls (the browser guard's worker, see
    browser_guard.py); `report(kind, value)` says "download" (the path in My documents) or
    "refused_download" (the file name); `cancel(guid)` stops one (a protocol call)."""

    def __init__(self, incoming: Path, documents: Path, cancel: Callable[[str], None],
                 report: Callable[[str, object], None]) -> None:
        self.incoming = incoming
        self.documents = documents
        self._cancel = cancel
        self._report = report
        self._names: dict[str, str] = {}  # guid -> the name it will have in My documents
        for folder in (incoming, documents):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def event(self, method: str, params: dict) -> None:
        if method == "Browser.downloadWillBegin":
            name = safe_file_name(params.get("suggestedFilename", ""))
            if refused_name(name):
                self._refuse(params["guid"], name)
            else:
                self._names[params["guid"]] = name
        elif method == "Browser.downloadProgress" and params.get("state") == "completed":
            name = self._names.pop(params["guid"], None)
            if name is not None:
                self._receive(Path(params.get("filePath") or self.incoming / name), name)

    def _receive(self, path: Path, name: str) -> None:
        """Into My documents if it is no program or archive, else deleted. Its first 37 KB are
        read on the guard's worker: well under a millisecond on the session's tmpfs."""
        kind = refused_content(path)
        if kind:
            path.unlink(missing_ok=True)
            log.info("download refused: its content is %s", kind)
            self._report("refused_download", name)
            return
        target = free_name(self.documents, name)
        os.replace(path, target)
        self._report("download", target)

    def _refuse(self, guid: str, name: str) -> None:
        try:
            self._cancel(guid)
        except DeviceError:
            pass
        (self.incoming / name).unlink(missing_ok=True)
        log.info("download refused: its name is a program's or an archive's")
        self._report("refused_download", name)
