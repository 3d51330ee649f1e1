"""``callcenter recordings process|retention|transcribe``: batch jobs over the recordings index."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

__all__ = ["parse_since", "recordings"]

_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``--since``: an ISO date/time (UTC if no zone) or a relative age such as 24h, 7d, 2w."""
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        amount, unit = match.groups()
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(amount)})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is neither an ISO date/time (2026-01-31, 2026-01-31T08:00) "
            "nor an age like 30m, 24h, 7d, 2w",
            param_hint="--since",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _settings():  # noqa: ANN202 - callcenter.config.Settings
    from callcenter.cli import Context

    return click.get_current_context().ensure_object(Context).settings


def _sessions(url: str | None):  # noqa: ANN202 - sessionmaker
    from callcenter.store.session import make_engine, session_factory

    return session_factory(make_engine(url or _settings().database.url))


_since_option = click.option(
    "--since", default=None, help="only recordings created since: ISO date/time or 24h, 7d"
)
_url_option = click.option(
    "--url", "url", default=None, help="database URL (default: setting database.url)"
)


@click.group()
def recordings() -> None:
    """Recordings: post-process, apply retention, transcribe."""


@recordings.command("process")
@_since_option
@_url_option
def process(since: str | None, url: str | None) -> None:
    """Convert finished WAVs to recording.format; store duration, size and SHA-256."""
    import callcenter.store.models  # noqa: F401 - registers every table
    from callcenter.recording.postprocess import process_pending

    settings = _settings()
    failures: list[str] = []

    def report(outcome: object) -> None:
        if isinstance(outcome, Exception):
            failures.append(str(outcome))

    done = process_pending(
        _sessions(url), settings.recording, since=parse_since(since), on_done=report
    )
    seconds = sum(r.duration_seconds for r in done)
    click.echo(
        f"processed {len(done)} recording(s), {seconds:.1f} s of audio, "
        f"as {settings.recording.format}; {len(failures)} failed"
    )
    for failure in failures:
        click.echo(f"  failed: {failure}", err=True)


@recordings.command("retention")
@click.option("--days", type=click.IntRange(min=0), default=None, help="override retention_days")
@_url_option
def retention(days: int | None, url: str | None) -> None:
    """Delete files older than recording.retention_days, except flagged calls (audited)."""
    import callcenter.store.models  # noqa: F401 - registers every table
    from callcenter.recording.retention import apply_retention

    settings = _settings()
    with _sessions(url)() as session:
        result = apply_retention(session, settings.recording, days=days)
        session.commit()
    if result.cutoff is None:
        click.echo("retention is off (recording.retention_days = 0): nothing deleted")
        return
    click.echo(
        f"deleted the files of {len(result.deleted)} recording(s) older than "
        f"{result.cutoff:%Y-%m-%d %H:%M} UTC; kept {result.kept_flagged} flagged"
    )


@recordings.command("transcribe")
@_since_option
@_url_option
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True)
def transcribe(since: str | None, url: str | None, workers: int) -> None:
    """Transcribe recordings with vosk (caller = left, agent = right), with a progress bar."""
    import callcenter.store.models  # noqa: F401 - registers every table
    from callcenter.live.names import WALLBOARD
    from callcenter.recording.transcribe import Transcriber, TranscriptionError
    from callcenter.recording.worker import pending_transcriptions, transcribe_pending

    settings = _settings()
    sessions = _sessions(url)
    with sessions() as session:
        ids = pending_transcriptions(session, parse_since(since))
    transcriber = Transcriber(settings.recording.vosk_model, workers=workers)
    live = None
    try:
        try:
            transcriber.model  # noqa: B018 - load now: a bad model path fails before the bar
        except TranscriptionError as exc:
            raise click.ClickException(str(exc)) from None
        publish = None
        if settings.recording.sensitive_words:
            from callcenter.live.store import LiveStore

            live = LiveStore.from_settings(settings)

            def publish(message: dict) -> None:
                live.publish(WALLBOARD, message)

        outcomes = []
        with click.progressbar(length=len(ids), label="transcribing", show_pos=True) as bar:
            outcomes = transcribe_pending(
                sessions,
                settings.recording,
                transcriber,
                ids=ids,
                publish=publish,
                on_done=lambda _outcome: bar.update(1),
            )
    finally:
        transcriber.close()
        if live is not None:
            live.close()
    flagged = sum(1 for o in outcomes if o.hits)
    failed = [o for o in outcomes if o.error]
    click.echo(
        f"transcribed {len(outcomes) - len(failed)} recording(s); {flagged} flagged for "
        f"sensitive words; {len(failed)} failed"
    )
    for outcome in failed:
        click.echo(f"  recording {outcome.recording_id}: {outcome.error}", err=True)
