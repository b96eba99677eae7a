"""Kiosk configurations for tests and benchmarks."""

from __future__ import annotations

import re
from pathlib import Path


def free_port() -> int:
    """A loopback port nobody uses now (for a kiosk's practice service in tests)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo_text() -> str:
    """The demo configuration's text, to be written elsewhere: its relative paths made whole."""
    from kiosk.config import DEMO_FILE

    return DEMO_FILE.read_text(encoding="utf-8").replace(
        'local_file = "support-demo.toml"', f'local_file = "{DEMO_FILE.parent / "support-demo.toml"}"')


def kiosk_test_config(directory: Path, cups_socket: str, extra: str = "") -> Path:
    """The demo configuration with real CUPS and private session and state directories,
    in Finnish, Swedish and English (a test offers the others itself: test_large_text's
    `every_language`)."""
    text = demo_text().replace('printer = "fake"', 'printer = "cups"')
    offered = re.search(r"^offered = .*$", text, re.MULTILINE)
    assert offered, "the demo configuration names its languages"
    text = text.replace(offered.group(), 'offered = ["fi", "sv", "en"]')
    text += (f'\n[session]\nruntime_dir = "{directory / "run"}"\nstate_dir = "{directory / "state"}"\n'
             f'\n[browser]\npractice_port = {free_port()}\n'
             f'\n[printing]\nserver = "{cups_socket}"\njob_user = "kiosk-test"\n' + extra)
    path = directory / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path
