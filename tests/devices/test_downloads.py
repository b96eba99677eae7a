"""What a download is, by its content: real files made by the real tools, named to mislead."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kiosk.devices.downloads import DownloadGate, free_name, refused_content, refused_name

SITE_FILES = Path(__file__).resolve().parents[2] / "testbed" / "site" / "files"


def made(tmp_path: Path, name: str, command: str) -> Path:
    """`command` run in a folder with notes.txt in it, writing `name` (every tool is a Debian package's)."""
    (tmp_path / "notes.txt").write_text("My notes, for nobody else.\n" * 20)
    tool = command.split()[0]
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is needed for this test")
    subprocess.run(command, shell=True, cwd=tmp_path, check=True, capture_output=True)
    return tmp_path / name


@pytest.mark.parametrize("name, command", [
    ("a.tar", "tar cf a.tar notes.txt"),
    ("a.gz", "gzip -c notes.txt > a.gz"),
    ("a.xz", "xz -c notes.txt > a.xz"),
    ("a.bz2", "bzip2 -c notes.txt > a.bz2"),
    ("a.zst", "zstd -q -c notes.txt > a.zst"),
    ("a.ar", "ar rc a.ar notes.txt"),
])
def test_archives_made_by_their_tools_are_refused_whatever_their_name(tmp_path, name, command):
    archive = made(tmp_path, name, command)
    disguised = archive.rename(tmp_path / "decision.pdf")
    assert refused_content(disguised), name


def test_programs_are_refused_whatever_their_name(tmp_path):
    for program, name in ((Path(sys.executable).resolve(), "letter.pdf"), (SITE_FILES / "update", "update"),
                          (SITE_FILES / "setup.exe", "photo.jpg"), (SITE_FILES / "install.sh", "notes.txt")):
        copy = tmp_path / name
        shutil.copyfile(program, copy)
        assert refused_content(copy), program


def test_zips_and_an_iso_image_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "form.pdf", "w") as archive:
        archive.writestr("form.exe", b"MZ")
    assert refused_content(tmp_path / "form.pdf") == "a zip archive"
    image = bytearray(40000)
    image[32769:32774] = b"CD001"  # the primary volume descriptor of ISO 9660
    (tmp_path / "disc.txt").write_bytes(bytes(image))
    assert refused_content(tmp_path / "disc.txt") == "a CD or DVD image"


def test_documents_and_pictures_are_kept(tmp_path):
    kept = {"decision.pdf": (SITE_FILES / "decision.pdf").read_bytes(),
            "picture.png": b"\x89PNG\r\n\x1a\n" + bytes(64), "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(64),
            "notes.txt": "Tärkeää: hakemus lähetetty.\n".encode(), "empty.txt": b""}
    for name, content in kept.items():
        (tmp_path / name).write_bytes(content)
        assert refused_content(tmp_path / name) == "", name


def office_file(path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)


def test_office_documents_are_kept_but_not_with_macros_or_programs_inside(tmp_path):
    """Forms come as .docx or .odt too: their zip is a document, unless it carries code."""
    docx = {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", "word/document.xml": b"<w/>"}
    office_file(tmp_path / "hakemus.docx", docx)
    office_file(tmp_path / "lomake.odt", {"mimetype": b"application/vnd.oasis.opendocument.text",
                                          "content.xml": b"<office/>", "META-INF/manifest.xml": b"<manifest/>"})
    office_file(tmp_path / "macro.docm", {**docx, "word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    office_file(tmp_path / "carrier.docx", {**docx, "word/media/setup.exe": b"MZ"})
    office_file(tmp_path / "fake.odt", {"mimetype": b"application/x-something", "run.sh": b"#!/bin/sh"})
    assert refused_content(tmp_path / "hakemus.docx") == "" and refused_content(tmp_path / "lomake.odt") == ""
    for name in ("macro.docm", "carrier.docx", "fake.odt"):
        assert refused_content(tmp_path / name) == "a zip archive", name


def test_names_are_a_first_line_only():
    assert refused_name("backup.tar.zst") and refused_name("SETUP.EXE") and refused_name("run.sh")
    assert not refused_name("update") and not refused_name("decision.pdf")


def test_the_gate_moves_a_document_in_and_deletes_a_program(tmp_path):
    reports = []
    gate = DownloadGate(tmp_path / "incoming", tmp_path / "documents", cancel=lambda guid: None,
                        report=lambda kind, value: reports.append((kind, value)))
    (tmp_path / "documents" / "decision.pdf").write_bytes(b"%PDF-1.4 an earlier one")
    for guid, source, name in (("1", SITE_FILES / "decision.pdf", "decision.pdf"),
                               ("2", SITE_FILES / "update", "update")):
        gate.event("Browser.downloadWillBegin", {"guid": guid, "suggestedFilename": name})
        shutil.copyfile(source, gate.incoming / name)
        gate.event("Browser.downloadProgress", {"guid": guid, "state": "completed",
                                                "filePath": str(gate.incoming / name)})
    assert reports == [("download", tmp_path / "documents" / "decision (2).pdf"), ("refused_download", "update")]
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == ["decision (2).pdf", "decision.pdf"]
    assert list(gate.incoming.iterdir()) == []
    assert free_name(tmp_path / "documents", "new.pdf") == tmp_path / "documents" / "new.pdf"
