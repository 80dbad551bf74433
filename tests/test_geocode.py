"""Geocoding against a file in the official BAN layout.

The BAN file here is built at test time from real points: the addresses and coordinates of the
PMI file in shared/data (hapyatila), written in the BAN ``adresses-92.csv`` columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from maillage import api
from maillage.registry.geocode import BanIndex, parse_address
from maillage.registry.snapshot import load_snapshot

BAN_HEADER = "id;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat"


def _ban_from_pmi_file(shared_data: Path, target: Path) -> dict[str, tuple[float, float]]:
    points = {}
    lines = [BAN_HEADER]
    path = shared_data / "sites" / "pmi_addresses_2025_07_hapyatila_92.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            number, street = parse_address(row["address"])
            if not number or not street:
                continue
            lines.append(f"x;{number};;{street.title()};{row['postcode']};{row['insee_code']};{row['commune']};"
                         f"{row['lon']};{row['lat']}")  # fmt: skip
            points[row["id"]] = (float(row["lon"]), float(row["lat"]))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return points


def test_parse_addresses_as_sources_write_them() -> None:
    assert parse_address("Centre local - 81 rue Prosper-Legouté") == ("81", "rue prosper legoute")
    assert parse_address("39 RUE LOUVEAU PÔLE SOCIAL, BÂTIMENT ORION") == ("39", "rue louveau")
    assert parse_address("12 bis av. de la République") == ("12bis", "avenue de la republique")
    assert parse_address("rue Martre (no number given)") == (None, "rue martre")
    assert parse_address("immeuble L'Atrium") == (None, None)


def test_ban_address_and_street_matches(shared_data: Path, tmp_path: Path) -> None:
    ban_path = tmp_path / "adresses-92.csv"
    points = _ban_from_pmi_file(shared_data, ban_path)
    ban = BanIndex.from_csv(ban_path)
    hit = ban.geocode("15 rue Martre", "92024")
    assert hit is not None and hit.quality == "ban_address"
    assert (hit.lon, hit.lat) == pytest.approx(points["mama-26"])
    street = ban.geocode("rue Martre (no number given)", "92024")
    assert street is not None and street.quality == "ban_street"
    assert ban.geocode("15 rue Martre", "92002") is None  # same street name, other commune


def test_init_uses_the_ban_file_of_the_data_folder(data_copy: Path, shared_data: Path, tmp_path: Path) -> None:
    (data_copy / "addresses").mkdir()
    _ban_from_pmi_file(shared_data, data_copy / "addresses" / "adresses-92.csv")
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    api.init_registry(data_copy, url)
    sites = load_snapshot(api.open_registry(url)).sites.set_index("id")
    # the Clichy pôle has only "rue Martre (no number given)": placed on the BAN street, flagged as such
    # (the BAN comes first: the OSM extract of the same folder would also know rue Martre)
    assert sites.loc["pg-pole-clichy", "coordinate_quality"] == "ban_street"
    # not in this BAN file (built from the PMI file): the OSM extract's address point takes over
    assert sites.loc["pg-pole-issy", "coordinate_quality"] == "osm_address"


def test_not_a_ban_file(tmp_path: Path) -> None:
    path = tmp_path / "adresses-92.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pas un fichier d'adresses BAN"):
        BanIndex.from_csv(path)
