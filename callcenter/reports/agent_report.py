"""The agent report: time in each state (from the state log) and call figures per agent.

Two grouped SQL queries: ``agent_state_log`` stretches clipped to the period and summed by
agent, state and reason; ``call_agent_legs`` and ``calls`` summed by agent. Login time is
every state but ``logged_out``; an open stretch (``until`` NULL) counts up to the period end.
Transferred: answered calls the agent passed on (a later ``transfer`` leg of the call).
Talk time is the agent's leg; hold and wrap-up come from the call, for the call's agent.
QA scores are not recorded yet (issue #16 item 4), so there is no QA column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from callcenter.reports.buckets import EpochSeconds, ReportRange
from callcenter.store.calls import Call, CallAgentLeg
from callcenter.store.routing import Agent, AgentStateLog

__all__ = ["AGENT_COLUMNS", "agent_report"]

AGENT_COLUMNS = (
    "agent", "name", "login", "ready", "not_ready", "talk", "hold", "wrap_up",
    "answered", "missed", "transferred", "aht", "survey_average",
)  # fmt: skip
ON_CALL_STATES = ("on_call", "on_hold", "ringing", "reserved")


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _state_seconds(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    start = literal(int(period.start.timestamp()), BigInteger)
    end = literal(int(period.end.timestamp()), BigInteger)
    since = EpochSeconds(AgentStateLog.since)
    until = func.coalesce(EpochSeconds(AgentStateLog.until), end)
    clipped = case((until < end, until), else_=end) - case((since > start, since), else_=start)
    query = (
        select(AgentStateLog.agent_id, AgentStateLog.state, AgentStateLog.reason,
               func.sum(clipped))
        .where(AgentStateLog.since < period.end)
        .where((AgentStateLog.until.is_(None)) | (AgentStateLog.until > period.start))
        .group_by(AgentStateLog.agent_id, AgentStateLog.state, AgentStateLog.reason)
    )  # fmt: skip
    if ids:
        query = query.where(AgentStateLog.agent_id.in_(ids))
    return session.execute(query)


def _call_figures(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    in_period = and_(CallAgentLeg.offered_at >= period.start, CallAgentLeg.offered_at < period.end)
    answered = CallAgentLeg.outcome == "answered"
    is_agent_of_call = and_(answered, Call.agent_id == CallAgentLeg.agent_id)
    ended = and_(is_agent_of_call, Call.talk_seconds.is_not(None))
    later = aliased(CallAgentLeg)
    moved_on = exists().where(
        later.call_id == CallAgentLeg.call_id,
        later.position > CallAgentLeg.position,
        later.role == "transfer",
    )
    handle = Call.talk_seconds + func.coalesce(Call.wrap_up_seconds, 0.0)
    query = (
        select(
            CallAgentLeg.agent_id, _count(answered), _count(CallAgentLeg.outcome == "missed"),
            _count(and_(answered, moved_on)),
            func.sum(case((answered, CallAgentLeg.talk_seconds), else_=0.0)),
            func.sum(case((is_agent_of_call, Call.hold_seconds), else_=0.0)),
            func.sum(case((is_agent_of_call, Call.wrap_up_seconds), else_=0.0)),
            func.sum(case((ended, handle), else_=None)), _count(ended),
            func.avg(case((is_agent_of_call, Call.survey_score), else_=None)),
        )
        .join(Call, Call.id == CallAgentLeg.call_id)
        .where(in_period, CallAgentLeg.agent_id.is_not(None))
        .group_by(CallAgentLeg.agent_id)
    )  # fmt: skip
    if ids:
        query = query.where(CallAgentLeg.agent_id.in_(ids))
    return session.execute(query)


def _empty(agent: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(AGENT_COLUMNS, 0)
    row.update(
        agent=agent.number, name=agent.display_name, not_ready={}, aht=None, survey_average=None
    )
    return row


def agent_report(
    session: Session, period: ReportRange, agent_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Rows of :data:`AGENT_COLUMNS` (seconds; ``not_ready`` by reason) for agents with data."""
    agents = {a.id: a for a in session.scalars(select(Agent))}
    rows: dict[int, dict[str, Any]] = {}
    for agent_id, state, reason, seconds in _state_seconds(session, period, agent_ids):
        row = rows.setdefault(agent_id, _empty(agents[agent_id]))
        seconds = int(seconds or 0)
        state = str(getattr(state, "value", state))
        if state != "logged_out":
            row["login"] += seconds
        if state == "available":
            row["ready"] += seconds
        elif state == "not_ready":
            key = reason or ""
            row["not_ready"][key] = row["not_ready"].get(key, 0) + seconds
    for agent_id, ans, missed, moved, talk, hold, wrap, handle, ended, survey in _call_figures(
        session, period, agent_ids
    ):
        row = rows.setdefault(agent_id, _empty(agents[agent_id]))
        row.update(answered=int(ans), missed=int(missed), transferred=int(moved))
        row.update(talk=round(talk or 0.0, 1), hold=round(hold or 0.0, 1))
        row.update(wrap_up=round(wrap or 0.0, 1))
        row["aht"] = round(handle / ended, 1) if ended else None
        row["survey_average"] = round(float(survey), 2) if survey is not None else None
    return sorted(rows.values(), key=lambda r: str(r["agent"]))
