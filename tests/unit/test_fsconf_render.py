"""The rendered FreeSWITCH tree, pre-processed the way FreeSWITCH 1.10 does it, has its agents."""

from __future__ import annotations

import glob
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main

_INCLUDE_RE = re.compile(r'<X-PRE-PROCESS\s+cmd="include"\s+data="([^"]+)"\s*/>', re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_WRAPPER_RE = re.compile(r"<\?xml[^>]*\?>|</?include>")


def _include_targets(path: Path) -> list[tuple[str, list[Path]]]:
    """Each include of ``path`` with the files it matches, resolved like switch_xml.c.

    preprocess_glob() joins a relative pattern to the folder of the file being processed
    (not to the conf root), keeps an absolute one, and glob()s it (sorted).
    """
    text = _COMMENT_RE.sub("", path.read_text())
    targets = []
    for pattern in _INCLUDE_RE.findall(text):
        full = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
        targets.append((pattern, [Path(p) for p in sorted(glob.glob(full))]))
    return targets


def _expand(path: Path, depth: int = 0) -> str:
    """The text FreeSWITCH builds from ``path``: includes inlined, <include> wrappers dropped."""
    assert depth < 20, f"include loop at {path}"
    text = _COMMENT_RE.sub("", path.read_text())
    for pattern, matches in _include_targets(path):
        inlined = "".join(_WRAPPER_RE.sub("", _expand(m, depth + 1)) for m in matches)
        text = re.sub(
            rf'<X-PRE-PROCESS\s+cmd="include"\s+data="{re.escape(pattern)}"\s*/>',
            lambda _m, inlined=inlined: inlined,
            text,
            flags=re.IGNORECASE,
        )
    return text


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", "s3cret-esl")
    monkeypatch.setenv("CALLCENTER_FREESWITCH__AGENT_EXTENSIONS", "2000-2004")
    out = tmp_path / "fs"
    result = CliRunner().invoke(main, ["freeswitch-conf", "render", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_include_of_every_rendered_file_matches_a_file(rendered: Path) -> None:
    unmatched = [
        f"{path.relative_to(rendered)}: {pattern}"
        for path in sorted(rendered.rglob("*.xml"))
        for pattern, matches in _include_targets(path)
        if not matches
    ]
    assert unmatched == []


def test_rendered_directory_has_every_agent_as_a_user(rendered: Path) -> None:
    document = ET.fromstring(_expand(rendered / "freeswitch.xml"))
    directory = document.find("section[@name='directory']")
    assert directory is not None
    users = {user.get("id") for user in directory.iter("user")}
    assert users == {"2000", "2001", "2002", "2003", "2004"}
    dialplan = document.find("section[@name='dialplan']")
    assert dialplan is not None
    assert {c.get("name") for c in dialplan.iter("context")} >= {"public", "default"}
