"""A small fixed data set for the report tests, in Asia/Shanghai (UTC+8, no DST).

Local times are chosen to cross hour boundaries and local midnight; 16:00 UTC is already the
next local day, so a report bucketed in UTC would put call E on the wrong day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.session import session_scope

ZONE = "Asia/Shanghai"
TZ = ZoneInfo(ZONE)


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of March 2026 in the center's time zone."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=TZ)


def _call(
    uuid: str, queue: models.Queue, started: datetime, wait: float, **kw: object
) -> models.Call:
    answered = kw.pop("answered", True)
    return models.Call(
        uuid=uuid, queue_id=queue.id, started_at=started, wait_seconds=wait,
        answered_at=started + timedelta(seconds=wait) if answered else None,
        disposition=Disposition.ANSWERED if answered else Disposition.ABANDONED, **kw,
    )  # fmt: skip


def _leg(call: models.Call, position: int, agent: models.Agent, outcome: str, **kw: object) -> None:
    offered = call.started_at + timedelta(seconds=call.wait_seconds or 0)
    call.agent_legs.append(
        models.CallAgentLeg(position=position, agent_id=agent.id, outcome=outcome,
                            role=kw.pop("role", "queue"), offered_at=offered, **kw)
    )  # fmt: skip


def seed(db_url: str) -> None:
    """Queues sales/support, agents 1001/1002, their calls and state log."""
    with session_scope(db_url) as s:
        sales = models.Queue(name="sales", service_level_seconds=20)
        support = models.Queue(name="support", service_level_seconds=20)
        a1 = models.Agent(number="1001", sip_user="1001", display_name="Ann")
        a2 = models.Agent(number="1002", sip_user="1002", display_name="Bo")
        s.add_all([sales, support, a1, a2])
        s.flush()
        x = _call("A", sales, local(2, 9, 59, 50), 10, talk_seconds=100, hold_seconds=5,
                  wrap_up_seconds=20, agent_id=a1.id, survey_score=4)  # fmt: skip
        _leg(x, 1, a1, "answered", talk_seconds=100)
        b = _call("B", sales, local(2, 9), 3, answered=False)
        y = _call("C", sales, local(2, 10), 30, talk_seconds=40, agent_id=a2.id)
        _leg(y, 1, a1, "missed")
        _leg(y, 2, a2, "answered", talk_seconds=40)
        z = _call("D", sales, local(2, 23, 59, 59), 5, talk_seconds=80, wrap_up_seconds=10,
                  agent_id=a2.id, survey_score=2)  # fmt: skip
        _leg(z, 1, a1, "answered", talk_seconds=30)
        _leg(z, 2, a2, "answered", role="transfer", talk_seconds=50)
        e = _call("E", sales, local(3, 0), 40, answered=False)
        early = _call("F", sales, local(1, 23, 59, 59), 1, answered=False)
        late = _call("G", sales, local(4, 0), 1, answered=False)
        other = _call("H", support, local(2, 9, 30), 25, talk_seconds=10, agent_id=a2.id)
        s.add_all([x, b, y, z, e, early, late, other])
        log = [
            ("available", None, local(1, 23), local(2, 1)),
            ("logged_out", None, local(2, 1), local(2, 12)),
            ("not_ready", "lunch", local(2, 12), local(2, 13)),
            ("on_call", None, local(2, 13), local(2, 13, 30)),
            ("wrap_up", None, local(2, 13, 30), local(2, 13, 31)),
            ("available", None, local(2, 13, 31), local(2, 22)),
            ("not_ready", "break", local(2, 22), None),
        ]
        s.add_all(
            models.AgentStateLog(agent_id=a1.id, state=state, reason=reason, since=since,
                                 until=until)
            for state, reason, since, until in log
        )  # fmt: skip
