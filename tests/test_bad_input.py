"""Bad input: each error names file, row and field, and leaves the database exactly as it was."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from maillage import api
from maillage.registry.errors import ImportRejected
from maillage.registry.snapshot import load_snapshot

FS = "france_services_92.csv"


def _edit_row(path: Path, row_id: str, **changes: str) -> int:
    """Change fields of one row in a CSV copy; return its 1-based line number (header = 1)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    line = next(i for i, r in enumerate(rows, start=2) if r["id"] == row_id)
    rows[line - 2].update(changes)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return line


def _state(url: str) -> tuple[int, list[tuple[str, ...]]]:
    snapshot = load_snapshot(api.open_registry(url))
    rows = snapshot.sites[["id", "kind", "opening_hours", "commune_code"]].fillna("").itertuples(index=False)
    return len(snapshot.communes), sorted(tuple(r) for r in rows)


def _rejected(data: Path, url: str) -> str:
    before = _state(url)
    with pytest.raises(ImportRejected) as info:
        api.init_registry(data, url)
    assert _state(url) == before, "a rejected import changed the database"
    return str(info.value)


@pytest.fixture
def loaded(shared_data: Path, db_url: str) -> str:
    api.init_registry(shared_data, db_url)
    return db_url


def test_unknown_commune_code(data_copy: Path, loaded: str) -> None:
    line = _edit_row(data_copy / "sites" / FS, "fs-546", insee_code="92999")
    assert f"{FS}:{line}:insee_code: code commune « 92999 » inconnu" in _rejected(data_copy, loaded)


def test_invalid_opening_hours(data_copy: Path, loaded: str) -> None:
    line = _edit_row(data_copy / "sites" / FS, "fs-546", opening_hours="lundi matin")
    message = _rejected(data_copy, loaded)
    assert f"{FS}:{line}:opening_hours: horaires illisibles" in message


def test_coordinates_outside_the_territory(data_copy: Path, loaded: str) -> None:
    line = _edit_row(data_copy / "sites" / FS, "fs-546", lon="5.3698", lat="43.2965")  # Marseille
    assert f"{FS}:{line}:lon: (5.3698, 43.2965) est hors du territoire" in _rejected(data_copy, loaded)


def test_malformed_coordinate(data_copy: Path, loaded: str) -> None:
    line = _edit_row(data_copy / "sites" / FS, "fs-546", lat="48,93")
    assert f"{FS}:{line}:lat: pas un degré décimal" in _rejected(data_copy, loaded)


def test_missing_column(data_copy: Path, loaded: str) -> None:
    path = data_copy / "sites" / FS
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("opening_hours,", "horaires,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"{FS}:1:opening_hours: colonne(s) manquante(s) : opening_hours" in _rejected(data_copy, loaded)


def test_duplicate_id(data_copy: Path, loaded: str) -> None:
    line = _edit_row(data_copy / "sites" / FS, "fs-546", id="fs-544")
    assert f"{FS}:{line}:id: identifiant « fs-544 » en double (déjà dans {FS}:2)" in _rejected(data_copy, loaded)


def test_unknown_kind_and_service(data_copy: Path, loaded: str) -> None:
    path = data_copy / "sites" / "extra.csv"
    path.write_text(
        "id,name,kind,address,postcode,commune,insee_code,lon,lat,opening_hours,phone,source_url_or_repo,services\n"
        "x1,Site,boulangerie,,,,92002,,,,,test,\n"
        "x2,Site,pmi,,,,92002,,,,,test,pmi;coiffure\n",
        encoding="utf-8",
    )
    message = _rejected(data_copy, loaded)
    assert "extra.csv:2:kind: type « boulangerie » inconnu" in message
    assert "extra.csv:3:services: service inconnu « coiffure »" in message


def test_corrupt_geojson(data_copy: Path, loaded: str) -> None:
    path = data_copy / "communes" / "communes-92.geojson"
    path.write_bytes(path.read_bytes()[:5000])  # truncated download
    assert "communes-92.geojson: fichier GeoJSON illisible" in _rejected(data_copy, loaded)


def test_commune_without_population(data_copy: Path, loaded: str) -> None:
    path = data_copy / "communes" / "communes-92.geojson"
    path.write_text(path.read_text(encoding="utf-8").replace('"population":64263', '"population":"beaucoup"', 1))
    message = _rejected(data_copy, loaded)
    assert "communes-92.geojson:1:population: « beaucoup » n'est pas un effectif" in message


def test_every_problem_is_listed_one_per_line(data_copy: Path, loaded: str) -> None:
    a = _edit_row(data_copy / "sites" / FS, "fs-546", insee_code="00000")
    b = _edit_row(data_copy / "sites" / FS, "fs-547", opening_hours="tous les jours")
    lines = _rejected(data_copy, loaded).splitlines()
    assert lines[0].startswith("import refusé, 2 problèmes ; rien n'a été écrit")
    assert lines[1].startswith(f"{FS}:{a}:insee_code") and lines[2].startswith(f"{FS}:{b}:opening_hours")
