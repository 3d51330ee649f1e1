"""``callcenter ivr validate`` checks queue names against a real (SQLite) database."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from callcenter.cli import main
from callcenter.store.models import Queue

FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"


def test_validate_reads_queue_names_from_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str, db_session: Session
) -> None:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FLOWS, tmp_path / "ivr_flows")
    result = CliRunner().invoke(main, ["ivr", "validate"], env={"CALLCENTER_DATABASE__URL": db_url})
    assert result.exit_code == 0, result.output
    assert "note: queue names not checked: the database has no queues yet" in result.stderr

    db_session.add_all(Queue(name=name) for name in ("sales", "support", "complaints"))
    db_session.commit()
    result = CliRunner().invoke(main, ["ivr", "validate"], env={"CALLCENTER_DATABASE__URL": db_url})
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{Path('ivr_flows') / 'main.yaml'}:89:12: node 'operator' (queue): unknown queue "
        "'operator' (queues: complaints, sales, support)",
        "1 problem(s) in 1 of 4 file(s)",
    ]

    db_session.add(Queue(name="operator"))
    db_session.commit()
    result = CliRunner().invoke(main, ["ivr", "validate"], env={"CALLCENTER_DATABASE__URL": db_url})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
