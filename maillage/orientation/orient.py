"""The resident's answer: urgent numbers first, their own pôle by sector, then one card per place.

Never a dead end: whatever the need, the answer carries the pôle social / SST of the resident's
sector (or the nearest one, saying why), the places the data knows for the need, merged by address,
and, when the data has no place for the need, a plain French sentence and the Département's number
most often given by its own sites (counted in the data, never typed here).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from maillage.i18n import N_, _, ngettext
from maillage.network.engine import mode_label
from maillage.orientation.search import (
    Opening,
    OriginCell,
    SearchIndex,
    SiteAnswer,
    now_paris,
    origin_cell,
    search,
    site_answer,
)
from maillage.orientation.sources import SourceRef, source_refs
from maillage.orientation.urgent import UrgentNumber, urgent_numbers_for
from maillage.registry.geocode import normalise_text, parse_address
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.remarks import resident_words
from maillage.registry.vocab import Service, service_label

SECTOR_KINDS = ("pole_social", "sst")
DEPARTMENT_KINDS = ("pole_social", "sst", "pmi", "antenne")
NO_ADDRESS_FR = N_("adresse non communiquée")


@dataclass(frozen=True)
class PlaceCard:
    """One place (sites at the same address merged), in words a resident can use."""

    name: str
    other_names: list[str]
    kind_labels: list[str]
    address_fr: str
    phone: str | None
    minutes: float
    minutes_min: float | None
    minutes_max: float | None
    opening: Opening
    hours_fr: str | None
    hours_source_text: str | None
    appointment: str | None
    approximate_position: bool
    services: list[str]
    sources: list[SourceRef]
    site_ids: list[str]
    lon: float
    lat: float
    kinds: list[str] = field(default_factory=list)
    # no phone of its own, run by the Département: the number its other places give (never typed here)
    department_phone: str | None = None
    department_phone_fr: str | None = None


@dataclass(frozen=True)
class GeneralContact:
    phone: str
    sites_count: int
    sentence_fr: str


@dataclass(frozen=True)
class Orientation:
    need: str
    need_label: str
    origin_label: str
    origin_lon: float
    origin_lat: float
    commune_code: str
    at: datetime
    mode: str
    mode_label: str
    model_fr: str
    urgent: list[UrgentNumber]
    own_pole: PlaceCard | None
    own_pole_reason: str
    places: list[PlaceCard]
    mobile_stops: list[SiteAnswer]
    no_site_fr: str | None
    general_contact: GeneralContact | None
    notes: list[str] = field(default_factory=list)


ELIDING_LETTERS = "aeiouyéèêâîô"  # French writes "d'" before a name starting with one of these


def elides(name: str) -> bool:
    """French "de" before ``name`` is elided: "d'Issy-les-Moulineaux", "de Bagneux" (each sentence is two messages,
    so that a translation chooses its own grammar)."""
    return name[:1].lower() in ELIDING_LETTERS


# Planner notes name files and engine options; residents get model_fr instead.
_PLANNER_NOTE = re.compile(r"\.(?:txt|csv|pbf|zip|geojson)\b|\b(?:supply|the|not|no)\b")


def _resident_stop(stop: SiteAnswer) -> SiteAnswer:
    words = {"address": resident_words(stop.address), "hours_source_text": resident_words(stop.hours_source_text)}
    return replace(stop, name=resident_words(stop.name) or stop.name, **words)


# words a French address writes in lower case: the kind of way, « bis », the articles and prepositions
_LOWER_ADDRESS_WORDS = frozenset({
    "rue", "avenue", "boulevard", "place", "allée", "impasse", "chemin", "square", "quai", "cours", "passage",
    "route", "rond-point", "villa", "sentier", "bis", "ter",
    "de", "du", "des", "la", "le", "les", "et", "à", "au", "aux", "sur", "en",
})  # fmt: skip


def _address_word(word: str) -> str:
    low = word.lower()
    if low in _LOWER_ADDRESS_WORDS or not low[:1].isalpha():
        return low
    elided = re.match(r"^([ld]')(.+)$", low)  # L'EUROPE → l'Europe
    if elided:
        return elided.group(1) + _address_word(elided.group(2))
    return "-".join(part[:1].upper() + part[1:] for part in low.split("-"))


def address_case(text: str) -> str:
    """An address written all in capitals (a source's habit) in the usual case: « 113 avenue de Verdun ».

    Capitals are shouting on a phone and harder to read; an address with any lower-case letter is left as
    the source wrote it.
    """
    if text.upper() != text or not any(c.isalpha() for c in text):
        return text
    return re.sub(r"[^\s,]+", lambda m: _address_word(m.group(0)), text)


def address_fr(site: SiteAnswer) -> str:
    street = address_case(resident_words(site.address) or _(NO_ADDRESS_FR))
    town = " ".join(p for p in (site.postcode, site.commune) if p)
    return f"{street}, {town}" if town else street


def _place_key(site: SiteAnswer) -> tuple[str, ...]:
    """Same number and street in the same commune is one building, whatever else the field says."""
    number, street = parse_address(site.address or "")
    if number and street:
        return (site.commune or "", number, street)
    return ("site", site.id)


def merge_places(sites: list[SiteAnswer]) -> list[PlaceCard]:
    """One card per building, in the order of the first (nearest) site; facts from the first that has them."""
    groups: dict[tuple[str, ...], list[SiteAnswer]] = {}
    for site in sites:
        groups.setdefault(_place_key(site), []).append(site)
    return [_card(group) for group in groups.values()]


def _first(values: list[str | None]) -> str | None:
    return next((v for v in values if v), None)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _card(group: list[SiteAnswer]) -> PlaceCard:
    head = group[0]
    timed = next((s for s in group if s.opening.open_now is not None), head)
    return PlaceCard(
        name=resident_words(head.name) or head.name,
        other_names=_unique([resident_words(s.name) or s.name for s in group[1:] if s.name != head.name]),
        kind_labels=_unique([s.kind_label for s in group]),
        address_fr=address_fr(next((s for s in group if s.address), head)),
        phone=_first([s.phone for s in group]),
        minutes=head.minutes,
        minutes_min=head.minutes_min,
        minutes_max=head.minutes_max,
        opening=timed.opening,
        hours_fr=osm_to_french(timed.opening_hours) or None,
        hours_source_text=resident_words(_first([s.hours_source_text for s in group])),
        appointment=_first([s.appointment for s in group]),
        approximate_position=all(s.approximate_position for s in group),
        services=_unique([v for s in group for v in s.services]),
        sources=_unique_refs([r for s in group for r in source_refs(s.source)]),
        site_ids=[s.id for s in group],
        lon=head.lon,
        lat=head.lat,
        kinds=_unique([s.kind for s in group]),
    )


def _unique_refs(refs: list[SourceRef]) -> list[SourceRef]:
    return list({(r.title_fr, r.url): r for r in refs}.values())


def own_pole(index: SearchIndex, origin: OriginCell, at: datetime) -> tuple[SiteAnswer | None, str]:
    """The pôle social / SST whose sources say it serves the origin's commune, else the nearest one."""
    kinds = index.sites["kind"].isin(SECTOR_KINDS).to_numpy()
    served = np.array([origin.commune_code in (v or []) for v in index.sites["communes_served"]], dtype=bool)
    commune = index.commune_names.get(origin.commune_code, origin.commune_code)
    row = index.minutes.row(origin.cell)
    mine = np.flatnonzero(kinds & served)
    if len(mine):
        j = int(mine[np.argmin(row[mine])])
        reason = (_("C'est le pôle de votre secteur : ses sources indiquent qu'il accueille les habitants "
                    "d'{commune}.") if elides(commune) else
                  _("C'est le pôle de votre secteur : ses sources indiquent qu'il accueille les habitants "
                    "de {commune}."))  # fmt: skip
        return site_answer(index, j, origin, at), reason.format(commune=commune)
    near = np.flatnonzero(kinds & np.isfinite(row))
    if not len(near):
        return None, _("Les données ne connaissent aucun pôle social ni service des solidarités territoriales.")
    j = int(near[np.argmin(row[near])])
    reason = (_("Les données n'indiquent pas quel pôle accueille les habitants d'{commune} : voici le plus proche. "
                "Appelez-le pour savoir s'il vous reçoit ou vers qui il vous oriente.")
              if elides(commune) else
              _("Les données n'indiquent pas quel pôle accueille les habitants de {commune} : voici le plus proche. "
                "Appelez-le pour savoir s'il vous reçoit ou vers qui il vous oriente."))
    return site_answer(index, j, origin, at), reason.format(commune=commune)


def general_contact(index: SearchIndex) -> GeneralContact | None:
    """The phone number given by the most sites of the Département in the data (when ≥ 3 share it)."""
    # the registry has no operator for these sources: the kinds run by the Département stand for it
    phones = index.sites.loc[index.sites["kind"].isin(DEPARTMENT_KINDS), "phone"]
    counts = Counter(p for p in phones if p)
    if not counts:
        return None
    phone, n = counts.most_common(1)[0]
    if n < 3:
        return None
    sentence = ngettext("Numéro indiqué pour {n} lieu du Département dans les données.",
                        "Numéro indiqué pour {n} lieux du Département dans les données.", n)
    return GeneralContact(phone, n, sentence.format(n=n))


def with_department_phone(card: PlaceCard, contact: GeneralContact | None) -> PlaceCard:
    """A Département place without a phone of its own gets the number the data gives for its other places.

    A resident in difficulty needs someone to call: the pôle social of Issy-les-Moulineaux has no number in
    its sources, the Département's own number (``general_contact``, counted in the data) is the one to call.
    """
    if card.phone or contact is None or not set(card.kinds) & set(DEPARTMENT_KINDS):
        return card
    return replace(card, department_phone=contact.phone, department_phone_fr=contact.sentence_fr)


def orient(
    index: SearchIndex,
    need: Service | str,
    *,
    commune: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    origin_label: str | None = None,
    at: datetime | None = None,
    limit: int = 10,
) -> Orientation:
    """Everything a resident needs for ``need`` from a commune or a point (see the module docstring)."""
    need = Service(need)
    at = at or now_paris()
    origin = origin_cell(index, commune=commune, lon=lon, lat=lat, origin_label=origin_label)
    answer = search(index, need, commune=commune, lon=lon, lat=lat, origin_label=origin_label, at=at, limit=limit)
    pole_site, reason = own_pole(index, origin, at)
    # the resident's pôle first, so that what shares its building (a PMI inside it) joins its card
    others = [s for s in answer.sites if pole_site is None or s.id != pole_site.id]
    cards = merge_places([pole_site, *others] if pole_site is not None else others)
    department = general_contact(index)
    cards = [with_department_phone(card, department) for card in cards]
    pole, places = (cards[0], cards[1:]) if pole_site is not None else (None, cards)
    no_site = None
    contact = None
    if not answer.sites:
        no_site = _("Les données ne connaissent aucun lieu pour « {need} » dans le département. "
                    "Votre pôle social peut vous écouter et vous orienter.").format(need=service_label(need))
        contact = department
    return Orientation(
        need=need.value,
        need_label=service_label(need),
        origin_label=answer.origin_label,
        origin_lon=answer.origin_lon,
        origin_lat=answer.origin_lat,
        commune_code=origin.commune_code,
        at=at,
        mode=index.mode,
        mode_label=mode_label(index.mode),
        model_fr=index.model_fr,
        urgent=urgent_numbers_for(need.value),
        own_pole=pole,
        own_pole_reason=reason,
        places=places,
        mobile_stops=[_resident_stop(s) for s in answer.mobile_stops],
        no_site_fr=no_site,
        general_contact=contact,
        notes=[n for n in answer.notes if not _PLANNER_NOTE.search(n)],
    )


__all__ = ["Orientation", "PlaceCard", "merge_places", "normalise_text", "orient", "own_pole"]
