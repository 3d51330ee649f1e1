"""``callcenter ivr import`` / ``export``: flow files into the database (published when
valid) and the published versions back to files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy.orm import Session

from callcenter.cli import main
from callcenter.flows.versions import list_flows, list_versions
from callcenter.store.models import Queue
from tests.support.conf_render import clean_cli

FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> Callable[..., Result]:
    runner = clean_cli(monkeypatch, tmp_path)
    env = {"CALLCENTER_DATABASE__URL": db_url, "CALLCENTER_IVR__PROMPTS": str(PROMPTS)}
    return lambda *args: runner.invoke(main, ["ivr", *args], env=env)


def test_import_publishes_the_files_and_export_writes_them_back(
    run: Callable[..., Result], tmp_path: Path, db_session: Session
) -> None:
    db_session.add_all(Queue(name=n) for n in ("sales", "support", "complaints", "operator"))
    db_session.commit()
    shutil.copytree(FLOWS, tmp_path / "in")
    names = sorted(p.stem for p in (tmp_path / "in").glob("*.yaml"))

    first = run("import", "in")
    assert first.exit_code == 0, first.output
    assert sorted(line.removeprefix("published: ") for line in first.stdout.splitlines()) == names
    assert [(f["name"], f["published"]) for f in list_flows(db_session)] == [(n, 1) for n in names]

    again = run("import", "in")  # the same texts: no new versions
    assert again.exit_code == 0 and again.stdout.count("unchanged: ") == len(names)
    assert [v.number for v in list_versions(db_session, "main")] == [1]

    out = run("export", "out")
    assert out.exit_code == 0, out.output
    for name in names:
        text = (tmp_path / "in" / f"{name}.yaml").read_text(encoding="utf-8")
        assert (tmp_path / "out" / f"{name}.yaml").read_text(encoding="utf-8") == text


def test_import_of_an_invalid_file_saves_a_draft_but_keeps_the_published_one(
    run: Callable[..., Result], tmp_path: Path, db_session: Session
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "main.yaml").write_text(
        "name: main\nstart: bye\nnodes:\n  bye:\n    type: hangup\n", encoding="utf-8"
    )
    assert run("import", "in").exit_code == 0
    (folder / "main.yaml").write_text(
        "name: main\nstart: bye\nnodes:\n  bye:\n    type: hangupp\n", encoding="utf-8"
    )
    result = run("import", "in")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(f"{Path('in') / 'main.yaml'}:5:11: ")
    assert result.stderr.splitlines()[-1] == "1 problem(s); 1 file(s) not published"
    db_session.expire_all()
    assert list_flows(db_session)[0]["published"] == 1
    assert [(v.number, v.valid) for v in list_versions(db_session, "main")] == [
        (2, False),
        (1, True),
    ]
