"""IVR steps: each call's path through the flows (nodes, choices, where it left) for the funnel.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# covers the IVR funnel report: a flow's rows over a range, read from the index alone
REPORT_COLUMNS = ["flow", "at", "version", "node", "kind", "value", "destination", "first_visit",
                  "entered"]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "ivr_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("destination", sa.String(length=128), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_visit", sa.Boolean(), nullable=False),
        sa.Column("entered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_ivr_steps_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_steps")),
        sa.UniqueConstraint("call_id", "seq", name="uq_ivr_steps_call_seq"),
    )
    op.create_index("ix_ivr_steps_flow_at", "ivr_steps", REPORT_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_ivr_steps_flow_at", table_name="ivr_steps")
    op.drop_table("ivr_steps")
