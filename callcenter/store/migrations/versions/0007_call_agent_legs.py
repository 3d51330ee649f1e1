"""Call agent legs: each agent's part of a call (offer, answer, leaving, ring and talk time).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('call_agent_legs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('cause', sa.String(length=64), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ring_seconds', sa.Double(), nullable=True),
    sa.Column('talk_seconds', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_call_agent_legs_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_agent_legs_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_agent_legs'))
    )
    with op.batch_alter_table('call_agent_legs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_agent_legs_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_call_agent_legs_agent_offered', ['agent_id', 'offered_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_agent_legs', schema=None) as batch_op:
        batch_op.drop_index('ix_call_agent_legs_agent_offered')
        batch_op.drop_index(batch_op.f('ix_call_agent_legs_call_id'))

    op.drop_table('call_agent_legs')
