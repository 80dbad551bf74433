"""A site placed at the public transport stop its address names, when nothing else places it.

Some sources describe a place, not an address: "immeuble L'Atrium, La Croix de Berny", "écoquartier
des Courtilles". The stops of the data folder's GTFS feeds carry such names with real coordinates
(IDFM names its stops after the place they serve). When a site's address (its parenthesised
remarks removed) contains the whole name of stops of its own commune (a leading article aside), as
a run of words, it is
placed at the middle of those stops, flagged ``named_stop``: a neighbourhood, a few hundred metres
at most from the door — better than the commune's centre, still an address to supply.

Guards, because a wrong placement is worse than an admitted centroid: only the address field is
read (a site's name may honour a person, "Pôle social Jules-Verne", without being in that street);
the stop name must hold a word of at least :data:`MIN_WORD_LETTERS` letters that is not a generic
word (gare, mairie, église…); the longest matching name wins; stops of that name spread over more
than :data:`MAX_SPREAD_M` are two places, not one, and nothing is placed. Nothing across communes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from maillage.geo import l93_to_lonlat, lonlat_to_l93
from maillage.network.gtfs import FeedReader, GtfsError
from maillage.registry.geocode import GeocodeResult, normalise_text
from maillage.registry.vocab import CoordinateQuality

MIN_WORD_LETTERS = 5
MAX_SPREAD_M = 400.0  # a station's platforms and bus stops lie within this of their middle
# Words that name no particular place: a stop called only by them ("Gare", "Mairie", "Centre
# commercial") could match any address.
GENERIC_WORDS = frozenset(
    [
        "gare",
        "mairie",
        "eglise",
        "centre",
        "ville",
        "place",
        "metro",
        "station",
        "arret",
        "poste",
        "ecole",
        "college",
        "lycee",
        "hopital",
        "marche",
        "commercial",
        "quartier",
        "residence",
        "cimetiere",
        "stade",
        "piscine",
        "eglise",
        "temple",
        "theatre",
        "musee",
        "porte",
        "pont",
        "rond",
        "point",
        "avenue",
        "boulevard",
        "route",
        "chemin",
        "impasse",
        "allee",
        "square",
        "parc",
        "jardin",
        "notre",
        "dame",
        "saint",
        "sainte",
        "immeuble",
        "batiment",
        "entree",
        "nord",
        "sud",
        "ouest",
    ]
)
_REMARK = re.compile(r"\([^)]*\)")
_LEADING_ARTICLE = re.compile(r"^(?:le|la|les|l) ")


class StopNames:
    """The named stops of the territory, by commune, for :meth:`locate`."""

    def __init__(self, names: list[str], xy_m: np.ndarray, communes: list[str], source: str) -> None:
        self.source = source
        # commune -> normalised name -> (display name, points)
        self._by_commune: dict[str, dict[str, tuple[str, list[np.ndarray]]]] = defaultdict(dict)
        for name, xy, code in zip(names, xy_m, communes, strict=True):
            # "Les Courtilles" is the place an address calls "écoquartier des Courtilles"
            key = _LEADING_ARTICLE.sub("", normalise_text(name))
            if not _distinctive(key):
                continue
            entry = self._by_commune[code].setdefault(key, (name, []))
            entry[1].append(xy)

    @classmethod
    def from_feeds(cls, feeds: Iterable[Path], polygons_l93: dict[str, shapely.Geometry]) -> StopNames | None:
        """The stops of every readable feed that lie in one of the communes; None without any."""
        names: list[str] = []
        points: list[np.ndarray] = []
        communes: list[str] = []
        sources: list[str] = []
        for feed in feeds:
            try:
                stops = FeedReader(feed).read("stops.txt", required=False,
                                              columns=("stop_id", "stop_name", "stop_lat", "stop_lon"))  # fmt: skip
            except GtfsError:
                continue  # a broken feed is reported by the transit engine, not here
            if stops is None or not len(stops):
                continue
            # a blank or unreadable coordinate leaves that stop out (the transit engine reports bad rows)
            lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy(dtype=float)
            lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(lon) & np.isfinite(lat)
            xy = lonlat_to_l93(lon[ok], lat[ok])
            stop_names = stops["stop_name"].to_numpy()[ok]
            for code, polygon in polygons_l93.items():
                inside = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
                names += list(stop_names[inside])
                points += list(xy[inside])
                communes += [code] * int(inside.sum())
            sources.append(f"{feed.name}/stops.txt")
        if not names:
            return None
        return cls(names, np.asarray(points), communes, ", ".join(sources))

    def locate(self, address: str | None, commune_code: str) -> GeocodeResult | None:
        """The middle of the stops whose whole name the address contains, in the site's commune."""
        if not address:
            return None
        text = f" {normalise_text(_REMARK.sub(' ', address))} "
        found = [key for key in self._by_commune.get(commune_code, {}) if f" {key} " in text]
        if not found:
            return None
        key = max(found, key=lambda k: (len(k.split()), len(k)))
        name, points = self._by_commune[commune_code][key]
        xy = np.asarray(points)
        middle = xy.mean(axis=0)
        if np.hypot(*(xy - middle).T).max() > MAX_SPREAD_M:
            return None
        lon, lat = l93_to_lonlat(middle[:1], middle[1:])[0]
        return GeocodeResult(
            float(lon),
            float(lat),
            CoordinateQuality.NAMED_STOP,
            f"placed at the transit stop its address names: {name!r} (middle of {len(xy)} stop(s) of "
            f"{self.source}; a neighbourhood, not the door)",
        )


def _distinctive(key: str) -> bool:
    return any(len(w) >= MIN_WORD_LETTERS and w not in GENERIC_WORDS for w in key.split())
