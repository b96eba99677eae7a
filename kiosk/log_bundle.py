"""The log bundle the desk may ask for: what IT needs to see why a kiosk misbehaved (its
versions, configuration problems and the journal of its own units for the last hours),
and nothing that identifies a person.

The kiosk logs no person's data by design: no text a person types, no page they visit, no
file's name. Errors still carry what a library put in them (poppler's and CUPS's messages
name files; a browser's error may name a page), so every line passes `redact` before it
leaves: web addresses keep only their site, files in a person's places lose their names,
e-mail addresses, Finnish identity codes, account and long numbers go. What is left is
bounded: the newest lines are kept when the whole would not fit MAX_BUNDLE_BYTES packed."""

from __future__ import annotations

import gzip
import platform
import re
import time
from pathlib import Path

from kiosk.ops_wire import MAX_BUNDLE_BYTES, MAX_BUNDLE_TEXT

_URL = re.compile(r"\b([a-z][a-z0-9+.-]{1,15})://([^/\s\"'<>?#]*)[^\s\"'<>]*", re.I)
_DATA_URL = re.compile(r"\b(data|blob):[^\s\"'<>]+", re.I)
# Each match starts at a word's start (the look-behind): linear in the text, however long its words.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
# Henkilötunnus: birth date, the century sign, an individual number and a check character.
_IDENTITY = re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,4})?\b")
_PHONE = re.compile(r"(?:\+\d{1,3}[ -]?|\b0)\d{1,3}[ -]?\d{3}[ -]?\d{3,4}\b")
_LONG_NUMBER = re.compile(r"\b\d{9,}\b")
_KINDS = r"(pdf|jpe?g|png|heic|gif|tiff?|docx?|odt|rtf|txt|xlsx?|ods|zip)"
# A person's places: the session's files (downloads, prints, scans) and memory sticks. A
# name may have spaces: up to a document's suffix on the line, else up to a space.
_PLACES = re.compile(r"((?:/run/kiosk|/media/kiosk|/var/lib/kiosk|/tmp|/var/tmp|/dev/shm|/home)/)"
                     r"(?:[^\n\"':]{0,300}?\." + _KINDS + r"\b|[^\s\"':,;)]+)", re.I)
_QUOTED_FILE = re.compile(r"([\"'])[^\"'\n]{0,300}\." + _KINDS + r"\1", re.I)
_FILE = re.compile(r"(?<![^\s\"'/\\:,;()])[^\s\"'/\\:,;()]{1,200}\." + _KINDS + r"\b", re.I)
MAX_PROBLEMS = 200


def redact(text: str, session_dir: str = "") -> str:
    """`text` without anything that could name a person (see the module's words)."""
    if session_dir:
        text = text.replace(session_dir.rstrip("/") + "/", "/run/kiosk/")
    text = _URL.sub(lambda m: "file://…" if m[1].lower() == "file" else f"{m[1]}://{m[2].rsplit('@', 1)[-1]}/…",
                    text)  # the site only, without a name and password before it
    text = _DATA_URL.sub(lambda m: f"{m[1]}:…", text)
    text = _EMAIL.sub("<e-mail>", text)
    text = _IDENTITY.sub("<identity code>", text)
    text = _IBAN.sub("<account>", text)
    text = _PHONE.sub("<number>", text)
    text = _LONG_NUMBER.sub("<number>", text)
    text = _PLACES.sub(lambda m: f"{m[1]}…", text)
    text = _QUOTED_FILE.sub(lambda m: f"{m[1]}<file>.{m[2].lower()}{m[1]}", text)
    return _FILE.sub(lambda m: f"<file>.{m[1].lower()}", text)


def versions() -> list[str]:
    """The software the kiosk runs, as lines."""
    from importlib import metadata

    from kiosk import __version__

    lines = [f"kiosk {__version__}", f"Python {platform.python_version()}", f"Linux {platform.release()}"]
    for package in ("kivy", "paho-mqtt", "pillow", "pycups"):
        try:
            lines.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{package} not installed")
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        lines.append(release.get("PRETTY_NAME", "").strip('"'))
    except OSError:
        pass
    return lines


def bundle_head(kiosk: str, site: str, hours: int, problems: list[str], now: float | None = None) -> str:
    """Who and when, the versions, the configuration problems, and the journal's heading."""
    made = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now if now is not None else time.time()))
    return "\n".join([f"Log bundle of kiosk {kiosk} (site {site}), the last {hours} h, made {made}", "",
                      "== Versions ==", *versions(), "", "== Configuration problems ==",
                      *([p[:500] for p in problems[:MAX_PROBLEMS]] or ["none"]), "",
                      f"== Journal of the kiosk's units, the last {hours} h ==", ""])


def pack(head: str, journal: str, session_dir: str = "", limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """The bundle, redacted and gzip'd in at most `limit` bytes: when the journal does not
    fit, its newest lines are kept and a line says how much older was left out."""
    head, data = redact(head, session_dir), redact(journal, session_dir).encode("utf-8")
    keep = min(len(data), MAX_BUNDLE_TEXT - len(head.encode("utf-8")) - 100)
    while True:
        kept = data[len(data) - keep:]
        if keep < len(data):
            kept = kept.split(b"\n", 1)[-1]  # from a line's start
        note = f"[{len(data) - len(kept)} older bytes left out]\n" if len(kept) < len(data) else ""
        packed = gzip.compress((head + note).encode("utf-8") + kept, compresslevel=6, mtime=0)
        if len(packed) <= limit or not kept:
            return packed
        keep = min(len(kept) - 1, int(len(kept) * limit / len(packed) * 0.95))  # as much as will fit
