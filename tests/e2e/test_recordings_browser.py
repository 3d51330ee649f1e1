"""A supervisor finds a processed recording on the recordings page and plays it in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import RecordingSettings
from callcenter.recording import synth
from callcenter.recording.postprocess import process_pending
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import make_engine, session_factory, session_scope

pytestmark = pytest.mark.e2e
PASSWORD = "browser-pass-1"
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def recorded_call(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A call whose WAV (relative path, as the engine writes it) was post-processed to Ogg/Opus.

    The console fixture serves from ``tmp_path`` with the default ``recording.path``
    (``recordings``), so the file is under ``tmp_path/recordings``.
    """
    monkeypatch.chdir(tmp_path)
    stored = "recordings/2026/03/02/call-e2e.wav"
    synth.write_wav(synth.stereo(synth.tone(1.5), synth.tone(1.5, 660)), tmp_path / stored)
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        call = insert_call(
            session,
            "call-e2e",
            caller_number="13800138000",
            started_at=STARTED,
            answered_at=STARTED,
            ended_at=STARTED,
            talk_seconds=1.5,
            disposition=Disposition.ANSWERED,
        )
        recording = models.Recording(call_id=call.id, path=stored, format="wav")
        session.add(recording)
        session.flush()
        recording_id = recording.id
    sessions = session_factory(make_engine(db_url))
    [done] = process_pending(sessions, RecordingSettings(path=Path("recordings"), format="ogg"))
    assert done.path == "recordings/2026/03/02/call-e2e.ogg"
    return recording_id


def test_supervisor_plays_a_recording_in_the_browser(
    browser,  # noqa: ANN001
    console_url: str,
    recorded_call: int,
    db_url: str,
) -> None:
    page = browser.new_page()
    audio_responses: list[tuple[int, str | None]] = []
    page.on(
        "response",
        lambda r: (
            audio_responses.append((r.status, r.headers.get("content-range")))
            if "/audio" in r.url
            else None
        ),
    )
    page.goto(console_url + "/login?next=/recordings/")
    page.fill("input[name=username]", "sup")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("tr[data-call='call-e2e']")
    page.fill("input[name=caller]", "13800")
    page.click("#filters button[type=submit]")
    player = page.locator(f"tr[data-call='call-e2e'] audio[data-recording='{recorded_call}']")
    player.wait_for()

    # Play to the end: the promise resolves on 'ended' (no timing involved).
    played = player.evaluate(
        """audio => new Promise((resolve, reject) => {
            audio.muted = true;
            audio.addEventListener('ended', () => resolve(audio.duration), {once: true});
            audio.addEventListener('error', () => reject(new Error('media error ' +
                (audio.error && audio.error.code))), {once: true});
            audio.play().catch(reject);
        })"""
    )
    assert played == pytest.approx(1.5, abs=0.15)
    assert any(status in (200, 206) for status, _ in audio_responses), audio_responses
    with session_scope(db_url) as session:
        actions = session.scalars(
            select(models.AuditLog.action).where(models.AuditLog.object_id == str(recorded_call))
        ).all()
    assert "recording.listen" in actions
