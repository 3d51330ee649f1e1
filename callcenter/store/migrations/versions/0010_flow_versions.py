"""IVR flows in the database: flows, their versions (YAML text, author, comment, hash), the
published version of each, and hotline numbers -> flow.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'hotline_numbers',
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('flow_name', sa.String(length=64), nullable=False),
        sa.Column('comment', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('number', name=op.f('pk_hotline_numbers')),
    )
    op.create_table(
        'ivr_flows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('published', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_flows')),
        sa.UniqueConstraint('name', name=op.f('uq_ivr_flows_name')),
    )
    op.create_table(
        'ivr_flow_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('yaml', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('comment', sa.String(length=500), nullable=False),
        sa.Column('valid', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['flow_id'], ['ivr_flows.id'], name=op.f('fk_ivr_flow_versions_flow_id_ivr_flows'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ivr_flow_versions')),
        sa.UniqueConstraint('flow_id', 'number', name='uq_ivr_flow_version_number'),
    )


def downgrade() -> None:
    op.drop_table('ivr_flow_versions')
    op.drop_table('ivr_flows')
    op.drop_table('hotline_numbers')
