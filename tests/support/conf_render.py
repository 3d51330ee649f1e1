"""Rendering the shipped configurations in tests: the CLI in a clean directory, a cluster's
settings, and FreeSWITCH's include pre-processing of the rendered tree."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

CLUSTER_YAML = """\
esl: {password: shared-esl-secret}
freeswitch:
  hotline_numbers: ["5000"]
  agent_extensions: "1000-1002"
  directory: {sip_domain: cc.example.com}
  nodes:
    - {name: fs-a, sip_ip: 10.0.0.11, esl_port: 8021, engine: "127.0.0.1:8084"}
    - {name: fs-b, sip_ip: 10.0.0.12, sip_port: 5070, rtp_ip: 10.0.1.12, esl_port: 8031,
       esl_password: node-b-secret, engine: "127.0.0.1:8094"}
  kamailio: {address: 10.0.0.5, sip_port: 5060}
"""
"""Two FreeSWITCH nodes behind Kamailio, as an operator describes them in callcenter.yaml."""


def clean_cli(monkeypatch: pytest.MonkeyPatch, folder: Path) -> CliRunner:
    """A CLI runner in ``folder`` with no CALLCENTER_ settings from this process's environment."""
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(folder)
    return CliRunner()


def cluster_cli(monkeypatch: pytest.MonkeyPatch, folder: Path) -> CliRunner:
    """:func:`clean_cli` with :data:`CLUSTER_YAML` as ``folder``'s callcenter.yaml."""
    runner = clean_cli(monkeypatch, folder)
    (folder / "callcenter.yaml").write_text(CLUSTER_YAML)
    return runner


_INCLUDE_RE = re.compile(r'<X-PRE-PROCESS\s+cmd="include"\s+data="([^"]+)"\s*/>', re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_WRAPPER_RE = re.compile(r"<\?xml[^>]*\?>|</?include>")


def include_targets(path: Path) -> list[tuple[str, list[Path]]]:
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


def expand_includes(path: Path, depth: int = 0) -> str:
    """The text FreeSWITCH builds from ``path``: includes inlined, <include> wrappers dropped."""
    assert depth < 20, f"include loop at {path}"
    text = _COMMENT_RE.sub("", path.read_text())
    for pattern, matches in include_targets(path):
        inlined = "".join(_WRAPPER_RE.sub("", expand_includes(m, depth + 1)) for m in matches)
        text = re.sub(
            rf'<X-PRE-PROCESS\s+cmd="include"\s+data="{re.escape(pattern)}"\s*/>',
            lambda _m, inlined=inlined: inlined,
            text,
            flags=re.IGNORECASE,
        )
    return text
