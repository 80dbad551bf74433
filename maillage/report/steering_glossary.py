"""The abbreviations a steering report may use, spelled out; the report lists only those it uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

from maillage.i18n import N_, _

ABBREVIATIONS: dict[str, str] = {  # meanings marked: glossary() gives them in the interface language
    "ND": N_("document budgétaire non précisé par la source"),
    "BP": N_("budget primitif (budget voté en début d'année)"),
    "DM": N_("décision modificative (ajustement du budget en cours d'année)"),
    "CA": N_("compte administratif (budget exécuté, arrêté après la clôture)"),
    "DMTO": N_("droits de mutation à titre onéreux (« frais de notaire » perçus par le Département)"),
    "TVA": N_("taxe sur la valeur ajoutée (fraction reversée au Département)"),
    "M€": N_("millions d'euros"),
    "SST": N_("service des solidarités territoriales"),
    "PMI": N_("protection maternelle et infantile"),
    "CCAS": N_("centre communal d'action sociale"),
    "RSA": N_("revenu de solidarité active"),
    "ASE": N_("aide sociale à l'enfance"),
    "APA": N_("allocation personnalisée d'autonomie"),
    "PCH": N_("prestation de compensation du handicap"),
    "MDPH": N_("maison départementale des personnes handicapées"),
    "CLIC": N_("centre local d'information et de coordination gérontologique"),
    "EHPAD": N_("établissement d'hébergement pour personnes âgées dépendantes"),
    "INSEE": N_("Institut national de la statistique et des études économiques"),
    "OSM": N_("OpenStreetMap : syntaxe des horaires d'ouverture (« Mo-Fr 09:00-17:00 »)"),
}


def _pattern(abbr: str) -> re.Pattern[str]:
    # a whole token: "CA" in "CA > DM" but not in "CAF" or "Cachan"
    return re.compile(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])")


def glossary(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(abbreviation, meaning) for each abbreviation found in ``texts``, alphabetically."""
    text = "\n".join(texts)
    return sorted((a, _(m)) for a, m in ABBREVIATIONS.items() if _pattern(a).search(text))
