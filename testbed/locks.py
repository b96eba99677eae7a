"""The lock files (requirements/*.txt, written by 'make lock') as pip reads them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    """Each requirement of a requirements file on one line, without comments."""
    text = re.sub(r"\\\n", " ", path.read_text())
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def locked(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """{name: (version, sha256 hashes)} of a lock whose every line is 'name==version --hash=...'."""
    pins = {}
    for line in requirement_lines(path):
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        if not match:
            raise ValueError(f"{path.name}: not pinned with a sha256 hash: {line}")
        pins[canonical(match.group(1))] = (match.group(2), frozenset(re.findall(r"[0-9a-f]{64}", match.group(3))))
    return pins
