"""A real SANE stack without a scanner: SANE's own `test` backend, configured per test.

`SaneTestScanner.configure(...)` writes the backend's test.conf (how many scanners there
are, the picture they scan, the status every read fails with: a jammed feeder, an open
cover) into a private SANE_CONFIG_DIR; scanimage, started after that, sees exactly that.
"""

from __future__ import annotations

import os
from pathlib import Path

STATUS = {"": "Default", "jammed": "SANE_STATUS_JAMMED", "cover_open": "SANE_STATUS_COVER_OPEN",
          "busy": "SANE_STATUS_DEVICE_BUSY", "no_paper": "SANE_STATUS_NO_DOCS", "io": "SANE_STATUS_IO_ERROR"}


class SaneTestScanner:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "dll.conf").write_text("test\n")
        self.configure()

    def configure(self, devices: int = 1, picture: str = "Color pattern", fault: str = "") -> None:
        (self.directory / "test.conf").write_text(
            f"number_of_devices {devices}\nmode Color\ndepth 8\nresolution 200\n"
            f'test-picture "{picture}"\nread-status-code "{STATUS[fault]}"\n'
            "geometry_min 0.0\ngeometry_max 200.0\ngeometry_quant 1.0\n"
            "tl_x 0.0\ntl_y 0.0\nbr_x 200.0\nbr_y 200.0\n")

    def environment(self) -> dict[str, str]:
        return {**os.environ, "SANE_CONFIG_DIR": str(self.directory)}
