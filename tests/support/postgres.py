"""A throwaway PostgreSQL server for tests: initdb in a temporary directory,
`pg_ctl start` on 127.0.0.1 and a free port, run as a non-root user, and a
fresh database per test (`CREATE DATABASE ... TEMPLATE`).

`CXSIDEBAR_TEST_PG_URL` (a URL of a server where this user may create
databases) replaces the throwaway server.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from support.hub import free_port

URL_VARIABLE = "CXSIDEBAR_TEST_PG_URL"
USER_VARIABLE = "CXSIDEBAR_TEST_PG_USER"
DEFAULT_USERS = ("cxsidebar-ci", "nobody")  # who runs the server when the tests run as root
TEMPLATE = "cxsidebar_template"


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why and how to fix it."""


def find_bin_dir() -> Path:
    """The newest `/usr/lib/postgresql/N/bin`, or the directory of `pg_ctl` on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: (
            int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install the Debian "
        "package postgresql-15 (apt-get install -y postgresql-15), or set "
        f"{URL_VARIABLE} to a server where this user may create databases"
    )


def server_user() -> pwd.struct_passwd | None:
    """Who runs the server: None (the current user) unless we are root."""
    if os.geteuid() != 0:
        return None
    names = [os.environ[USER_VARIABLE]] if os.environ.get(USER_VARIABLE) else DEFAULT_USERS
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable(
        f"PostgreSQL refuses to run as root and none of the users {names} exists: "
        "create one (useradd --system cxsidebar-ci) or set " + USER_VARIABLE
    )


class PostgresServer:
    """A server in its own directory; `start()`, `create_database()`, `stop()`.

    `durable`: fsync, synchronous commit and full page writes on, as in production
    (benchmarks); the tests' default is off, as their data is thrown away.
    """

    def __init__(
        self, bin_dir: Path, user: pwd.struct_passwd | None, *, durable: bool = False
    ) -> None:
        self.bin_dir = bin_dir
        self.user = user
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="cxsidebar-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sockets"
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._started = False

    def _run(self, *command: str | Path, timeout: float = 60) -> None:
        as_user: dict[str, Any] = {}
        if self.user is not None:
            as_user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C"},
            **as_user,
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(command[0]).name} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )

    def _log_tail(self) -> str:
        if not self.log_path.exists():
            return ""
        return "\nserver log:\n" + self.log_path.read_text(errors="replace")[-3000:]

    def start(self) -> PostgresServer:
        self.socket_dir.mkdir()
        if self.user is not None:
            for path in (self.root, self.socket_dir):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self._run(
            self.bin_dir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        # Durability off unless asked for: a test server's data is thrown away anyway.
        durability = "on" if self.durable else "off"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} "
            f"-c fsync={durability} -c synchronous_commit={durability} "
            f"-c full_page_writes={durability} -c max_connections=200"
        )
        self._run(
            self.bin_dir / "pg_ctl", "-D", self.data, "-l", self.log_path,
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        self._started = True
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        return self

    @contextmanager
    def admin(self) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            yield conn

    def postmaster_pid(self) -> int | None:
        """The server's main process (its children are the backends and helpers)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        try:
            if self._started:
                self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class Databases:
    """Fresh databases on one server, each dropped when its test ends."""

    def __init__(
        self, admin_url: str, template: str | None, server: PostgresServer | None = None
    ) -> None:
        self.admin_url = admin_url
        self.template = template
        self.server = server  # None: a server given by URL, not started here
        self._names = (f"cxsidebar_test_{os.getpid()}_{n}" for n in itertools.count())

    def url_of(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    @contextmanager
    def fresh(self) -> Iterator[str]:
        name = next(self._names)
        template = f" TEMPLATE {self.template}" if self.template else ""
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}{template}")
        try:
            yield self.url_of(name)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def postgres_databases(*, durable: bool = False) -> Iterator[Databases]:
    """Databases on `CXSIDEBAR_TEST_PG_URL`, or on a server started (and stopped) here;
    `durable`: that server commits with fsync (`PostgresServer`)."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        yield Databases(given, None)
        return
    server = PostgresServer(find_bin_dir(), server_user(), durable=durable)
    try:
        server.start()
        yield Databases(server.admin_url, TEMPLATE, server)
    finally:
        server.stop()


def terminate_listeners(admin_url: str, database_url: str) -> int:
    """Drop every LISTEN connection of the hubs on `database_url`; returns how many."""
    name = database_url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = 'cxsidebar-listen'",
            [name],
        ).fetchall()
    return len(rows)
