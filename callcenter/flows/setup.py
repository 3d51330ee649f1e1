"""Choose the engine's flow source from the settings (import the folder into an empty
database first when the source is the database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from callcenter.flows.checking import FlowChecks
from callcenter.flows.files import import_on_first_start
from callcenter.flows.numbers import seed_numbers
from callcenter.flows.source import DatabaseSource
from callcenter.ivr.limits import FlowLimits
from callcenter.logs import get_logger

__all__ = ["flow_source"]

log = get_logger(__name__)


def flow_source(ivr: Any, folder: Path, sessions: sessionmaker[Session]) -> Path | DatabaseSource:
    """The folder (ivr.source folder) or the database, seeded on first start from the folder
    and from ivr.numbers."""
    if ivr.source != "database":
        return folder
    checks = FlowChecks(Path(ivr.prompts), FlowLimits.of(ivr))
    try:
        with sessions() as session:
            imported = import_on_first_start(session, folder, checks)
            seeded = seed_numbers(session, ivr.numbers)
            session.commit()
    except IntegrityError:  # another engine starting at the same time imported them first
        log.info("ivr_flows_imported_by_another_engine")
        return DatabaseSource(sessions)
    if imported is not None:
        log.info("ivr_flows_imported", folder=str(folder), published=imported.published)
        for problem in imported.problems:
            log.warning("ivr_flow_not_imported", problem=str(problem))
    if seeded:
        log.info("hotline_numbers_seeded", numbers=len(ivr.numbers))
    return DatabaseSource(sessions)
