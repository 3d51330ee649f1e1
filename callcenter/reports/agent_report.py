"""The agent report: time in each state (from the state log) and call figures per agent.

Grouped SQL queries, each read from a covering index (migration 0015):
``agent_state_log`` stretches clipped to the period, summed by agent, state and reason
(login time is every state but ``logged_out``; an open stretch counts up to the period end);
``call_agent_legs`` offered in the period - answered, missed, talk time of the agent's leg,
and "transferred" (the agent's answered leg just before a ``transfer`` leg); ``calls`` that
started in the period, by the agent the call ended with - hold, wrap-up, AHT, survey average;
``qa_evaluations`` of the calls started in the period - the QA average of the agent evaluated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from callcenter.reports.buckets import EpochSeconds, ReportRange
from callcenter.store.calls import Call, CallAgentLeg
from callcenter.store.quality import QaEvaluation
from callcenter.store.routing import Agent, AgentStateLog

__all__ = ["AGENT_COLUMNS", "agent_report"]

AGENT_COLUMNS = (
    "agent", "name", "login", "ready", "not_ready", "talk", "hold", "wrap_up",
    "answered", "missed", "transferred", "aht", "survey_average", "qa_average",
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


def _leg_figures(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    """Offers answered / missed and talk time per agent (the legs offered in ``period``)."""
    answered = CallAgentLeg.outcome == "answered"
    query = (
        select(CallAgentLeg.agent_id, _count(answered), _count(CallAgentLeg.outcome == "missed"),
               func.sum(case((answered, CallAgentLeg.talk_seconds), else_=0.0)))
        .where(CallAgentLeg.offered_at >= period.start, CallAgentLeg.offered_at < period.end)
        .where(CallAgentLeg.agent_id.is_not(None))
        .group_by(CallAgentLeg.agent_id)
    )  # fmt: skip
    if ids:
        query = query.where(CallAgentLeg.agent_id.in_(ids))
    return session.execute(query)


def _transfers(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    """Per agent: answered calls passed on (the leg just before a transfer leg in ``period``)."""
    before = aliased(CallAgentLeg)
    query = (
        select(before.agent_id, func.count())
        .select_from(CallAgentLeg)
        .join(before, and_(before.call_id == CallAgentLeg.call_id,
                           before.position == CallAgentLeg.position - 1))
        .where(CallAgentLeg.offered_at >= period.start, CallAgentLeg.offered_at < period.end)
        .where(CallAgentLeg.role == "transfer", before.outcome == "answered")
        .group_by(before.agent_id)
    )  # fmt: skip
    if ids:
        query = query.where(before.agent_id.in_(ids))
    return session.execute(query)


def _call_figures(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    """Hold, wrap-up, handle time and survey average of the calls each agent ended with."""
    ended = Call.talk_seconds.is_not(None)
    handle = Call.talk_seconds + func.coalesce(Call.wrap_up_seconds, 0.0)
    query = (
        select(Call.agent_id, func.sum(Call.hold_seconds), func.sum(Call.wrap_up_seconds),
               func.sum(case((ended, handle), else_=None)), _count(ended),
               func.avg(Call.survey_score))
        .where(Call.started_at >= period.start, Call.started_at < period.end)
        .where(Call.agent_id.is_not(None))
        .group_by(Call.agent_id)
    )  # fmt: skip
    if ids:
        query = query.where(Call.agent_id.in_(ids))
    return session.execute(query)


def _qa_figures(session: Session, period: ReportRange, ids: list[int] | None) -> Any:
    """The average QA score per evaluated agent, over the evaluations of calls in ``period``."""
    query = (
        select(QaEvaluation.agent_id, func.avg(QaEvaluation.score))
        .join(Call, Call.id == QaEvaluation.call_id)
        .where(Call.started_at >= period.start, Call.started_at < period.end)
        .where(QaEvaluation.agent_id.is_not(None))
        .group_by(QaEvaluation.agent_id)
    )
    if ids:
        query = query.where(QaEvaluation.agent_id.in_(ids))
    return session.execute(query)


def _empty(agent: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(AGENT_COLUMNS, 0)
    row.update(
        agent=agent.number,
        name=agent.display_name,
        not_ready={},
        aht=None,
        survey_average=None,
        qa_average=None,
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
    for agent_id, ans, missed, talk in _leg_figures(session, period, agent_ids):
        row = rows.setdefault(agent_id, _empty(agents[agent_id]))
        row.update(answered=int(ans), missed=int(missed), talk=round(talk or 0.0, 1))
    for agent_id, moved in _transfers(session, period, agent_ids):
        rows.setdefault(agent_id, _empty(agents[agent_id]))["transferred"] = int(moved)
    for agent_id, hold, wrap, handle, ended, survey in _call_figures(session, period, agent_ids):
        row = rows.setdefault(agent_id, _empty(agents[agent_id]))
        row.update(hold=round(hold or 0.0, 1), wrap_up=round(wrap or 0.0, 1))
        row["aht"] = round(handle / ended, 1) if ended else None
        row["survey_average"] = round(float(survey), 2) if survey is not None else None
    for agent_id, qa in _qa_figures(session, period, agent_ids):
        rows.setdefault(agent_id, _empty(agents[agent_id]))["qa_average"] = round(float(qa), 1)
    return sorted(rows.values(), key=lambda r: str(r["agent"]))
