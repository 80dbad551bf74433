"""Initial registry schema: communes, sites, sectors, conventions, import runs.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from maillage.registry.geometry import GeometryWGS84

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commune",
        sa.Column("code", sa.String(5), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("population", sa.Integer, nullable=False),
        sa.Column("population_year", sa.Integer),
        sa.Column("postcodes", sa.String(200)),
        sa.Column("geometry", GeometryWGS84("MULTIPOLYGON"), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("source_kind", sa.String(60), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("services_assumed", sa.Boolean, nullable=False),
        sa.Column("operator", sa.String(60)),
        sa.Column("address", sa.Text),
        sa.Column("postcode", sa.String(10)),
        sa.Column("commune_code", sa.String(5), sa.ForeignKey("commune.code"), index=True),
        sa.Column("communes_served", sa.JSON, nullable=False),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("coordinate_quality", sa.String(30), nullable=False),
        sa.Column("coordinate_note", sa.Text),
        sa.Column("opening_hours", sa.Text),
        sa.Column("opening_hours_source_text", sa.Text),
        sa.Column("opening_hours_note", sa.Text),
        sa.Column("phone", sa.String(60)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_file", sa.String(200), nullable=False),
        sa.Column("duplicate_of", sa.String(120)),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "sector",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "sector_commune",
        sa.Column("sector_id", sa.String(60), sa.ForeignKey("sector.id"), primary_key=True),
        sa.Column("commune_code", sa.String(5), sa.ForeignKey("commune.code"), primary_key=True, unique=True),
    )
    op.create_table(
        "convention",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("commune_code", sa.String(5), sa.ForeignKey("commune.code"), nullable=False),
        sa.Column("signed_on", sa.Date),
        sa.Column("duration_years", sa.Integer),
        sa.Column("renewable", sa.Boolean),
        sa.Column("commitments", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, server_default=sa.func.now()),
        sa.Column("data_folder", sa.Text, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("import_run", "convention", "sector_commune", "sector", "site", "commune"):
        op.drop_table(table)
