"""The ``callcenter`` command: serve, demo, sim, db, and the admin tools."""

from __future__ import annotations

import sys
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
            configure_logging(self._settings.log.level, self._settings.log.format)
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
    data = ctx.settings.model_dump(mode="json")
    data["esl"]["password"] = "***"
    data["console"]["secret_key"] = "***" if data["console"]["secret_key"] else ""
    import yaml

    click.echo(yaml.safe_dump(data, sort_keys=False))


@main.group("freeswitch-conf")
def freeswitch_conf() -> None:
    """FreeSWITCH configuration for running the engine against a real switch."""


@freeswitch_conf.command("render")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="FreeSWITCH conf folder to write (e.g. /etc/freeswitch).",
)
@pass_context
def freeswitch_conf_render(ctx: Context, out: Path) -> None:
    """Write freeswitch-conf/ and dialplan/ with this engine's ESL password and addresses."""
    from callcenter.fsconf import render

    for path in render(ctx.settings, out):
        click.echo(f"wrote {path}")


def _register_feature_commands() -> None:
    from callcenter.store.cli import db, users

    main.add_command(db)
    main.add_command(users)


_register_feature_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
