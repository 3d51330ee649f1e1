"""Report indexes: calls by start, agent legs by offer time, the state log by start (covering).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# covering indexes: the queue report reads calls, the agent report the state log, from the
# index alone (a month of 1,000,000 calls: benchmarks/reports.py)
CALLS_COLUMNS = [
    "started_at",
    "queue_id",
    "disposition",
    "answered_at",
    "wait_seconds",
    "talk_seconds",
    "wrap_up_seconds",
    "agent_id",
    "hold_seconds",
    "survey_score",
]
LEGS_COLUMNS = ["offered_at", "agent_id", "outcome", "role", "talk_seconds", "call_id",
                "position"]  # fmt: skip


def upgrade() -> None:
    op.create_index("ix_calls_started_queue", "calls", CALLS_COLUMNS)
    op.create_index("ix_call_agent_legs_offered", "call_agent_legs", LEGS_COLUMNS)
    op.create_index(
        "ix_agent_state_log_since_agent",
        "agent_state_log",
        ["since", "agent_id", "state", "reason", "until"],  # covers the agent report
    )


def downgrade() -> None:
    op.drop_index("ix_agent_state_log_since_agent", table_name="agent_state_log")
    op.drop_index("ix_call_agent_legs_offered", table_name="call_agent_legs")
    op.drop_index("ix_calls_started_queue", table_name="calls")
