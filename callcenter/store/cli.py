"""``callcenter db ...`` (migrations) and ``callcenter users ...`` (console logins)."""

from __future__ import annotations

import click

from callcenter.store.base import StoreError
from callcenter.store.enums import Language, Role
from callcenter.store.passwords import PasswordPolicy

__all__ = ["db", "users"]

_url_option = click.option(
    "--url", "url", default=None, help="database URL (default: setting database.url)"
)


def _database_url(url: str | None) -> str:
    if url:
        return url
    from callcenter.cli import Context

    return click.get_current_context().ensure_object(Context).settings.database.url


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


@click.group()
def db() -> None:
    """Database schema: migrate, show the current revision."""


@db.command("upgrade")
@_url_option
@click.option("--revision", default="head", show_default=True, help="target revision")
def db_upgrade(url: str | None, revision: str) -> None:
    """Create or migrate the database schema to the newest (or given) revision."""
    from callcenter.store.migrate import current, upgrade

    url = _database_url(url)
    try:
        upgrade(url, revision)
        now = current(url)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database {_shown(url)} is at revision {now}")


@db.command("current")
@_url_option
def db_current(url: str | None) -> None:
    """Print the database's revision and the newest one available."""
    from callcenter.store.migrate import current, head

    url = _database_url(url)
    try:
        now, newest = current(url), head()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    state = "up to date" if now == newest else "run 'callcenter db upgrade'"
    click.echo(f"database {_shown(url)}: revision {now or 'none'}, head {newest} ({state})")


@db.command("revision")
@_url_option
@click.option("-m", "--message", required=True, help="what the migration does")
@click.option("--rev-id", default=None, help="revision id, e.g. 0002 (default: random)")
@click.option("--empty", is_flag=True, help="do not compare models with the database")
def db_revision(url: str | None, message: str, rev_id: str | None, empty: bool) -> None:
    """Write a new migration script from the difference between models and database."""
    from callcenter.store.migrate import make_revision

    make_revision(message, _database_url(url), autogenerate=not empty, rev_id=rev_id)


def _department(value: str | None) -> str | None:
    """``value`` checked against setting tickets.departments (None when not given)."""
    if not value:
        return None
    from callcenter.cli import Context

    allowed = click.get_current_context().ensure_object(Context).settings.tickets.departments
    if value not in allowed:
        raise click.BadParameter(
            f"unknown department {value!r}; use one of: {', '.join(allowed) or '(none set)'}",
            param_hint="--department",
        )
    return value


def _password_policy() -> PasswordPolicy:
    """The password policy in settings ``login`` (min length, kinds of character)."""
    from callcenter.cli import Context

    settings = click.get_current_context().ensure_object(Context).settings
    return PasswordPolicy.from_settings(settings)


@click.group()
def users() -> None:
    """Console users (agents, supervisors, admins)."""


@users.command("create")
@_url_option
@click.option("--username", required=True, help="login name")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.AGENT.value,
    show_default=True,
)
@click.option(
    "--language",
    type=click.Choice([x.value for x in Language]),
    default=Language.ZH.value,
    show_default=True,
)
@click.option("--display-name", default=None, help="name shown in the console")
@click.option(
    "--department",
    default=None,
    help="team whose tickets the user sees: one of setting tickets.departments",
)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="prompted (hidden) if not given",
)
def users_create(
    url: str | None,
    username: str,
    role: str,
    language: str,
    display_name: str | None,
    department: str | None,
    password: str,
) -> None:
    """Create a console user; only a hash of the password is stored."""
    from callcenter.store.migrate import current, head
    from callcenter.store.repositories import audit, create_user
    from callcenter.store.session import make_engine, session_factory, session_scope

    department = _department(department)
    url = _database_url(url)
    policy = _password_policy()
    try:
        if current(url) != head():
            raise StoreError(
                f"database {_shown(url)} is not migrated; run 'callcenter db upgrade' first"
            )
        engine = make_engine(url)
        try:
            with session_scope(session_factory(engine)) as session:
                user = create_user(
                    session,
                    username,
                    password,
                    Role(role),
                    language=Language(language),
                    display_name=display_name,
                    policy=policy,
                )
                user.department = department
                audit(
                    session,
                    "user.create",
                    actor="cli",
                    object_type="user",
                    object_id=user.id,
                    detail={
                        "username": username,
                        "role": role,
                        **({"department": department} if department else {}),
                    },
                )
                user_id = user.id
        finally:
            engine.dispose()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created user {username!r} (id {user_id}, role {role})")
