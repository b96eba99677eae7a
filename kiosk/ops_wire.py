"""What crosses the fleet link for the desk's remote operations (kiosk.remote_ops on the
kiosk, kiosk.desk.operations on the desk), checked the same way on both sides.

Desk -> kiosk (events, each a command with an id the kiosk replies to): `restart` and
`reboot` (with `confirm: "end_session"` when staff accept that a person's session ends),
`screenshot` {token}, `log_bundle` {token, hours}, `wake` {mac}.
Kiosk -> desk on `ops`: one part of what an operation brings back, a screenshot (one part,
a JPEG) or a log bundle (gzip'd text, in up to MAX_PARTS parts): the operation's token
(TOKEN_CHARS ASCII characters), the part's number and the number of parts (a byte each),
then the data; the whole at most MAX_PART_BYTES (the broker takes 128 KiB at most)."""

from __future__ import annotations

import re

from kiosk.share_wire import TOKEN, TOKEN_CHARS

LEAF = "ops"
HEADER = TOKEN_CHARS + 2
MAX_PART_BYTES = 124 * 1024
MAX_PICTURE_BYTES = MAX_PART_BYTES - HEADER  # a screenshot is one part
MAX_BUNDLE_BYTES = 1024 * 1024  # a log bundle, compressed
MAX_BUNDLE_TEXT = 4 * 1024 * 1024  # what it may unpack to
MAX_PARTS = -(-MAX_BUNDLE_BYTES // (MAX_PART_BYTES - HEADER))
HOURS = (1, 6, 24)  # how far back a log bundle may reach
CONFIRM = "end_session"  # restart or reboot even if a person is using the kiosk
# A wired network card's address as Linux writes it in /sys/class/net/*/address.
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}", re.ASCII)


def part(token: str, index: int, count: int, data: bytes) -> bytes:
    return token.encode("ascii") + bytes((index, count)) + data


def parse_part(payload: bytes) -> tuple[str, int, int, bytes] | None:
    """(token, part number, number of parts, data), or None if it is no part."""
    if not MAX_PART_BYTES >= len(payload) > HEADER:
        return None
    token = payload[:TOKEN_CHARS].decode("ascii", "replace")
    index, count = payload[TOKEN_CHARS], payload[TOKEN_CHARS + 1]
    if TOKEN.fullmatch(token) is None or not 0 <= index < count <= MAX_PARTS:
        return None
    return token, index, count, payload[HEADER:]


def split(token: str, data: bytes) -> list[bytes]:
    """`data` as the parts that carry it (at most MAX_BUNDLE_BYTES)."""
    if not 0 < len(data) <= MAX_BUNDLE_BYTES:
        raise ValueError(f"{len(data)} bytes cannot be sent")
    size = MAX_PART_BYTES - HEADER
    chunks = [data[start:start + size] for start in range(0, len(data), size)]
    return [part(token, index, len(chunks), chunk) for index, chunk in enumerate(chunks)]


def valid_mac(value) -> bool:
    """A network card's own address: not all zeros, not a group (multicast) address."""
    return isinstance(value, str) and _MAC.fullmatch(value) is not None and value != "00:00:00:00:00:00" \
        and not int(value[:2], 16) & 1


def magic_packet(mac: str) -> bytes:
    """Wake-on-LAN's magic packet: six 0xFF, then the card's address sixteen times."""
    if not valid_mac(mac):
        raise ValueError(f"not a network card's address: {mac!r}")
    return b"\xff" * 6 + bytes.fromhex(mac.replace(":", "")) * 16
