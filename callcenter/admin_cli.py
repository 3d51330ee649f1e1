"""``callcenter queues|agents|skills|reasons|blacklist|calendars list|create|update|deactivate``:
one click group per admin service, made by one factory over callcenter/admin (which checks
and audits; nothing is validated twice here)."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.orm import Session

from callcenter.admin import SERVICES, Service
from callcenter.admin.agents import sip_context
from callcenter.admin.errors import Invalid, NotFound
from callcenter.admin.lookup import by_id_or_label, everything

__all__ = ["admin_groups", "cli_actor", "parse_assignments"]


def cli_actor() -> str:
    """The audit actor of a command-line change: ``cli:<os user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def parse_assignments(items: tuple[str, ...]) -> dict[str, Any]:
    """``field=value`` words as data; a field given twice becomes a list (e.g. skills)."""
    data: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"write field=value, not {item!r}")
        name = name.strip()
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


@contextmanager
def _session() -> Iterator[Session]:
    from callcenter.cli import Context
    from callcenter.store.session import session_scope

    url = click.get_current_context().ensure_object(Context).settings.database.url
    try:
        with session_scope(url) as session:
            yield session
    except Invalid as exc:
        click.echo(f"{exc.field}: {exc}", err=True)
        raise SystemExit(1) from None
    except NotFound as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None


def _context(service: Service) -> dict[str, str]:
    from callcenter.cli import Context

    settings = click.get_current_context().ensure_object(Context).settings
    return sip_context(service.kind, settings)


def _unknown_fields(session: Session, service: Service, data: dict[str, Any]) -> None:
    known = {f.name for f in service.fields(session)} | {"active"}
    for name in data:
        if name not in known:
            raise Invalid(name, f"unknown field; use one of: {', '.join(sorted(known))}")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def make_group(service: Service) -> click.Group:
    """The ``list|create|update|deactivate`` commands of one admin service."""
    label = service.label_field

    @click.group(service.kind, help=f"{service.title}: list, create, update, deactivate.")
    def group() -> None:
        pass

    @group.command("list")
    @click.option("--json", "as_json", is_flag=True, help="every field, as JSON lines")
    def list_command(as_json: bool) -> None:
        """List every object (active or not)."""
        with _session() as session:
            rows = [{"id": o.id, **service.values(o)} for o in everything(session, service)]
        for row in rows:
            if as_json:
                click.echo(json.dumps(row, ensure_ascii=False, default=str))
            else:
                cells = [str(row["id"]), *(_shown(row.get(c, "")) for c, _ in service.columns)]
                click.echo("\t".join(cells))

    @group.command("create")
    @click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
    def create_command(assignments: tuple[str, ...]) -> None:
        """Create one from FIELD=VALUE words (repeat a list field, e.g. skills=a:5 skills=b:3)."""
        data = {**service.defaults, **parse_assignments(assignments)}
        with _session() as session:
            _unknown_fields(session, service, data)
            data.update(_context(service))
            obj_id = service.create(session, data, cli_actor())
        click.echo(f"created {service.object_type} {data.get(label)} (id {obj_id})")

    @group.command("update")
    @click.argument("wanted", metavar=label.upper())
    @click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
    def update_command(wanted: str, assignments: tuple[str, ...]) -> None:
        """Change the given fields of one (named by its name/number/code or id)."""
        data = parse_assignments(assignments)
        with _session() as session:
            _unknown_fields(session, service, data)
            data.update(_context(service))
            obj = by_id_or_label(session, service, wanted)
            before = service.values(obj)
            service.update(session, obj.id, data, cli_actor())
            changed = service.read(session, obj.id) != {"id": obj.id, **before}
        click.echo(f"updated {service.object_type} {wanted}" if changed else "no change")

    @group.command("deactivate")
    @click.argument("wanted", metavar=label.upper())
    def deactivate_command(wanted: str) -> None:
        """Take one out of use (kept for history)."""
        with _session() as session:
            obj = by_id_or_label(session, service, wanted)
            service.deactivate(session, obj.id, cli_actor())
        click.echo(f"deactivated {service.object_type} {wanted}")

    return group


def admin_groups() -> list[click.Group]:
    """One command group per admin service."""
    return [make_group(service) for service in SERVICES.values()]
