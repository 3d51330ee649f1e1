"""SIP subscribers: the view a SIP proxy (Kamailio's auth_db) reads agents' digest secrets from.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# username + ha1 (md5 of user:domain:password, FreeSWITCH's a1-hash) of every active agent with a
# SIP password: auth_db with calculate_ha1 = 0 compares the digest against ha1 directly
VIEW = """CREATE VIEW sip_subscribers AS
SELECT sip_user AS username, sip_a1_hash AS ha1
FROM agents
WHERE active AND sip_a1_hash IS NOT NULL"""


def upgrade() -> None:
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW sip_subscribers")
