"""docs/examples/center.yaml (the README's "from a YAML file" set-up) imported into an empty
database gives a working center: the real engine process (``ivr.source: database``, no flow
files), the simulator, Redis and SQLite - a call to the file's hotline reaches its agent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import Center

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "center.yaml"
HOTLINE, AGENT = "4008", "1010"  # as the example file says


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, request=request, agents=(), flows={},
        hotlines=[HOTLINE], env={"IVR__SOURCE": "database", "IVR__RELOAD_INTERVAL": "0"},
        start=False,
    ) as built:  # fmt: skip
        yield built


def test_the_example_file_imports_into_an_empty_database_and_takes_a_call(
    center: Center, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    env = {"CALLCENTER_DATABASE__URL": center.db_url}
    imported = CliRunner().invoke(main, ["config", "import", str(EXAMPLE)], env=env)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.splitlines()[-1] == "imported: 5 change(s)"

    center.start_engine()
    center.switch.add_softphone(AGENT, answer_after=0.5, hangup_after=2.0)
    sign_in(center, AGENT)
    caller = center.switch.place_call("13900139000", HOTLINE, [])
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(
        lambda: [r for r in call_rows(center.db_url) if r.disposition], timeout=30, what="record"
    )
    assert (record.disposition, record.dialled_number) == ("answered", HOTLINE)
    with session_scope(center.db_url) as session:
        assert session.get(models.Agent, record.agent_id).number == AGENT
        assert session.get(models.Queue, record.queue_id).name == "billing"
