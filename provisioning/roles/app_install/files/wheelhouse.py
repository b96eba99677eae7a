#!/usr/bin/env python3
"""Fill a wheelhouse from a lock file (requirements/*.txt, `make lock`) for a target
machine, so the target installs with `pip install --no-index --find-links DIR
--require-hashes -r DIR/requirements.txt` and reaches no package index.

    wheelhouse.py --lock requirements/kiosk.txt --cache DIR --out DIR
                  [--python 3.11] [--arch x86_64] [--glibc 2.36]

Runs on the machine that runs Ansible (the app_install role calls it), with the
interpreter of a virtual environment that has pip. --python, --arch and --glibc describe
the target (Debian 12: Python 3.11, glibc 2.36), not this machine.

- Every wheel comes from --cache when a file there has one of the lock's hashes for it:
  a second build downloads nothing. What is missing is downloaded into the cache with
  `pip download --require-hashes` for the target's tags (a wheel where PyPI has one).
- A package with no wheel for the target (pycups: PyPI has its source only) is built
  into a wheel here with `pip wheel` from its hash-checked source, kept in the cache
  beside that source, and its wheel's hash is added to the wheelhouse's requirements:
  the target compiles nothing. Building needs this machine to be like the target
  (the same Python version and architecture) and a C compiler with the package's
  headers (Debian: gcc python3-dev libcups2-dev).
- --out is then filled by `pip download --no-index --only-binary=:all:
  --require-hashes` from the cache for the target's tags: one wheel per locked package,
  each checked against its hash, and requirements.txt.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SDIST_SUFFIXES = (".tar.gz", ".zip")


@dataclass
class Locked:
    """One package of the lock: `spec` is "name==version" (with a marker, if any)."""

    name: str
    spec: str
    hashes: list[str] = field(default_factory=list)


def read_lock(text: str) -> list[Locked]:
    """The lock's packages, each pinned with its sha256 hashes (pip's requirements format)."""
    packages = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        spec = line.split(" --hash=")[0].strip()
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==[^\s;]+(\s*;.*)?", spec)
        if not match or not hashes:
            raise SystemExit(f"not a pinned requirement with a sha256 hash in the lock: {line}")
        packages.append(Locked(match.group(1).lower().replace("_", "-").replace(".", "-"), spec, hashes))
    return packages


def write_requirements(packages: list[Locked], built: dict[str, str], lock: Path) -> str:
    lines = [f"# The wheelhouse's requirements: {lock.name} with the hashes of the wheels built here",
             f"# ({', '.join(sorted(built)) or 'none'}). Written by wheelhouse.py; install with",
             "#   pip install --no-index --find-links DIR --require-hashes -r DIR/requirements.txt"]
    for package in packages:
        hashes = package.hashes + ([built[package.name]] if package.name in built else [])
        lines.append(" \\\n".join([package.spec] + [f"    --hash=sha256:{digest}" for digest in hashes]))
    return "\n".join(lines) + "\n"


def target_options(python: str, arch: str, glibc: str) -> list[str]:
    """pip's options for the target's wheels: CPython `python` on glibc `glibc` and `arch`
    (every manylinux level up to that glibc, and plain linux_ARCH for wheels built here)."""
    major, minor = glibc.split(".")
    platforms = [f"manylinux_{major}_{level}_{arch}" for level in range(int(minor), 4, -1)]
    legacy = ["manylinux2014", "manylinux2010", "manylinux1"] if arch in ("x86_64", "i686") else ["manylinux2014"]
    platforms += [f"{name}_{arch}" for name in legacy] + [f"linux_{arch}"]
    options = ["--python-version", python, "--implementation", "cp", "--abi", "cp" + python.replace(".", "")]
    for name in platforms:
        options += ["--platform", name]
    return options


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_by_hash(*directories: Path) -> dict[str, Path]:
    return {sha256(path): path for directory in directories if directory.is_dir()
            for path in sorted(directory.iterdir()) if path.is_file() and not path.name.startswith(".")}


def pip(*argv: str) -> None:
    command = [sys.executable, "-m", "pip", *argv, "--quiet", "--disable-pip-version-check", "--progress-bar", "off"]
    result = subprocess.run(command, text=True, capture_output=True,
                            env=dict(os.environ, SOURCE_DATE_EPOCH="315532800"))
    if result.returncode != 0:
        raise PipFailed(" ".join(command), result.stdout[-4000:] + result.stderr[-4000:])


class PipFailed(Exception):
    def __init__(self, command: str, output: str):
        super().__init__(f"{command}\n{output}")


def subset(packages: list[Locked], directory: Path, name: str) -> Path:
    path = directory / name
    path.write_text(write_requirements(packages, {}, path))
    return path


def fill(lock: Path, cache_root: Path, out: Path, python: str, arch: str, glibc: str) -> str:
    packages = read_lock(lock.read_text())
    tags = target_options(python, arch, glibc)
    cache = cache_root / f"cp{python.replace('.', '')}-manylinux_{glibc.replace('.', '_')}_{arch}"
    built_dir = cache / "built"
    built_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="wheelhouse-"))
    try:
        cached = files_by_hash(cache)
        missing = [p for p in packages if not any(digest in cached for digest in p.hashes)]
        if missing:  # only what the cache lacks reaches the index
            pip("download", "--no-deps", "--require-hashes", "--prefer-binary", *tags,
                "-d", str(cache), "-r", str(subset(missing, work, "missing.txt")))
            cached = files_by_hash(cache)
        built, built_wheels = {}, []
        for package in packages:
            files = [cached[digest] for digest in package.hashes if digest in cached]
            if not files:
                raise SystemExit(f"{package.spec}: pip downloaded no file with the lock's hash")
            if any(path.suffix == ".whl" for path in files):
                continue
            source = next(path for path in files if path.name.endswith(SDIST_SUFFIXES))
            here = built_dir / sha256(source)
            wheels = sorted(here.glob("*.whl")) if here.is_dir() else []
            if not wheels:
                wheels = [build(package, source, here, work, python, arch)]
            built[package.name] = sha256(wheels[0])
            built_wheels.append(wheels[0])
        requirements = write_requirements(packages, built, lock)
        (work / "requirements.txt").write_text(requirements)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        find_links = [str(cache)] + sorted({str(path.parent) for path in built_wheels})
        pip("download", "--no-index", "--no-deps", "--only-binary=:all:", "--require-hashes", *tags,
            *(option for link in find_links for option in ("--find-links", link)),
            "-d", str(out), "-r", str(work / "requirements.txt"))
        (out / "requirements.txt").write_text(requirements)
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != len(packages):
            raise SystemExit(f"{out}: {len(wheels)} wheels for {len(packages)} locked packages")
        size = sum(path.stat().st_size for path in wheels)
        return (f"{out}: {len(wheels)} wheels ({size / 1e6:.0f} MB) for {lock.name}, "
                f"{len(missing)} downloaded, built here: {', '.join(sorted(built)) or 'none'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build(package: Locked, source: Path, into: Path, work: Path, python: str, arch: str) -> Path:
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    if (here, platform.machine()) != (python, arch):
        raise SystemExit(f"{package.spec} has no wheel for Python {python} on {arch} on PyPI, and this machine "
                         f"(Python {here} on {platform.machine()}) cannot build one for the target: fill the "
                         f"wheelhouse on a machine like the target (Debian 12 on {arch})")
    target = work / "built"
    try:  # the source is the one the lock names (its hash); its build tools come from the index
        pip("wheel", "--no-deps", "--require-hashes", "--no-binary", package.name, "--find-links", str(source.parent),
            "-w", str(target), "-r", str(subset([package], work, f"{package.name}.txt")))
    except PipFailed as error:
        raise SystemExit(f"{error}\n{package.spec} has no wheel on PyPI and building it here failed: it needs a C "
                         "compiler and its headers (for pycups on Debian: apt-get install gcc python3-dev "
                         "libcups2-dev)") from None
    wheel = next(target.glob("*.whl"))
    into.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(str(wheel), into / wheel.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="downloaded and built wheels, kept between runs")
    parser.add_argument("--out", type=Path, required=True, help="the wheelhouse (emptied first)")
    parser.add_argument("--python", default="3.11", help="the target's Python version (Debian 12: 3.11)")
    parser.add_argument("--arch", default=platform.machine(), help="the target's architecture (x86_64, aarch64)")
    parser.add_argument("--glibc", default="2.36", help="the target's C library version (Debian 12: 2.36)")
    args = parser.parse_args(argv)
    try:
        print(fill(args.lock, args.cache, args.out, args.python, args.arch, args.glibc))
    except PipFailed as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
