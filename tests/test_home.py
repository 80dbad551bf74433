"""Where the registry lives by default: never relative to the current folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from maillage.registry.db import default_url, home_dir


@pytest.fixture
def no_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("MAILLAGE_HOME", raising=False)
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "claire"))
    return tmp_path


def test_default_is_the_xdg_data_folder(no_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert home_dir() == no_home / "claire" / ".local" / "share" / "maillage"
    monkeypatch.setenv("XDG_DATA_HOME", str(no_home / "xdg"))
    assert home_dir() == no_home / "xdg" / "maillage"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/xdg")  # invalid per the XDG spec: ignored
    assert home_dir() == no_home / "claire" / ".local" / "share" / "maillage"


def test_maillage_home_wins(no_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(no_home / "xdg"))
    monkeypatch.setenv("MAILLAGE_HOME", str(no_home / "ici"))
    assert home_dir() == no_home / "ici"


def test_same_registry_from_any_folder(no_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    urls = set()
    for folder in ("a", "b/c"):
        (no_home / folder).mkdir(parents=True)
        monkeypatch.chdir(no_home / folder)
        urls.add(default_url())
    assert urls == {f"sqlite:///{no_home / 'claire' / '.local' / 'share' / 'maillage' / 'registry.sqlite'}"}
    assert not (no_home / "a" / ".maillage").exists()


def test_registry_made_in_one_folder_is_found_from_another(no_home: Path) -> None:
    """Two real processes in two folders, no MAILLAGE_HOME: the second sees what the first wrote."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAILLAGE_HOME", "MAILLAGE_DB_URL", "XDG_DATA_HOME")}
    env |= {"HOME": str(no_home / "claire"), "PYTHONPATH": str(REPO)}
    cli = [sys.executable, "-c", "from maillage.cli import app; app()"]
    for folder in ("one", "two"):
        (no_home / folder).mkdir()
    first = subprocess.run([*cli, "user", "add", "claire", "--password-stdin"], input="mot-de-passe-assez-long\n",
                           cwd=no_home / "one", env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert first.returncode == 0, first.stderr
    where = subprocess.run([sys.executable, "-c", "from maillage.registry.db import default_url; print(default_url())"],
                           cwd=no_home / "two", env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    registry = no_home / "claire" / ".local" / "share" / "maillage" / "registry.sqlite"
    assert where.stdout.strip() == f"sqlite:///{registry}"
    assert registry.exists()  # written by the first process, in folder one
    assert not list(no_home.glob("*/.maillage"))
