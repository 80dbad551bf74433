"""Malformed files give one French line naming file (and row/field), exit 1, no traceback (issue 12, item 5).

Each case once ended in a traceback (``AttributeError``, ``RecursionError``, ``_csv.Error``,
``pandas.errors.EmptyDataError``, ``SteeringImportError``) or, for a BAN ``.gz`` cut short, in a
bare "Aborted.". The registry file must be byte-identical afterwards. The data folder here has no
OSM extract, so a refused ``init`` costs seconds, not the address index.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from maillage import api
from maillage.cli import app

runner = CliRunner()
DEEP = "[" * 100_000 + "]" * 100_000
BINARY_UTF8 = bytes(range(128)) * 8  # decodes as UTF-8 (ASCII control bytes), NUL included
BINARY = bytes(range(256)) * 8


@pytest.fixture(scope="module")
def small_data(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("small") / "data"
    shutil.copytree(shared_data, target, ignore=shutil.ignore_patterns("transit", "osm"))
    return target


@pytest.fixture(scope="module")
def registry(small_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "registry.sqlite"
    api.init_registry(small_data, f"sqlite:///{path}")
    return path


@pytest.fixture
def data(small_data: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(small_data, target)
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(args: list[str], registry: Path, *, one_line: bool = True) -> str:
    """Run the CLI; assert a clean exit 1 (no exception escaped), one line, registry untouched; the line."""
    before = _digest(registry)
    result: Result = runner.invoke(app, [*args, "--db", f"sqlite:///{registry}"])
    assert isinstance(result.exception, SystemExit), f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert _digest(registry) == before, "a refused import changed the registry"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 or not one_line, lines
    return " ".join(result.output.split())


def _init_refused(data: Path, registry: Path) -> str:
    return _refused(["init", "--data", str(data)], registry)


GEOJSON = "communes/communes-92.geojson"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type":"FeatureCollection","features":["a"]}', "communes-92.geojson:1: l'entité n'est pas un objet"),
        (
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":"x","geometry":null}]}',
            "communes-92.geojson:1:properties: « properties » n'est pas un objet",
        ),
        (DEEP, "communes-92.geojson: fichier GeoJSON illisible : imbrication trop profonde (100000 niveaux"),
    ],
    ids=["features-not-objects", "properties-string", "nested-100000"],
)
def test_init_refuses_a_misshapen_geojson(data: Path, registry: Path, content: str, expected: str) -> None:
    (data / GEOJSON).write_text(content, encoding="utf-8")
    assert expected in _init_refused(data, registry)


def test_init_refuses_a_binary_sectors_file(data: Path, registry: Path) -> None:
    (data / "sites" / "sectors.csv").write_bytes(BINARY_UTF8)
    assert "sectors.csv: octet nul ligne 1 : fichier binaire, pas du texte" in _init_refused(data, registry)
    (data / "sites" / "sectors.csv").write_bytes(BINARY)
    assert "sectors.csv: pas du texte UTF-8" in _init_refused(data, registry)


def _ban(data: Path, name: str, content: bytes) -> None:
    folder = data / "addresses"
    folder.mkdir(exist_ok=True)
    folder.joinpath(name).write_bytes(content)


BAN_HEADER = b"id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat\n"
BAN_ROW = b"92002_0001_00001;;1;;Rue de Paris;92160;92002;Antony;2.30;48.75\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (  # a download cut short: the gzip stream ends early (was a bare "Aborted.")
            "adresses-92.csv.gz",
            gzip.compress(BAN_HEADER + BAN_ROW * 2000)[:300],
            "adresses-92.csv.gz: archive gzip corrompue ou tronquée",
        ),
        ("adresses-92.csv.gz", b"PK\x03\x04 not gzip at all" * 10, "adresses-92.csv.gz: archive gzip corrompue"),
        ("adresses-92.csv", b"foo;bar\n1;2\n", "adresses-92.csv:1:numero: pas un fichier d'adresses BAN"),
        ("adresses-92.csv", b"", "adresses-92.csv: fichier vide"),
        ("adresses-92.csv", BAN_HEADER + BAN_ROW.replace(b"2.30", b"2,30"),
         "adresses-92.csv:2:lon: « 2,30 » n'est pas"),
    ],
    ids=["gz-cut", "gz-foreign", "missing-columns", "empty", "bad-lon"],
)
def test_init_refuses_a_bad_ban_file(data: Path, registry: Path, name: str, content: bytes, expected: str) -> None:
    _ban(data, name, content)
    assert expected in _init_refused(data, registry)


def test_init_refuses_a_binary_steering_conventions_file(data: Path, registry: Path) -> None:
    (data / "steering").mkdir()
    (data / "steering" / "conventions.csv").write_bytes(BINARY)
    assert "steering/conventions.csv: pas du texte UTF-8 (octet 128)" in _init_refused(data, registry)


def _steering(tmp_path: Path, conventions: bytes) -> Path:
    folder = tmp_path / "steering"
    folder.mkdir()
    for name in ("budget_lines.csv", "activity.csv"):
        folder.joinpath(name).write_bytes(resources.files("maillage.data.steering").joinpath(name).read_bytes())
    folder.joinpath("conventions.csv").write_bytes(conventions)
    return folder


def _shipped_conventions() -> str:
    return resources.files("maillage.data.steering").joinpath("conventions.csv").read_text(encoding="utf-8")


def _steering_refused(folder: Path) -> str:
    result = runner.invoke(app, ["steering", "import", "--dir", str(folder)])
    assert isinstance(result.exception, SystemExit), f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code == 1 and "Traceback" not in result.output
    return " ".join(result.output.split())


def test_steering_import_refuses_binary_and_200_kb_fields(tmp_path: Path) -> None:
    folder = _steering(tmp_path, BINARY_UTF8)
    assert "conventions.csv:0:-: octet nul ligne 1 : fichier binaire" in _steering_refused(folder)
    header, rest = _shipped_conventions().split("\n", 1)
    folder.joinpath("conventions.csv").write_text("x" * 200_000 + "," + header + "\n" + rest, encoding="utf-8")
    assert "conventions.csv:1:-: un champ dépasse 131 072 caractères" in _steering_refused(folder)
    first, others = rest.split("\n", 1)
    big = header + "\n" + first.replace(",", ',"' + "y" * 200_000 + '",', 1) + "\n" + others
    folder.joinpath("conventions.csv").write_text(big, encoding="utf-8")
    assert "conventions.csv:2:-: un champ dépasse 131 072 caractères" in _steering_refused(folder)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.json", DEEP, "deep.json : imbrication trop profonde (100000 niveaux, 64 au plus)"),
        (
            "payload.json",
            '{"changes":[{"op":"add_site","payload":' + DEEP + "}]}",
            "payload.json : imbrication trop profonde",
        ),
        ("big.csv", "op,name\nadd_site," + "x" * 200_000 + "\n", "big.csv:2 : un champ dépasse 131 072 caractères"),
        ("nul.csv", "op,site_id,name\nadd_site,,a\x00b\n", "nul.csv : octet nul ligne 2 : fichier binaire"),
        ("cut.csv", 'op,site_id,name\nadd_site,,"Maison\n', "cut.csv:2 : guillemet non fermé : fichier tronqué"),
    ],
    ids=["nested-100000", "nested-payload", "200-kB-field", "nul-byte", "cut-in-quote"],
)
def test_scenario_import_refuses(registry: Path, tmp_path: Path, name: str, content: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert expected in _refused(["scenario", "import", str(path)], registry)
