"""`make demo` with a display: the kiosk, and beside it (when Mosquitto is installed) a
broker and the staff desk on loopback, so pressing Help shows the request arriving."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "kiosk" / "data" / "demo.toml"
DESK_USER, DESK_PASSWORD = "demo", "demo-password"


def main() -> int:
    kiosk = [sys.executable, "-m", "kiosk", "run", "--config"]
    if not shutil.which("mosquitto") and not Path("/usr/sbin/mosquitto").exists():
        print("Mosquitto is not installed: the kiosk runs without the staff desk.")
        return subprocess.call([*kiosk, str(DEMO)])
    sys.path.insert(0, str(ROOT))
    from testbed.desk import start_desk
    from testbed.mosquitto import Broker

    broker = Broker({"demo": ["demo-01"]}).start()  # demo-01: the demo configuration's kiosk_id
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    desk = None
    try:
        (scratch / "kiosk-password").write_text(broker.password("demo-01"))
        desk, address = start_desk(broker, "demo", scratch, DESK_USER, DESK_PASSWORD)
        config = DEMO.read_text(encoding="utf-8").replace('fleet = "fake"', 'fleet = "mqtt"')
        config += (f'\n[fleet]\nhost = "127.0.0.1"\nport = {broker.port}\nca_file = "{broker.ca_file}"\n'
                   f'username = "demo-01"\npassword_file = "{scratch / "kiosk-password"}"\nsite = "demo"\n')
        (scratch / "kiosk.toml").write_text(config, encoding="utf-8")
        time.sleep(1)
        print(f"\nStaff desk: {address}/  (log in as {DESK_USER} / {DESK_PASSWORD})\n"
              "Press Help on the kiosk, then 'Kirjautuminen' or another topic, and watch it arrive.\n", flush=True)
        return subprocess.call([*kiosk, str(scratch / "kiosk.toml")])
    finally:
        if desk is not None:
            desk.terminate()
            desk.wait(timeout=10)
        broker.remove()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
