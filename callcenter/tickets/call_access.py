"""Which calls an agent may see: the calls they took, and the call offered to them now.

Supervisors and admins see every call. An agent sees a call whose live hash names them as
its agent (offered, ringing or connected), or whose record names them: the record's agent or
an answered leg of theirs (``call_agent_legs``). Everything that shows call data to agents -
the screen-pop, a ticket created from a call, ``link_call``, the uuids on customer pages -
asks here first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store.calls import Call, CallAgentLeg
from callcenter.store.routing import Agent

__all__ = ["SEES_ALL_CALLS", "agent_took_call", "calls_taken_by", "may_see_call"]

SEES_ALL_CALLS = ("supervisor", "admin")


def calls_taken_by(session: Session, agent: Agent | None, call_ids: Iterable[int]) -> set[int]:
    """Of ``call_ids``, the calls ``agent`` took (record's agent or an answered leg)."""
    ids = list(call_ids)
    if agent is None or not ids:
        return set()
    direct = select(Call.id).where(Call.id.in_(ids), Call.agent_id == agent.id)
    legs = select(CallAgentLeg.call_id).where(
        CallAgentLeg.call_id.in_(ids),
        CallAgentLeg.agent_id == agent.id,
        CallAgentLeg.answered_at.is_not(None),
    )
    return set(session.scalars(direct)) | set(session.scalars(legs))


def agent_took_call(session: Session, agent: Agent | None, call_uuid: str) -> bool:
    """Whether the recorded call ``call_uuid`` was taken by ``agent``."""
    if agent is None:
        return False
    call = session.scalar(select(Call).where(Call.uuid == call_uuid))
    if call is None:
        return False
    return bool(calls_taken_by(session, agent, [call.id])) or agent.number in call.answered_agents()


def may_see_call(
    session: Session, role: str, agent: Agent | None, call_uuid: str, live: Mapping[str, str]
) -> bool:
    """Whether a user of ``role`` (with ``agent``, if any) may see the call's data."""
    if role in SEES_ALL_CALLS:
        return True
    if agent is None:
        return False
    if live and live.get("agent_id") == agent.number:
        return True
    return agent_took_call(session, agent, call_uuid)
