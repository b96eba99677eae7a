"""A private PostgreSQL server for tests: initdb into a scratch directory, listening on a
free loopback port, trust authentication, stopped and removed afterwards. Runs as the
`postgres` system user when started by root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from testbed.config import free_port


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL is missing (Debian package 'postgresql'; 'make test' installs it)")
    return Path(found[-1]).parent


class Postgres:
    def __init__(self) -> None:
        self.bin = binaries()
        self.directory = Path(tempfile.mkdtemp(prefix="kiosk-postgres-"))
        self.port = free_port()
        self.user = "postgres"
        self._as = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.directory, account.pw_uid, account.pw_gid)
            self._as = (account.pw_uid, account.pw_gid)

    def _run(self, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        def demote() -> None:
            if self._as:
                os.setgid(self._as[1])
                os.setuid(self._as[0])

        return subprocess.run(argv, preexec_fn=demote, capture_output=True, text=True, timeout=120,
                              cwd=self.directory, **kwargs)

    def start(self) -> "Postgres":
        data = self.directory / "data"
        result = self._run(str(self.bin / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust",
                           "-E", "UTF8", "--no-sync")
        if result.returncode:
            raise RuntimeError(f"initdb failed: {result.stderr[-2000:]}")
        result = self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.directory / "log"), "-w",
                           "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off",
                           "start")
        if result.returncode:
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr[-2000:]}"
                               f"{(self.directory / 'log').read_text()[-2000:]}")
        return self

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def database(self, name: str) -> str:
        """A new, empty database `name` on this server; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        time.sleep(0.1)
        shutil.rmtree(self.directory, ignore_errors=True)
