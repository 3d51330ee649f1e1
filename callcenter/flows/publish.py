"""Publish a version of a flow (the engine serves it to the next call) and roll back to an
earlier one; both refuse a version with problems and are audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from callcenter.flows.checking import FlowChecks, check_text
from callcenter.flows.errors import PublishRefused
from callcenter.flows.versions import get_version
from callcenter.ivr.loader import Draft
from callcenter.store.base import utcnow
from callcenter.store.flows import FlowVersion
from callcenter.store.repositories import audit
from callcenter.store.users import User

__all__ = ["publish", "rollback"]


def publish(
    session: Session,
    name: str,
    number: int,
    *,
    user: User | None = None,
    actor: str | None = None,
    checks: FlowChecks = FlowChecks(),
    action: str = "ivr_flow_publish",
    others: dict[str, Draft] | None = None,
) -> FlowVersion:
    """Make version ``number`` the one served; :class:`PublishRefused` lists its problems."""
    version = get_version(session, name, number)
    problems = check_text(session, name, version.yaml, checks, others)  # queues may have changed
    if problems:
        raise PublishRefused(name, number, problems)
    flow = version.flow
    before = flow.published
    flow.published, flow.published_at, flow.active = number, utcnow(), True
    audit(
        session,
        action,
        user=user,
        actor=actor,
        object_type="ivr_flow",
        object_id=name,
        detail={"before": before, "after": number, "sha256": version.sha256},
    )
    session.flush()
    return version


def rollback(
    session: Session,
    name: str,
    number: int,
    *,
    user: User | None = None,
    actor: str | None = None,
    checks: FlowChecks = FlowChecks(),
) -> FlowVersion:
    """Publish the earlier version ``number`` again (audited as a rollback)."""
    return publish(
        session, name, number, user=user, actor=actor, checks=checks, action="ivr_flow_rollback"
    )
