"""The stop-name rung of the site placement (registry/named_stops.py), on hand-made stops."""

from __future__ import annotations

import numpy as np
import shapely

from maillage.geo import lonlat_to_l93
from maillage.registry.named_stops import StopNames
from maillage.registry.vocab import CoordinateQuality

SQUARE = {"92002": shapely.box(0, 0, 10_000, 10_000), "92019": shapely.box(10_000, 0, 20_000, 10_000)}


def _stops(rows: list[tuple[str, float, float, str]]) -> StopNames:
    names, x, y, codes = zip(*rows, strict=True)
    return StopNames(list(names), np.column_stack([x, y]), list(codes), "test/stops.txt")


def test_the_longest_whole_name_of_the_commune_wins_at_the_middle_of_its_stops() -> None:
    stops = _stops([
        ("La Croix de Berny", 1_000, 1_000, "92002"),
        ("La Croix de Berny", 1_200, 1_000, "92002"),  # two platforms: their middle
        ("Berny", 5_000, 5_000, "92002"),  # a shorter name also in the address: the longer wins
        ("Gare de la Croix de Berny", 1_100, 900, "92002"),  # "gare" is not in the address
    ])  # fmt: skip
    hit = stops.locate("immeuble L'Atrium, La Croix de Berny (no street number)", "92002")
    assert hit is not None and hit.quality == CoordinateQuality.NAMED_STOP
    (x, y), = lonlat_to_l93(np.array([hit.lon]), np.array([hit.lat]))
    assert abs(x - 1_100) < 0.01 and abs(y - 1_000) < 0.01
    assert "'La Croix de Berny'" in hit.note and "2 stop(s)" in hit.note


def test_an_article_may_differ_but_nothing_crosses_a_commune() -> None:
    stops = _stops([("Les Courtilles", 2_000, 2_000, "92002"), ("Jules Verne", 12_000, 2_000, "92019")])
    assert stops.locate("écoquartier des Courtilles, Hauts d'Asnières", "92002") is not None
    assert stops.locate("écoquartier des Courtilles", "92019") is None  # not a stop of that commune
    assert stops.locate("", "92019") is None and stops.locate(None, "92019") is None


def test_generic_names_remarks_and_scattered_stops_place_nothing() -> None:
    stops = _stops([
        ("Mairie", 1_000, 1_000, "92002"),  # no distinctive word: could be any town hall
        ("Gare", 1_000, 1_000, "92002"),
        ("Pasteur", 1_000, 1_000, "92002"),
        ("Pasteur", 3_000, 1_000, "92002"),  # 2 km apart: two places called Pasteur
        ("Stored", 1_000, 1_000, "92002"),
    ])  # fmt: skip
    assert stops.locate("place de la Mairie, près de la Gare", "92002") is None
    assert stops.locate("centre Pasteur", "92002") is None
    assert stops.locate("bâtiment B (not stored in the excerpts)", "92002") is None  # remarks are not read


def test_stops_read_from_a_feed_skip_unreadable_coordinates(tmp_path) -> None:
    """A stops.txt with a blank and a garbled coordinate: those stops are left out, the others placed."""
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon\n"
        "a,La Croix de Berny,48.762684,2.302959\n"
        "b,Les Courtilles,,2.28\n"
        "c,Pasteur Nord,quarante-huit,2.3\n",
        encoding="utf-8",
    )
    xy = lonlat_to_l93(np.array([2.302959]), np.array([48.762684]))[0]
    polygons = {"92002": shapely.Point(xy).buffer(1_000)}
    stops = StopNames.from_feeds([feed], polygons)
    assert stops is not None and stops.source == "feed/stops.txt"
    assert stops.locate("La Croix de Berny", "92002") is not None
    assert stops.locate("Les Courtilles", "92002") is None and stops.locate("Pasteur Nord", "92002") is None
