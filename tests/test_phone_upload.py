"""The kiosk's side of a file from the person's phone (kiosk/phone_upload.py), over the
fake link with a fake fetch: what it accepts from the desk, and what the wipe forgets."""

from __future__ import annotations

import hashlib
import io
import uuid

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
