"""Quality scoring: score forms (frozen once used) and evaluations of recorded calls.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:32:03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_forms")),
    )
    op.create_table(
        "qa_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("evaluator_id", sa.Integer(), nullable=True),
        sa.Column("evaluator", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("agent_comment", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_qa_evaluations_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_qa_evaluations_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evaluator_id"],
            ["users.id"],
            name=op.f("fk_qa_evaluations_evaluator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["qa_forms.id"],
            name=op.f("fk_qa_evaluations_form_id_qa_forms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_evaluations")),
    )
    with op.batch_alter_table("qa_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_qa_evaluations_agent_call", ["agent_id", "call_id", "score"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_qa_evaluations_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qa_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_evaluations_call_id"))
        batch_op.drop_index("ix_qa_evaluations_agent_call")

    op.drop_table("qa_evaluations")
    op.drop_table("qa_forms")
