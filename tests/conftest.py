"""Shared test set-up: Kivy reads no user configuration, and one Xvfb serves every GUI test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import lockdown
from kiosk.devices import DeviceError
from kiosk.devices.xvfb import VirtualDisplay

ROOT = Path(__file__).resolve().parent.parent
lockdown.prepare_environment(kivy_home=str(ROOT / "build" / "kivy-home"))


@pytest.fixture(scope="session")
def xvfb_display():
    """A virtual X display for the whole test run (started once, stopped at the end)."""
    display = VirtualDisplay()
    try:
        os.environ["DISPLAY"] = display.start()
    except DeviceError as error:
        pytest.fail(str(error))
    yield display.display
    display.stop()


@pytest.fixture(scope="module")
def site(xvfb_display):
    """The local test e-service (testbed/site), allowed by an installed Chromium policy."""
    import json

    from kiosk.browser_policy import policy, policy_json
    from testbed.chromium import CATALOG
    from testbed.site import InstalledPolicy, TestSite

    served = TestSite().start()
    installed = InstalledPolicy(policy_json(CATALOG, [served.host]))
    served.policy = installed
    served.policy_text = json.dumps(policy(CATALOG, [served.host]))
    yield served
    installed.remove()
    served.stop()


@pytest.fixture(scope="module")
def broker(request):
    """A real Mosquitto broker for the test module's kiosks: its `SITES` ({site: [kiosk
    ids]}) and, if it has them, `BROKER_ACL` lines for more users."""
    from testbed.mosquitto import Broker

    started = Broker(request.module.SITES, extra_acl=getattr(request.module, "BROKER_ACL", "")).start()
    yield started
    started.remove()


@pytest.fixture
def kiosk_cli(xvfb_display, tmp_path):
    """Run the `kiosk` command as IT would, on the virtual display, with private
    runtime and state directories (never the machine's own)."""

    def run(*args: str, timeout: float = 240, **kwargs) -> subprocess.CompletedProcess:
        env = dict(os.environ, DISPLAY=xvfb_display, XDG_RUNTIME_DIR=str(tmp_path / "run"),
                   XDG_STATE_HOME=str(tmp_path / "state"))
        return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=ROOT, **kwargs)

    return run


def pytest_addoption(parser):
    parser.addoption("--hardware", action="store_true",
                     help="also run tests that need a real touch panel, printer or audio device")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs real hardware: run with --hardware on a terminal")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cupsd(tmp_path_factory):
    """A private cupsd with a virtual printer, shared by the whole test run."""
    from testbed.cupsd import CupsServer

    try:
        server = CupsServer().start()  # in /tmp, where CUPS's lp user may enter
    except (RuntimeError, KeyError, PermissionError) as error:
        pytest.fail(f"cannot start a test cupsd: {error}")
    yield server
    server.stop()


@pytest.fixture
def stick(tmp_path):
    """A 32 MB exFAT stick image with a PDF, a picture and a program on a loop device."""
    for program in ("mkfs.exfat", "losetup", "mount.exfat-fuse"):
        if shutil.which(program) is None and not Path(f"/sbin/{program}").exists():
            pytest.fail(f"{program} is missing (Debian packages exfatprogs, mount, exfat-fuse)")
    image = tmp_path / "stick.img"
    with image.open("wb") as handle:
        handle.truncate(32 * 1024 * 1024)
    subprocess.run(["mkfs.exfat", "-L", "STICK", str(image)], check=True, capture_output=True)
    device = subprocess.run(["losetup", "--find", "--show", str(image)], check=True, capture_output=True,
                            text=True).stdout.strip()
    setup = tmp_path / "setup"
    setup.mkdir()
    subprocess.run(["mount", "-t", "exfat-fuse", device, str(setup)], check=True, capture_output=True)
    (setup / "lomake.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (640, 480), "white")  # a photo of a form, wider than tall
    ImageDraw.Draw(picture).rectangle((40, 40, 600, 440), outline="black", width=8)
    picture.save(setup / "kuva.jpg", quality=85)
    (setup / "run.sh").write_text("#!/bin/sh\necho hi\n")
    subprocess.run(["umount", str(setup)], check=True)
    yield device
    subprocess.run(["umount", "--lazy", str(tmp_path / "media" / Path(device).name)], capture_output=True)
    subprocess.run(["losetup", "-d", device], capture_output=True)
