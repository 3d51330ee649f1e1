"""Admin set-up: queue skill widening and tier wait, skills can be deactivated, not-ready reasons (seeded with the codes
the desktop offered before), named business-hours calendars.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('widening', sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column('tier_wait_seconds', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default='1'))
    reasons = op.create_table(
        'not_ready_reasons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=128), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_not_ready_reasons')),
        sa.UniqueConstraint('code', name=op.f('uq_not_ready_reasons_code')),
    )
    op.bulk_insert(
        reasons,
        [
            {'code': code, 'label': None, 'position': i, 'active': True}
            for i, code in enumerate(('break', 'lunch', 'meeting', 'training'), start=1)
        ],
    )
    op.create_table(
        'calendars',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('hours', sa.Text(), nullable=False),
        sa.Column('holidays', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendars')),
        sa.UniqueConstraint('name', name=op.f('uq_calendars_name')),
    )


def downgrade() -> None:
    op.drop_table('calendars')
    op.drop_table('not_ready_reasons')
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('tier_wait_seconds')
        batch_op.drop_column('widening')
