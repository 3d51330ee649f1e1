"""Post-processing and retention on real WAV files made with sox/pydub, and a real SQLite index."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydub import AudioSegment
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.cli import main
from callcenter.config import RecordingSettings
from callcenter.recording import synth
from callcenter.recording.files import RecordingFileError, resolve_path
from callcenter.recording.postprocess import pending_recordings, process_pending
from callcenter.recording.retention import apply_retention
from callcenter.store.calls import Recording
from callcenter.store.repositories import insert_call
from callcenter.store.session import make_engine, session_factory
from callcenter.store.users import AuditLog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(db_url))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "recordings"


def add_recording(
    sessions: sessionmaker[Session],
    root: Path,
    uuid: str,
    audio: AudioSegment,
    *,
    paused: list[list[float]] | None = None,
    created_at: datetime = T0,
    flagged: bool = False,
) -> int:
    """A call record with a WAV at recordings/YYYY/MM/DD/<uuid>.wav, as the engine leaves it."""
    path = synth.write_wav(audio, root / f"{created_at:%Y/%m/%d}" / f"{uuid}.wav")
    with sessions() as session:
        call = insert_call(
            session, uuid, started_at=created_at, answered_at=created_at, ended_at=created_at
        )
        recording = Recording(
            call_id=call.id,
            path=str(path),
            format="wav",
            paused=paused or [],
            created_at=created_at,
            flagged=flagged,
        )
        session.add(recording)
        session.commit()
        return recording.id


def two_tones(seconds: float) -> AudioSegment:
    return synth.stereo(synth.tone(seconds, 440), synth.tone(seconds, 660))


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip())


@pytest.mark.parametrize("fmt", ["ogg", "mp3"])
def test_transcode_gives_playable_file_with_duration_size_and_hash(
    sessions: sessionmaker[Session], root: Path, fmt: str
) -> None:
    rec_id = add_recording(sessions, root, "call-a", two_tones(3.0))
    settings = RecordingSettings(path=root, format=fmt)

    results = process_pending(sessions, settings)

    assert [r.recording_id for r in results] == [rec_id]
    with sessions() as session:
        row = session.get(Recording, rec_id)
        assert row.format == fmt and row.path.endswith(f"call-a.{fmt}")
        out = resolve_path(root, row.path)
        assert row.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
        assert row.size_bytes == out.stat().st_size
        assert row.duration_seconds == pytest.approx(3.0, abs=0.01)
    decoded = AudioSegment.from_file(out)  # ffmpeg can play it back
    assert decoded.channels == 2
    assert len(decoded) / 1000 == pytest.approx(3.0, abs=0.1)
    assert ffprobe_duration(out) == pytest.approx(3.0, abs=0.2)  # mp3 frames pad a little
    assert not (root / "2026/03/02/call-a.wav").exists()  # keep_wav is off by default
    assert process_pending(sessions, settings) == []  # nothing left to do


def test_keep_wav_and_wav_format(sessions: sessionmaker[Session], root: Path) -> None:
    add_recording(sessions, root, "call-k", two_tones(1.0))
    process_pending(sessions, RecordingSettings(path=root, format="ogg", keep_wav=True))
    assert (root / "2026/03/02/call-k.wav").exists() and (root / "2026/03/02/call-k.ogg").exists()

    rec_id = add_recording(sessions, root, "call-w", two_tones(1.5))
    process_pending(sessions, RecordingSettings(path=root, format="wav"))
    with sessions() as session:
        row = session.get(Recording, rec_id)
        wav = root / "2026/03/02/call-w.wav"
        assert row.format == "wav" and Path(row.path) == wav
        assert row.sha256 == hashlib.sha256(wav.read_bytes()).hexdigest()
        assert row.duration_seconds == pytest.approx(1.5, abs=0.01)


def test_paused_stretch_becomes_silence_of_the_same_length(
    sessions: sessionmaker[Session], root: Path
) -> None:
    rec_id = add_recording(sessions, root, "call-p", two_tones(3.0), paused=[[1.0, 2.0]])
    process_pending(sessions, RecordingSettings(path=root, format="wav"))
    with sessions() as session:
        out = resolve_path(root, session.get(Recording, rec_id).path)
    audio = AudioSegment.from_wav(out)
    assert len(audio) == 3000
    for channel in audio.split_to_mono():
        assert channel[1000:2000].max == 0  # exactly silent while paused
        assert channel[200:900].max > 1000 and channel[2100:2900].max > 1000

    rec_ogg = add_recording(sessions, root, "call-po", two_tones(3.0), paused=[[0.5, 2.5]])
    process_pending(sessions, RecordingSettings(path=root, format="ogg"))
    with sessions() as session:
        decoded = AudioSegment.from_file(resolve_path(root, session.get(Recording, rec_ogg).path))
    assert decoded[700:2300].dBFS < -60 < decoded[2600:2900].dBFS


def test_missing_file_and_unended_call_are_not_processed(
    sessions: sessionmaker[Session], root: Path
) -> None:
    rec_id = add_recording(sessions, root, "call-m", two_tones(0.5))
    (root / "2026/03/02/call-m.wav").unlink()
    with sessions() as session:
        live = insert_call(session, "call-live", started_at=T0)
        session.add(Recording(call_id=live.id, path=str(root / "x/call-live.wav"), format="wav"))
        session.commit()
        assert [r.id for r in pending_recordings(session)] == [rec_id]
    errors: list[object] = []
    assert process_pending(sessions, RecordingSettings(path=root), on_done=errors.append) == []
    assert len(errors) == 1 and "does not exist" in str(errors[0])


def test_paths_outside_the_store_are_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"RIFF")
    root.mkdir(parents=True)
    for stored in (str(outside), str(root / ".." / "secret.wav"), "../../etc/passwd"):
        with pytest.raises(RecordingFileError, match="outside the recording store"):
            resolve_path(root, stored)
    (root / "link.wav").symlink_to(outside)
    with pytest.raises(RecordingFileError, match="outside"):
        resolve_path(root, str(root / "link.wav"))


def test_retention_deletes_old_unflagged_files_keeps_flagged_and_audits(
    sessions: sessionmaker[Session], root: Path
) -> None:
    now = T0 + timedelta(days=40)
    old = add_recording(sessions, root, "old", two_tones(0.3), created_at=T0)
    flagged = add_recording(sessions, root, "flagged", two_tones(0.3), created_at=T0, flagged=True)
    recent = add_recording(sessions, root, "recent", two_tones(0.3), created_at=now)
    settings = RecordingSettings(path=root, retention_days=30)

    with sessions() as session:
        result = apply_retention(session, settings, now=now)
        session.commit()

    assert result.deleted == [old] and result.kept_flagged == 1
    assert not (root / f"{T0:%Y/%m/%d}/old.wav").exists()
    assert (root / f"{T0:%Y/%m/%d}/flagged.wav").exists()
    assert (root / f"{now:%Y/%m/%d}/recent.wav").exists()
    with sessions() as session:
        rows = {r.id: r for r in session.scalars(select(Recording))}
        assert rows[old].deleted_at == now  # the index row stays
        assert rows[flagged].deleted_at is None and rows[recent].deleted_at is None
        entries = list(session.scalars(select(AuditLog)))
        assert [(e.actor, e.action, e.object_type, e.object_id) for e in entries] == [
            ("system", "recording.retention_delete", "recording", str(old))
        ]
    with sessions() as session:  # a second run finds nothing more
        assert apply_retention(session, settings, now=now).deleted == []
        assert (
            apply_retention(session, settings.model_copy(update={"retention_days": 0})).deleted
            == []
        )


def test_cli_process_and_retention(
    db_url: str, sessions: sessionmaker[Session], root: Path, tmp_path: Path
) -> None:
    add_recording(sessions, root, "cli-1", two_tones(1.0), created_at=datetime.now(UTC))
    env = {
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_RECORDING__PATH": str(root),
        "CALLCENTER_RECORDING__FORMAT": "mp3",
        "CALLCENTER_CONFIG": None,
    }
    runner = CliRunner()
    result = runner.invoke(main, ["recordings", "process", "--since", "1d"], env=env)
    assert result.exit_code == 0, result.output
    assert "processed 1 recording(s), 1.0 s of audio, as mp3; 0 failed" in result.output

    bad = runner.invoke(main, ["recordings", "process", "--since", "yesterday"], env=env)
    assert bad.exit_code != 0 and "neither an ISO date" in bad.output

    off = runner.invoke(main, ["recordings", "retention"], env=env)
    assert off.exit_code == 0 and "retention is off" in off.output
    kept = runner.invoke(main, ["recordings", "retention", "--days", "3"], env=env)
    assert kept.exit_code == 0 and "deleted the files of 0 recording(s)" in kept.output
