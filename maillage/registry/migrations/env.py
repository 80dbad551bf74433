"""Alembic environment: the engine is handed in by maillage.registry.db.migrate."""

from alembic import context

from maillage.registry.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
