"""The resident page's words for its script (public.js), from the message catalogue.

The same mechanism as the planner workspace (:mod:`maillage.web.planner_messages`): the page carries them as a
JSON data block (``<script type="application/json" id="messages">``, escaped by jinja2's ``tojson``; a data block
runs nothing, so the CSP ``script-src 'self'`` holds), and the script reads every word it shows through the shared
reader ``messages.js`` (``t(key, values)``, named placeholders filled after translation). The page itself
works without JavaScript: these are only the words of its enhancements (the map, « Autour de moi »).
"""

from __future__ import annotations

from maillage.i18n import _


def public_messages() -> dict[str, str]:
    """Every word public.js shows, by key, in the interface language."""
    return {
        "map_label": _("Carte des communes. Flèches pour déplacer, plus et moins pour zoomer, Entrée pour choisir le "
                       "centre comme point de départ."),
        "point_on_map": _("Point choisi sur la carte : {lat}, {lon}. Appuyez sur « Rechercher »."),
        "point_at_centre": _("Point choisi au centre de la carte : {lat}, {lon}. Appuyez sur « Rechercher »."),
        "start_point": _("Point de départ"),
        "locating": _("Recherche de votre position…"),
        "position_refused": _("Vous n'avez pas autorisé la localisation. Tapez votre adresse, votre commune ou votre "
                              "code postal."),
        "position_unknown": _("Votre position n'a pas pu être trouvée. Tapez votre adresse, votre commune ou votre "
                              "code postal."),
    }
