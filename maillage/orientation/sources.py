"""Source titles residents can read: the registry's ``source`` strings name repositories and files."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from maillage.i18n import N_, _

# Repository prefix → the title of what it is (see maillage/data/known_sources.csv for the full record).
REPOSITORY_TITLES_FR = {
    "github:okfnfr/dada-france-authorities": N_("Annuaire de l'administration (Service-Public.fr, 2019)"),
    "github:hapyatila/hapyatila.github.io": N_("Liste des adresses de PMI (projet personnel, juillet 2025)"),
    "github:anct-carto/france_services": N_("Liste nationale des France Services (ANCT, 2024)"),
}


@dataclass(frozen=True)
class SourceRef:
    title_fr: str
    url: str | None


def source_refs(source: str) -> list[SourceRef]:
    """One reference per part of a source string (parts separated by " ; "), never a file name."""
    refs = []
    for part in (p.strip() for p in source.split(";")):
        if not part:
            continue
        repo = next((t for prefix, t in REPOSITORY_TITLES_FR.items() if part.startswith(prefix)), None)
        if repo:
            refs.append(SourceRef(_(repo), None))
        elif part.startswith(("http://", "https://")):
            host = urlparse(part).netloc.removeprefix("www.").removeprefix("m.")
            refs.append(SourceRef(_("Page du site {host}").format(host=host), part))
        elif part.startswith("seed "):
            refs.append(SourceRef(_("Communiqué du Département (document archivé)"), None))
        else:
            refs.append(SourceRef(_("Fichier de sites fourni avec les données"), None))
    return refs
