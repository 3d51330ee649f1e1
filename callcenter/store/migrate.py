"""Run the alembic migrations from Python: ``upgrade(url)``, ``current(url)``, ``head()``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from callcenter.store.base import StoreError

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current", "head", "make_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _resolve(url: str | None) -> str:
    if url is not None:
        return url
    from callcenter.config import load_settings

    return load_settings().database.url


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config for the packaged migrations and ``url`` (default: settings)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Passed as an attribute, not an ini option, so '%' in passwords needs no escaping.
    config.attributes["url"] = _resolve(url)
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (creating the SQLite file if needed)."""
    from sqlalchemy.exc import OperationalError

    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise StoreError(
            f"cannot migrate database {_resolve(url)!r}: {exc.orig}; "
            "check database.url and that the database is reachable"
        ) from None


def current(url: str | None = None) -> str | None:
    """The revision the database at ``url`` is at, or None if it was never migrated."""
    from callcenter.store.session import make_engine, sqlite_path

    url = _resolve(url)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest revision in the packaged migrations."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    if len(heads) != 1:
        raise StoreError(f"migrations have {len(heads)} heads {heads}; merge them into one")
    return heads[0]


def make_revision(
    message: str, url: str | None = None, *, autogenerate: bool = True, rev_id: str | None = None
) -> None:
    """Write a new migration script, comparing the models with the database at ``url``."""
    command.revision(alembic_config(url), message=message, autogenerate=autogenerate, rev_id=rev_id)
