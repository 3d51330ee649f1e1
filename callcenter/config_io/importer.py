"""Make the database match a configuration document, section by section, in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from callcenter.admin import SERVICES
from callcenter.config_io.errors import ConfigFileError
from callcenter.config_io.export import FORMAT, SECTIONS
from callcenter.config_io.flows import flow_texts, sync_flows, sync_numbers
from callcenter.config_io.sync import Changes, sync_section
from callcenter.config_io.users import sync_users
from callcenter.flows.checking import FlowChecks

__all__ = ["import_center", "read_document"]


def read_document(path: Path) -> dict[str, Any]:
    """The file's document; ConfigFileError naming the file when it is not one."""
    source = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(source, "", f"cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigFileError(source, where, f"not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigFileError(source, "", "expected a mapping of sections (queues:, agents:, ...)")
    unknown = sorted(set(document) - {"format", *SECTIONS})
    if unknown:
        raise ConfigFileError(
            source, str(unknown[0]), f"unknown section; use: {', '.join(SECTIONS)}"
        )
    if document.get("format", FORMAT) != FORMAT:
        raise ConfigFileError(source, "format", f"this version reads format {FORMAT}")
    return document


def import_center(
    session: Session,
    document: dict[str, Any],
    *,
    source: str,
    base: Path,
    actor: str,
    checks: FlowChecks = FlowChecks(),
) -> Changes:
    """Create, update and deactivate objects so each section in ``document`` matches; a
    section left out is not touched. Raises ConfigFileError (the caller rolls back)."""
    changes = Changes()
    for section in SECTIONS:
        if section not in document:
            continue
        value = document[section] if document[section] is not None else []
        if section == "users":
            sync_users(session, source, value, actor, changes)
        elif section == "flows":
            texts = flow_texts(source, value or {}, base)
            sync_flows(session, source, texts, actor, checks, changes)
        elif section == "numbers":
            sync_numbers(session, source, value, actor, changes)
        else:
            sync_section(session, SERVICES[section], source, value, actor, changes)
    session.flush()
    return changes
