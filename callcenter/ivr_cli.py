"""``callcenter ivr validate|graph|import|export``: the command-line adapter of the IVR
core (callcenter/ivr stays free of I/O; the queue names come from the store here)."""

from __future__ import annotations

from pathlib import Path

import click

from callcenter.config import Settings
from callcenter.flows.checking import FlowChecks
from callcenter.ivr.checks import load_flow, validate
from callcenter.ivr.errors import FlowError, IvrError
from callcenter.ivr.limits import FlowLimits

__all__ = ["ivr"]


def _settings() -> Settings:
    from callcenter.cli import Context

    return click.get_current_context().ensure_object(Context).settings


def _flow_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def queue_names_from_database(url: str) -> tuple[set[str] | None, str]:
    """Queue names in the database, or None and why they could not be read."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from callcenter.store.models import Queue
    from callcenter.store.session import make_engine, sqlite_path

    try:
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return None, f"the database {path} does not exist"
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                names = set(session.scalars(select(Queue.name)))
        finally:
            engine.dispose()
    except Exception as exc:  # any failure only skips this one check
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return None, f"the database is not reachable ({type(exc).__name__}: {first_line})"
    if not names:
        return None, "the database has no queues yet"
    return names, ""


@click.group("ivr")
def ivr() -> None:
    """IVR flows: check them, draw them, import them into and export them from the database."""


@ivr.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="prompts folder (default: setting ivr.prompts)",
)
@click.option(
    "--queue",
    "queues",
    multiple=True,
    help="a known queue name (repeat it); given, the database is not asked",
)
def validate_command(
    files: tuple[Path, ...], prompts_dir: Path | None, queues: tuple[str, ...]
) -> None:
    """Check flow files (default: all in the ivr.flows folder); exit 1 listing every problem."""
    settings = _settings()
    paths = list(files) or _flow_files(settings.ivr.flows)
    if not paths:
        raise click.ClickException(f"no flow files (*.yaml) in {settings.ivr.flows}")
    known: set[str] | None = set(queues) if queues else None
    if known is None:
        known, why = queue_names_from_database(settings.database.url)
        if known is None:
            click.echo(f"note: queue names not checked: {why}", err=True)
    problems = validate(
        paths,
        prompts_dir=prompts_dir or settings.ivr.prompts,
        known_queues=known,
        limits=FlowLimits.of(settings.ivr),
    )
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        bad_files = len({problem.file for problem in problems})
        click.echo(f"{len(problems)} problem(s) in {bad_files} of {len(paths)} file(s)", err=True)
        raise SystemExit(1)
    click.echo(f"ok: {len(paths)} flow file(s) valid: {', '.join(str(p) for p in paths)}")


@ivr.command("graph")
@click.argument("flow")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="picture to write: .svg (default FLOW.svg), .png, .pdf, or .dot",
)
def graph_command(flow: str, output: Path | None) -> None:
    """Draw a flow (a name in the ivr.flows folder, or a file) with graphviz."""
    from callcenter.ivr.graph import render_graph

    path = Path(flow)
    if not path.is_file():
        folder = _settings().ivr.flows
        path = next(
            (folder / f"{flow}{s}" for s in (".yaml", ".yml") if (folder / f"{flow}{s}").is_file()),
            path,
        )
        if not path.is_file():
            raise click.ClickException(f"no flow file {flow} (nor {folder}/{flow}.yaml)")
    try:
        loaded = load_flow(path, prompts_dir=None)
    except FlowError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{path} is not valid ({len(exc.problems)} problem(s)); fix it to draw it"
        ) from None
    try:
        written = render_graph(loaded, output or Path(f"{loaded.name}.svg"))
    except IvrError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {written}")


def _flow_checks(prompts_dir: Path | None) -> FlowChecks:
    settings = _settings()
    return FlowChecks(prompts_dir or settings.ivr.prompts, FlowLimits.of(settings.ivr))


@ivr.command("import")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="prompts folder (default: setting ivr.prompts)",
)
def import_command(folder: Path, prompts_dir: Path | None) -> None:
    """Save each flow file as a new version in the database and publish it if valid; exit 1
    listing the problems of the files that were not published."""
    from callcenter.flows.files import import_folder
    from callcenter.store.session import session_scope

    with session_scope(_settings().database.url) as session:
        result = import_folder(session, folder, author="cli", checks=_flow_checks(prompts_dir))
    for name in result.published:
        click.echo(f"published: {name}")
    for name in result.unchanged:
        click.echo(f"unchanged: {name}")
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problems:
        bad = len({problem.file for problem in result.problems})
        click.echo(f"{len(result.problems)} problem(s); {bad} file(s) not published", err=True)
        raise SystemExit(1)


@ivr.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder: Path) -> None:
    """Write the published version of every flow in the database to FOLDER/<name>.yaml."""
    from callcenter.flows.files import export_folder
    from callcenter.store.session import session_scope

    with session_scope(_settings().database.url) as session:
        written = export_folder(session, folder)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("no published flows in the database", err=True)
