"""``callcenter config export|import``: the center's set-up as one YAML file."""

from __future__ import annotations

from pathlib import Path

import click

from callcenter.config import Settings

__all__ = ["config"]


def _settings() -> Settings:
    from callcenter.cli import Context

    return click.get_current_context().ensure_object(Context).settings


@click.group("config")
def config() -> None:
    """Configuration as code: export the center to YAML, import it back (idempotent)."""


@config.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="file to write (default: standard output)",
)
@click.option(
    "--flows-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="write each published flow to DIR/<name>.yaml and refer to it as {file: path}",
)
def export_command(output: Path | None, flows_dir: Path | None) -> None:
    """Write queues, skills, agents, reasons, blacklist, calendars, users (no passwords),
    published flows and hotline numbers."""
    from callcenter.config_io.export import dump, export_center
    from callcenter.store.session import session_scope

    with session_scope(_settings().database.url) as session:
        center = export_center(session)
    if flows_dir is not None:
        base = (output.parent if output else Path.cwd()).resolve()
        flows_dir.mkdir(parents=True, exist_ok=True)
        for name, text in center["flows"].items():
            path = (flows_dir / f"{name}.yaml").resolve()
            path.write_text(text, encoding="utf-8")
            center["flows"][name] = {"file": Path(_relative(path, base)).as_posix()}
    text = dump(center)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _relative(path: Path, base: Path) -> str:
    import os

    return os.path.relpath(path, base)


@config.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="print what would change and write nothing")
def import_command(file: Path, dry_run: bool) -> None:
    """Make the database match FILE (sections left out are not touched); all or nothing."""
    from callcenter.admin_cli import cli_actor
    from callcenter.config_io.errors import ConfigFileError
    from callcenter.config_io.importer import import_center, read_document
    from callcenter.flows.checking import FlowChecks
    from callcenter.ivr.limits import FlowLimits
    from callcenter.store.session import session_scope

    settings = _settings()
    checks = FlowChecks(settings.ivr.prompts, FlowLimits.of(settings.ivr))
    try:
        document = read_document(file)
        with session_scope(settings.database.url) as session:
            changes = import_center(
                session, document, source=str(file), base=file.parent, actor=cli_actor(),
                checks=checks,
            )  # fmt: skip
            if dry_run:
                session.rollback()
    except ConfigFileError as exc:
        click.echo(f"{exc}\nnothing was imported", err=True)
        raise SystemExit(1) from None
    for line in changes.lines:
        click.echo(line)
    if not changes.lines:
        click.echo("nothing to change: the database matches the file")
    elif dry_run:
        click.echo(f"dry run: {len(changes.lines)} change(s) not written")
    else:
        click.echo(f"imported: {len(changes.lines)} change(s)")
