"""Shared fixtures: the real Hauts-de-Seine data folder and registries on SQLite and PostgreSQL.

The data folder is ``../shared/data`` beside the repository (or ``$MAILLAGE_TEST_DATA``); it is
never copied into the repository. PostgreSQL tests run when ``MAILLAGE_TEST_PG_URL`` is set (the
test script starts a real server and sets it); each test gets its own fresh database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from maillage import api
from maillage.audit.guarantee import run_audit
from maillage.network.crowfly import CrowFlyEngine
from maillage.registry.snapshot import load_snapshot

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MAILLAGE_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


STRICT = os.environ.get("MAILLAGE_STRICT_TESTS") == "1" or bool(os.environ.get("CI"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's chromium headless (scripts/browser.sh installs it)")


def missing_test_data(reason: str) -> None:
    """Skip for a developer without the data; fail under the test script/CI, where it must be there."""
    if STRICT:
        pytest.fail(f"{reason} (MAILLAGE_STRICT_TESTS=1: scripts/test.sh installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test reads or writes the person's own registry (``~/.local/share/maillage``): every run gets
    a fresh MAILLAGE_HOME; tests that need their own set it again with monkeypatch."""
    home = tmp_path_factory.mktemp("maillage-home")
    patch = pytest.MonkeyPatch()
    patch.setenv("MAILLAGE_HOME", str(home))
    yield home
    patch.undo()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "communes" / "communes-92.geojson").exists():
        pytest.fail(f"real data folder not found at {SHARED_DATA} (set MAILLAGE_TEST_DATA)")
    return SHARED_DATA


@pytest.fixture
def data_copy(shared_data: Path, tmp_path: Path) -> Path:
    """A scratch copy of the real data folder that a test may corrupt (under tmp, never in the repo)."""
    target = tmp_path / "data"
    shutil.copytree(shared_data, target, ignore=shutil.ignore_patterns("transit"))
    return target


def _postgres_url() -> str | None:
    return os.environ.get("MAILLAGE_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database URL, on SQLite and (when available) on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    admin_url = _postgres_url()
    if not admin_url:
        missing_test_data("no PostgreSQL server (set MAILLAGE_TEST_PG_URL)")
    name = f"maillage_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# ---- the real 92 registry, initialised once per session (planning tests) --------------------------


@pytest.fixture(scope="session")
def registry_template(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite registry of the real data, loaded once; tests copy it rather than write to it."""
    path = tmp_path_factory.mktemp("registry-template") / "registry.sqlite"
    api.init_registry(shared_data, f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def crowfly_world(registry_template: Path):
    """(snapshot, cells, crow-fly walk engine, baseline audit) on the real 92 data."""
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    cells, _ = api.population_cells(snapshot, None)
    engine = CrowFlyEngine("walk")
    return snapshot, cells, engine, run_audit(snapshot, cells, engine, sources=[])


@pytest.fixture
def cli_home(registry_template: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """MAILLAGE_HOME with a copy of the registry template, MAILLAGE_DATA set: ready for CLI runs."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(registry_template, home / "registry.sqlite")
    monkeypatch.setenv("MAILLAGE_HOME", str(home))
    monkeypatch.setenv("MAILLAGE_DATA", str(shared_data))
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    return tmp_path


# The browser fixtures (one server and one chromium for every browser test module). At the end:
# browser_support imports REPO and missing_test_data from here.
from browser_support import all_modes, browser, chromium_path, open_page, playwright, server  # noqa: E402, F401
