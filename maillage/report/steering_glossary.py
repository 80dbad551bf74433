"""The abbreviations a steering report may use, spelled out; the report lists only those it uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

ABBREVIATIONS: dict[str, str] = {
    "ND": "document budgétaire non précisé par la source",
    "BP": "budget primitif (budget voté en début d'année)",
    "DM": "décision modificative (ajustement du budget en cours d'année)",
    "CA": "compte administratif (budget exécuté, arrêté après la clôture)",
    "DMTO": "droits de mutation à titre onéreux (« frais de notaire » perçus par le Département)",
    "TVA": "taxe sur la valeur ajoutée (fraction reversée au Département)",
    "M€": "millions d'euros",
    "SST": "service des solidarités territoriales",
    "PMI": "protection maternelle et infantile",
    "CCAS": "centre communal d'action sociale",
    "RSA": "revenu de solidarité active",
    "ASE": "aide sociale à l'enfance",
    "APA": "allocation personnalisée d'autonomie",
    "PCH": "prestation de compensation du handicap",
    "MDPH": "maison départementale des personnes handicapées",
    "CLIC": "centre local d'information et de coordination gérontologique",
    "EHPAD": "établissement d'hébergement pour personnes âgées dépendantes",
    "INSEE": "Institut national de la statistique et des études économiques",
    "OSM": "OpenStreetMap : syntaxe des horaires d'ouverture (« Mo-Fr 09:00-17:00 »)",
}


def _pattern(abbr: str) -> re.Pattern[str]:
    # a whole token: "CA" in "CA > DM" but not in "CAF" or "Cachan"
    return re.compile(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])")


def glossary(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(abbreviation, meaning) for each abbreviation found in ``texts``, alphabetically."""
    text = "\n".join(texts)
    return sorted((a, m) for a, m in ABBREVIATIONS.items() if _pattern(a).search(text))
