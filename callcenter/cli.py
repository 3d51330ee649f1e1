"""The ``callcenter`` command: serve, demo, sim, db, and the admin tools."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from callcenter import __version__
from callcenter.config import ConfigError, Settings, load_settings
from callcenter.logs import configure_logging


class Context:
    """Lazily loaded settings shared by the sub-commands."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
            log = self._settings.log
            configure_logging(log.level, log.format, log.access)
        return self._settings


pass_context = click.make_pass_decorator(Context, ensure=True)


class _Group(click.Group):
    """Turns a configuration error anywhere in a command into a one-line CLI error."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callcenter")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Call-center engine for FreeSWITCH: IVR, ACD, recording, agent desktop."""
    ctx.ensure_object(Context)


@main.command("check-config")
@pass_context
def check_config(ctx: Context) -> None:
    """Load and validate the settings, print them (secrets masked) and exit."""
    import yaml

    from callcenter.config_display import mask_secrets

    click.echo(yaml.safe_dump(mask_secrets(ctx.settings.model_dump(mode="json")), sort_keys=False))


@main.command("serve")
@click.option("--engine/--no-engine", default=True, help="Run the call engine.")
@click.option("--console/--no-console", default=True, help="Run the web console.")
@pass_context
def serve(ctx: Context, engine: bool, console: bool) -> None:
    """Run the engine (against FreeSWITCH) and/or the console until Ctrl-C."""
    from callcenter.runner import start_console, wait_for_signal

    settings = ctx.settings
    running = []
    if engine:
        from callcenter.engine.service import Engine

        running.append(Engine(settings).start())
    if console:
        running.append(start_console(settings))
    if not running:
        raise click.UsageError("nothing to run: both --no-engine and --no-console given")
    wait_for_signal()
    for part in running:
        part.stop()


@main.command("demo")
@click.option(
    "--agents",
    default=6,
    show_default=True,
    type=click.IntRange(1, 99),
    help="Simulated agents (extensions 1000...).",
)
@click.option(
    "--calls-per-minute",
    default=6.0,
    show_default=True,
    type=click.FloatRange(0.1, 6000),
    help="Simulated caller arrival rate.",
)
@click.option(
    "--port",
    "console_port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Console port (0: any free port).",
)
@click.option(
    "--duration",
    type=click.FloatRange(1),
    default=None,
    help="Stop after this many seconds (default: run until Ctrl-C).",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/demo"),
    show_default=True,
    help="Scratch folder (database, Redis, recordings); wiped at start.",
)
@click.option("--seed", "seed_value", type=int, default=None, help="Random seed.")
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Console language of the demo's accounts.",
)
@pass_context
def demo(
    ctx: Context,
    agents: int,
    calls_per_minute: float,
    console_port: int,
    duration: float | None,
    workdir: Path,
    seed_value: int | None,
    language: str,
) -> None:
    """Run engine + console + simulated FreeSWITCH with simulated callers and agents."""
    from callcenter.demo import run_demo

    ctx.settings  # noqa: B018 - loads the settings and configures logging (log.format, log.level)
    placed = run_demo(
        agents, calls_per_minute, console_port, duration, workdir.resolve(), seed_value, language
    )
    click.echo(f"demo stopped after {placed} calls")


def _out_option(example: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The ``--out`` folder of a ``render`` command (``example``: its usual place)."""
    return click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"Conf folder to write (e.g. {example}).",
    )


def _wrote(paths: Iterable[Path]) -> None:
    """Tell which files a ``render`` command wrote."""
    for path in paths:
        click.echo(f"wrote {path}")


@main.group("freeswitch-conf")
def freeswitch_conf() -> None:
    """FreeSWITCH configuration for running the engine against a real switch."""


@freeswitch_conf.command("render")
@_out_option("/etc/freeswitch")
@click.option("--node", default=None, help="Node of freeswitch.nodes (name or number, from 1).")
@pass_context
def freeswitch_conf_render(ctx: Context, out: Path, node: str | None) -> None:
    """Write freeswitch-conf/ and dialplan/ with this engine's ESL password and addresses."""
    from callcenter.fsconf import render

    _wrote(render(ctx.settings, out, node))


@main.group("kamailio-conf")
def kamailio_conf() -> None:
    """Kamailio configuration: the SIP proxy in front of a cluster's FreeSWITCH nodes."""


@kamailio_conf.command("render")
@_out_option("/etc/kamailio")
@pass_context
def kamailio_conf_render(ctx: Context, out: Path) -> None:
    """Write kamailio.cfg, dispatcher.list (freeswitch.nodes) and the agents' SIP users."""
    from callcenter.kamailio import render

    _wrote(render(ctx.settings, out))


def _register_feature_commands() -> None:
    from callcenter.admin_cli import admin_groups
    from callcenter.config_io.cli import config
    from callcenter.ivr_cli import ivr
    from callcenter.prompts.cli import prompts
    from callcenter.recording.cli import recordings
    from callcenter.sim.cli import sim
    from callcenter.store.cli import db, users
    from callcenter.tickets.cli import tickets

    main.add_command(db)
    main.add_command(users)
    main.add_command(sim)
    main.add_command(ivr)
    main.add_command(prompts)
    main.add_command(recordings)
    main.add_command(tickets)
    main.add_command(config)
    for group in admin_groups():
        main.add_command(group)


_register_feature_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
