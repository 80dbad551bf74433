"""A cut or misshapen CSV file is refused whole, naming file, row and field (issue 12).

A ``france_services_92.csv`` cut in half once imported with exit 0 (114 sites instead of 120, the
cut row stored with no commune and no coordinates); a row of 3 fields imported too; a
``conventions.csv`` cut inside a field was accepted with its last value cut short.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
from test_bad_input import FS, _rejected, _state
from typer.testing import CliRunner

from maillage.cli import app

runner = CliRunner()


def _cut(path: Path, keep_chars: int) -> int:
    """Keep the first ``keep_chars`` characters of a text file; return the line the cut falls in."""
    text = path.read_text(encoding="utf-8")[:keep_chars]
    path.write_text(text, encoding="utf-8")
    return text.count("\n") + 1


@pytest.fixture
def loaded(shared_data: Path, db_url: str) -> str:
    from maillage import api

    api.init_registry(shared_data, db_url)
    return db_url


def _header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")


def test_init_refuses_a_site_file_cut_in_half(data_copy: Path, loaded: str) -> None:
    path = data_copy / "sites" / FS
    text = path.read_text(encoding="utf-8")
    half = text.index("\n", len(text) // 2) + 1  # start of the row after the middle…
    half = text.index(",", half) + 1  # …cut after its first field
    line = _cut(path, half)
    message = _rejected(data_copy, loaded)
    assert f"{FS}:{line}:{_header(path)[2]}: 2 champ(s) pour {len(_header(path))} colonnes" in message


@pytest.mark.parametrize("fields", [3, "more"])
def test_init_refuses_a_row_with_the_wrong_number_of_fields(data_copy: Path, loaded: str, fields) -> None:
    path = data_copy / "sites" / FS
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    lines[5] = "a,b,c" if fields == 3 else lines[5] + ",en trop"
    path.write_text("\n".join(lines), encoding="utf-8")
    message = _rejected(data_copy, loaded)
    if fields == 3:
        assert f"{FS}:6:{header[3]}: 3 champ(s) pour {len(header)} colonnes" in message
    else:
        assert f"{FS}:6: {len(header) + 1} champs pour {len(header)} colonnes" in message


def test_init_refuses_a_file_cut_inside_its_last_field(data_copy: Path, loaded: str) -> None:
    path = data_copy / "sites" / FS
    text = path.read_text(encoding="utf-8").rstrip("\n")
    line = _cut(path, len(text) - 2)  # the last value loses its end, every row keeps its fields
    expected = f"{FS}:{line}:{_header(path)[-1]}: la dernière ligne n'a pas de saut de ligne : fichier coupé ?"
    assert expected in _rejected(data_copy, loaded)


def test_sites_import_of_a_cut_file_exits_1_and_writes_nothing(loaded: str, shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / FS
    shutil.copy(shared_data / "sites" / FS, path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("fs-", "new-fs-"), encoding="utf-8")  # fresh ids: only the cut is wrong
    line = _cut(path, text.index("\n", len(text) // 2) + 5)
    before = _state(loaded)
    result = runner.invoke(app, ["sites", "import", str(path), "--db", loaded])
    assert result.exit_code == 1
    assert f"{FS}:{line}:" in result.output and "Traceback" not in result.output
    assert _state(loaded) == before


def _steering_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "steering"
    folder.mkdir()
    for name in ("budget_lines.csv", "activity.csv", "conventions.csv"):
        folder.joinpath(name).write_bytes(resources.files("maillage.data.steering").joinpath(name).read_bytes())
    return folder


@pytest.mark.parametrize("where", ["inside a quoted field", "inside the last field"])
def test_steering_import_refuses_a_conventions_file_cut_mid_field(tmp_path: Path, where: str) -> None:
    folder = _steering_copy(tmp_path)
    assert runner.invoke(app, ["steering", "import", "--dir", str(folder)]).exit_code == 0
    path = folder / "conventions.csv"
    text = path.read_text(encoding="utf-8")
    quoted = where == "inside a quoted field"
    _cut(path, text.index(',"', len(text) // 2) + 5 if quoted else len(text.rstrip("\n")) - 2)
    result = runner.invoke(app, ["steering", "import", "--dir", str(folder)])
    assert result.exit_code == 1, result.output
    assert "conventions.csv:" in result.output and "fichier tronqué" in result.output
    assert "Traceback" not in result.output


def test_latin1_binary_and_bom_files(data_copy: Path, loaded: str, tmp_path: Path) -> None:
    """Latin-1 or binary: one line naming the file, exit 1, nothing written; a UTF-8 BOM is accepted."""
    path = data_copy / "sites" / FS
    original = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + original)  # BOM before the header: the "id" column is still found
    before = _state(loaded)
    from maillage import api

    api.init_registry(data_copy, loaded)
    assert _state(loaded) == before
    path.write_bytes(original.decode("utf-8").encode("latin-1", errors="replace"))
    assert f"{FS}: pas du texte UTF-8" in _rejected(data_copy, loaded)
    folder = _steering_copy(tmp_path)
    (folder / "conventions.csv").write_bytes(bytes(range(256)))
    result = runner.invoke(app, ["steering", "import", "--dir", str(folder)])
    assert result.exit_code == 1 and "conventions.csv:0:-: pas du texte UTF-8" in result.output
    assert "Traceback" not in result.output
    scenario = tmp_path / "s.csv"
    scenario.write_bytes("op,site_id,name\nadd_site,,Ã©tÃ©\xe9\n".encode("latin-1"))
    result = runner.invoke(app, ["scenario", "import", str(scenario), "--db", loaded])
    assert result.exit_code == 1 and "pas du texte UTF-8" in result.output


def test_a_header_only_site_file_is_said(data_copy: Path, loaded: str) -> None:
    path = data_copy / "sites" / FS
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    assert f"{FS}:2: en-tête seul, aucun site" in _rejected(data_copy, loaded)
