"""The kiosk's side of a file from the person's phone (kiosk/phone_upload.py), over the
fake link with a fake fetch: what it accepts from the desk, and what the wipe forgets."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from PIL import Image

from kiosk.background import Immediate
from kiosk.devices.fleet import FakeLink
from kiosk.help import Help, Outbox
from kiosk.phone_upload import PhoneUpload
from testbed.fakes import FakeScheduler

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


class FakeDesk:
    """The desk's fetch: the files it holds by id, and what it was asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.asked: list[tuple[str, str]] = []

    def __call__(self, url: str, token: str, max_bytes: int) -> bytes:
        self.asked.append((url, token))
        return self.files[url.rsplit("/", 1)[1]][:max_bytes + 1]


def build(tmp_path, desk_url="https://desk.example.fi", up=True):
    link = FakeLink(up=up, desk=True)
    help_ = Help(link, Outbox(tmp_path / f"outbox-{uuid.uuid4()}.sqlite"), "oodi-1", lambda: "",
                 post=lambda work: work())
    desk, scheduler, written = FakeDesk(), FakeScheduler(), []
    phone = PhoneUpload(help_, desk_url, lambda: tmp_path / "downloads", desk, scheduler, Immediate(),
                        on_file=written.append)
    help_.start()
    return phone, link, desk, scheduler, written


def announce(link, desk, data: bytes, kind="pdf", name="vuokrasopimus.pdf", **changes) -> str:
    file_id = str(uuid.uuid4())
    desk.files[file_id] = data
    link.deliver({"type": "upload_ready", "id": file_id, "name": name, "kind": kind, "size": len(data),
                  "sha256": hashlib.sha256(data).hexdigest(), "fetch": "F" * 32, **changes})
    return file_id


def test_a_link_asked_shown_and_a_file_fetched_checked_and_written(tmp_path):
    phone, link, desk, _scheduler, written = build(tmp_path)
    phone.ask("sv")
    assert link.published[-1][0] == "upload" and link.published[-1][1]["language"] == "sv"
    assert phone.state == "ready" and phone.url.startswith("https://desk.example.fi/u/demo-")
    file_id = announce(link, desk, PDF)
    assert desk.asked == [(f"https://desk.example.fi/upload/fetch/{file_id}", "F" * 32)]
    assert [p.name for p in (tmp_path / "downloads").iterdir()] == ["vuokrasopimus.pdf"] == [p.name for p in written]
    announce(link, desk, PDF)  # the same name again: numbered, not overwritten
    assert sorted(p.name for p in (tmp_path / "downloads").iterdir()) == ["vuokrasopimus (2).pdf",
                                                                         "vuokrasopimus.pdf"]
    assert phone.received == 2


def test_what_the_desk_announces_is_checked_again(tmp_path):
    phone, link, desk, _scheduler, written = build(tmp_path)
    phone.ask("fi")
    elf = b"\x7fELF" + bytes(100)
    announce(link, desk, elf, kind="pdf")                              # not what it says it is
    announce(link, desk, PDF, sha256="0" * 64)                         # not the file announced
    announce(link, desk, PDF, size=len(PDF) - 1)                       # longer than announced
    announce(link, desk, PDF, kind="exe")                              # no kind the kiosk takes
    announce(link, desk, PDF, size=10**9)                              # more than any file
    announce(link, desk, PDF, id="../../etc/passwd")                   # no id of the desk's
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    announce(link, desk, out.getvalue(), kind="jpeg")                  # a PNG said to be a JPEG
    announce(link, desk, PDF, name="../../../home/kiosk/.bashrc")      # a name with a path: only its last part
    assert [p.name for p in (tmp_path / "downloads").iterdir()] == ["phone.pdf"]
    assert len(written) == 1


def test_nothing_is_fetched_without_a_link_of_this_persons(tmp_path):
    phone, link, desk, _scheduler, written = build(tmp_path)
    announce(link, desk, PDF)
    assert desk.asked == [] and not written


def test_no_desk_or_no_answer_says_so(tmp_path):
    phone, link, _desk, scheduler, _written = build(tmp_path, desk_url="")
    phone.ask("fi")
    assert phone.state == "unavailable" and not link.published
    phone, link, _desk, scheduler, _written = build(tmp_path)
    link.desk = False  # a desk that does not answer
    phone.ask("fi")
    assert phone.state == "asking"
    scheduler.advance(20)
    assert phone.state == "unavailable"


