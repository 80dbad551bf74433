"""Registry import on the real 92 data, on SQLite and PostgreSQL: contents, placement, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from maillage import api
from maillage.registry import models
from maillage.registry.export import sites_to_csv, sites_to_geojson
from maillage.registry.loader import add_sites
from maillage.registry.snapshot import load_snapshot


def _geojson_population(path: Path) -> int:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return sum(f["properties"]["population"] for f in doc["features"])


def test_init_loads_the_36_communes_and_their_population(shared_data: Path, db_url: str) -> None:
    content = api.init_registry(shared_data, db_url)
    engine = api.open_registry(db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(models.Commune)) == 36
        total = session.scalar(select(func.sum(models.Commune.population)))
        antony = session.get(models.Commune, "92002")
    assert total == _geojson_population(shared_data / "communes" / "communes-92.geojson") == 1_654_712
    assert antony is not None and antony.name == "Antony"
    assert antony.geometry.geom_type == "MultiPolygon" and antony.geometry.is_valid
    # every site row of every source file is in the registry, none silently dropped
    n_rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in (shared_data / "sites").glob("*.csv"))
    assert content.summary()["sites"] == n_rows


def test_sites_keep_source_kind_services_and_normalised_hours(shared_data: Path, db_url: str) -> None:
    api.init_registry(shared_data, db_url)
    snapshot = load_snapshot(api.open_registry(db_url))
    sites = snapshot.sites.set_index("id")
    # France Services hours "Mo 09:30 - 13:00 / 14:00 - 17:00; …" become OSM syntax
    assert sites.loc["fs-544", "opening_hours"].startswith("Mo 09:30-13:00,14:00-17:00; Tu 09:30-13:00")
    assert sites.loc["fs-544", "coordinate_quality"] == "source"
    assert sites.loc["fs-544", "lon"] == pytest.approx(2.288935)
    # free French text is only used through the shipped transcription
    assert sites.loc["pg-pole-chatillon", "opening_hours"] == "Mo-Fr 08:30-12:30,13:30-17:30"
    assert sites.loc["pg-pole-asnieres", "opening_hours"] is None  # truncated in the source: unknown
    assert sites.loc["mob-caravane-issy-2025-09-26", "kind"] == "mobile_stop"
    assert sites.loc["mob-caravane-issy-2025-09-26", "source_kind"] == "mobile_caravane_solidaire"
    assert "pmi" in sites.loc["pg-pole-clichy", "services"]
    assert bool(sites.loc["pg-pole-clichy", "services_assumed"]) is True


def test_placement_is_flagged_and_duplicates_point_to_the_located_record(shared_data: Path, db_url: str) -> None:
    api.init_registry(shared_data, db_url)
    sites = load_snapshot(api.open_registry(db_url)).sites.set_index("id")
    # "39 rue Louveau" (pages) = "39 RUE LOUVEAU PÔLE SOCIAL, BÂTIMENT ORION" (PMI file, with coordinates)
    assert sites.loc["pg-pole-chatillon", "coordinate_quality"] == "same_address"
    assert sites.loc["pg-pole-chatillon", "lon"] == pytest.approx(sites.loc["mama-22", "lon"])
    # no coordinates in any source: geocoded on the OSM extract's address point, the file named
    assert sites.loc["pg-pole-issy", "coordinate_quality"] == "osm_address"
    assert "hauts-de-seine-2021-omt.osm.pbf" in sites.loc["pg-pole-issy", "coordinate_note"]
    # no street anywhere, but "écoquartier des Courtilles" names the stops "Les Courtilles" (IDFM file)
    assert sites.loc["pg-pole-asnieres", "coordinate_quality"] == "named_stop"
    # no address in any source and nothing named: commune centroid, flagged
    assert sites.loc["pg-pole-chatenay", "coordinate_quality"] == "commune_centroid"
    # the 2019 annuaire PMI of Asnières at 24 rue des Mourinoux is the 2025 "PMI des Mourinoux"
    assert sites.loc["pmi-92004-03", "duplicate_of"] == "mama-21"
    # a source point inside another commune than stated is reported, not moved
    assert "92073" in sites.loc["mama-39", "coordinate_note"]
    # a stop with no commune at all is kept but not placed
    assert sites.loc["mob-bsf-vanves-malakoff", "coordinate_quality"] == "none"
    assert sites.loc["mob-bsf-first-tours-2019", "communes_served"] == ["92002", "92024"]


def test_sectors_are_derived_from_communes_served(shared_data: Path, db_url: str) -> None:
    api.init_registry(shared_data, db_url)
    snapshot = load_snapshot(api.open_registry(db_url))
    assert snapshot.sectors_derived
    chatillon = {c for c, s in snapshot.sector_of_commune.items() if s == "pg-pole-chatillon"}
    assert chatillon == {"92020", "92046", "92049"}  # Châtillon, Malakoff, Montrouge per the source
    assert snapshot.sector_of_commune["92012"] == "non-renseigne"


def test_sectors_file_replaces_derived_sectors(data_copy: Path, db_url: str) -> None:
    (data_copy / "sites" / "sectors.csv").write_text(
        "sector_id,name,insee_code,source\nsst-a,SST A,92002,test\nsst-a,SST A,92071,test\n", encoding="utf-8"
    )
    api.init_registry(data_copy, db_url)
    snapshot = load_snapshot(api.open_registry(db_url))
    assert not snapshot.sectors_derived
    assert snapshot.sector_of_commune["92071"] == "sst-a"
    assert snapshot.sector_of_commune["92020"] == "non-renseigne"


def test_export_csv_round_trip(shared_data: Path, db_url: str, tmp_path: Path) -> None:
    api.init_registry(shared_data, db_url)
    before = load_snapshot(api.open_registry(db_url)).sites.set_index("id")
    exported = tmp_path / "data" / "sites" / "all.csv"
    exported.parent.mkdir(parents=True)
    exported.write_text(sites_to_csv(before.reset_index()), encoding="utf-8")
    (tmp_path / "data" / "communes").mkdir()
    for name in ("communes-92.geojson",):
        (tmp_path / "data" / "communes" / name).write_bytes((shared_data / "communes" / name).read_bytes())
    # geocoded points are not exported but recomputed on re-import, from the same OSM extract and stops
    (tmp_path / "data" / "osm").symlink_to(shared_data / "osm", target_is_directory=True)
    (tmp_path / "data" / "transit").symlink_to(shared_data / "transit", target_is_directory=True)
    other = f"sqlite:///{tmp_path / 'again.sqlite'}"
    api.init_registry(tmp_path / "data", other)
    after = load_snapshot(api.open_registry(other)).sites.set_index("id")
    assert sorted(after.index) == sorted(before.index)
    for column in (
        "kind",
        "source_kind",
        "commune_code",
        "opening_hours",
        "coordinate_quality",
        "duplicate_of",
    ):
        assert after[column].fillna("").to_dict() == before[column].fillna("").to_dict(), column
    assert after["services"].to_dict() == before["services"].to_dict()


def test_geojson_export_is_valid(shared_data: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    api.init_registry(shared_data, url)
    doc = json.loads(sites_to_geojson(load_snapshot(api.open_registry(url)).sites))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 120
    located = [f for f in doc["features"] if f["geometry"]]
    assert all(2.1 < f["geometry"]["coordinates"][0] < 2.4 for f in located)


def test_add_sites_to_existing_registry(shared_data: Path, db_url: str, tmp_path: Path) -> None:
    api.init_registry(shared_data, db_url)
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "id,name,kind,address,postcode,commune,insee_code,lon,lat,opening_hours,phone,source_url_or_repo,services\n"
        "plan-1,Antenne test,antenne,,,Bagneux,92007,,,Mo-Fr 09:00-12:00,,scenario test,pmi;acces_aux_droits\n",
        encoding="utf-8",
    )
    records = add_sites(api.open_registry(db_url), [extra])
    assert [r.id for r in records] == ["plan-1"]
    sites = load_snapshot(api.open_registry(db_url)).sites.set_index("id")
    assert sites.loc["plan-1", "services"] == ["pmi", "acces_aux_droits"]
    assert sites.loc["plan-1", "coordinate_quality"] == "commune_centroid"


def test_postgis_stores_real_geometries(shared_data: Path, db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostGIS only")
    from sqlalchemy import text

    api.init_registry(shared_data, db_url)
    engine = api.open_registry(db_url)
    with engine.connect() as conn:
        kind, srid, area_km2 = conn.execute(
            text(
                "SELECT GeometryType(geometry), ST_SRID(geometry), "
                "ST_Area(ST_Transform(geometry, 2154)) / 1e6 FROM commune WHERE code = '92002'"
            )
        ).one()
        indexed = conn.execute(
            text("SELECT count(*) FROM pg_indexes WHERE tablename = 'commune' AND indexdef ILIKE '%gist%'")
        ).scalar()
    assert (kind, srid) == ("MULTIPOLYGON", 4326)
    assert 9 < area_km2 < 10.5  # Antony: about 9.6 km²
    assert indexed == 1


def test_conventions_from_the_seeds_are_in_the_registry(shared_data: Path, db_url: str) -> None:
    api.init_registry(shared_data, db_url)
    with Session(api.open_registry(db_url)) as session:
        rows = {c.commune_code: c for c in session.scalars(select(models.Convention))}
    assert set(rows) == {"92071", "92007", "92036"}  # Sceaux, Bagneux, Gennevilliers
    assert str(rows["92071"].signed_on) == "2025-05-12" and rows["92071"].duration_years == 3
    assert "004_" in rows["92071"].source


def test_schema_is_migrated_to_alembic_head_and_the_fast_path_knows_it(db_url: str) -> None:
    from alembic.script import ScriptDirectory

    from maillage.registry import db

    engine = db.make_engine(db_url)
    assert db.current_revision(engine) is None  # a fresh database: no alembic table yet
    db.migrate(engine)
    head = ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()
    assert head == db.HEAD_REVISION  # bump HEAD_REVISION with every new migration
    assert db.current_revision(engine) == head
    db.migrate(engine)  # at head: nothing to do, nothing breaks
    assert db.current_revision(engine) == head
