"""The package's build (setuptools' build_py, the step that fills the wheel and an install) warns
of no "Package would be ignored" data folder and ships every data file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_FOLDERS = [
    "callcenter/ivr/data",
    "callcenter/sim/data",
    "callcenter/store/migrations",
    "console/templates",
    "console/static",
]


def _data_files(root: Path) -> set[str]:
    """Every file but Python sources and byte code under the data folders, relative to root."""
    return {
        str(path.relative_to(root))
        for folder in DATA_FOLDERS
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    }


def test_the_build_warns_of_nothing_and_ships_the_data_files(tmp_path: Path) -> None:
    build_lib, egg_base = tmp_path / "lib", tmp_path / "egg"
    egg_base.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()"]
        + ["egg_info", "--egg-base", str(egg_base), "build_py", "--build-lib", str(build_lib)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Package would be ignored" not in output, output[-3000:]
    assert "as an importable package" not in output, output[-3000:]
    shipped = _data_files(build_lib)
    assert shipped == _data_files(REPO_ROOT)
    assert {
        "callcenter/ivr/data/regions.csv",
        "callcenter/sim/data/events.json",
        "callcenter/store/migrations/script.py.mako",
        "console/templates/partials/table.html",
        "console/static/vendor/bootstrap/bootstrap.min.css",
    } <= shipped
    assert list((build_lib / "callcenter/store/migrations/versions").glob("0001_*.py"))
    assert not list(build_lib.rglob("__pycache__"))
