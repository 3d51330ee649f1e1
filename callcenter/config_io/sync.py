"""Make one admin section (queues, agents, ...) of the database match a file's list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from callcenter.admin.errors import Invalid
from callcenter.admin.lookup import by_label, everything
from callcenter.admin.service import Service
from callcenter.config_io.errors import ConfigFileError


@dataclass
class Changes:
    """What an import did (or, dry, would do): one line per created/updated/deactivated object."""

    lines: list[str] = field(default_factory=list)

    def add(self, verb: str, kind: str, key: str, detail: str = "") -> None:
        """Note one change, e.g. ``update queues[sales]: strategy: a -> b``."""
        self.lines.append(f"{verb} {kind}[{key}]" + (f": {detail}" if detail else ""))


def entries(source: str, kind: str, value: Any, key_field: str) -> dict[str, dict[str, Any]]:
    """A section's list as key -> entry; ConfigFileError for a bad shape or a repeated key."""
    if not isinstance(value, list):
        raise ConfigFileError(source, kind, "expected a list")
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ConfigFileError(source, f"{kind}[{i}]", "expected a mapping of field: value")
        key = entry.get(key_field)
        if key is None or str(key).strip() == "":
            raise ConfigFileError(source, f"{kind}[{i}].{key_field}", "required")
        key = str(key).strip()
        if key in out:
            raise ConfigFileError(source, f"{kind}[{key}].{key_field}", "listed twice")
        out[key] = entry
    return out


def differences(before: dict[str, Any], after: dict[str, Any]) -> str:
    """``field: old -> new`` for each value that differs."""
    return "; ".join(
        f"{name}: {before.get(name)!r} -> {value!r}"
        for name, value in after.items()
        if before.get(name) != value
    )


def sync_section(
    session: Session, service: Service, source: str, value: Any, actor: str, changes: Changes
) -> None:
    """Create, update and deactivate objects of ``service`` so they match the file's list."""
    kind = service.kind
    wanted = entries(source, kind, value, service.label_field)
    known = {f.name for f in service.fields(session)} | {"active"}
    for key, entry in wanted.items():
        for name in entry:
            if name not in known:
                raise ConfigFileError(source, f"{kind}[{key}].{name}", "unknown field")
        try:
            _sync_one(session, service, key, entry, actor, changes)
        except Invalid as exc:
            raise ConfigFileError(source, f"{kind}[{key}].{exc.field}", str(exc)) from None
    for obj in everything(session, service):
        values = service.values(obj)
        key = str(values[service.label_field])
        if key not in wanted and values.get("active"):
            service.deactivate(session, obj.id, actor)
            changes.add("deactivate", kind, key)


def _sync_one(
    session: Session, service: Service, key: str, entry: dict[str, Any], actor: str,
    changes: Changes,
) -> None:  # fmt: skip
    obj = by_label(session, service, key)
    if obj is None:
        service.create(session, {**service.defaults, **entry}, actor)
        changes.add("create", service.kind, key)
        return
    before = service.values(obj)
    if all(before.get(name) == value for name, value in entry.items()):
        return
    service.update(session, obj.id, entry, actor)
    after = service.values(service.get(session, obj.id))
    if after != before:
        changes.add("update", service.kind, key, differences(before, after))
