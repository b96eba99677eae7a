"""Headset detection without hardware: evdev bytes through a pipe, a fake sysfs, fake udev devices."""

from __future__ import annotations

import io
import os

from kiosk.devices.headset import (EV_SW, INPUT_EVENT, SW_HEADPHONE_INSERT, SystemHeadsets, jack_events,
                                   jack_input_devices, usb_headset_device)

EV_SYN = 0x00


def event(kind: int, code: int, value: int) -> bytes:
    return INPUT_EVENT.pack(1700000000, 0, kind, code, value)


def test_jack_switch_events_are_read_from_an_evdev_stream():
    read, write = os.pipe()
    os.write(write, event(EV_SW, SW_HEADPHONE_INSERT, 1) + event(EV_SYN, 0, 0)
             + event(EV_SW, 0x04, 1)  # SW_MICROPHONE_INSERT: not a headphone
             + event(EV_SW, SW_HEADPHONE_INSERT, 0))
    os.close(write)
    with os.fdopen(read, "rb", buffering=0) as stream:
        assert list(jack_events(stream)) == [True, False]
    assert list(jack_events(io.BytesIO(event(EV_SW, SW_HEADPHONE_INSERT, 1)[:10]))) == []


def test_jack_devices_are_found_by_name(tmp_path):
    for number, name in ((3, "HDA Intel PCH Headphone"), (4, "AT Translated Set 2 keyboard"),
                         (7, "HDA Intel PCH Front Headphone Jack"), (9, "sof-hda-dsp Headset Jack")):
        (tmp_path / f"event{number}" / "device").mkdir(parents=True)
        (tmp_path / f"event{number}" / "device" / "name").write_text(name + "\n")
    assert [p.name for p in jack_input_devices(tmp_path)] == ["event3", "event7", "event9"]


class Attributes:
    def __init__(self, values):
        self.values = values
        self.available_attributes = list(values)

    def asstring(self, name):
        return self.values[name]


class Card:
    def __init__(self, sys_name, bus, card_id):
        self.sys_name = sys_name
        self.properties = {"ID_BUS": bus} if bus else {}
        self.attributes = Attributes({"id": card_id} if card_id else {})


def test_only_usb_sound_cards_count_as_headsets():
    assert usb_headset_device(Card("card2", "usb", "Headset")) == "plughw:CARD=Headset"
    assert usb_headset_device(Card("card3", "usb", "")) == "plughw:3"
    assert usb_headset_device(Card("card0", "pci", "PCH")) is None
    assert usb_headset_device(Card("pcmC2D0p", "usb", "Headset")) is None


def test_system_headsets_start_and_stop_on_this_machine():
    reports = []
    headsets = SystemHeadsets()
    headsets.start(lambda plugged, device: reports.append((plugged, device)))
    try:
        assert headsets._observer.is_alive()
        assert all(isinstance(p, bool) for p, _ in reports)  # a USB headset here would be reported
    finally:
        headsets.stop()
