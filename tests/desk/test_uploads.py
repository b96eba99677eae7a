"""The desk's links and waiting files (kiosk/desk/uploads.py) over its real database, with
a clock the test moves: expiry, the bounds, a file given out once."""

from __future__ import annotations

import pytest

from kiosk.desk import uploads as module
from kiosk.desk.store import Store
from kiosk.desk.uploads import FILES_PER_LINK, LINK_S, Uploads

PDF = b"%PDF-1.4\n%%EOF\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def uploads(tmp_path):
    clock = Clock()
    made = Uploads(Store(str(tmp_path / "desk.sqlite")).engine, clock)
    made.clock_ = clock
    return made


def test_a_link_is_stored_only_as_its_hash_and_expires(uploads):
    token = uploads.mint("oodi", "oodi-1", "sv")
    assert len(token) >= 32
    with uploads.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token FROM upload_links").scalar_one()
    assert stored != token and stored == module.hashed(token)
    assert uploads.link(token)["language"] == "sv"
    uploads.clock_.now += LINK_S + 1
    assert uploads.link(token) is None
    assert uploads.add(token, "a.pdf", "pdf", PDF) == "gone"
    uploads.sweep()
    assert uploads.held() == (0, 0)


def test_a_file_is_given_out_once_to_the_fetch_token_and_then_gone(uploads):
    token = uploads.mint("oodi", "oodi-1", "fi")
    kept = uploads.add(token, "a.pdf", "pdf", PDF)
    event = kept["event"]
    assert (kept["site"], kept["kiosk"], event["size"], event["kind"]) == ("oodi", "oodi-1", len(PDF), "pdf")
    assert uploads.take(event["id"], "x" * 32) is None  # a wrong fetch token
    assert uploads.held() == (1, 1)
    assert uploads.take(event["id"], event["fetch"]) == ("pdf", PDF)
    assert uploads.take(event["id"], event["fetch"]) is None
    assert uploads.held() == (0, 1)


def test_an_unfetched_file_goes_with_its_link(uploads):
    token = uploads.mint("oodi", "oodi-1", "fi")
    uploads.add(token, "a.pdf", "pdf", PDF)
    uploads.clock_.now += LINK_S + 1
    uploads.sweep_now_and_then()
    assert uploads.held() == (0, 0)


def test_files_per_link_links_per_kiosk_and_bytes_held_are_bounded(uploads):
    token = uploads.mint("oodi", "oodi-1", "fi")
    for _ in range(FILES_PER_LINK):
        assert isinstance(uploads.add(token, "a.pdf", "pdf", PDF), dict)
    assert uploads.add(token, "a.pdf", "pdf", PDF) == "gone" and uploads.link(token) is None
    tokens = [uploads.mint("oodi", "oodi-2", "fi") for _ in range(5)]
    assert [uploads.link(t) is not None for t in tokens] == [False, False, True, True, True]
    uploads.max_held_bytes = len(PDF) * (FILES_PER_LINK + 1)
    assert isinstance(uploads.add(tokens[-1], "a.pdf", "pdf", PDF), dict)
    assert uploads.add(tokens[-1], "a.pdf", "pdf", PDF) == "full"
    assert uploads.link(tokens[-1])["files"] == 1  # the refused one did not count


def test_the_end_of_a_kiosks_session_ends_only_its_links(uploads):
    mine, other = uploads.mint("oodi", "oodi-1", "fi"), uploads.mint("oodi", "oodi-2", "fi")
    uploads.add(mine, "a.pdf", "pdf", PDF)
    assert uploads.end("oodi", "oodi-1") == 1
    assert uploads.link(mine) is None and uploads.link(other) is not None and uploads.held() == (0, 1)


def test_what_stays_on_the_desks_disk_cannot_be_read(tmp_path):
    """A deleted row's bytes outlive it (free pages, the write-ahead log): the file waits
    encrypted with a key made from its fetch token, which is not stored, and without its
    name; SQLite zeroes what it deletes."""
    import os

    store = Store(str(tmp_path / "desk.sqlite"))
    uploads = Uploads(store.engine)
    secret = b"%PDF-1.4\n" + os.urandom(8).hex().encode() + b" Henkilotunnus 010199-999X\n%%EOF\n"

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("desk.sqlite*"))

    token = uploads.mint("oodi", "oodi-1", "fi")
    event = uploads.add(token, "Henkilotunnus-kopio.pdf", "pdf", secret)["event"]
    assert secret not in on_disk() and b"Henkilotunnus-kopio" not in on_disk()
    assert event["fetch"].encode() not in on_disk() and event["sha256"].encode() not in on_disk()
    with uploads.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
        stored = connection.exec_driver_sql("SELECT data FROM uploads").scalar_one()
    assert uploads.take(event["id"], event["fetch"]) == ("pdf", secret)
    assert secret not in on_disk()
    # The stored bytes and the key of another file do not open it (the key is the file's own).
    other = uploads.add(token, "b.pdf", "pdf", PDF)["event"]
    with uploads.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE uploads SET data = ? WHERE id = ?", (stored, other["id"]))
    assert uploads.take(other["id"], other["fetch"]) is None
    store.close()
