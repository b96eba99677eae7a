"""The contracts of devices that come and go: FakeMonitor and UdevMonitor (USB sticks,
printers, card readers), FakeHeadsets and SystemHeadsets. One set of assertions each, that
the fake and the real one must both pass: what the USB service and the speech output rely
on. `start` reports what is there now (a stick left in, a headset already on), then every
change; a device taken out is reported with the key it came with.

Starting the real ones runs everywhere (udev's netlink monitor, the jack switches). Plugging
needs a person and hardware: those tests run against the real ones only with --hardware,
on a terminal, and ask for the device to be plugged in and taken out.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.devices.headset import FakeHeadsets, SystemHeadsets
from kiosk.devices.hotplug import CARD_READER, HEADSET, PRINTER, STORAGE, FakeMonitor, Plugged, UdevMonitor
from testbed.desk import wait_for

PERSON_S = 120  # a person finds the device and plugs it in
KINDS = (STORAGE, PRINTER, CARD_READER, HEADSET)
STICK = Plugged(STORAGE, True, "/devices/pci0000:00/usb1/1-1/block/sdb/sdb1", "/dev/sdb1", "KINGSTON")


class Bench:
    """What the device reported, and a person's hands: the fake's plug() or a real person."""

    def __init__(self, device, fake: bool, say) -> None:
        self.device = device
        self.fake = fake
        self.say = say
        self.reports: list = []

    def start(self) -> list:
        self.device.start(lambda *report: self.reports.append(report[0] if len(report) == 1 else report))
        return list(self.reports)

    def hands(self, fake_hands, check, asking: str):
        """The first report that passes `check` after the fake's hands did their part, or a
        person did what they were asked."""
        known = len(self.reports)
        if self.fake:
            fake_hands()
        else:
            self.say(asking)
        wait_for(lambda: any(check(report) for report in self.reports[known:]), PERSON_S)
        return next(report for report in self.reports[known:] if check(report))


class MonitorBench(Bench):
    def present_before_start(self) -> list[Plugged]:
        """Fake: a stick left in; real: whatever this machine has (not known to the test)."""
        if self.fake:
            self.device.plug(STICK.kind, STICK.key, STICK.node, STICK.label)
            return [STICK]
        return []

    def plug_stick(self) -> Plugged:
        return self.hands(lambda: self.device.plug(STORAGE, "/devices/pci0000:00/usb2/2-1/block/sdc/sdc1",
                                                   "/dev/sdc1", "STICK"),
                          lambda e: e.kind == STORAGE and e.added, "Plug in a USB memory stick now.")

    def take_out(self, event: Plugged) -> Plugged:
        return self.hands(lambda: self.device.unplug(event.key), lambda e: e.key == event.key and not e.added,
                          "Take the memory stick out now.")


class HeadsetBench(Bench):
    def present_before_start(self) -> list[tuple[bool, str]]:
        if self.fake:
            self.device.plug("plughw:CARD=Headset")
            return [(True, "plughw:CARD=Headset")]
        return []

    def plug_headset(self) -> tuple[bool, str]:
        return self.hands(lambda: self.device.plug("plughw:CARD=Headset"), lambda r: r[0],
                          "Plug in a headset (USB or the headphone jack) now.")

    def take_out(self) -> tuple[bool, str]:
        return self.hands(self.device.unplug, lambda r: not r[0], "Take the headset out now.")


def made(request, capsys, bench, fake_kind, real_kind):
    def say(text: str) -> None:
        with capsys.disabled():
            print(f"\n>>> {text} (within {PERSON_S} s)")

    fake = request.param == "fake"
    return bench(fake_kind() if fake else real_kind(), fake, say)


@pytest.fixture(params=["fake", "udev"])
def monitor(request, capsys):
    started = made(request, capsys, MonitorBench, FakeMonitor, UdevMonitor)
    yield started
    started.device.stop()


@pytest.fixture(params=["fake", "system"])
def headsets(request, capsys):
    started = made(request, capsys, HeadsetBench, FakeHeadsets, SystemHeadsets)
    yield started
    started.device.stop()


def test_start_reports_the_devices_there_now_as_added_each_once(monitor):
    before = monitor.present_before_start()
    reports = monitor.start()
    assert all(isinstance(e, Plugged) and e.added and e.kind in KINDS and e.key for e in reports), reports
    assert len({e.key for e in reports}) == len(reports)
    assert all((e.node != "") == (e.kind == STORAGE) for e in reports)  # only a stick has a node to mount
    assert set(before) <= set(reports)


@pytest.mark.parametrize("monitor", ["fake", pytest.param("udev", marks=pytest.mark.hardware)], indirect=True)
def test_a_stick_plugged_in_and_taken_out_is_reported_with_one_key(monitor):
    monitor.start()
    stick = monitor.plug_stick()
    assert stick.added and stick.key and stick.node.startswith("/dev/")
    assert monitor.take_out(stick) == replace(stick, added=False)


def test_start_reports_a_headset_that_is_on_once_and_nothing_else(headsets):
    before = headsets.present_before_start()
    reports = headsets.start()
    assert len(reports) <= 1 and all(plugged is True and device for plugged, device in reports), reports
    assert set(before) <= set(reports)


@pytest.mark.parametrize("headsets", ["fake", pytest.param("system", marks=pytest.mark.hardware)], indirect=True)
def test_a_headset_plugged_in_is_spoken_to_and_taken_out_speech_goes_back(headsets):
    headsets.start()
    plugged, device = headsets.plug_headset()
    assert plugged and device
    assert headsets.take_out() == (False, "default")
