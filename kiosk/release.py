"""A roll-out release: what the desk signs and the kiosk verifies, and the checks both run.

A release is a site's configuration drop-in (TOML of the keys the site wants set
centrally) or its e-service catalogue, numbered per site and kind. The desk signs it with
Ed25519 over `signed_bytes`: the kind, the site, the version number and the SHA-256 of
the file. So a file that was changed, a release for another site, another kind or an
older number (a replay) does not verify, or is refused by the number alone. The desk's
private key is a file of its configuration ([rollout] key_file); each kiosk has the
public key ([fleet] rollout_key_file), put there by provisioning.

`check` is the desk's check before it signs anything: the kiosk's own readers
(`kiosk.config`, `kiosk.catalog`), which the desk runs from the same package. The kiosk
checks again, merged with its own files (kiosk/rollout.py): the desk is a network peer.

No Kivy here: the desk imports this module.
"""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from pathlib import Path

KINDS = ("config", "catalog")
# A site's central keys are a few KB; the packaged catalogue of 11 services is 34 KB. A
# release travels, waits in the desk's database and is read on the kiosk's clock: these
# bounds are far above what either needs and below the kiosk's own files' (1 and 4 MiB).
MAX_BYTES = {"config": 256 * 1024, "catalog": 1024 * 1024}
MAX_VERSION = 2**31 - 1
SITE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII)
SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
SIGNATURE = re.compile(r"[A-Za-z0-9+/]{86}==", re.ASCII)  # 64 bytes in base64
CONTEXT = b"kiosk roll-out release 1\n"
# The languages the desk checks a catalogue in: the ones a catalogue writes itself. A
# kiosk checks it again in the languages it offers.
CHECK_LANGUAGES = ("fi", "sv", "en")
# Keys a site's drop-in may not set, by section ("*": the whole section): who the terminal
# is and how it reaches the desk and verifies releases (a wrong value would cut it off,
# with nothing central left to put it back), where its files live, and paths on the
# terminal (a drop-in lives in the kiosk's state directory, where a relative path would
# mean something else). The catalogue is a release of its own kind.
REFUSED_KEYS: dict[str, tuple[str, ...] | str] = {
    "site": ("kiosk_id",), "fleet": "*", "session": "*", "catalog": "*",
    "support": ("snapshot", "local_file"), "devices": ("root_helper",), "display": ("input_device",)}


def signed_bytes(kind: str, site: str, version: int, sha256: str) -> bytes:
    """What a release's signature is over; ValueError for anything not of its form."""
    if kind not in KINDS or not SITE.fullmatch(site) or not SHA256.fullmatch(sha256) \
            or type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise ValueError("not a release's kind, site, version and SHA-256")
    return CONTEXT + f"{kind}\n{site}\n{version}\n{sha256}\n".encode("ascii")


def sign(private_key, kind: str, site: str, version: int, sha256: str) -> str:
    """The signature (base64) of a release, with the desk's Ed25519 private key."""
    return base64.b64encode(private_key.sign(signed_bytes(kind, site, version, sha256))).decode("ascii")


def verify(public_key, signature: str, kind: str, site: str, version: int, sha256: str) -> bool:
    """Whether `signature` is the desk's over this release; False for anything malformed."""
    from cryptography.exceptions import InvalidSignature

    if not isinstance(signature, str) or not SIGNATURE.fullmatch(signature):
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), signed_bytes(kind, site, version, sha256))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def new_key_pair() -> tuple[bytes, bytes]:
    """A new signing key for a desk: (private key PEM, public key PEM for the kiosks)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def load_private_key(path: Path | str):
    """The desk's signing key; ValueError saying what is wrong with the file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = load_private_key_pem(_read_key(path))
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key (make one with 'kiosk-desk rollout-key')")
    return key


def load_private_key_pem(data: bytes):
    """A signing key from its PEM text (`load_private_key`'s, without the file)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(data, password=None)


def load_public_key(path: Path | str):
    """A kiosk's key for the desk's releases; ValueError saying what is wrong with the file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(_read_key(path))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key (the desk's 'kiosk-desk rollout-key' writes one)")
    return key


def _read_key(path: Path | str) -> bytes:
    try:
        data = Path(path).read_bytes()[:16 * 1024]
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror or error})") from None
    if b"-----BEGIN" not in data:
        raise ValueError(f"{path}: not a PEM key")
    return data


def refused_keys(data: dict) -> list[str]:
    """The keys of a drop-in's data that `REFUSED_KEYS` keeps out, as "section.key"."""
    found = []
    for section, keys in REFUSED_KEYS.items():
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        found += [f"{section}.{key}" for key in table if keys == "*" or key in keys]
    return found


def check(kind: str, content: bytes, name: str = "the file") -> list[str]:
    """What is wrong with a release before the desk signs it ([] if nothing): a drop-in is
    read as the kiosk reads its layers, over the packaged defaults, and may set no refused
    key; a catalogue is read as `kiosk catalog check` reads one. Problems name `name`."""
    from kiosk.catalog import load_catalog
    from kiosk.config import load_config

    if kind not in KINDS:
        return [f"{name}: not a configuration or a catalogue"]
    if len(content) > MAX_BYTES[kind]:
        return [f"{name}: {len(content)} bytes; a {kind} release is at most {MAX_BYTES[kind]}"]
    with tempfile.TemporaryDirectory(prefix="kiosk-release-") as directory:
        path = Path(directory) / "release.toml"
        path.write_bytes(content)
        problems: list = []
        if kind == "config":
            problems += drop_in_problems(path)
            if not problems:
                loaded = load_config(None, config_dir=Path("/nonexistent"), rolled_out=path)
                problems += [p for p in loaded.problems if p.file == str(path)]
        else:
            problems += load_catalog(path, CHECK_LANGUAGES).problems
        return [str(problem).replace(str(path), name) for problem in problems]


def drop_in_problems(path: Path) -> list:
    """A drop-in that cannot be read, or sets a key of `REFUSED_KEYS` (desk and kiosk both)."""
    from kiosk.toml_schema import Problem, read_source

    problems: list = []
    source = read_source(path, problems, max_bytes=MAX_BYTES["config"])
    if source is not None:
        problems += [Problem(str(path), source.lines.line_of(tuple(key.split("."))), key,
                             "is the terminal's own (its identity, its link to the desk, its files): "
                             "it is set on the terminal, not rolled out") for key in refused_keys(source.data)]
    return problems
