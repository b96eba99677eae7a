"""hotplug.event_of and classify: what pyudev-shaped devices become as Plugged events."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kiosk.devices.hotplug import CARD_READER, HEADSET, PRINTER, STORAGE, Plugged, classify, event_of


@dataclass
class FakeUdevDevice:
    """The attributes of a pyudev Device that hotplug reads (pyudev gives None when unknown)."""

    subsystem: str | None
    device_type: str | None
    sys_name: str | None
    device_path: str
    device_node: str | None = None
    properties: dict = field(default_factory=dict)


STICK = FakeUdevDevice("block", "partition", "sdb1", "/devices/pci0000:00/usb1/1-1/block/sdb/sdb1", "/dev/sdb1",
                       {"ID_BUS": "usb", "ID_FS_USAGE": "filesystem", "ID_FS_TYPE": "vfat",
                        "ID_FS_LABEL": "KINGSTON", "ID_MODEL": "DataTraveler_3.0"})


def test_a_usb_stick_is_storage_with_its_node_and_label():
    assert event_of(STICK, True) == Plugged(STORAGE, True, STICK.device_path, "/dev/sdb1", "KINGSTON")


def test_a_stick_taken_out_pairs_with_its_insertion_by_the_device_path():
    plugged, unplugged = event_of(STICK, True), event_of(STICK, False)
    assert (plugged.key, plugged.added, unplugged.added) == (unplugged.key, True, False)


def test_a_stick_without_a_label_is_named_by_its_model_or_nothing():
    unlabelled = FakeUdevDevice("block", "disk", "sdc", "/devices/usb2/2-1/block/sdc", "/dev/sdc",
                                {"ID_BUS": "usb", "ID_FS_USAGE": "filesystem", "ID_MODEL": "Cruzer"})
    assert event_of(unlabelled, True).label == "Cruzer"
    bare = FakeUdevDevice("block", "disk", "sdd", "/devices/usb2/2-2/block/sdd", "/dev/sdd",
                          {"ID_BUS": "usb", "ID_FS_USAGE": "filesystem"})
    assert event_of(bare, True) == Plugged(STORAGE, True, bare.device_path, "/dev/sdd", "")


def test_a_usb_printer_is_named_by_vendor_and_model_and_has_no_node():
    printer = FakeUdevDevice("usb", "usb_device", "1-2", "/devices/usb1/1-2", "/dev/bus/usb/001/004",
                             {"ID_USB_INTERFACES": ":070102:", "ID_VENDOR": "HP",
                              "ID_VENDOR_FROM_DATABASE": "HP, Inc", "ID_MODEL": "LaserJet_1020"})
    assert event_of(printer, True) == Plugged(PRINTER, True, "/devices/usb1/1-2", "", "HP, Inc LaserJet_1020")


@pytest.mark.parametrize("properties, label", [
    ({"ID_VENDOR": "Gemalto"}, "Gemalto"),
    ({"ID_MODEL": "USB_SmartCard_Reader"}, "USB_SmartCard_Reader"),
    ({}, ""),
])
def test_a_card_reader_label_has_no_stray_spaces(properties, label):
    reader = FakeUdevDevice("usb", "usb_device", "1-3", "/devices/usb1/1-3", None,
                            {"ID_USB_INTERFACES": ":0b0000:", **properties})
    assert event_of(reader, True) == Plugged(CARD_READER, True, "/devices/usb1/1-3", "", label)


def test_a_usb_headset_is_its_sound_card():
    card = FakeUdevDevice("sound", None, "card1", "/devices/usb1/1-4/1-4:1.0/sound/card1", None,
                          {"ID_BUS": "usb", "ID_VENDOR_FROM_DATABASE": "Jabra", "ID_MODEL": "Evolve_20"})
    assert event_of(card, True) == Plugged(HEADSET, True, card.device_path, "", "Jabra Evolve_20")


@pytest.mark.parametrize("subsystem, devtype, name, properties, kind", [
    # A printer that also scans, and a keyboard with a card reader built in.
    ("usb", "usb_device", "1-5", {"ID_USB_INTERFACES": ":ff0000:070102:"}, PRINTER),
    ("usb", "usb_device", "1-6", {"ID_USB_INTERFACES": ":030101:0b0000:"}, CARD_READER),
    ("usb", "usb_device", "1-7", {"ID_USB_INTERFACES": ":070101:"}, PRINTER),  # unidirectional
    ("usb", "usb_interface", "1-5:1.1", {"ID_USB_INTERFACES": ":070102:"}, None),
    ("usb", "usb_device", "1-8", {"ID_USB_INTERFACES": ":080650:"}, None),  # mass storage: its block device counts
    ("usb", "usb_device", "1-9", {}, None),
    # An encrypted stick's partition, and a stick's partition table without a filesystem.
    ("block", "partition", "sdb1", {"ID_BUS": "usb", "ID_FS_USAGE": "crypto"}, None),
    ("block", "partition", "sdb2", {"ID_BUS": "usb"}, None),
    ("block", "loop", "loop0", {"ID_FS_USAGE": "filesystem"}, None),
    # A USB sound card's other devices: only the card itself is the headset.
    ("sound", "", "controlC1", {"ID_BUS": "usb"}, None),
    ("sound", "", "pcmC1D0p", {"ID_BUS": "usb"}, None),
    ("sound", "", "card2", {}, None),
    ("input", "", "event5", {"ID_BUS": "usb"}, None),
])
def test_more_devices_are_classified_or_ignored(subsystem, devtype, name, properties, kind):
    assert classify(subsystem, devtype, name, properties) == kind


def test_a_device_udev_knows_little_about_is_ignored_without_error():
    unknown = FakeUdevDevice(None, None, None, "/devices/virtual/misc/thing")
    assert event_of(unknown, True) is None
