"""Layering rules of issue #13: the lowest layer and the pure cores import no feature or I/O."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "callcenter"
IO_PACKAGES = ("callcenter.store", "callcenter.live", "callcenter.engine", "sqlalchemy", "redis")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_the_ivr_core_does_no_io_imports() -> None:
    files = sorted((ROOT / "ivr").glob("*.py"))
    assert files
    slips = {f.name: sorted(n for n in _imports(f) if _within(n, IO_PACKAGES)) for f in files}
    assert {name: found for name, found in slips.items() if found} == {}


def test_the_sql_tables_import_no_feature_package() -> None:
    found = {n for n in _imports(ROOT / "store" / "models.py") if n.startswith("callcenter.")}
    assert found and all(_within(n, ("callcenter.store",)) for n in found), sorted(found)
