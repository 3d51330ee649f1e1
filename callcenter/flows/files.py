"""Flow files <-> the database: import a folder (new versions, published when valid), export
the published versions, and the import of the ivr.flows folder on first start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.flows.checking import FlowChecks, parse_text
from callcenter.flows.errors import PublishRefused
from callcenter.flows.publish import publish
from callcenter.flows.versions import save_version
from callcenter.ivr.errors import Problem
from callcenter.ivr.loader import Draft
from callcenter.store.flows import FlowVersion, IvrFlow

__all__ = ["ImportResult", "export_folder", "import_folder", "import_on_first_start"]

_SUFFIXES = (".yaml", ".yml")


@dataclass
class ImportResult:
    """What an import did: flows published, flows unchanged, problems by file."""

    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix in _SUFFIXES and p.is_file())


def _in_file(path: Path, problems: list[Problem]) -> list[Problem]:
    return [Problem(str(path), p.line, p.column, p.message) for p in problems]


def import_folder(
    session: Session,
    folder: Path,
    *,
    author: str = "system",
    checks: FlowChecks = FlowChecks(),
) -> ImportResult:
    """Save each flow file as a new version (unless its text is the newest) and publish it
    if it is valid; problems come back with the file's path."""
    result = ImportResult()
    texts: dict[Path, str] = {}
    for path in _files(folder):
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(str(path), 0, 0, f"cannot read the file: {exc}"))
    drafts: dict[Path, Draft] = {p: parse_text(p.stem, t, checks.limits) for p, t in texts.items()}
    others = {d.name: d for d in drafts.values() if d.name is not None}
    for path, text in texts.items():
        name = drafts[path].name or path.stem
        saved = None
        flow = session.scalar(select(IvrFlow).where(IvrFlow.name == name))
        if flow is not None:
            newest = session.scalar(
                select(FlowVersion)
                .where(FlowVersion.flow_id == flow.id)
                .order_by(FlowVersion.number.desc())
                .limit(1)
            )
            if newest is not None and newest.yaml == text and flow.published == newest.number:
                result.unchanged.append(name)
                continue
            if newest is not None and newest.yaml == text:
                saved = newest
        if saved is None:
            comment = f"imported from {path.name}"
            done = save_version(
                session, name, text, author=author, comment=comment, checks=checks, others=others
            )
            if done.problems:
                result.problems.extend(_in_file(path, done.problems))
                continue
            saved = done.version
        try:
            publish(session, name, saved.number, actor=author, checks=checks, others=others)
        except PublishRefused as exc:
            result.problems.extend(_in_file(path, exc.problems))
            continue
        result.published.append(name)
    return result


def export_folder(session: Session, folder: Path) -> list[Path]:
    """Write the published version of each active flow to ``folder/<name>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = session.execute(
        select(IvrFlow.name, FlowVersion.yaml)
        .join(FlowVersion, FlowVersion.flow_id == IvrFlow.id)
        .where(IvrFlow.active, FlowVersion.number == IvrFlow.published)
        .order_by(IvrFlow.name)
    ).all()
    written = []
    for name, text in rows:
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def import_on_first_start(
    session: Session, folder: Path, checks: FlowChecks = FlowChecks()
) -> ImportResult | None:
    """Import ``folder`` when no flow is in the database yet; None when there already is one."""
    if session.scalar(select(IvrFlow.id).limit(1)) is not None:
        return None
    return import_folder(session, folder, checks=checks)
