"""Database URL, engine and schema migrations (Alembic).

Default: an embedded SQLite file in ``$MAILLAGE_HOME`` (default ``$XDG_DATA_HOME/maillage``, else
``~/.local/share/maillage``: the same registry whatever the current folder). Production:
``MAILLAGE_DB_URL=postgresql+psycopg://…`` with the PostGIS extension. The schema is always
created by the Alembic migrations shipped in ``maillage/registry/migrations``, never by
``create_all``, so that SQLite and PostgreSQL databases follow the same history.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision: a database already there needs no alembic at all (importing
# alembic costs a few tenths of a second at every command). tests/test_registry.py checks it.
HEAD_REVISION = "0005"


def home_dir() -> Path:
    """Where maillage keeps its embedded database and secret key.

    ``$MAILLAGE_HOME`` when set (tests and scripts isolate themselves this way), else the XDG data
    folder, ``$XDG_DATA_HOME/maillage`` or ``~/.local/share/maillage``. Never relative to the current
    folder: ``maillage audit`` run from elsewhere must find the registry ``maillage init`` loaded.
    """
    explicit = os.environ.get("MAILLAGE_HOME")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME")
    # the XDG spec: a relative XDG_DATA_HOME is invalid and must be ignored
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return (base / "maillage").resolve()


def default_url() -> str:
    """``$MAILLAGE_DB_URL`` if set, else the SQLite file ``$MAILLAGE_HOME/registry.sqlite``."""
    url = os.environ.get("MAILLAGE_DB_URL")
    if url:
        return url
    home = home_dir()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'registry.sqlite'}"


# How long a SQLite writer waits for another process's write lock before "database is locked":
# concurrent scenario edits queue on it (store.py retries past it too).
SQLITE_BUSY_TIMEOUT_S = 30.0


def make_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    backend = make_url(url).get_backend_name()
    sqlite = backend == "sqlite"
    if backend == "postgresql":
        import geoalchemy2  # noqa: F401  (its DDL hooks make the PostGIS spatial indexes)
    engine = create_engine(url, future=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S} if sqlite else {})
    if sqlite:
        # SQLite ignores foreign keys unless asked, per connection.
        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The database's alembic revision, None for a database without the alembic table."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (PostGIS extension created on PostgreSQL)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    with _MIGRATION_LOCK:  # alembic's migration context is process-global: one upgrade at a time
        command.upgrade(alembic_config(engine), "head")


_MIGRATION_LOCK = threading.Lock()


def lock_for_write(session: Session, row: Any | None = None) -> None:
    """Take the write lock first thing in a write transaction, so what it reads stays true until commit.

    SQLite: ``BEGIN IMMEDIATE`` (the Python driver otherwise reads outside any transaction and
    only begins at the first INSERT, after the reads a write depends on). PostgreSQL: ``row`` (a
    ``select(...)`` of the row the write depends on) is locked ``FOR UPDATE``.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif row is not None:
        session.execute(row.with_for_update())


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
