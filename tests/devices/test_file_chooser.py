"""The page's "Attach a file" in real Chromium under the kiosk's policy (no file dialogs):
the kiosk is asked instead, and only the session's documents can reach the page."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.file_chooser import FileChooser

SITE_FILES = Path(__file__).resolve().parents[2] / "testbed" / "site" / "files"


@pytest.fixture
def attach(kiosk):
    kiosk.asked = []
    kiosk.services.bind(on_file_chooser=lambda _s, chooser: kiosk.asked.append(chooser))
    kiosk.open("/attach.html")
    documents = kiosk.session_dir / "downloads"
    documents.mkdir(exist_ok=True)
    shutil.copyfile(SITE_FILES / "decision.pdf", documents / "decision.pdf")
    (documents / "payslip.txt").write_text("Palkka 2026\n")
    return kiosk


def received(kiosk, element: str):
    return kiosk.evaluate(f"JSON.stringify(window.received['{element}'] || null)")


def test_the_policy_keeps_file_dialogs_shut(site):
    assert '"AllowFileSelectionDialogs": false' in site.policy_text.replace("False", "false")


def test_a_tap_on_a_file_input_asks_the_kiosk_and_the_chosen_document_reaches_the_page(attach):
    import json

    attach.tap("any")
    attach.wait_for(lambda: attach.asked, 15)
    chooser = attach.asked[0]
    assert chooser.multiple is False and chooser.accept == () and chooser.frame == ""
    assert attach.services.choose_files([attach.session_dir / "downloads" / "decision.pdf"])
    attach.wait_for(lambda: received(attach, "any") != "null", 10)
    pdf = (SITE_FILES / "decision.pdf").read_bytes()
    assert json.loads(received(attach, "any")) == [{"name": "decision.pdf", "size": len(pdf),
                                                     "head": pdf[:8].decode("latin-1")}]
    assert attach.services.chooser is None


def test_accept_and_multiple_are_read_from_the_input(attach):
    import json

    attach.tap("pdf")
    attach.wait_for(lambda: attach.asked, 15)
    assert attach.asked[-1].accept == (".pdf",) and not attach.asked[-1].multiple
    attach.services.cancel_chooser()
    attach.tap("many")
    attach.wait_for(lambda: len(attach.asked) == 2, 15)
    assert attach.asked[-1].accept == (".pdf", "image/*") and attach.asked[-1].multiple
    folder = attach.session_dir / "downloads"
    assert attach.services.choose_files([folder / "decision.pdf", folder / "payslip.txt"])
    attach.wait_for(lambda: received(attach, "many") != "null", 10)
    assert [f["name"] for f in json.loads(received(attach, "many"))] == ["decision.pdf", "payslip.txt"]


def test_cancel_gives_the_page_nothing_and_the_next_tap_asks_again(attach):
    attach.tap("any")
    attach.wait_for(lambda: attach.asked, 15)
    attach.services.cancel_chooser()
    attach.tap("any")
    attach.wait_for(lambda: len(attach.asked) == 2, 15)
    assert received(attach, "any") == "null"
    assert attach.evaluate("document.getElementById('any').files.length") == 0


def test_no_path_outside_the_session_documents_reaches_the_page(attach, tmp_path):
    attach.tap("any")
    attach.wait_for(lambda: attach.asked, 15)
    chooser = attach.asked[0]
    folder = attach.session_dir / "downloads"
    os.symlink("/etc/passwd", folder / "passwd.pdf")
    (folder / "inner").mkdir()
    (folder / "inner" / "deep.pdf").write_bytes(b"%PDF-1.4\n")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4\n")
    hostile = [Path("/etc/passwd"), folder / "passwd.pdf", folder / "inner" / "deep.pdf", folder / ".." / "browser",
               folder / "../../" / folder.name / "passwd.pdf", outside, folder / "inner", folder / "missing.pdf"]
    for path in hostile:
        with pytest.raises(DeviceError):  # the browser's own check, the last before the page
            attach.browser.choose_files(chooser, [path])
        attach.services.chooser = chooser
        assert attach.services.choose_files([path]) is False, path  # the service's, before the browser's
    with pytest.raises(DeviceError):  # one input, one file
        attach.browser.choose_files(chooser, [folder / "decision.pdf", folder / "payslip.txt"])
    assert attach.evaluate("document.getElementById('any').files.length") == 0
    # The input is the page's: a node that is no file input is not set either.
    body = FileChooser(node=1)
    with pytest.raises(DeviceError):
        attach.browser.choose_files(body, [folder / "decision.pdf"])


def test_the_input_is_read_without_running_the_page_script(attach):
    """A page that redefines what script reads of its input (its accept, a getter that
    spins for ten seconds) neither changes what the kiosk reads nor holds up its worker."""
    attach.evaluate("(() => { const input = document.getElementById('pdf');"
                    " input.getAttribute = () => 'application/x-msdownload';"
                    " Object.defineProperty(input, 'type', {get: () => 'text'});"
                    " for (const name of ['multiple', 'accept', 'tagName']) Object.defineProperty(input, name, {get() {"
                    " const end = Date.now() + 10000; while (Date.now() < end); return name === 'multiple'; }});"
                    " return true; })()")
    attach.tap("pdf")
    attach.wait_for(lambda: attach.asked, 5)  # the spinning getters would take 10 s each
    assert attach.asked[0].accept == (".pdf",) and attach.asked[0].multiple is False


def test_a_page_that_moved_on_gets_nothing_and_the_person_is_told(attach):
    folder = attach.session_dir / "downloads"
    attach.tap("any")
    attach.wait_for(lambda: attach.asked, 15)
    # The page navigates (here to the same address: a new document). The old document may
    # live on out of sight (the back-forward cache), where setting files would "succeed".
    attach.browser.navigate(attach.site.url("/attach.html"))
    attach.wait_for(lambda: attach.services.chooser is None, 15)
    assert attach.services.notice == "attach_failed"
    assert attach.services.choose_files([folder / "decision.pdf"]) is False
    attach.wait_for(lambda: attach.evaluate("document.readyState") == "complete" and not attach.evaluate(
        "Object.keys(window.received || {}).length"), 15)
    # The input the page asked with is no file input any more when the person's choice comes.
    attach.services.clear_notice()
    attach.tap("any")
    attach.wait_for(lambda: len(attach.asked) == 2, 15)
    attach.evaluate("document.getElementById('any').type = 'text'")
    assert attach.services.choose_files([folder / "decision.pdf"])  # the service's checks pass...
    attach.wait_for(lambda: attach.services.notice == "attach_failed", 15)  # ...the browser's set fails
    assert received(attach, "any") == "null"


def test_an_input_in_a_frame_from_another_site_asks_the_kiosk_and_is_answered_in_its_process(kiosk, other_site):
    asked = []
    kiosk.services.bind(on_file_chooser=lambda _s, chooser: asked.append(chooser))
    kiosk.open("/attach-framed.html")
    documents = kiosk.session_dir / "downloads"
    documents.mkdir(exist_ok=True)
    shutil.copyfile(SITE_FILES / "decision.pdf", documents / "decision.pdf")

    def framed():
        """The upload frame's id (as the page's DOM names it) and a call in its session."""
        element = kiosk.browser.call("Runtime.evaluate", {"expression": "document.getElementById('upload')"})
        frame = kiosk.browser.call("DOM.describeNode", {"objectId": element["result"]["objectId"]})["node"].get(
            "frameId", "")
        return frame, kiosk.browser.in_frame(frame) if frame else None

    kiosk.wait_for(lambda: framed()[1] is not None, 20)  # its own process, attached
    frame, call = framed()

    def in_frame(expression: str):
        return call("Runtime.evaluate", {"expression": expression, "returnByValue": True})["result"].get("value")

    kiosk.wait_for(lambda: in_frame("document.readyState === 'complete' && !!document.getElementById('pdf')"), 20)
    x, y = in_frame("(() => { const r = document.getElementById('pdf').getBoundingClientRect();"
                    " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    left, top = kiosk.evaluate("(() => { const e = document.getElementById('upload'), r = e.getBoundingClientRect();"
                               " return [r.x + e.clientLeft, r.y + e.clientTop]; })()")
    for kind in ("mousePressed", "mouseReleased"):
        kiosk.browser.call("Input.dispatchMouseEvent", {"type": kind, "x": left + x, "y": top + y,
                                                        "button": "left", "clickCount": 1})
    kiosk.wait_for(lambda: asked, 15)
    assert asked[0].frame == frame and asked[0].accept == (".pdf",)
    assert kiosk.services.choose_files([documents / "decision.pdf"])
    kiosk.wait_for(lambda: in_frame("JSON.stringify(window.received.pdf || null)") != "null", 10)
    got = json.loads(in_frame("JSON.stringify(window.received.pdf)"))
    assert got[0]["name"] == "decision.pdf" and got[0]["size"] == (SITE_FILES / "decision.pdf").stat().st_size


# -- without a browser ----------------------------------------------------------------------

def test_accept_lists_are_read_as_browsers_read_them():
    from kiosk.devices.file_chooser import accepted, parse_accept

    assert parse_accept(" .PDF, image/* ,,application/pdf, .pdf") == (".pdf", "image/*", "application/pdf")
    assert len(parse_accept(",".join(f".x{n}" for n in range(500)))) == 40  # a page cannot make it long
    assert accepted("Vuokrasopimus.PDF", (".pdf",)) and accepted("kuva.jpeg", ("image/*",))
    assert accepted("päätös.pdf", ("application/pdf",)) and accepted("anything.odt", ())
    assert not accepted("notes.txt", (".pdf", "image/*")) and not accepted("pdf", (".pdf",))
    assert not accepted("kuva.png", ("image/jpeg",))
