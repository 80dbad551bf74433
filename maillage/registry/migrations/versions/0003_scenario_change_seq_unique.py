"""One change per (scenario, seq): concurrent edits can no longer store two changes with the same number.

Revision ID: 0003
Revises: 0002

A database written before this revision may already hold duplicate numbers (concurrent edits
took ``max(seq)`` outside the write lock): they are renumbered in id order, the order they were
stored in, before the constraint is created.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE scenario_change SET seq = (SELECT COUNT(*) FROM scenario_change AS earlier"
            " WHERE earlier.scenario_id = scenario_change.scenario_id AND earlier.id <= scenario_change.id)"
        )
    )
    # A unique index rather than a table constraint: SQLite cannot ALTER TABLE ADD CONSTRAINT.
    op.create_index("uq_scenario_change_seq", "scenario_change", ["scenario_id", "seq"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_scenario_change_seq", "scenario_change")
