"""A virtual X display (Xvfb), for rendering without a screen: tests, benchmarks, screenshots."""

from __future__ import annotations

import os
import shutil
import subprocess

from kiosk.devices import DeviceError, terminate


class VirtualDisplay:
    """Starts Xvfb on a free display number; `with VirtualDisplay() as display:` gives ":N"."""

    def __init__(self, width: int = 1280, height: int = 800) -> None:
        self.size = f"{width}x{height}x24"
        self.process: subprocess.Popen | None = None
        self.display = ""

    def start(self) -> str:
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise DeviceError("Xvfb is not installed (Debian package 'xvfb'; 'make test' installs it)")
        read, write = os.pipe()
        # -displayfd: Xvfb picks a free display number and writes it here once it is ready.
        self.process = subprocess.Popen(
            [xvfb, "-displayfd", str(write), "-screen", "0", self.size, "-nolisten", "tcp", "-noreset"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as handle:
            number = handle.readline().strip()
        if not number:
            self.stop()
            raise DeviceError("Xvfb did not start")
        self.display = f":{number}"
        return self.display

    def stop(self) -> None:
        terminate(self.process)
        self.process = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()
