"""Monitoring: the supervisor's phone (users.extension) and the audit of monitoring sessions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extension", sa.String(length=64), nullable=True))
    op.create_table(
        "monitor_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("leg_uuid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=64), nullable=False),
        sa.Column("modes", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_monitor_sessions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_sessions")),
        sa.UniqueConstraint("leg_uuid", name=op.f("uq_monitor_sessions_leg_uuid")),
    )
    with op.batch_alter_table("monitor_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitor_sessions_call_uuid"), ["call_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_monitor_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monitor_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_monitor_sessions_call_uuid"))
    op.drop_table("monitor_sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("extension")
