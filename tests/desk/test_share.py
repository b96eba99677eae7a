"""The desk's side of a shared screen (kiosk.desk.share) without a broker: the picture check
reads headers only, and the kiosk hears every few seconds that the helper still looks."""

from __future__ import annotations

import io
import time

import pytest

from kiosk.desk.share import Shares, plain_jpeg
from kiosk.share_wire import MAX_SIDE
from tests.desk.test_web_pages import FakeLink


def jpeg(width: int, height: int, kind: str = "JPEG", **options) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, kind, **options)
    return out.getvalue()


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not so in time"
        time.sleep(0.02)


def test_a_screens_jpeg_passes_anything_else_is_refused():
    from PIL import Image

    assert plain_jpeg(jpeg(800, 500)) and plain_jpeg(jpeg(MAX_SIDE, 8))
    assert not plain_jpeg(jpeg(MAX_SIDE + 1, 8)) and not plain_jpeg(jpeg(8, MAX_SIDE + 1))
    png = io.BytesIO()
    Image.new("RGB", (40, 30)).save(png, "PNG")
    second = Image.new("RGB", (40, 30), (0, 255, 0))
    for refused in (png.getvalue(), b"\xff\xd8" + b"\x00" * 500 + b"\xff\xd9", b"",
                    jpeg(40, 30, "MPO", save_all=True, append_images=[second])):  # JPEG-like, not plain
        assert not plain_jpeg(refused)


def test_the_picture_check_reads_the_header_only():
    """No decoding on the link's thread: a picture whose header is good but whose data is cut
    short passes here (a full decode would raise "truncated"; the wire's own check wants the
    end marker, and the helper's browser draws what there is)."""
    whole = jpeg(1920, 1080)
    assert plain_jpeg(whole[: len(whole) // 2])


@pytest.fixture
def shares():
    link = FakeLink()
    made = Shares(link, lambda *_args: None, alive_every_s=0.2, page_gone_s=60)
    yield link, made
    for share in list(made._active.values()):
        made.stop(share, "test")


def alive(link) -> list[str]:
    return [event["id"] for _site, _kiosk, event in link.events if event["type"] == "share_alive"]


def test_the_kiosk_hears_the_helper_still_looks_while_live_and_the_page_open(shares):
    link, made = shares
    share = made.start("Aino", "oodi", "oodi-1")
    made.sweep()
    assert alive(link) == []  # asking: the kiosk has its own 60 s
    assert made.handle("oodi", "oodi-1", "share", b'{"type": "share", "id": "%s", "state": "allowed"}'
                       % share.id.encode()) == "share"
    assert share.state == "live"
    wait_for(lambda: len(alive(link)) >= 2)  # the sweeper, every alive_every_s
    assert set(alive(link)) == {share.id}

    share.seen_at -= 120  # the page went quiet: stopped, and no more signs
    wait_for(lambda: share.state == "ended")
    told = len(alive(link))
    made.sweep()
    assert len(alive(link)) == told
    assert link.events[-1][2] == {"type": "share_stop", "id": share.id}


def test_no_sign_while_the_desk_is_offline(shares):
    link, made = shares
    share = made.start("Aino", "oodi", "oodi-1")
    made.handle("oodi", "oodi-1", "share", b'{"type": "share", "id": "%s", "state": "allowed"}' % share.id.encode())
    link.connected = False
    told = len(alive(link))
    made.sweep()
    assert share.state == "ended" and len(alive(link)) == told
