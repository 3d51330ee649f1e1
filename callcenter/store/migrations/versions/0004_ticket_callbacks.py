"""Ticket follow-up callbacks and links from tickets to (possibly live) calls by uuid.

Revision ID: 0004
Revises: 0003
Create Date: 2026-01-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ticket_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('dialled_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dialled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ticket_callbacks_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dialled_by_id'], ['users.id'], name=op.f('fk_ticket_callbacks_dialled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_callbacks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_callbacks'))
    )
    op.create_index(op.f('ix_ticket_callbacks_due_at'), 'ticket_callbacks', ['due_at'])
    op.create_index(op.f('ix_ticket_callbacks_ticket_id'), 'ticket_callbacks', ['ticket_id'])
    op.create_table('ticket_call_refs',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('call_uuid', sa.String(length=64), nullable=False),
    sa.Column('caller_number', sa.String(length=64), nullable=True),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_ticket_call_refs_linked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_call_refs_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'call_uuid', name=op.f('pk_ticket_call_refs'))
    )
    op.create_index(op.f('ix_ticket_call_refs_call_uuid'), 'ticket_call_refs', ['call_uuid'])


def downgrade() -> None:
    op.drop_table('ticket_call_refs')
    op.drop_table('ticket_callbacks')
