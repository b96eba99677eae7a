"""The root helper's contract, as the kiosk sees it: RootHelper (over a Unix socket to the
helper serving one request a connection, as kiosk-helper@.service does) and
InProcessHelper (the same daemon called directly, where there is no helper) give the same
answers, and every refusal is a DeviceError with the helper's reason.
"""

from __future__ import annotations

import socket
import threading

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.roothelper import InProcessHelper, RootHelper
from kiosk.root_daemon import MAX_JOURNAL_BYTES, RootDaemon, serve_connection


class SocketHelper:
    """The helper behind a socket in `directory`: each connection one request, one answer."""

    def __init__(self, daemon: RootDaemon, directory) -> None:
        self.path = str(directory / "kiosk-helper.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(4)
        self.daemon = daemon
        self.thread = threading.Thread(target=self._serve, daemon=True, name="test-root-helper")
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            with connection:
                serve_connection(connection, self.daemon)

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.thread.join(10)


# As much journal as the helper gives, with what JSON escapes (quotes, non-ASCII, controls).
JOURNAL = "\n".join(f'2026-03-02T09:{n % 60:02d} kiosk[812]: "ääkkönen" \x1b[0m {n:08d}' for n in range(55_000))


@pytest.fixture(params=["in-process", "socket"])
def helper(request, tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text('[devices]\nusb_storage = "blocked"\n')
    calls: list[list[str]] = []
    daemon = RootDaemon(kiosk_user="nobody", config_file=config, media=tmp_path / "media",
                        usb_check=lambda device: True, runner=lambda argv: calls.append(argv) or "",
                        reboot_command=["reboot-for-the-test"], home=tmp_path / "home", temp_dirs=(tmp_path / "tmp",),
                        journal_reader=lambda argv, limit: JOURNAL[-limit:], uptime=lambda: 3600.0)
    if request.param == "in-process":
        yield InProcessHelper(daemon), calls
        return
    served = SocketHelper(daemon, tmp_path)
    yield RootHelper(served.path, timeout_s=30), calls
    served.close()


def test_the_helper_is_there_and_answers_what_it_did(helper):
    helper, calls = helper
    assert helper.available()
    assert helper.request("unmount_all") == {"ok": True, "unmounted": 0}
    assert helper.request("wipe") == {"ok": True, "unmounted": 0, "removed": 0, "jobs": "purged"}
    assert helper.request("reboot") == {"ok": True}
    assert calls == [["cancel", "-a", "-x"], ["reboot-for-the-test"]]


@pytest.mark.parametrize("op, fields, reason", [
    ("format", {}, "unknown op 'format'"),
    ("mount", {"device": "/dev/sda; rm -rf /"}, "not a storage device name"),
    ("mount", {"device": "/dev/sdb1"}, "USB storage is not allowed here"),
])
def test_a_refusal_is_a_device_error_with_the_helpers_reason(helper, op, fields, reason):
    helper, calls = helper
    with pytest.raises(DeviceError, match=f"refused {op}: {reason}"):
        helper.request(op, **fields)
    assert calls == []


def test_the_journal_comes_whole_however_large_the_answer(helper):
    helper, _calls = helper
    text = helper.request("journal", hours=24)["text"]
    assert text == JOURNAL[-MAX_JOURNAL_BYTES:] and len(text.encode()) > MAX_JOURNAL_BYTES
    with pytest.raises(DeviceError, match="hours must be a whole number"):
        helper.request("journal", hours=48)
