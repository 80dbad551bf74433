"""One search box: a commune name, a postcode or an address typed by a resident → a starting point.

Case, accents, hyphens and small typos are tolerated (difflib, standard library). Communes come from
the registry; postcodes from the sites and the OSM extract's address points (each point's postcode
counted in the commune whose outline holds it); addresses from the OSM geocoder of the registry
(:class:`~maillage.registry.osm_geocode.OsmGeocoder`), within the commune named in the text.
When nothing matches for sure, the answer is a short list of "vouliez-vous dire …" choices.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from maillage.i18n import _
from maillage.orientation.suggest import Suggester
from maillage.registry.geocode import normalise_text
from maillage.registry.osm_geocode import OsmGeocoder
from maillage.registry.vocab import CoordinateQuality

NAME_SIMILARITY = 0.75  # "bagnex" → "bagneux" (0.92), "issi" → "issy" (0.75)
SURE_SIMILARITY = 0.85  # a typo this close to one name is that name…
SURE_MARGIN = 0.1  # …when the next candidate is this much farther ("chaillon": Châtillon 0.94, Chaville 0.75)
_POSTCODE = re.compile(r"\b(\d{5})\b")
_ADDRESS_HITS = (CoordinateQuality.OSM_ADDRESS, CoordinateQuality.OSM_STREET)


@dataclass(frozen=True)
class Place:
    """A starting point: a commune (lon/lat None: its centre is used) or a point in a commune."""

    label: str
    commune_code: str
    lon: float | None = None
    lat: float | None = None
    precision_fr: str = "commune"


@dataclass(frozen=True)
class Lookup:
    query: str
    place: Place | None
    suggestions: list[Place] = field(default_factory=list)
    message_fr: str = ""


class PlaceFinder:
    """Commune names, postcodes and (optionally) the OSM address points of the territory."""

    def __init__(
        self,
        commune_names: dict[str, str],
        postcodes: dict[str, set[str]],
        geocoder: OsmGeocoder | None = None,
        streets: list[tuple[str, str]] | None = None,
    ) -> None:
        self.names = commune_names
        self.postcodes = {p: sorted(c) for p, c in postcodes.items()}
        self.geocoder = geocoder
        self._by_key = {normalise_text(n): c for c, n in commune_names.items()}
        self._keys = sorted(self._by_key, key=len, reverse=True)  # longest first: "issy les moulineaux"
        self._suggester = Suggester(commune_names, self.postcodes, streets or [])

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """What to propose while ``text`` is typed (each resolves with :meth:`find`)."""
        return self._suggester.suggest(text, limit)

    def commune_place(self, code: str) -> Place:
        return Place(_("{commune} (centre de la commune)").format(commune=self.names[code]), code)

    def find(self, text: str) -> Lookup:
        query = text.strip()
        norm = normalise_text(query)
        if not norm:
            return Lookup(query, None, message_fr=_("Indiquez une commune, un code postal ou une adresse."))
        postcode = _POSTCODE.search(norm)
        code, rest = self._commune_in(norm)
        if code is None and postcode:
            codes = self.postcodes.get(postcode.group(1), [])
            if len(codes) == 1:
                code = codes[0]
            elif len(codes) > 1:
                message = _("Le code postal {postcode} couvre plusieurs communes : choisissez la vôtre.").format(
                    postcode=postcode.group(1))
                return Lookup(query, None, [self.commune_place(c) for c in codes], message)
            rest = _POSTCODE.sub(" ", rest).strip()
        if code is None:
            return self._fuzzy(query, norm)
        rest = _POSTCODE.sub(" ", rest).strip()
        if rest and self.geocoder is not None and re.search(r"[a-z]", rest):
            hit = self.geocoder.geocode(rest, code, "", "")
            if hit is not None and hit.quality in _ADDRESS_HITS:
                precise = hit.quality == CoordinateQuality.OSM_ADDRESS
                # the commune once: "13 rue … Issy-les-Moulineaux" is not followed by "(Issy-les-Moulineaux)"
                named = normalise_text(self.names[code]) in norm
                town = "" if named else f" ({self.names[code]})"
                label = f"{query}{town}" if precise else _("{street}, {commune} (milieu de la voie)").format(
                    street=rest, commune=self.names[code])
                return Lookup(query, Place(label, code, hit.lon, hit.lat, "adresse" if precise else "voie"))
            message = _("Adresse « {address} » introuvable à {commune} : recherche depuis le centre de la "
                        "commune.").format(address=rest, commune=self.names[code])
            return Lookup(query, self.commune_place(code), [], message)
        return Lookup(query, self.commune_place(code))

    def _commune_in(self, norm: str) -> tuple[str | None, str]:
        """The commune named in the text (whole name, or a unique prefix word such as "issy") and the rest."""
        padded = f" {norm} "
        for key in self._keys:
            if f" {key} " in padded:
                return self._by_key[key], padded.replace(f" {key} ", " ", 1).strip()
        words = norm.split()
        for i in range(len(words) - 1, -1, -1):  # the commune is usually last: "… timbaud issy"
            word = words[i]
            if len(word) < 4 or word.isdigit():
                continue
            starts = [k for k in self._keys if k.split()[0] == word]
            if len(starts) == 1:
                return self._by_key[starts[0]], " ".join(words[:i] + words[i + 1 :])
        return None, norm

    def _fuzzy(self, query: str, norm: str) -> Lookup:
        close = sorted(k for k in self._keys if len(norm) >= 3 and k.startswith(norm))  # "chat" → Châtillon, Châtenay
        close = close or difflib.get_close_matches(norm, list(self._by_key), n=3, cutoff=NAME_SIMILARITY)
        if not close:  # a typo in the last word of an address ("… issi") or a partial name
            words = norm.split()
            close = [
                k
                for w in words[-2:]
                for k in difflib.get_close_matches(w, list(self._by_key), n=2, cutoff=NAME_SIMILARITY)
            ]
            close += [
                k
                for k in self._keys
                if words and difflib.SequenceMatcher(None, words[-1], k.split()[0]).ratio() >= NAME_SIMILARITY
            ]
        close = list(dict.fromkeys(close))
        scored = sorted(((difflib.SequenceMatcher(None, norm, k).ratio(), k) for k in close), reverse=True)
        ratios = [ratio for ratio, _key in scored]
        if ratios and ratios[0] >= SURE_SIMILARITY and (len(ratios) == 1 or ratios[0] - ratios[1] >= SURE_MARGIN):
            # one name clearly nearest ("boiscolombes": Bois-Colombes 0.96, Colombes 0.80): no question to ask
            return Lookup(query, self.commune_place(self._by_key[scored[0][1]]))
        if close:
            return Lookup(query, None, [self.commune_place(self._by_key[k]) for k in close[:5]],
                          _("« {query} » n'est pas une commune connue. Vouliez-vous dire :").format(
                              query=query))  # fmt: skip
        return Lookup(
            query,
            None,
            [],
            _("« {query} » : aucune commune, aucun code postal ni aucune adresse du territoire ne correspond. "
              "Écrivez le nom d'une commune du territoire, son code postal, ou une adresse suivie de sa "
              "commune.").format(query=query),
        )


MIN_POSTCODE_SHARE = 0.1  # a commune holding fewer of a postcode's points is a tagging slip, not its commune


def postcodes_of(pairs: list[tuple[str | None, str | None]]) -> dict[str, set[str]]:
    """Postcode → commune codes, from (postcode, commune) pairs of sites and address points."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for postcode, code in pairs:
        text = str(postcode or "").strip()
        if code and _POSTCODE.fullmatch(text):
            counts[text][str(code)] += 1
    return {p: {c for c, n in cs.items() if n >= MIN_POSTCODE_SHARE * cs.total()} for p, cs in counts.items()}
