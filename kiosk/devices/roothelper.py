"""The kiosk's side of the root helper (kiosk/root_daemon.py): mount and unmount USB sticks, the
root part of the wipe, the journal of the kiosk's units, reboot. One connection per request to /run/kiosk-helper.sock.

Where there is no helper (a laptop, the demo, tests) `InProcessHelper` runs the same code
in this process, which works when the kiosk itself runs as root, as in the tests.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

from kiosk.devices import DeviceError

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 16 * 1024 * 1024  # a journal of 2 MiB, escaped as JSON


class RootHelper:
    def __init__(self, path: str = "/run/kiosk-helper.sock", timeout_s: float = 70.0) -> None:
        self.path = path
        self.timeout_s = timeout_s

    def available(self) -> bool:
        return Path(self.path).exists()

    def request(self, op: str, **fields) -> dict:
        """The helper's answer; DeviceError if it cannot be reached or refuses."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(self.timeout_s)
                sock.connect(self.path)
                sock.sendall(json.dumps({"op": op, **fields}).encode() + b"\n")
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                    if len(data) > MAX_ANSWER_BYTES:
                        raise ValueError(f"an answer of more than {MAX_ANSWER_BYTES} bytes")
            answer = json.loads(data or b"null")
        except (OSError, ValueError) as error:
            raise DeviceError(f"the root helper at {self.path} did not answer: {error}") from error
        return checked(op, answer)


def checked(op: str, answer: object) -> dict:
    """The helper's answer, or DeviceError with its reason if it refused."""
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error") if isinstance(answer, dict) else "no answer"
        raise DeviceError(f"the root helper refused {op}: {error}")
    return answer


class InProcessHelper(RootHelper):
    """The helper's own code called directly (the kiosk runs as root: tests, a laptop)."""

    def __init__(self, helper) -> None:
        super().__init__(path="")
        self.helper = helper

    def available(self) -> bool:
        return True

    def request(self, op: str, **fields) -> dict:
        return checked(op, self.helper.handle({"op": op, **fields}))


class FakeRootHelper(RootHelper):
    """Answers as the helper would, without root: records each request (op and fields);
    `answers` maps an op to its answer, `refuses` an op to the reason it is refused."""

    def __init__(self, answers: dict[str, dict] | None = None, refuses: dict[str, str] | None = None) -> None:
        super().__init__(path="")
        self.answers, self.refuses = answers or {}, refuses or {}
        self.requests: list[dict] = []

    def available(self) -> bool:
        return True

    def request(self, op: str, **fields) -> dict:
        self.requests.append({"op": op, **fields})
        if op in self.refuses:
            return checked(op, {"ok": False, "error": self.refuses[op]})
        return checked(op, {"ok": True, **self.answers.get(op, {})})
