"""The recordings console's fixtures: a recordings folder, calls with recordings and a
transcript in SQL (``ids``), and the console app on them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.recording import synth
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "rec-pass-123"
DAY1 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY2 = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The folder recordings are kept under."""
    return tmp_path / "recordings"


@pytest.fixture
def ids(db_url: str, root: Path) -> dict[str, int]:
    """Users, two agents, two queues, three calls; c1 is recorded and transcribed."""
    wav = synth.write_wav(
        synth.stereo(synth.tone(1.0), synth.tone(1.0, 660)), root / "2026/03/02/c1.wav"
    )
    outside = root.parent / "outside.wav"
    outside.write_bytes(wav.read_bytes())
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor")
        create_user(session, "boss", PASSWORD, "admin")
        agents = {}
        for number in ("1007", "1008"):
            user = create_user(session, f"agent{number}", PASSWORD, "agent")
            agents[number] = models.Agent(
                number=number, sip_user=number, user=user, display_name=number
            )
            session.add(agents[number])
        support, sales = models.Queue(name="support"), models.Queue(name="sales")
        session.add_all([support, sales])
        session.flush()
        c1 = insert_call(
            session,
            "c1",
            caller_number="13800138000",
            started_at=DAY1,
            answered_at=DAY1,
            ended_at=DAY1,
            talk_seconds=61.0,
            agent_id=agents["1007"].id,
            queue_id=support.id,
            disposition=Disposition.ANSWERED,
            ivr_path=["menu", "support"],
        )
        insert_call(
            session,
            "c2",
            caller_number="13900139000",
            started_at=DAY2,
            ended_at=DAY2,
            queue_id=sales.id,
            disposition=Disposition.ABANDONED,
        )
        c3 = insert_call(
            session,
            "c3",
            caller_number="02155550000",
            started_at=DAY2,
            ended_at=DAY2,
            agent_id=agents["1008"].id,
            queue_id=support.id,
            disposition=Disposition.ANSWERED,
        )
        recording = models.Recording(
            call_id=c1.id, path=str(wav), format="wav", duration_seconds=1.0, sha256="ab" * 32
        )
        escaped = models.Recording(call_id=c3.id, path=str(outside), format="wav")
        gone = models.Recording(
            call_id=c3.id, path=str(root / "gone.wav"), format="wav", deleted_at=DAY2
        )
        session.add_all([recording, escaped, gone])
        session.flush()
        session.add(
            models.Transcript(
                recording_id=recording.id,
                call_id=c1.id,
                model="test",
                text="caller: 환불 해 주세요 refund please\nagent: 네",
                segments=[
                    models.TranscriptSegment(
                        speaker="caller", start_seconds=0.1, end_seconds=0.9, text="환불 해 주세요"
                    )
                ],
            )
        )
        session.flush()
        return {"rec": recording.id, "escaped": escaped.id, "gone": gone.id}


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str, root: Path, ids: dict[str, int]) -> Flask:
    """The console on the recorded calls of ``ids`` and the folder ``root``."""
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        recording={"path": str(root)},
    )
    return create_app(settings, TESTING=True)


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A client signed in as ``username`` (every user here has PASSWORD)."""
    return signed_in_client(app, username, PASSWORD)[0]
