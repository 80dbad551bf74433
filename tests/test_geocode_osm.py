"""Geocoding from an OpenStreetMap extract: tricky address strings, a hand-made PBF with hand-placed
points, a bad extract, and the real département site addresses on the real 92 extract."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from osm_builder import offset_lonlat, write_pbf
from pyproj import Geod

from maillage import api
from maillage.geo import lonlat_to_l93
from maillage.registry.addresses import load_osm_addresses
from maillage.registry.errors import ImportRejected
from maillage.registry.geocode import address_in_note, house_numbers, parse_address
from maillage.registry.osm_geocode import OsmGeocoder
from maillage.registry.snapshot import load_snapshot

_GEOD = Geod(ellps="WGS84")
PBF_NAME = "hauts-de-seine-2021-omt.osm.pbf"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13-15 rue Jean-Pierre Timbaud", ("13", "rue jean pierre timbaud")),
        ("43-47 avenue Henri-Ginoux", ("43", "avenue henri ginoux")),
        ("102 bis rue de la République", ("102bis", "rue de la republique")),
        ("10 ter rue d'Estiennes-d'Orves", ("10ter", "rue d estiennes d orves")),
        ("2 C rue Lecointre", ("2c", "rue lecointre")),
        ("12 Av. Gabriel Péri", ("12", "avenue gabriel peri")),
        ("5 Bd Carnot", ("5", "boulevard carnot")),
        ("3 pl. de l'Église", ("3", "place de l eglise")),
        ("7 imp. des Lilas", ("7", "impasse des lilas")),
        ("77, rue Prosper-Legouté", ("77", "rue prosper legoute")),
        ("RUE MARTRE", (None, "rue martre")),  # no number: the street only
        ("6 boulevard Carnot - Centre Communal d'Action Social (CCAS) - Coordination", ("6", "boulevard carnot")),
        (
            "Coordination gérontologique - Espace prévention-santé - Square Henri-Sellier",
            (None, "square henri sellier"),
        ),
        ("13 rue de la Méditerranée, 92160 Antony", ("13", "rue de la mediterranee")),
        ("à deux pas du métro Vanves-Malakoff", (None, None)),
    ],
)
def test_tricky_address_strings(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_address(text) == expected


def test_osm_house_numbers_and_addresses_quoted_in_notes() -> None:
    assert house_numbers("5,7") == ["5", "7"]
    assert house_numbers("2 BIS") == house_numbers("2bis") == ["2bis"]
    assert house_numbers("13-15") == ["13", "15"]
    note = "Kept by the Département. The 2019 annuaire gives 13 rue de la Méditerranée, 92160 Antony."
    assert address_in_note(note, {"92160"}) == "13 rue de la Méditerranée"
    assert address_in_note(note, {"92230"}) is None  # another commune's postcode: not this site's address
    assert address_in_note("The 2019 annuaire lists a PMI at 11 place Stalingrad (maybe).", {"92150"}) is None


# A hand-made commune (a 1 km square around the origin) with one street of four address points, a
# street with no address point, and three named POIs.
NODES = {
    1: (0, 0), 2: (400, 0),  # rue Jean-Pierre Timbaud
    3: (0, 200), 4: (300, 200),  # allée des Tilleuls (no address point)
    10: (50, 10), 11: (100, 10), 12: (150, 10), 13: (300, 10), 14: (350, 10),  # rue J.-P. Timbaud's points
    20: (250, 100), 21: (600, 600), 22: (650, 650),  # POIs
}  # fmt: skip
NODE_TAGS = {
    10: {"addr:housenumber": "13", "addr:street": "Rue Jean-Pierre Timbaud"},
    11: {"addr:housenumber": "12 bis", "addr:street": "Rue Jean-Pierre Timbaud"},
    12: {"addr:housenumber": "12", "addr:street": "Rue Jean-Pierre Timbaud"},
    13: {"addr:housenumber": "40", "addr:street": "Rue Jean-Pierre Timbaud"},
    14: {"addr:housenumber": "42", "addr:street": "Rue Jean-Pierre Timbaud"},
    20: {"name": "Pôle Social Départemental", "amenity": "social_facility"},
    21: {"name": "PMI Les Lilas", "amenity": "clinic"},
    22: {"name": "PMI du Centre", "amenity": "clinic"},
}
WAYS = [([1, 2], {"highway": "residential", "name": "Rue Jean-Pierre Timbaud"}),
        ([3, 4], {"highway": "residential", "name": "Allée des Tilleuls"})]  # fmt: skip


def _square_commune() -> shapely.Geometry:
    corners = [offset_lonlat(e, n) for e, n in ((-500, -500), (900, -500), (900, 900), (-500, 900))]
    return shapely.Polygon(lonlat_to_l93(np.array([c[0] for c in corners]), np.array([c[1] for c in corners])))


@pytest.fixture
def toy_geocoder(tmp_path: Path) -> OsmGeocoder:
    pbf = write_pbf(tmp_path / "toy.osm.pbf", NODES, WAYS, NODE_TAGS)
    data = load_osm_addresses(pbf, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache").is_dir() and load_osm_addresses(pbf, cache_dir=tmp_path / "cache").source_file
    return OsmGeocoder(data, {"99001": _square_commune()})


def test_hand_made_extract_address_street_and_poi(toy_geocoder: OsmGeocoder) -> None:
    g = toy_geocoder
    hit = g.geocode("13-15 rue Jean-Pierre-Timbaud", "99001", "pole_social", "x")
    assert hit is not None and hit.quality == "osm_address" and "toy.osm.pbf" in hit.note
    assert _metres((hit.lon, hit.lat), offset_lonlat(50, 10)) < 0.01
    hit = g.geocode("12 bis R. Jean Pierre Timbaud", "99001", "pmi", "x")
    assert hit is not None and _metres((hit.lon, hit.lat), offset_lonlat(100, 10)) < 0.01  # the bis, not 12
    hit = g.geocode("12 ter rue Jean-Pierre Timbaud", "99001", "pmi", "x")  # no 12ter: number 12, said so
    assert hit is not None and hit.quality == "osm_address" and "number 12 for 12ter" in hit.note
    assert _metres((hit.lon, hit.lat), offset_lonlat(150, 10)) < 0.01
    # no number: the street's address point nearest the median of its five points (east 150 m)
    hit = g.geocode("rue Jean-Pierre Timbaud", "99001", "pmi", "x")
    assert hit is not None and hit.quality == "osm_street" and "5 address point(s)" in hit.note
    assert _metres((hit.lon, hit.lat), offset_lonlat(150, 10)) < 0.01
    # unknown number on a street without address points: the middle of its way (0..300 m → 150 m)
    hit = g.geocode("8 allée des Tilleuls", "99001", "pmi", "x")
    assert hit is not None and hit.quality == "osm_street" and "number 8 not in the extract" in hit.note
    assert _metres((hit.lon, hit.lat), offset_lonlat(150, 200)) < 0.5
    # no street: a POI whose name says the kind (one pôle; two PMI → the one sharing a word of the name)
    hit = g.geocode(None, "99001", "pole_social", "Pôle social de la ville")
    assert hit is not None and hit.quality == "osm_poi"
    assert _metres((hit.lon, hit.lat), offset_lonlat(250, 100)) < 0.01
    hit = g.geocode(None, "99001", "pmi", "PMI des Lilas")
    assert hit is not None and _metres((hit.lon, hit.lat), offset_lonlat(600, 600)) < 0.01
    assert g.geocode(None, "99001", "pmi", "PMI de la gare") is None  # two candidates, no word shared
    assert g.geocode(None, "99001", "france_services", "France Services") is None
    assert g.geocode("13 rue Jean-Pierre Timbaud", "99002", "pmi", "x") is None  # other commune


def test_address_point_without_number_is_one_line_and_registry_unchanged(data_copy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    api.init_registry(data_copy, url)
    before = load_snapshot(api.open_registry(url)).sites[["id", "lon", "lat", "coordinate_quality"]]
    pbf = data_copy / "osm" / PBF_NAME
    tags = {**NODE_TAGS, 11: {"addr:street": "Rue Jean-Pierre Timbaud"}}  # node 11 lost its number
    write_pbf(pbf, NODES, WAYS, tags)
    with pytest.raises(ImportRejected) as caught:
        api.init_registry(data_copy, url)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and "rien n'a été écrit" in lines[0]
    assert lines[0].startswith(f"{PBF_NAME}:node 11: point d'adresse sans numéro") and "addr:housenumber" in lines[0]
    after = load_snapshot(api.open_registry(url)).sites[["id", "lon", "lat", "coordinate_quality"]]
    assert after.equals(before)


# ---- the real 92: the département's site addresses on the real extract ------------------------------

# Measured on shared/data (120 rows, OSM 2021 extract, no BAN file); bounds leave room for small
# parser changes but fail if a rung of the ladder stops working.
PLACEMENT_BOUNDS = {
    "source": (39, 39),
    "same_address": (13, 15),
    "osm_address": (16, 22),
    "osm_street": (30, 38),
    "osm_poi": (1, 2),
    "named_stop": (4, 4),
    "commune_centroid": (0, 8),
    "none": (2, 2),
}


@pytest.fixture(scope="module")
def real_sites(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('osm-geocode') / 'r.sqlite'}"
    api.init_registry(shared_data, url)
    return load_snapshot(api.open_registry(url))


def test_real_sites_per_placement(real_sites) -> None:
    sites = real_sites.sites.set_index("id")
    counts = sites["coordinate_quality"].value_counts().to_dict()
    for quality, (low, high) in PLACEMENT_BOUNDS.items():
        assert low <= counts.get(quality, 0) <= high, (quality, counts)
    assert set(counts) <= set(PLACEMENT_BOUNDS)
    # "13-15 rue Jean-Pierre Timbaud, Issy" → the extract's "13 Rue Jean-Pierre Timbaud" (osm/SOURCES.md)
    issy = sites.loc["pg-pole-issy"]
    assert issy["coordinate_quality"] == "osm_address" and PBF_NAME in issy["coordinate_note"]
    assert _metres((issy["lon"], issy["lat"]), (2.249875, 48.819997)) < 30
    # no address in any source; the extract's "Pôle Social Départemental" of Villeneuve-la-Garenne
    assert sites.loc["pg-pole-villeneuve", "coordinate_quality"] == "osm_poi"
    assert _metres(tuple(sites.loc["pg-pole-villeneuve", ["lon", "lat"]]), (2.3241341, 48.9358496)) < 1
    # "rue Martre (no number given)": the street
    assert sites.loc["pg-pole-clichy", "coordinate_quality"] == "osm_street"
    # an address quoted in the note ("The 2019 annuaire gives 21 rue Julien-Mocquard, 92230 Gennevilliers")
    assert "taken from the note" in sites.loc["pg-pmi-mocquard", "coordinate_note"]
    # every OSM placement lies in the site's own commune
    placed = sites[sites["coordinate_quality"].str.startswith("osm_")]
    for site_id, row in placed.iterrows():
        polygon = real_sites.communes.loc[row["commune_code"], "geometry"]
        assert polygon.buffer(1.0).contains(shapely.Point(row["x_m"], row["y_m"])), site_id


def test_real_sites_still_at_a_centroid_are_named(real_sites) -> None:
    at = real_sites.sites_at_centroid()
    assert len(at) <= 15
    # the one pôle whose sources give no address at all (Châtenay "Jules-Verne": a name, not a street)
    poles = set(at.loc[at["kind"] == "pole_social", "id"])
    assert poles == {"pg-pole-chatenay"}
    assert at["name"].str.len().gt(0).all() and at["commune_name"].str.len().gt(0).all()


# The stops of transit/idfm_ito_20251231/stops.txt named by these addresses, as listed there (lon, lat):
# Antony "La Croix de Berny" (3 stops, e.g. 2.302959 48.762684), Asnières "Les Courtilles" (5 stops of
# that name inside Asnières, e.g. 2.283957 48.930035; the others of the station are in Gennevilliers).
NAMED_STOPS = {
    "pg-pole-antony": ("La Croix de Berny", (2.3034, 48.7626)),
    "pg-pole-asnieres": ("Les Courtilles", (2.2835, 48.9299)),
    "mob-bsf-chatillon-2021-01-27": ("Maison Blanche", (2.2986, 48.8095)),
    "clic-92019-01": ("Henri Sellier", (2.2548, 48.7642)),
}


def test_real_sites_placed_at_the_stops_their_address_names(real_sites) -> None:
    """"immeuble L'Atrium, La Croix de Berny", "écoquartier des Courtilles": no street, but a place
    whose stops the IDFM file names; each site lands within 300 m of every stop of that name in its
    commune, and the audit lists them as still to be supplied."""
    sites = real_sites.sites.set_index("id")
    near = sites[sites["coordinate_quality"] == "named_stop"]
    assert set(near.index) == set(NAMED_STOPS)
    for site_id, (stop, lonlat) in NAMED_STOPS.items():
        assert repr(stop) in near.loc[site_id, "coordinate_note"], site_id
        assert _metres(tuple(near.loc[site_id, ["lon", "lat"]]), lonlat) < 30, site_id
        polygon = real_sites.communes.loc[near.loc[site_id, "commune_code"], "geometry"]
        assert polygon.contains(shapely.Point(near.loc[site_id, ["x_m", "y_m"]])), site_id
    listed = real_sites.sites_at_centroid("named_stop")
    assert set(listed["id"]) == set(NAMED_STOPS)


def test_cached_extract_is_read_back_identically(shared_data: Path, tmp_path: Path) -> None:
    pbf = tmp_path / PBF_NAME
    shutil.copy2(shared_data / "osm" / PBF_NAME, pbf)
    first = load_osm_addresses(pbf, cache_dir=tmp_path)
    again = load_osm_addresses(pbf, cache_dir=tmp_path)
    assert len(first.address_number) == len(again.address_number) == 164_860  # osm/SOURCES.md
    assert (first.address_street == again.address_street).all() and (first.poi_name == again.poi_name).all()
