"""Shared fixtures: a real redis-server for the session, clean Redis and a fresh database
(SQLite, or PostgreSQL with CALLCENTER_TEST_DB=postgresql) per test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callcenter.live import LiveStore
from callcenter.store.migrate import upgrade
from callcenter.store.session import make_engine, session_factory
from tests.support.postgres import PostgresCluster, backend_under_test, running_cluster


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port, no persistence; yields redis://host:port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install -y redis-server)")
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    # fmt: off
    args = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(workdir), "--daemonize", "no", "--databases", "16",
        "--logfile", str(workdir / "redis.log"),
    ]
    # fmt: on
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}"
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                log = (workdir / "redis.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"redis-server exited with {process.returncode}:\n{log}")
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"redis-server on port {port} did not answer PING within 10 s")
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """URL of an emptied Redis database (db 0) on the session's server."""
    url = f"{redis_server}/0"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.close()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix unique to the test (pub/sub channels are shared by all databases)."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def live(redis_url: str, redis_prefix: str) -> Iterator[LiveStore]:
    """A LiveStore on a clean database with a unique prefix."""
    store = LiveStore(redis_url, redis_prefix)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a SQLite file that does not exist yet."""
    return tmp_path / "db" / "callcenter.db"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster for the session, with a migrated template database."""
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture
def db_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """URL of a fresh database migrated to the newest revision: a SQLite file, or with
    CALLCENTER_TEST_DB=postgresql a new database on the session's PostgreSQL cluster."""
    if backend_under_test() == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        name = cluster.fresh_database()
        try:
            yield cluster.url(name)
        finally:
            cluster.drop_database(name)
        return
    url = f"sqlite:///{db_path}"
    upgrade(url)
    yield url


@pytest.fixture
def blank_db_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """URL of an empty database, not migrated (for migration tests): a SQLite file that does
    not exist yet, or with CALLCENTER_TEST_DB=postgresql an empty PostgreSQL database."""
    if backend_under_test() == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        name = cluster.fresh_database(template="template0")
        try:
            yield cluster.url(name)
        finally:
            cluster.drop_database(name)
        return
    yield f"sqlite:///{db_path}"


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated test database (on SQLite: foreign keys on, WAL)."""
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; the test commits what it wants kept."""
    session = session_factory(db_engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sql`` marker (set by the hook below, not by hand)."""
    config.addinivalue_line(
        "markers", "sql: uses a database through db_url (set automatically; the PostgreSQL pass)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses ``db_url`` or ``blank_db_url`` (directly or not) ``sql``."""
    for item in items:
        if {"db_url", "blank_db_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.sql)
