"""The session's documents as the kiosk shows them: what is in its downloads folder, newest
first, each with its kind and (once read) its pages."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KINDS = {".pdf": "PDF", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".txt": "TXT"}
PICTURES = ("PNG", "JPEG")  # printed as one page each, made into a PDF first


@dataclass(frozen=True)
class Document:
    path: Path
    name: str
    kind: str           # "PDF", "PNG", ...; the suffix in capitals for others
    size_bytes: int
    pages: int = 0      # 0 = not known (yet)
    problem: str = ""   # a DocumentError kind when it cannot be printed

    @property
    def printable(self) -> bool:
        return self.kind in ("PDF", *PICTURES) and not self.problem


def list_documents(directory: Path, known: dict[Path, Document]) -> tuple[list[Document], list[Document]]:
    """(every finished file in `directory`, newest first; the PDFs among them not in `known`
    or changed since, whose pages are still to be read). Unfinished downloads are left out."""
    found: list[Document] = []
    new: list[Document] = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.stat().st_mtime, reverse=True)
    except OSError:
        entries = []
    for entry in entries:
        if not entry.is_file(follow_symlinks=False) or entry.name.endswith((".crdownload", ".part")):
            continue
        path = Path(entry.path)
        size = entry.stat().st_size
        document = known.get(path)
        if document is None or document.size_bytes != size:
            suffix = path.suffix.lower()
            document = Document(path, path.name, KINDS.get(suffix, suffix.lstrip(".").upper()), size)
            if document.kind == "PDF":
                new.append(document)
        found.append(document)
    return found, new
