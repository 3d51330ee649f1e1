"""docs/architecture.md names only modules that exist (the walk must match the code)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
ENGINE = ROOT / "callcenter" / "engine"

# a path in backticks or parentheses: callcenter/engine/calls/handler.py, engine/bus.py,
# calls/handler.py (short form, relative to callcenter/engine/), console/api.py, dialplan/...xml
PATH = re.compile(r"(?<![\w/.])((?:[a-z0-9_]+/)+[a-z0-9_]+\.(?:py|xml))\b")


def _where(path: str) -> Path:
    if path.startswith(("callcenter/", "console/", "tests/", "dialplan/", "freeswitch-conf/")):
        return ROOT / path
    if path.startswith("engine/"):
        return ROOT / "callcenter" / path
    return ENGINE / path  # short form inside the engine: calls/handler.py


def test_every_module_path_in_the_doc_exists():
    text = DOC.read_text()
    paths = set(PATH.findall(text))
    assert any(p.startswith("callcenter/") for p in paths)
    missing = sorted(p for p in paths if not _where(p).is_file())
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_engine_folder_is_in_the_doc():
    text = DOC.read_text()
    folders = sorted(p.name for p in ENGINE.iterdir() if (p / "__init__.py").is_file())
    assert folders
    assert [f for f in folders if f"`engine/{f}/`" not in text] == []
