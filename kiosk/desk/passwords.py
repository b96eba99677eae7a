"""Staff passwords: argon2id with argon2-cffi's defaults (memory-hard, 64 MiB), which it
raises as hardware grows; a hash made with older settings, or with the scrypt the desk used
before, is accepted and replaced on its next successful login (`needs_rehash`)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _scrypt_matches(password, stored)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return stored.startswith("scrypt$") or _hasher.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


@functools.cache
def decoy_hash() -> str:
    """A hash to check unknown names against, so that they take as long as real ones."""
    return hash_password(secrets.token_urlsafe(16))


def _scrypt_matches(password: str, stored: str) -> bool:
    """The desk's hashes before argon2: 'scrypt$n$r$p$salt$hash'."""
    try:
        _kind, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)
