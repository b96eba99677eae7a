"""The `browser_open` and `browser_wipe` benchmarks, with real Chromium under the kiosk's policy.

browser_open: "Open the service" (the e-services service asked to open a local test page,
              the browser started on its worker thread as in the kiosk) → the page's first
              contentful paint, against a bare `chromium --app` of the same page started
              the same way in the same run. The page itself reports its first paint to the
              local server, so both are timed by the same clock and the same beacon.
browser_wipe: End session with the browser open on that page → the wipe's receipt (browser
              and its processes gone, profile deleted, checks passed); target under 1 s.
"""

from __future__ import annotations

import http.server
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from bench.common import ThreadRunner, compared, wait_until

RUNS = 5
PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>Benchmark service</title></head>
<body><h1>Apply for housing allowance</h1><p>A page of an e-service.</p>
<script>
new PerformanceObserver(list => {
  for (const entry of list.getEntries())
    if (entry.name === "first-contentful-paint") fetch("/painted", {method: "POST"});
}).observe({type: "paint", buffered: true});
</script></body></html>"""


class _Site:
    def __init__(self) -> None:
        painted = self.painted = threading.Event()
        self.painted_at = 0.0
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(PAGE)

            def do_POST(self) -> None:
                site.painted_at = time.perf_counter()
                painted.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, started: float, timeout: float = 60) -> float:
        if not self.painted.wait(timeout):
            raise RuntimeError("the page never reported its first paint")
        self.painted.clear()
        return self.painted_at - started


def _kiosk(site: _Site, directory: Path):
    from kiosk.catalog import load_catalog
    from kiosk.config import load_config
    from kiosk.devices.browser import ChromiumBrowser, Geometry
    from kiosk.devices.processes import SessionProcesses
    from kiosk.eservices import EServices
    from kiosk.wipe import SessionWipe

    config = load_config()
    catalog = load_catalog(config.catalog_file, config.languages.offered)
    wipe = SessionWipe(directory / "run", directory / "state")
    processes = SessionProcesses(directory / "run" / "session-processes")
    browser = ChromiumBrowser(processes)
    services = EServices(browser, catalog, wipe.session_dir, ThreadRunner(), post=lambda work: work(),
                         geometry=lambda: Geometry(0, 0, 1280, 640), extra_allowed=(site.host,))
    service = replace(catalog.services[0], url=f"http://{site.host}/")
    return wipe, processes, browser, services, service, catalog


def _installed_policy(catalog, site: _Site):
    from kiosk.browser_policy import policy_json
    from testbed.site import InstalledPolicy

    return InstalledPolicy(policy_json(catalog, [site.host]))


def browser_open(display: str) -> dict:
    from kiosk.devices.browser import FLAGS, ChromiumBrowser

    os.environ["DISPLAY"] = display
    site = _Site()
    ours, bare = [], []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-browser-") as scratch:
        directory = Path(scratch)
        wipe, processes, browser, services, service, catalog = _kiosk(site, directory)
        policy = _installed_policy(catalog, site)
        executable = ChromiumBrowser(processes).executable
        try:
            for run in range(RUNS):
                profile = directory / f"bare-{run}"
                argv = [executable, f"--user-data-dir={profile}", "--window-position=0,0",
                        "--window-size=1280,640", *FLAGS, f"--app=http://{site.host}/"]
                if os.geteuid() == 0:
                    argv.insert(1, "--no-sandbox")
                started = time.perf_counter()
                process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
                bare.append(site.wait(started))
                os.killpg(process.pid, 9)
                process.wait()
                shutil.rmtree(profile, ignore_errors=True)

                wipe.prepare()
                started = time.perf_counter()
                services.open_service(service)
                ours.append(site.wait(started))
                wait_until(lambda: services.open, 30, "the browser open", 0.01)
                services.reset()
                processes.stop_all()
                shutil.rmtree(wipe.session_dir, ignore_errors=True)
        finally:
            services.reset()
            processes.stop_all()
            policy.remove()
            site.server.shutdown()
    return compared("browser_open", ours, bare, "s", 3, "ratio <= 1.3",
                    detail="Open the service -> first contentful paint of a local page, vs bare chromium --app",
                    kiosk_s=[round(v, 3) for v in ours], bare_s=[round(v, 3) for v in bare])


def browser_wipe(display: str) -> dict:
    from kiosk.wipe import register_device_steps

    os.environ["DISPLAY"] = display
    site = _Site()
    times, ok = [], True
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-browser-wipe-") as scratch:
        directory = Path(scratch)
        wipe, processes, browser, services, service, catalog = _kiosk(site, directory)
        policy = _installed_policy(catalog, site)
        wipe.register_step("browser", services.reset)
        wipe.register_check("browser closed", services.left_over)
        register_device_steps(wipe, _NoPrinter(), processes, None)
        try:
            for _ in range(RUNS):
                wipe.prepare()
                services.open_service(service)
                site.wait(time.perf_counter())
                wait_until(lambda: services.open, 30, "the browser open", 0.01)
                started = time.perf_counter()
                receipt = wipe.run("end")
                times.append(time.perf_counter() - started)
                ok = ok and receipt.ok and not processes.alive() and not wipe.session_dir.exists()
        finally:
            services.reset()
            processes.stop_all()
            policy.remove()
            site.server.shutdown()
    value = statistics.median(times)
    return {"name": "browser_wipe", "value": round(value, 3), "unit": "s", "baseline": 1.0,
            "ratio": round(value / 1.0, 3), "target": "value < 1 s (the wipe benchmark's target)",
            "runs": RUNS, "receipts_ok": ok, "wipe_s": [round(v, 3) for v in times],
            "detail": "End session with the browser open -> browser gone, profile deleted, checks passed"}


class _NoPrinter:
    def purge_jobs(self) -> int:
        return 0

    def pending_jobs(self) -> list[int]:
        return []
