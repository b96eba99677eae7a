"""Staff mode's gate: the PIN with its lockout on a fake clock, attempts logged without
digits; the corner gesture's geometry; what staff set kept across restarts."""

from __future__ import annotations

import logging

from kiosk.config import hash_pin
from kiosk.screens.staff import network_up
from kiosk.staff import LOCKOUT_S, MAX_FAILURES, StaffGate, in_corner, load_settings, save_settings

PIN = "482916"
HASH = hash_pin(PIN, salt=b"0123456789abcdef", iterations=10_000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_wrong_pins_lock_the_pad_for_five_minutes_and_the_right_one_waits_too(caplog):
    clock = Clock()
    gate = StaffGate(HASH, clock)
    caplog.set_level(logging.INFO, logger="kiosk.staff")
    assert [gate.try_pin("1111") for _ in range(MAX_FAILURES - 1)] == ["wrong"] * (MAX_FAILURES - 1)
    assert gate.try_pin("2222") == "locked" and gate.locked_for() == LOCKOUT_S
    clock.now += LOCKOUT_S - 1
    assert gate.try_pin(PIN) == "locked"  # even the right PIN, until the five minutes are over
    clock.now += 1
    assert gate.locked_for() == 0 and gate.try_pin(PIN) == "ok"
    assert gate.try_pin("3333") == "wrong" and gate.failures == 1  # counting starts again
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == MAX_FAILURES + 3  # every attempt is logged...
    for digits in ("1111", "2222", "3333", PIN):
        assert not any(digits in message for message in messages)  # ...never its digits


def test_without_a_pin_hash_staff_mode_stays_shut():
    gate = StaffGate("")
    assert not gate.enabled and gate.try_pin("") == "unset" and gate.try_pin("0000") == "unset"


def test_a_pin_is_digits_only():
    assert StaffGate(HASH).try_pin(PIN + " ") == "wrong"


def test_only_the_top_corners_open_the_gesture():
    assert in_corner(10, 790, 1280, 800) == "left" and in_corner(1270, 795, 1280, 800) == "right"
    assert in_corner(640, 790, 1280, 800) == "" and in_corner(10, 10, 1280, 800) == ""


def test_the_default_volume_staff_set_is_kept(tmp_path):
    assert load_settings(tmp_path) == {}
    save_settings(tmp_path / "state", {"default_volume": 0.4})
    assert load_settings(tmp_path / "state") == {"default_volume": 0.4}
    (tmp_path / "state" / "staff-settings.json").write_text("{broken")
    assert load_settings(tmp_path / "state") == {}


def test_the_network_is_up_with_a_default_route(tmp_path):
    route = tmp_path / "route"
    route.write_text("Iface\tDestination\tGateway\nlo\t0000007F\t00000000\neth0\t00000000\t0101A8C0\n")
    assert network_up(route)
    route.write_text("Iface\tDestination\tGateway\neth0\t0001A8C0\t00000000\n")
    assert not network_up(route) and not network_up(tmp_path / "missing")
