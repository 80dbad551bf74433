"""Server-side sessions of the planner workspace: a cookie replayed after logout is refused.

Revision ID: 0005
Revises: 0004

The session used to live only in the signed cookie, so logging out could not revoke it. A row per
login now holds the SHA-256 of the session token (never the token itself), its account, when it
was opened and last used, and when it was revoked (logout, an administrator, a deactivated account).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(120), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
        sa.Column("origin", sa.String(200)),
    )


def downgrade() -> None:
    op.drop_table("web_session")
