"""Devices that come and go: udev classification, and a USB stick through the real service
code, the real root helper and a real exFAT image on a loop device."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.background import Immediate
from kiosk.devices.pdf import inspect
from kiosk.devices.hotplug import CARD_READER, HEADSET, PRINTER, STORAGE, FakeMonitor, classify
from kiosk.devices.roothelper import InProcessHelper
from kiosk.root_daemon import RootDaemon
from kiosk.usb import StickFile, UsbSticks, list_files


@pytest.mark.parametrize("subsystem, devtype, name, properties, kind", [
    ("block", "partition", "sdb1", {"ID_BUS": "usb", "ID_FS_USAGE": "filesystem", "ID_FS_TYPE": "vfat"}, STORAGE),
    ("block", "disk", "sdb", {"ID_BUS": "usb", "ID_FS_USAGE": "filesystem"}, STORAGE),  # no partition table
    ("block", "disk", "sdb", {"ID_BUS": "usb"}, None),              # the disk holding the partitions
    ("block", "partition", "sda1", {"ID_BUS": "ata", "ID_FS_USAGE": "filesystem"}, None),  # the kiosk's own disk
    ("usb", "usb_device", "1-2", {"ID_USB_INTERFACES": ":070102:"}, PRINTER),
    ("usb", "usb_device", "1-3", {"ID_USB_INTERFACES": ":0b0000:"}, CARD_READER),
    ("usb", "usb_interface", "1-3:1.0", {"ID_USB_INTERFACES": ":0b0000:"}, None),  # its interface: once is enough
    ("sound", "", "card1", {"ID_BUS": "usb"}, HEADSET),
    ("sound", "", "card0", {"ID_BUS": "pci"}, None),                # the built-in sound card
    ("usb", "usb_device", "1-4", {"ID_USB_INTERFACES": ":030101:"}, None),  # a keyboard: ignored
])
def test_udev_devices_are_classified_and_the_rest_ignored(subsystem, devtype, name, properties, kind):
    assert classify(subsystem, devtype, name, properties) == kind


def sticks(tmp_path, policy: str, stick: str | None = None):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[devices]\nusb_storage = "{policy}"\n')
    helper = InProcessHelper(RootDaemon(kiosk_user="nobody", config_file=config, media=tmp_path / "media",
                                        usb_check=lambda device: device == stick))
    service = UsbSticks(helper, policy, Immediate())
    monitor = FakeMonitor()
    monitor.start(service.plugged)
    return service, monitor


def test_a_stick_where_sticks_are_blocked_is_refused_in_words_and_never_mounted(tmp_path):
    service, monitor = sticks(tmp_path, "blocked")
    monitor.plug(STORAGE, "/devices/usb1/sdb1", "/dev/sdb1", "KINGSTON")
    assert service.state == "blocked" and service.label == "KINGSTON"
    assert not (tmp_path / "media").exists()
    monitor.unplug("/devices/usb1/sdb1")
    assert service.state == "none"


def test_other_devices_leave_the_stick_alone(tmp_path):
    service, monitor = sticks(tmp_path, "read-only")
    monitor.plug(PRINTER, "/devices/usb1/1-2", label="HP LaserJet")
    monitor.plug(CARD_READER, "/devices/usb1/1-3")
    assert service.state == "none" and not service.present


def test_a_real_stick_read_only_then_saved_to_and_taken_out(stick, tmp_path):
    service, monitor = sticks(tmp_path, "read-only", stick)
    monitor.plug(STORAGE, "/devices/usb1/loop", stick, "STICK")
    assert service.state == "ready"
    assert [(f.name, f.kind) for f in service.files] == [("kuva.jpg", "JPG"), ("lomake.pdf", "PDF")]  # no program
    documents = tmp_path / "session" / "downloads"
    copied = []
    service.copy_for_printing(service.files[1], documents, copied.append)
    assert copied == [documents / "lomake.pdf"] and copied[0].read_bytes().startswith(b"%PDF")
    # The picture: a one-page PDF beside it, the picture itself left on the stick.
    service.copy_for_printing(service.files[0], documents, copied.append)
    assert copied[1] == documents / "kuva.pdf" and inspect(copied[1]).pages == 1
    assert sorted(p.name for p in documents.iterdir()) == ["kuva.pdf", "lomake.pdf"]
    assert service.refused == "" and service.preparing == ""
    service.save_documents([copied[0]])  # read-only here: nothing is written
    assert service.state == "ready" and not service.writable_here

    monitor.unplug("/devices/usb1/loop")
    service.remove_safely()
    assert service.state == "none"

    (tmp_path / "kiosk.toml").write_text('[devices]\nusb_storage = "allowed"\n')
    service.policy, service.writable_here = "allowed", True
    helper = service.helper
    monitor.plug(STORAGE, "/devices/usb1/loop", stick, "STICK")
    mine = tmp_path / "hakemus.pdf"
    mine.write_bytes(b"%PDF-1.4 my application\n")
    service.save_documents([mine, copied[0]])
    assert service.state == "removable" and service.saved == ["hakemus.pdf", "lomake.pdf"]
    assert helper.helper.mounts() == {}  # unmounted: it may be taken out
    helper.request("mount", device=stick)
    media = tmp_path / "media" / Path(stick).name
    assert sorted(p.name for p in media.iterdir()) == ["hakemus.pdf", "kuva.jpg", "lomake (2).pdf", "lomake.pdf",
                                                       "run.sh"]
    assert (media / "hakemus.pdf").read_bytes() == b"%PDF-1.4 my application\n"
    assert helper.request("wipe")["unmounted"] == 1
    service.forget()
    assert service.state == "none" and service.files == [] and service.label == ""


def test_a_stick_that_cannot_be_read_says_so(tmp_path):
    service, monitor = sticks(tmp_path, "read-only", stick=None)  # the helper refuses: "not USB storage"
    monitor.plug(STORAGE, "/devices/usb1/sdc1", "/dev/sdc1", "OLD")
    assert service.state == "failed" and "not USB storage" in service.problem


def test_only_pdfs_and_pictures_are_listed_without_hidden_files_links_or_deep_folders(tmp_path):
    top = tmp_path / "stick"
    (top / "a" / "b" / "c" / "d").mkdir(parents=True)
    for name in ("kuva.JPG", "lomake.pdf", ".hidden.pdf", "virus.exe", "a/ohje.pdf", "a/b/c/syvä.png",
                 "a/b/c/d/liian-syvä.pdf"):
        (top / name).write_bytes(b"x")
    (top / "link.pdf").symlink_to("/etc/passwd")
    assert [f.name for f in list_files(top)] == ["kuva.JPG", "lomake.pdf", "a/ohje.pdf", "a/b/c/syvä.png"]


def test_a_picture_that_cannot_be_printed_is_refused_in_words_and_nothing_is_lost(tmp_path):
    service, _monitor = sticks(tmp_path, "read-only")
    top = tmp_path / "stick"
    top.mkdir()
    (top / "kuva.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    (top / "lomake.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    broken, pdf = list_files(top)
    documents = tmp_path / "session" / "downloads"
    results = []
    service.copy_for_printing(broken, documents, results.append)
    assert results == [None] and service.refused == "damaged" and service.refused_name == "kuva.jpg"
    assert service.state == "none" and service.problem == ""  # the stick itself is fine
    assert list(documents.iterdir()) == [] and (top / "kuva.jpg").exists()
    service.copy_for_printing(pdf, documents, results.append)  # the next file prints as ever
    assert results[-1] == documents / "lomake.pdf" and service.refused == ""


def test_pictures_become_pdfs_of_their_own_name_beside_the_sessions_documents(tmp_path):
    made = []

    def make_pdf(picture, target):
        made.append((picture.name, target.name))
        target.write_bytes(b"%PDF-1.4\n")
        return target

    service = UsbSticks(None, "read-only", Immediate(), make_pdf=make_pdf)
    documents = tmp_path / "downloads"
    documents.mkdir()
    (documents / "kuva.pdf").write_bytes(b"%PDF-1.4 a document of the same name\n")
    picture = tmp_path / "kuva.png"
    picture.write_bytes(b"png")
    results = []
    service.copy_for_printing(StickFile(picture, "kuvat/kuva.png", "PNG", 3), documents, results.append)
    assert made == [("kuva.png", "kuva (2).pdf")] and results == [documents / "kuva (2).pdf"]
    assert (documents / "kuva.pdf").read_bytes() == b"%PDF-1.4 a document of the same name\n"
