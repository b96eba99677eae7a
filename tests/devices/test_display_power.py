"""The screen's power at night (DPMS): the real adapter on the test run's Xvfb, which has no
DPMS extension (as a kiosk's X server that refuses it), fails with a DeviceError that says
the screen stays on, never with Xlib's exit; the fake records what it was asked."""

from __future__ import annotations

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.display_power import FakeDisplayPower, XDisplayPower


@pytest.mark.gui
def test_an_x_server_without_dpms_is_a_device_error_not_an_exit(xvfb_display):
    power = XDisplayPower(xvfb_display)
    for ask in (power.off, power.on, power.off):
        with pytest.raises(DeviceError, match="no DPMS extension: the screen stays on at night"):
            ask()


def test_a_display_that_cannot_be_reached_is_a_device_error():
    from tests.devices.test_idle import unused_display

    display = unused_display()
    with pytest.raises(DeviceError, match=f"cannot open X display '{display}'"):
        XDisplayPower(display).off()


def test_the_fake_records_and_fails_when_told():
    fake = FakeDisplayPower()
    fake.off()
    fake.on()
    fake.fails_with = "no DPMS"
    with pytest.raises(DeviceError):
        fake.off()
    assert fake.calls == ["off", "on"]
