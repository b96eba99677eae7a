"""What crosses the fleet link for a shared screen (kiosk.screen_share on the kiosk,
kiosk.desk.share on the desk), checked the same way on both sides.

Desk -> kiosk (events): `share_ask` {id, token, helper}, `share_stop` {id}, and while the
helper's page is open `share_alive` {id} every few seconds.
Kiosk -> desk: on `share`, {type: "share", id, state} (STATES); on `screen`, a picture: the
share's token (TOKEN_CHARS ASCII characters) followed by one JPEG, the whole at most
MAX_FRAME_BYTES (the broker takes 128 KiB at most)."""

from __future__ import annotations

import re
import unicodedata

LEAVES = ("share", "screen")
TOKEN_CHARS = 43  # secrets.token_urlsafe(32)
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)
MAX_FRAME_BYTES = 120 * 1024
MAX_SIDE = 4096  # the desk refuses a picture wider or taller
# What the kiosk says of a share: the person allowed it, said no (or nothing in time), it
# ended (Stop, the end of the session, the desk's stop, no sign of the desk; a lost link,
# told once it is back), another share is on, or nobody is at the kiosk to ask.
STATES = ("allowed", "declined", "ended", "busy", "no_session")
MAX_NAME = 40
# A name as people write them: letters, single spaces, hyphens, apostrophes and full stops
# between them. No digits, no markup, no control or direction characters.
_NAME = re.compile(r"[^\W\d_]+(?:(?:[ '.-]|\. )[^\W\d_]+)*\.?")


def helper_name(value) -> str | None:
    """The helper's name as the person may be shown it, or None if it is no plain name."""
    if not isinstance(value, str):
        return None
    name = unicodedata.normalize("NFC", value).strip()
    if not 1 <= len(name) <= MAX_NAME or _NAME.fullmatch(name) is None:
        return None
    return name


def frame_parts(payload: bytes) -> tuple[str, bytes] | None:
    """(token, JPEG) of a picture message, or None if it is not one."""
    if not MAX_FRAME_BYTES >= len(payload) > TOKEN_CHARS + 4:
        return None
    token, jpeg = payload[:TOKEN_CHARS].decode("ascii", "replace"), payload[TOKEN_CHARS:]
    if TOKEN.fullmatch(token) is None or not (jpeg.startswith(b"\xff\xd8") and jpeg.endswith(b"\xff\xd9")):
        return None
    return token, jpeg
