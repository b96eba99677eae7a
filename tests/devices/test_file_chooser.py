"""The page's "Attach a file" in real Chromium under the kiosk's policy (no file dialogs):
the kiosk is asked instead, and only the session's documents can reach the page."""

from __future__ import annotations

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
