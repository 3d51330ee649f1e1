"""Agents: the SIP password as FreeSWITCH's a1-hash (md5 of user:domain:password).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sip_a1_hash", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("sip_a1_hash")
