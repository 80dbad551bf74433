"""Sites as a person looks them up: filtered by kind, commune (code or name) and service, with names.

Pure functions over the snapshot's site table; ``maillage sites list|show`` prints what they return.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from maillage.i18n import N_, _
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.vocab import Service, SiteKind, kind_label, service_label


class SiteLookupError(LookupError):
    """An unknown site, kind, commune or service; the message suggests the nearest known ones."""


@dataclass(frozen=True)
class SiteRow:
    id: str
    name: str
    kind: str
    kind_label: str
    commune_code: str
    commune_name: str
    address: str
    postcode: str
    services: tuple[str, ...]
    services_labels: tuple[str, ...]
    opening_hours: str  # OSM syntax, as stored
    hours_fr: str  # the same in French words ("" when unknown)
    hours_source_text: str  # what the source wrote (its remarks in French)
    phone: str
    lon: float | None
    lat: float | None
    position: str
    source: str


def fold(text: str) -> str:
    """Lower case, no accents, hyphens as spaces: « Châtenay-Malabry » → « chatenay malabry »."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower().replace("-", " ").replace("'", " "))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _close(text: str, known: Sequence[str]) -> list[str]:
    close = difflib.get_close_matches(text, list(known), n=3, cutoff=0.6)
    if not close:
        folded = {fold(k): k for k in known}
        close = [folded[c] for c in difflib.get_close_matches(fold(text), list(folded), n=3, cutoff=0.6)]
    if not close and len(fold(text)) >= 2:  # a beginning typed ("pol" for pole_social)
        close = [k for k in known if fold(k).startswith(fold(text))][:3]
    return close


# what a lookup did not find, each its own sentence (the adjective agrees in French)
UNKNOWN_FR = {"commune": N_("commune « {text} » inconnue"), "kind": N_("type de site « {text} » inconnu"),
              "service": N_("service « {text} » inconnu"), "site": N_("site « {text} » inconnu")}  # fmt: skip


def suggestion(text: str, known: Sequence[str], close: list[str] | None = None) -> str:
    """« : vouliez-vous dire « antenne » ? » for the known names close to ``text`` ("" when none is)."""
    close = _close(text, known) if close is None else close
    return _(" : vouliez-vous dire {choices} ?").format(choices=", ".join(f"« {c} »" for c in close)) if close else ""


def _suggest(text: str, known: Sequence[str], what: str, close: list[str] | None = None) -> str:
    """« … inconnu », with the close names (``close``: already looked for, else looked for here)."""
    return _(UNKNOWN_FR[what]).format(text=text) + suggestion(text, known, close)


def unknown_message(text: str, known: Sequence[str], what: str) -> str:
    """« type de site « antene » inconnu : vouliez-vous dire « antenne » ? » (``what``: a key of UNKNOWN_FR)."""
    return _suggest(text, known, what)


def commune_code(text: str, names: Mapping[str, str]) -> str:
    """The INSEE code of a commune typed by code or name (case and accents aside); else a did-you-mean error."""
    if text in names:
        return text
    by_name = {fold(n): c for c, n in names.items()}
    if fold(text) in by_name:
        return by_name[fold(text)]
    raise SiteLookupError(_suggest(text, list(names.values()), "commune"))


def _row(site: pd.Series, names: Mapping[str, str]) -> SiteRow:
    def text(key: str) -> str:
        value = site.get(key)
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    services = tuple(site.get("services") or ())
    kind = text("kind")
    lon, lat = site.get("lon"), site.get("lat")
    return SiteRow(
        id=text("id"), name=text("name"), kind=kind,
        kind_label=kind_label(kind),
        commune_code=text("commune_code"), commune_name=names.get(text("commune_code"), text("commune_code")),
        address=text("address"), postcode=text("postcode"), services=services,
        services_labels=tuple(service_label(s) for s in services),
        opening_hours=text("opening_hours"), hours_fr=osm_to_french(text("opening_hours") or None) or "",
        hours_source_text=text("opening_hours_source_text"), phone=text("phone"),
        lon=None if lon is None or pd.isna(lon) else float(lon),
        lat=None if lat is None or pd.isna(lat) else float(lat),
        position=text("coordinate_quality"), source=text("source"),
    )  # fmt: skip


def list_sites(
    sites: pd.DataFrame,
    commune_names: Mapping[str, str],
    kind: str | None = None,
    commune: str | None = None,
    service: str | None = None,
) -> list[SiteRow]:
    """Sites (duplicates left out) matching every filter given, ordered by commune name then site name."""
    kept = sites[sites["duplicate_of"].isna()]
    if kind is not None:
        if kind not in SiteKind._value2member_map_:
            raise SiteLookupError(_suggest(kind, [k.value for k in SiteKind], "kind"))
        kept = kept[kept["kind"] == kind]
    if commune is not None:
        code = commune_code(commune, commune_names)
        kept = kept[kept["commune_code"] == code]
    if service is not None:
        if service not in Service._value2member_map_:
            raise SiteLookupError(_suggest(service, [s.value for s in Service], "service"))
        kept = kept[[service in (s or ()) for s in kept["services"]]]
    rows = [_row(site, commune_names) for _, site in kept.iterrows()]
    return sorted(rows, key=lambda r: (fold(r.commune_name), fold(r.name)))


def find_site(sites: pd.DataFrame, commune_names: Mapping[str, str], site_id: str) -> SiteRow:
    """The site with this id (or this exact name, accents aside); else an error naming the nearest ones."""
    match = sites[sites["id"] == site_id]
    if match.empty:
        match = sites[[fold(str(n)) == fold(site_id) for n in sites["name"]]]
    if len(match) >= 1:
        return _row(match.iloc[0], commune_names)
    known = [str(i) for i in sites["id"]]
    close = _close(site_id, known)
    message = _suggest(site_id, known, "site", close)
    if not close:  # no close id: perhaps part of a name
        named = [f"{r.name} ({r.id})" for _row_id, r in sites.iterrows() if fold(site_id) in fold(str(r["name"]))][:3]
        if named:
            message += _(" ; sites dont le nom contient ce texte : {names}").format(names=" ; ".join(named))
    raise SiteLookupError(message + _(" (liste : maillage sites list)"))
