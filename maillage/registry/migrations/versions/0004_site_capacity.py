"""Sites get an optional capacity (interview rooms, « bureaux d'entretien ») and where it comes from.

Revision ID: 0004
Revises: 0003

Both columns are nullable: sites already in a registry keep every value and have no capacity until
the next import (the audit then uses the named default of their kind, printed as an assumption).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER TABLE ADD COLUMN with a comment on every version
    with op.batch_alter_table("site") as batch:
        batch.add_column(sa.Column("capacity", sa.Float, nullable=True, comment="interview rooms"))
        batch.add_column(sa.Column("capacity_source", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.drop_column("capacity_source")
        batch.drop_column("capacity")