def test_the_wipe_tells_the_desk_and_forgets_the_link(tmp_path):
    phone, link, desk, _scheduler, written = build(tmp_path)
    phone.ask("fi")
    announce(link, desk, PDF)
    assert phone.left_over() > 0
    phone.reset()
    assert link.published[-1] == ("upload", {"type": "end", "kiosk": "oodi-1"}, 1, False)
    assert phone.left_over() == 0 and phone.url == "" and phone.state == ""
    announce(link, desk, PDF)  # a file for the earlier person, late: not fetched
    assert len(desk.asked) == 1 and len(written) == 1
    before = len(link.published)
    phone.reset()  # nothing asked since: nothing to tell
    assert len(link.published) == before


class Later:
    """A runner that runs its work when the test says (a fetch still under way)."""

    def __init__(self) -> None:
        self.waiting = []

    def run(self, work, done) -> None:
        self.waiting.append((work, done))

    def finish(self) -> None:
        for work, done in self.waiting:
            done(work(), None)
        self.waiting = []


def test_a_file_still_on_its_way_when_the_person_finishes_is_dropped_but_not_after_a_new_code(tmp_path):
    phone, link, desk, _scheduler, written = build(tmp_path)
    phone.background = later = Later()
    phone.ask("fi")
    announce(link, desk, PDF)
    phone.ask("fi")  # a new code for the same person: the file on its way still arrives
    later.finish()
    assert len(written) == 1
    announce(link, desk, PDF)
    phone.reset()
    later.finish()
    assert len(written) == 1 and [p.name for p in (tmp_path / "downloads").iterdir()] == ["vuokrasopimus.pdf"]


def test_a_full_disk_says_so_and_leaves_no_half_file(tmp_path):
    """A write that fails part way (a file-size limit stands in for the session's full
    tmpfs: the same OSError from the same write) is counted as lost, not raised into
    Kivy's clock, and its .part is gone."""
    import resource
    import signal

    phone, link, desk, _scheduler, written = build(tmp_path)
    phone.ask("fi")
    big = PDF[:-7] + bytes(200_000) + b"\n%%EOF\n"
    limits, handler = resource.getrlimit(resource.RLIMIT_FSIZE), signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, limits[1]))
    try:
        announce(link, desk, big)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert phone.lost == 1 and phone.received == 0 and not written
    assert list((tmp_path / "downloads").iterdir()) == []
    announce(link, desk, PDF)  # room again: the next file arrives
    assert phone.received == 1 and [p.name for p in (tmp_path / "downloads").iterdir()] == ["vuokrasopimus.pdf"]
    phone.reset()
    assert phone.lost == 0 and phone.left_over() == 0


def test_coming_back_to_the_screen_shows_the_same_code_until_it_is_nearly_old(tmp_path):
    phone, link, _desk, scheduler, _written = build(tmp_path)
    links = lambda: [p for leaf, p, _q, _r in link.published if leaf == "upload" and p["type"] == "link"]  # noqa: E731
    phone.show("fi")
    url = phone.url
    scheduler.advance(8 * 60)
    phone.show("fi")  # back from Help, the warning, a staff message
    assert len(links()) == 1 and phone.url == url and phone.state == "ready"
    phone.show("sv")  # the person changed the language: the phone's page speaks it
    assert len(links()) == 2 and links()[-1]["language"] == "sv"
    phone.ask("sv")  # New code: always asked
    assert len(links()) == 3
    scheduler.advance(9 * 60 + 1)
    phone.show("sv")  # a minute or less left of its ten: a new one
    assert len(links()) == 4 and phone.url != url
    link.desk = False
    phone.ask("sv")
    phone.show("sv")  # still asking: not asked twice
    assert len(links()) == 5 and phone.state == "asking"
    scheduler.advance(20)
    phone.show("sv")  # no answer then: asked again
    assert len(links()) == 6


def test_the_fetch_follows_no_redirect(tmp_path):
    """The fetch token goes only where the kiosk sent it: a 302 (say to plain HTTP
    elsewhere) is an error, and the place it points to is never asked."""
    import http.server
    import threading

    from kiosk.phone_upload import https_fetcher

    elsewhere = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            elsewhere.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", str(len(PDF)))
            self.end_headers()
            self.wfile.write(PDF)

        def log_message(self, *_args):
            pass

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)]

    class Desk(Elsewhere):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{servers[0].server_port}/stolen")
            self.send_header("Content-Length", "0")
            self.end_headers()

    servers.append(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Desk))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        fetch = https_fetcher()
        with pytest.raises(OSError):
            fetch(f"http://127.0.0.1:{servers[1].server_port}/upload/fetch/x", "F" * 32, 1000)
        assert elsewhere == []
        assert fetch(f"http://127.0.0.1:{servers[0].server_port}/upload/fetch/x", "F" * 32, 1000) == PDF
        assert elsewhere == ["Bearer " + "F" * 32]  # the server that was asked did get it
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
