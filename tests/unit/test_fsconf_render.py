"""The rendered FreeSWITCH tree, pre-processed the way FreeSWITCH 1.10 does it, has its agents."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from callcenter.cli import main
from tests.support.conf_render import clean_cli, expand_includes, include_targets


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    runner = clean_cli(monkeypatch, tmp_path)
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", "s3cret-esl")
    monkeypatch.setenv("CALLCENTER_FREESWITCH__AGENT_EXTENSIONS", "2000-2004")
    out = tmp_path / "fs"
    result = runner.invoke(main, ["freeswitch-conf", "render", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_include_of_every_rendered_file_matches_a_file(rendered: Path) -> None:
    unmatched = [
        f"{path.relative_to(rendered)}: {pattern}"
        for path in sorted(rendered.rglob("*.xml"))
        for pattern, matches in include_targets(path)
        if not matches
    ]
    assert unmatched == []


def test_rendered_directory_has_every_agent_as_a_user(rendered: Path) -> None:
    document = ET.fromstring(expand_includes(rendered / "freeswitch.xml"))
    directory = document.find("section[@name='directory']")
    assert directory is not None
    users = {user.get("id") for user in directory.iter("user")}
    assert users == {"2000", "2001", "2002", "2003", "2004"}
    dialplan = document.find("section[@name='dialplan']")
    assert dialplan is not None
    assert {c.get("name") for c in dialplan.iter("context")} >= {"public", "default"}
