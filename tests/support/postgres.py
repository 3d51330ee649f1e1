"""A private PostgreSQL cluster for the tests: initdb into a temp dir, one database per test."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from callcenter.store.migrate import upgrade

TEST_DB_ENV = "CALLCENTER_TEST_DB"
"""Environment variable choosing the tests' database backend: ``sqlite`` (default) or
``postgresql``."""

_PG_VERSIONS = ("17", "16", "15", "14", "13")
_TEMPLATE = "callcenter_template"
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}


def backend_under_test() -> str:
    """The backend the tests run on, from ``CALLCENTER_TEST_DB`` (``sqlite`` or ``postgresql``)."""
    backend = os.environ.get(TEST_DB_ENV, "sqlite").strip().lower() or "sqlite"
    if backend in ("pg", "postgres"):
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        raise RuntimeError(f"{TEST_DB_ENV}={backend!r}: use sqlite or postgresql")
    return backend


def server_bindir() -> Path:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's versioned paths)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    for version in _PG_VERSIONS:
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: run scripts/install.sh "
        "(apt-get install -y postgresql)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    """The account the server runs as: None for the current one, ``postgres`` or ``nobody``
    when running as root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


@dataclass
class PostgresCluster:
    """A running private cluster: its data directory, port and server binaries."""

    workdir: Path
    port: int
    bindir: Path
    account: pwd.struct_passwd | None

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        return subprocess.run(
            list(args), capture_output=True, text=True, cwd=self.workdir, check=False, **kwargs
        )

    def start(self) -> None:
        """initdb (trust auth, superuser ``postgres``) and start the server; raise with its log."""
        data = self.workdir / "data"
        done = self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        settings = dict(_SERVER_SETTINGS, port=str(self.port))
        settings["unix_socket_directories"] = str(self.workdir)
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        log = self.workdir / "server.log"
        done = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{tail}")

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.workdir / "data"), "-m", "immediate",
                  "-w", "stop")  # fmt: skip

    def execute(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) as the superuser."""
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()

    def migrated_template(self) -> None:
        """Create the template database and migrate it to head (done once per cluster)."""
        self.execute(f'CREATE DATABASE "{_TEMPLATE}"')
        upgrade(self.url(_TEMPLATE))

    def fresh_database(self, template: str = _TEMPLATE) -> str:
        """A new database copied from ``template`` (default: the migrated one); its name."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database, ending connections a child process may still hold."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """Start a private cluster with a migrated template database; stop and delete it after."""
    account = _run_as()
    workdir = Path(tempfile.mkdtemp(prefix="callcenter-pg-"))
    if account is not None:
        os.chown(workdir, account.pw_uid, account.pw_gid)
    cluster = PostgresCluster(workdir, _free_port(), server_bindir(), account)
    try:
        cluster.start()
        try:
            cluster.migrated_template()
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
