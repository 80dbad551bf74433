"""Database URL, engine and schema migrations (Alembic).

Default: an embedded SQLite file in ``$MAILLAGE_HOME`` (default ``./.maillage``). Production:
``MAILLAGE_DB_URL=postgresql+psycopg://…`` with the PostGIS extension. The schema is always
created by the Alembic migrations shipped in ``maillage/registry/migrations``, never by
``create_all``, so that SQLite and PostgreSQL databases follow the same history.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def home_dir() -> Path:
    """Where maillage keeps its embedded database and outputs (``$MAILLAGE_HOME``)."""
    return Path(os.environ.get("MAILLAGE_HOME", ".maillage")).resolve()


def default_url() -> str:
    """``$MAILLAGE_DB_URL`` if set, else the SQLite file ``$MAILLAGE_HOME/registry.sqlite``."""
    url = os.environ.get("MAILLAGE_DB_URL")
    if url:
        return url
    home = home_dir()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'registry.sqlite'}"


def make_engine(url: str | None = None) -> Engine:
    engine = create_engine(url or default_url(), future=True)
    if engine.dialect.name == "sqlite":
        # SQLite ignores foreign keys unless asked, per connection.
        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (PostGIS extension created on PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    with _MIGRATION_LOCK:  # alembic's migration context is process-global: one upgrade at a time
        command.upgrade(alembic_config(engine), "head")


_MIGRATION_LOCK = threading.Lock()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
