"""The planner workspace's words for its scripts (planner.js, planner-map.js), from the message catalogue.

The page carries them as a JSON data block (``<script type="application/json" id="messages">``, escaped by
jinja2's ``tojson``; a data block runs nothing, so the CSP ``script-src 'self'`` holds); the scripts read every
word they show from it (``messages.js``) and keep no French of their own. Placeholders are named, as in
the rest of the catalogue (``{site}``), and filled by the script after translation. A plural is a pair: the
form for one and the form for many, the script choosing with the interface language's rule (French: 0 and 1
take the singular).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from maillage.i18n import _, ngettext


def _plural(form: Callable[[int], str]) -> dict[str, str]:
    """The two forms of a plural message (``form(n)`` is its ``ngettext`` call) for the script to choose from."""
    return {"one": form(1), "other": form(2)}


def planner_messages() -> dict[str, Any]:
    """Every word the workspace scripts show, by key, in the interface language."""
    return {
        # planner.js: the scenario editor, the figures, the proposals
        "ops": {
            "move_site": _("Déplacer"), "close_site": _("Fermer"), "add_site": _("Ajouter"),
            "set_services": _("Modifier les services de"), "set_hours": _("Modifier les horaires de"),
            "add_mobile_stop": _("Ajouter l'arrêt mobile"), "assign_sector": _("Changer le secteur de"),
        },
        "op_other": _("Modifier"),
        "change_line": _("{op} {site}"),
        "request_refused": _("la requête a été refusée ({status})."),
        "error": _("Erreur : {message}"),
        "minutes": _("{n} min"),
        "choose_site": _("Choisir ce site"),
        "zone_button": _("Zone à 15 et 20 min"),
        "site_chosen": _("Site choisi : {site}."),
        "point_chosen": _("Point choisi : {lat}, {lon}."),
        "place_found": _("Placé : {label} ({lat}, {lon}). Appliquez pour recalculer."),
        "need_place": _("Saisissez une adresse, une voie, un code postal ou une commune."),
        "zone_computing": _("Calcul de la zone de {site}…"),
        "zone_done": _("Zone de {site} : {n} carreaux à 20 min ou moins."),
        "outside": _("{outside} habitants hors de la norme sur {population}."),
        "compare_summary": _("Scénario : {delta} habitants dans la norme ({points} points) ; {improved} carreaux plus "
                             "proches, {worsened} plus loin."),
        "unnamed_site": _("site sans nom"),
        "remove": _("Retirer"),
        "change_removed": _("Changement retiré : {change}."),
        "change_saved": _("Changement enregistré : {change}."),
        "computing": _("Calcul en cours…"),
        "map_updated": _("Carte à jour."),
        "baseline": _("Existant (référence)"),
        "proposal": _("{sites} : +{gain} habitants dans la norme"),
        "proposal_shares": _("{sites} : +{gain} habitants dans la norme ({before} → {after})"),
        "need_scenario": _("Choisissez ou créez d'abord un scénario."),
        "proposals_intro": _plural(lambda n: ngettext(
            "{n} proposition de l'optimiseur sur l'existant, au mode du serveur. « Ajouter au scénario » l'ajoute au "
            "scénario affiché pour en voir l'effet.",
            "{n} propositions de l'optimiseur sur l'existant, au mode du serveur. « Ajouter au scénario » l'ajoute au "
            "scénario affiché pour en voir l'effet.", n)),
        "show_on_map": _("Voir sur la carte"),
        "gain_within": _("+{gain} habitants dans la norme"),
        "add_to_scenario": _("Ajouter au scénario"),
        "proposal_added": _("Proposition ajoutée au scénario : {site}."),
        "empty_cell": _("Aucun habitant recensé ici (carreau vide ou hors du territoire)."),
        "place_here": _("Placer le nouveau site ici"),
        "move_here": _("Déplacer le site choisi ici"),
        "zone_hidden": _("Zone masquée."),
        "need_point": _("Choisissez d'abord un point : cliquez sur la carte ou saisissez latitude et longitude."),
        "new_site": _("Nouveau site"),
        "proposals_unavailable": _("Propositions indisponibles : {message}"),
        # planner-map.js: the map's markers, popups and legend
        "kinds": {
            "pole_social": _("Pôle social"), "sst": _("SST, antenne"), "pmi": _("Centre de PMI"),
            "france_services": _("France Services"), "ccas": _("CCAS"),
        },
        "gained": _("gagné : entre dans la norme"),
        "lost": _("perdu : sort de la norme"),
        "unreachable": _("hors d'atteinte"),
        "label": _("{label} : "),
        "sector_unknown": _("secteur non renseigné"),
        "tip_closed": _("{site} (fermé dans le scénario)"),
        "tip_added": _("{site} (ajouté)"),
        "tip_moved": _("{site} (déplacé)"),
        "tip_approximate": _("{site} (position approximative)"),
        "cell_title": _("Carreau de {size} m"),
        "cell_title_commune": _("Carreau de {size} m — {commune}"),
        "population": _("Population"),
        "residents": _plural(lambda n: ngettext("{n} habitant", "{n} habitants", n)),
        "nearest_pole": _("Pôle social le plus proche"),
        "nearest_antenne": _("Antenne ou pôle le plus proche"),
        "verdict": _("Verdict"),
        "within": _("dans la norme"),
        "outside_standard": _("hors de la norme"),
        "kind": _("Type"),
        "commune": _("Commune"),
        "address": _("Adresse"),
        "hours": _("Horaires"),
        "not_given": _("non renseignée"),
        "scenario": _("Scénario"),
        "site_changes": {"added": _("site ajouté"), "moved": _("site déplacé"), "closed": _("site fermé")},
        "position": _("Position"),
        "approximate": _("approximative (centre de la commune)"),
        "legend_group": _("{title} :"),
        "legend_sites": _("Sites"),
        "legend_changes": _("Changements du scénario"),
        "legend_added": _("site ajouté (anneau orange)"),
        "legend_moved": _("site déplacé (anneau orange, trait depuis l'ancienne position)"),
        "legend_closed": _("site fermé (gris)"),
        "legend_diff": _("Différence avec l'existant"),
        "legend_no_diff": _("aucun carreau habité ne change de verdict"),
        "legend_sectors": _("Secteurs SST"),
        "legend_zone": _("Zone de « {site} »"),
        "legend_low": _("15 min ou moins"),
        "legend_high": _("de 15 à 20 min"),
    }
