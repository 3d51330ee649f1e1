"""Wrap-up codes: the queue's disposition codes (and whether one is required) and what each
agent saved for a call.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrap_up_codes', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('wrap_up_code_required', sa.Boolean(), nullable=False, server_default='0')
        )
    op.create_table(
        'call_wrap_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_uuid', sa.String(length=64), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['agent_id'], ['agents.id'], name=op.f('fk_call_wrap_ups_agent_id_agents'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_wrap_ups')),
        sa.UniqueConstraint('call_uuid', 'agent_id', name='uq_call_wrap_up_agent'),
    )
    with op.batch_alter_table('call_wrap_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_wrap_ups_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_wrap_ups_call_uuid'), ['call_uuid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_wrap_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_wrap_ups_call_uuid'))
        batch_op.drop_index(batch_op.f('ix_call_wrap_ups_agent_id'))
    op.drop_table('call_wrap_ups')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('wrap_up_code_required')
        batch_op.drop_column('wrap_up_codes')
