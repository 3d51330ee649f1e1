"""Canned answers and call scripts per queue (the agent desktop shows them beside the pop).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canned_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_canned_answers_queue_id_queues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_answers")),
    )
    op.create_index(op.f("ix_canned_answers_queue_id"), "canned_answers", ["queue_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_canned_answers_queue_id"), table_name="canned_answers")
    op.drop_table("canned_answers")
