"""Flows and hotline numbers in a configuration file: published when changed, checked first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from callcenter.config_io.errors import ConfigFileError
from callcenter.config_io.export import published_flows
from callcenter.config_io.sync import Changes
from callcenter.flows.checking import FlowChecks, parse_text
from callcenter.flows.errors import FlowStoreError, PublishRefused
from callcenter.flows.numbers import hotline_numbers, replace_numbers
from callcenter.flows.publish import publish
from callcenter.flows.versions import save_version


def flow_texts(source: str, value: Any, base: Path) -> dict[str, str]:
    """Flow name -> YAML text; an entry is the text itself or ``{file: path}`` (relative to
    the configuration file's folder)."""
    if not isinstance(value, dict):
        raise ConfigFileError(source, "flows", "expected a mapping of flow name: YAML text")
    out: dict[str, str] = {}
    for name, entry in value.items():
        if isinstance(entry, dict) and set(entry) == {"file"}:
            path = base / str(entry["file"])
            try:
                entry = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                where = f"flows[{name}].file"
                raise ConfigFileError(source, where, f"cannot read: {exc}") from None
        if not isinstance(entry, str):
            raise ConfigFileError(source, f"flows[{name}]", "expected YAML text or {file: path}")
        out[str(name)] = entry
    return out


def sync_flows(
    session: Session, source: str, texts: dict[str, str], actor: str, checks: FlowChecks,
    changes: Changes,
) -> None:  # fmt: skip
    """Save and publish each flow whose text differs from its published version; flows not
    in the file are left as they are."""
    current = published_flows(session)
    drafts = {name: parse_text(name, text, checks.limits) for name, text in texts.items()}
    others = {d.name: d for d in drafts.values() if d.name is not None}
    for name, text in texts.items():
        if current.get(name) == text:
            continue
        try:
            saved = save_version(
                session, name, text, author=actor, comment=f"config import of {source}",
                checks=checks, others=others,
            )  # fmt: skip
            if saved.problems:
                raise PublishRefused(name, saved.version.number, saved.problems)
            publish(session, name, saved.version.number, actor=actor, checks=checks, others=others)
        except PublishRefused as exc:
            detail = "; ".join(f"{p.line}:{p.column}: {p.message}" for p in exc.problems)
            raise ConfigFileError(source, f"flows[{name}]", detail) from None
        except FlowStoreError as exc:
            raise ConfigFileError(source, f"flows[{name}]", str(exc)) from None
        changes.add("create" if name not in current else "update", "flows", name, "published")


def sync_numbers(session: Session, source: str, value: Any, actor: str, changes: Changes) -> None:
    """Replace the hotline numbers with the file's list when they differ."""
    if not isinstance(value, list):
        raise ConfigFileError(source, "numbers", "expected a list of number, flow, comment")
    wanted = [{"comment": "", **entry} if isinstance(entry, dict) else entry for entry in value]
    before = hotline_numbers(session)
    if all(isinstance(e, dict) for e in wanted):
        same = sorted(
            ({"number": e.get("number"), "flow": e.get("flow"), "comment": e["comment"]}
             for e in wanted), key=lambda e: str(e["number"]),
        )  # fmt: skip
        if same == before:
            return
    try:
        after = replace_numbers(session, wanted, actor=actor)
    except FlowStoreError as exc:
        raise ConfigFileError(source, "", str(exc)) from None
    gone = {n["number"]: n for n in before}
    for entry in after:
        old = gone.pop(entry["number"], None)
        if old != entry:
            verb = "create" if old is None else "update"
            changes.add(verb, "numbers", entry["number"], f"-> {entry['flow']}")
    for number in gone:
        changes.add("delete", "numbers", number)
