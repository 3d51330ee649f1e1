"""Queue exits: no-agent wait limit, exit key, callback key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_wait_no_agent_seconds', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('exit_key', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('callback_key', sa.String(length=1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('callback_key')
        batch_op.drop_column('exit_key')
        batch_op.drop_column('max_wait_no_agent_seconds')

