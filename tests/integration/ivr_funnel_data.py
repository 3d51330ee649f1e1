"""A small fixed set of IVR paths for the funnel tests, in Asia/Shanghai (UTC+8).

Flow ``main`` on 2 March (local): A and F (version 2) press 1 for sales, B presses 7 (no
choice) then 2 for support, C lets the menu time out and hangs up there, D hangs up during the
welcome (no visit row, only the exit), E presses 3 and the flow hangs up at ``bye``. G calls at
00:00:10 on 3 March local (16:00:10 UTC on 2 March). H runs the flow ``survey``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from callcenter.store import models
from callcenter.store.session import session_scope

ZONE = "Asia/Shanghai"
TZ = ZoneInfo(ZONE)

# (node, kind, value[, destination]) per call; "exit" rows end each run
PATHS: dict[str, tuple[str, int, datetime, list[tuple[str, ...]]]] = {
    "A": ("main", 1, datetime(2026, 3, 2, 9, 0, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "1"), ("sales", "queue", "sales"),
           ("sales", "exit", "queue", "sales")]),
    "B": ("main", 1, datetime(2026, 3, 2, 10, 0, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "invalid:7"), ("menu", "menu", "2"),
           ("support", "queue", "support"), ("support", "exit", "queue", "support")]),
    "C": ("main", 1, datetime(2026, 3, 2, 11, 0, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "timeout"), ("menu", "exit", "gone")]),
    "D": ("main", 1, datetime(2026, 3, 2, 12, 0, tzinfo=TZ), [("welcome", "exit", "gone")]),
    "E": ("main", 1, datetime(2026, 3, 2, 23, 59, 50, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "3"), ("bye", "hangup", "NORMAL"),
           ("bye", "exit", "hangup")]),
    "F": ("main", 2, datetime(2026, 3, 2, 14, 0, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "1"), ("sales", "queue", "sales"),
           ("sales", "exit", "queue", "sales")]),
    "G": ("main", 2, datetime(2026, 3, 3, 0, 0, 10, tzinfo=TZ),
          [("welcome", "play", "played"), ("menu", "menu", "2"), ("support", "queue", "support"),
           ("support", "exit", "queue", "support")]),
    "H": ("survey", 1, datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
          [("rate", "survey", "5"), ("rate", "exit", "hangup")]),
}  # fmt: skip


def seed(db_url: str) -> None:
    """One call record per path, with its ivr_steps rows a second apart."""
    with session_scope(db_url) as session:
        for uuid, (flow, version, started, steps) in PATHS.items():
            call = models.Call(uuid=uuid, started_at=started)
            session.add(call)
            session.flush()
            seen: set[str] = set()  # first_visit: the call's first row at the node
            for seq, (node, kind, value, *destination) in enumerate(steps, start=1):
                session.add(
                    models.IvrStep(
                        call_id=call.id, flow=flow, version=version, seq=seq, node=node,
                        kind=kind, value=value, destination=destination[0] if destination else None,
                        at=started + timedelta(seconds=seq), first_visit=node not in seen,
                        entered=seq == 1,
                    )
                )  # fmt: skip
                seen.add(node)
