"""The database as a FlowRegistry source: the published version of each active flow, and the
hotline numbers, read with one small query per check."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import String, cast, literal, select, union_all
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from callcenter.flows.checking import parse_text
from callcenter.ivr.errors import Problem
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.loader import Draft
from callcenter.ivr.sources import FlowNodes, Signature
from callcenter.logs import get_logger
from callcenter.store.flows import FlowVersion, HotlineNumber, IvrFlow

__all__ = ["DatabaseSource"]

log = get_logger(__name__)


class DatabaseSource:
    """Published flows from SQL; a flow's signature is (published version number, row id)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._numbers: dict[str, str] = {}
        self._last: dict[str, Signature] = {}

    def scan(self) -> dict[str, Signature]:
        """Published flows by name and the hotline numbers, in one query."""
        flows = select(
            literal("flow"), IvrFlow.name, cast(IvrFlow.published, String), cast(IvrFlow.id, String)
        ).where(IvrFlow.active, IvrFlow.published.is_not(None))
        numbers = select(
            literal("number"), HotlineNumber.number, HotlineNumber.flow_name, literal("")
        )
        try:
            with self.sessions() as session:
                rows = session.execute(union_all(flows, numbers)).all()
        except SQLAlchemyError as exc:  # the flows in service stay; the next check retries
            log.warning("ivr_flow_source_unreachable", error=f"{type(exc).__name__}: {exc}"[:300])
            return dict(self._last)
        self._numbers = {key: value for kind, key, value, _ in rows if kind == "number"}
        self._last = {
            key: (int(value), int(row_id)) for kind, key, value, row_id in rows if kind == "flow"
        }
        return dict(self._last)

    def read(self, key: str, limits: FlowLimits) -> Draft:
        """The draft of the published version of flow ``key``; problems name the flow."""
        with self.sessions() as session:
            text = session.scalar(
                select(FlowVersion.yaml)
                .join(IvrFlow, FlowVersion.flow_id == IvrFlow.id)
                .where(IvrFlow.name == key, FlowVersion.number == IvrFlow.published)
            )
        if text is None:
            draft = Draft(key)
            draft.problems.append(Problem(key, 0, 0, f"flow '{key}' has no published version"))
            return draft
        return parse_text(key, text, limits)

    def resolver(self, known: dict[str, Draft], limits: FlowLimits) -> FlowNodes:
        """Another flow among ``known``, else its published version."""
        cache: dict[str, Collection[str] | None] = {}

        def resolve(name: str) -> Collection[str] | None:
            if name in known:
                return known[name].node_ids
            if name not in cache:
                draft = self.read(name, limits)
                cache[name] = draft.node_ids if draft.name == name else None
            return cache[name]

        return resolve

    def numbers(self) -> Mapping[str, str] | None:
        """The hotline numbers as of the last :meth:`scan`."""
        return dict(self._numbers)

    def version(self, signature: Signature) -> int:
        """The published version number (the signature's first part)."""
        return signature[0]

    def __str__(self) -> str:
        return "the database (published flows)"
