"""``callcenter prompts import FILE... [--to DIR]``."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["prompts"]


@click.group("prompts")
def prompts() -> None:
    """IVR prompt files: import uploaded audio in the formats FreeSWITCH plays."""


@prompts.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="prompts folder (default: setting ivr.prompts)",
)
def import_(files: tuple[Path, ...], to: Path | None) -> None:
    """Convert MP3/WAV FILES to 8 kHz and 16 kHz mono WAVs in the prompts folder.

    Each FILE becomes <folder>/8000/NAME.wav, <folder>/16000/NAME.wav and <folder>/NAME.wav;
    flows play it as NAME.wav. Every file is tried; the exit code is 1 if any failed.
    """
    from callcenter.prompts.convert import PromptError, import_prompt

    if to is None:
        from callcenter.cli import Context

        to = Path(click.get_current_context().ensure_object(Context).settings.ivr.prompts)
    failed = 0
    for source in files:
        try:
            done = import_prompt(source, to)
        except PromptError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        click.echo(done.summary())
    click.echo(f"{len(files) - failed} of {len(files)} prompts imported into {to}")
    if failed:
        raise SystemExit(1)
