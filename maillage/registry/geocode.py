"""Geocoding of site addresses against a BAN address file (``adresses-<dep>.csv``, official format).

The BAN (Base Adresse Nationale) publishes one semicolon-separated file per département with, per
address point: ``numero``, ``rep``, ``nom_voie``, ``code_insee``, ``lon``, ``lat`` (among others).
A site address is matched within its commune: number + street → the address point
(``ban_address``); street only → the mean of that street's points (``ban_street``). No fuzzy
matching: an address that does not match stays unplaced and falls back to the commune centroid,
flagged in every output.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from maillage.i18n import _
from maillage.registry.errors import ImportRejected, RowProblem
from maillage.registry.vocab import CoordinateQuality

BAN_COLUMNS = ("numero", "rep", "nom_voie", "code_insee", "lon", "lat")

_ABBREVIATIONS = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "pl": "place",
    "r": "rue",
    "st": "saint",
    "ste": "sainte",
    "all": "allee",
    "imp": "impasse",
    "sq": "square",
    "che": "chemin",
    "rte": "route",
    "crs": "cours",
    "fg": "faubourg",
    "fbg": "faubourg",
    "prom": "promenade",
    "res": "residence",
    "sen": "sente",
    "gal": "general",
    "gen": "general",
    "mal": "marechal",
    "pdt": "president",
    "dr": "docteur",
}
STREET_WORDS = (
    "rue|avenue|av|boulevard|bd|place|allee|chemin|route|impasse|quai|square|villa|sentier|passage|"
    "cours|esplanade|rond point|parvis|promenade|cite|residence|voie|mail|sente|ruelle"
)
_NUMBERED_STREET = re.compile(rf"\b(\d+)\s*(bis|ter|quater|[a-d])?\s*,?\s+((?:{STREET_WORDS})\b.*)$")
_STREET_ONLY = re.compile(rf"\b((?:{STREET_WORDS})\b.*)$")


def normalise_text(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, common abbreviations expanded."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())


_RANGE = re.compile(r"\b(\d+)\s*[-–/]\s*\d+\b")  # "13-15 rue …" is the building from 13 to 15
_SEGMENTS = re.compile(r"\s[-–]\s|\|")  # "Centre local - 81 rue …": name and address in one field
_HOUSE_NUMBER = re.compile(r"^(\d+)\s*(bis|ter|quater|[a-z])?\b")


def parse_address(address: str) -> tuple[str | None, str | None]:
    """(number with repetition suffix, normalised street) found in a free address string.

    A number range keeps its first number ("13-15" → "13"); "bis", "ter" and a letter stick to the
    number ("12 bis" → "12bis"); a field made of dash-separated parts (a building name, then the
    address) is read part by part, the first numbered street winning.
    """
    parts = [normalise_text(_RANGE.sub(r"\1", part)) for part in _SEGMENTS.split(address)]
    for text in parts:
        match = _NUMBERED_STREET.search(text)
        if match:
            number = match.group(1) + (match.group(2) or "")
            return number, _clean_street(match.group(3))
    for text in parts:
        match = _STREET_ONLY.search(text)
        if match and _clean_street(match.group(1)):
            return None, _clean_street(match.group(1))
    return None, None


_NOTE_ADDRESS = re.compile(r"\b(\d+(?:\s*(?:bis|ter))?,?\s+[^,;.()\d]+?),\s*(\d{5})\b", re.IGNORECASE)


def address_in_note(note: str, postcodes: set[str]) -> str | None:
    """A full address ("13 rue de la Méditerranée, 92160 Antony") quoted in a note, if its postcode is
    one of the site's commune; a bare street or another commune's address is not taken."""
    for match in _NOTE_ADDRESS.finditer(note):
        number, street = parse_address(match.group(1))
        if number and street and match.group(2) in postcodes:
            return match.group(1)
    return None


def house_numbers(tag: str) -> list[str]:
    """Number keys of an OSM ``addr:housenumber`` ("5,7" → 5 and 7; "2 BIS" → 2bis; "13-15" → 13 and 15)."""
    keys = []
    for piece in re.split(r"[,;/-]", tag):
        match = _HOUSE_NUMBER.match(normalise_text(piece))
        if match:
            keys.append(match.group(1) + (match.group(2) or ""))
    return keys


def _clean_street(street: str) -> str:
    # Drop what sources append after the street ("no number given" as collected, « numéro non indiqué » as
    # exported in French by registry.remarks, building names, postcode…).
    street = re.split(r"\b(no number|numero non|rue non|batiment|pole social|bp|cedex|\d{5})\b", street)[0]
    return street.strip()


def _read_ban_frame(path: Path) -> pd.DataFrame:
    # A cut download ends the gzip stream early (EOFError, which the CLI framework once printed as
    # a bare "Aborted."); anything else that is not gzip, not UTF-8 or not CSV is named the same way.
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return pd.read_csv(handle, sep=";", dtype=str, keep_default_na=False)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        reason = _("archive gzip corrompue ou tronquée ({reason}) : téléchargez-la de nouveau").format(
            reason=exc or type(exc).__name__)
    except UnicodeDecodeError as exc:
        reason = _("pas du texte UTF-8 (octet {start}) : fichier binaire ?").format(start=exc.start)
    except pd.errors.EmptyDataError:
        reason = _("fichier vide (en-tête BAN attendu : {columns}…)").format(columns=';'.join(BAN_COLUMNS))
    except (pd.errors.ParserError, OSError) as exc:
        reason = _("CSV illisible ({exc})").format(exc=exc)
    raise ImportRejected([RowProblem(path.name, None, None, reason)])


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    quality: CoordinateQuality
    note: str


class BanIndex:
    """Exact lookup of (commune, street[, number]) in a BAN file."""

    def __init__(self, frame: pd.DataFrame, source: str) -> None:
        self.source = source
        self._points: dict[tuple[str, str, str], tuple[float, float]] = {}
        street_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
        for numero, rep, voie, insee, lon, lat in frame[list(BAN_COLUMNS)].itertuples(index=False):
            street = normalise_text(str(voie))
            number = f"{numero}{normalise_text(str(rep)) if isinstance(rep, str) else ''}"
            self._points[(str(insee), street, number)] = (float(lon), float(lat))
            street_points[(str(insee), street)].append((float(lon), float(lat)))
        self._streets = {
            key: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            for key, pts in street_points.items()
        }

    @classmethod
    def from_csv(cls, path: Path) -> BanIndex:
        """Raises :class:`ImportRejected` (one line naming the file) on a corrupt, empty or foreign file."""
        frame = _read_ban_frame(path)
        missing = [c for c in BAN_COLUMNS if c not in frame.columns]
        if missing:
            reason = _("pas un fichier d'adresses BAN : colonne(s) absente(s) {missing}").format(
                missing=', '.join(missing))
            raise ImportRejected([RowProblem(path.name, 1, missing[0], reason)])
        frame = frame[(frame["lon"] != "") & (frame["lat"] != "")]
        for column in ("lon", "lat"):
            bad = pd.to_numeric(frame[column], errors="coerce").isna()
            if bad.any():
                line = int(frame.index[bad.to_numpy()][0]) + 2  # the header is line 1
                value = frame[column][bad].iloc[0][:40]
                reason = _("« {value} » n'est pas un degré décimal").format(value=value)
                raise ImportRejected([RowProblem(path.name, line, column, reason)])
        return cls(frame, path.name)

    def geocode(self, address: str, insee_code: str) -> GeocodeResult | None:
        number, street = parse_address(address)
        if not street:
            return None
        if number is not None:
            point = self._points.get((insee_code, street, number))
            if point is not None:
                return GeocodeResult(*point, CoordinateQuality.BAN_ADDRESS, f"BAN {self.source}: {number} {street}")
        point = self._streets.get((insee_code, street))
        if point is not None:
            return GeocodeResult(*point, CoordinateQuality.BAN_STREET, f"BAN {self.source}: street {street}")
        return None
