"""axe-core for the desk's accessibility tests: fetched once with npm (the package, by name
and version, from the npm registry npm is set up for), checked against its pinned
integrity, and kept under build/ for later runs. It is run in the page under test
(real Chromium), never shipped with the desk."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
CACHE = Path(__file__).resolve().parent.parent / "build" / "npm" / f"axe-core-{VERSION}"


def axe_source(cache: Path = CACHE) -> str:
    """axe.min.js of axe-core VERSION (its licence, MPL-2.0, beside it in the cache)."""
    script = cache / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is missing (Debian package 'npm'; 'make test' installs it): "
                               "the accessibility tests fetch axe-core with it")
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run([npm, "pack", f"axe-core@{VERSION}", "--pack-destination", scratch, "--silent"],
                           check=True, capture_output=True, timeout=300, cwd=scratch)
            (tarball,) = Path(scratch).glob("axe-core-*.tgz")
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if digest != INTEGRITY:
                raise RuntimeError(f"axe-core {VERSION} from npm is not the pinned package ({digest})")
            with tarfile.open(tarball) as archive:
                unpacked = Path(scratch) / "unpacked"
                archive.extractall(unpacked, filter="data")
            cache.mkdir(parents=True, exist_ok=True)
            for name in ("LICENSE", "axe.min.js"):
                shutil.copy(unpacked / "package" / name, cache / f"{name}.part")
                (cache / f"{name}.part").replace(cache / name)
    return script.read_text(encoding="utf-8")
