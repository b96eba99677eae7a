"""Wake-on-LAN: this terminal's wired network card (its address goes in the kiosk's status,
so the desk can wake it when it is off), and the magic packet a kiosk sends on its own LAN
for the desk to wake another kiosk of its site (the desk is usually on another network,
which a broadcast does not reach).

No privileges: a UDP broadcast to port 9 needs none."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Protocol

from kiosk.devices import DeviceError
from kiosk.ops_wire import magic_packet, valid_mac

SYS_NET = Path("/sys/class/net")
ETHERNET = "1"  # ARPHRD_ETHER in /sys/class/net/*/type


def wired_mac(sys_net: Path = SYS_NET) -> str | None:
    """The address of the first wired Ethernet card (a real device, not wireless, not a
    bridge or tunnel), one with a link first; None if there is none."""
    found: list[tuple[bool, str, str]] = []
    try:
        interfaces = sorted(sys_net.iterdir())
    except OSError:
        return None
    for interface in interfaces:
        try:
            if not (interface / "device").exists() or (interface / "wireless").exists() \
                    or (interface / "phy80211").exists() or (interface / "type").read_text().strip() != ETHERNET:
                continue
            address = (interface / "address").read_text().strip().lower()
            up = (interface / "operstate").read_text().strip() == "up" if (interface / "operstate").exists() else False
        except OSError:
            continue
        if valid_mac(address):
            found.append((not up, interface.name, address))
    return min(found)[2] if found else None


class Wake(Protocol):
    mac: str | None  # this terminal's wired card, told to the desk

    def send(self, mac: str) -> None:
        """Send the magic packet for `mac` on this LAN. Raises DeviceError."""


class WakeOnLan:
    def __init__(self, address: str = "255.255.255.255", port: int = 9, mac: str | None = None) -> None:
        """`address`: where the packet is broadcast (the limited broadcast leaves by the
        wired LAN, where the kiosks are); `mac`: this terminal's, read from sysfs."""
        self.address, self.port, self.mac = address, port, mac

    def send(self, mac: str) -> None:
        try:
            packet = magic_packet(mac)
        except ValueError as error:
            raise DeviceError(str(error)) from None
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                sock.sendto(packet, (self.address, self.port))
        except OSError as error:
            raise DeviceError(f"cannot send the wake-up packet to {self.address}:{self.port}: {error}") from None


class FakeWake:
    """Records the addresses it was asked to wake; fails when told to."""

    def __init__(self, mac: str | None = "02:00:00:00:00:01", fails: str = "") -> None:
        self.mac, self.fails = mac, fails
        self.sent: list[str] = []

    def send(self, mac: str) -> None:
        if self.fails:
            raise DeviceError(self.fails)
        magic_packet(mac)
        self.sent.append(mac)
