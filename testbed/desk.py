"""A staff desk process (`kiosk-desk run`) on loopback, for the demo and the benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from testbed.config import free_port


def start_desk(broker, site: str, directory: Path, user: str, password: str) -> tuple[subprocess.Popen, str]:
    """The desk of `site` on `broker` with one staff login; returns the process and its address."""
    (directory / "desk-password").write_text(broker.password(f"desk-{site}"))
    port = free_port()
    config = directory / "desk.toml"
    config.write_text(
        f'[broker]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{broker.ca_file}"\n'
        f'username = "desk-{site}"\npassword_file = "{directory / "desk-password"}"\n'
        f'[desk]\nsites = ["{site}"]\nport = {port}\ndatabase = "{directory / "desk.sqlite"}"\n')
    subprocess.run([sys.executable, "-m", "kiosk.desk", "add-user", user, "--sites", site, "--config", str(config)],
                   input=password + "\n", text=True, check=True, capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "kiosk.desk", "run", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"
