"""Controlled vocabularies: site kinds, services, coordinate quality.

Source files use their own kind labels (``mobile_caravane_solidaire``, ``clic``…); they are mapped
here onto the registry's eight kinds, keeping the original label in ``source_kind``. Services a site
offers come from its file's ``services`` column when present, else from :data:`DEFAULT_SERVICES`
(a named assumption printed in every report).
"""

from __future__ import annotations

from enum import StrEnum

from maillage.i18n import N_, _, label_of


class SiteKind(StrEnum):
    POLE_SOCIAL = "pole_social"
    SST = "sst"
    ANTENNE = "antenne"
    PMI = "pmi"
    FRANCE_SERVICES = "france_services"
    CCAS = "ccas"
    MOBILE_STOP = "mobile_stop"
    OTHER = "other"


KIND_LABELS_FR: dict[SiteKind, str] = {
    SiteKind.POLE_SOCIAL: N_("Pôle social départemental"),
    SiteKind.SST: N_("Service des solidarités territoriales"),
    SiteKind.ANTENNE: N_("Antenne de proximité"),
    SiteKind.PMI: N_("Centre de PMI"),
    SiteKind.FRANCE_SERVICES: N_("France Services"),
    SiteKind.CCAS: N_("CCAS"),
    SiteKind.MOBILE_STOP: N_("Arrêt d'unité mobile"),
    SiteKind.OTHER: N_("Autre"),
}


def kind_label(kind: str) -> str:
    """A registry kind in the reader's words (the code itself for a kind outside the vocabulary)."""
    return label_of(KIND_LABELS_FR, kind)


# Labels found in source files → registry kind. Unknown labels are rejected at import.
SOURCE_KIND_MAP: dict[str, SiteKind] = {
    **{k.value: k for k in SiteKind},
    "pmi_permanence": SiteKind.ANTENNE,
    "edas": SiteKind.SST,
    "msap": SiteKind.FRANCE_SERVICES,
    "mobile_caravane_solidaire": SiteKind.MOBILE_STOP,
    "mobile_bus_sante_femmes": SiteKind.MOBILE_STOP,
    "clic": SiteKind.OTHER,
    "mdph": SiteKind.OTHER,
    "maternite": SiteKind.OTHER,
    "centre_de_sante": SiteKind.OTHER,
    "mairie": SiteKind.OTHER,
}


class Service(StrEnum):
    PMI = "pmi"
    SANTE_SEXUELLE = "sante_sexuelle"
    ACCES_AUX_DROITS = "acces_aux_droits"
    RSA_INSERTION = "rsa_insertion"
    PROTECTION_ENFANCE = "protection_enfance"
    VIOLENCES_FAMILIALES = "violences_familiales"
    LOGEMENT = "logement"
    AIDE_ALIMENTAIRE = "aide_alimentaire"
    DEMARCHES_EN_LIGNE = "demarches_en_ligne"
    PERSONNES_AGEES = "personnes_agees"
    HANDICAP = "handicap"
    SANTE_FEMMES = "sante_femmes"


SERVICE_LABELS_FR: dict[Service, str] = {
    Service.PMI: N_("Santé de l'enfant / PMI"),
    Service.SANTE_SEXUELLE: N_("Santé sexuelle, contraception"),
    Service.ACCES_AUX_DROITS: N_("Accès aux droits, action sociale"),
    Service.RSA_INSERTION: N_("RSA et insertion"),
    Service.PROTECTION_ENFANCE: N_("Protection de l'enfance"),
    Service.VIOLENCES_FAMILIALES: N_("Violences familiales"),
    Service.LOGEMENT: N_("Logement / expulsion"),
    Service.AIDE_ALIMENTAIRE: N_("Aide alimentaire"),
    Service.DEMARCHES_EN_LIGNE: N_("Démarches en ligne"),
    Service.PERSONNES_AGEES: N_("Personnes âgées"),
    Service.HANDICAP: N_("Handicap"),
    Service.SANTE_FEMMES: N_("Santé des femmes"),
}


def service_label(code: str) -> str:
    """A service in the reader's words (the code itself for a service outside the vocabulary)."""
    return label_of(SERVICE_LABELS_FR, code)


_POLE = (
    Service.ACCES_AUX_DROITS,
    Service.RSA_INSERTION,
    Service.PROTECTION_ENFANCE,
    Service.PMI,
    Service.SANTE_SEXUELLE,
)

# Services assumed by source kind when a file has no ``services`` column. The pôle list follows the
# Asnières pôle as described by its sources ("PMI, centre de santé sexuelle, action sociale,
# insertion, ASE under one roof", shared/data/sites/departement_sites_pages_92.csv); the Caravane
# list follows its page ("social workers, insertion advisers, MDPH, CAF, CNAV agents").
DEFAULT_SERVICES: dict[str, tuple[Service, ...]] = {
    "pole_social": _POLE,
    "sst": (Service.ACCES_AUX_DROITS, Service.RSA_INSERTION, Service.PROTECTION_ENFANCE),
    "edas": (Service.ACCES_AUX_DROITS, Service.RSA_INSERTION, Service.PROTECTION_ENFANCE),
    "antenne": (Service.ACCES_AUX_DROITS,),
    "pmi": (Service.PMI,),
    "pmi_permanence": (Service.PMI,),
    "france_services": (Service.DEMARCHES_EN_LIGNE, Service.ACCES_AUX_DROITS),
    "msap": (Service.DEMARCHES_EN_LIGNE, Service.ACCES_AUX_DROITS),
    "ccas": (Service.ACCES_AUX_DROITS, Service.AIDE_ALIMENTAIRE),
    "mobile_caravane_solidaire": (Service.ACCES_AUX_DROITS, Service.RSA_INSERTION, Service.HANDICAP),
    "mobile_bus_sante_femmes": (Service.SANTE_FEMMES,),
    "clic": (Service.PERSONNES_AGEES,),
    "mdph": (Service.HANDICAP,),
}


class CoordinateQuality(StrEnum):
    """How a site's point was obtained; every output shows it."""

    SOURCE = "source"  # lon/lat given by the source file
    SAME_ADDRESS = "same_address"  # same number + street as a located site of another source
    BAN_ADDRESS = "ban_address"  # matched to a BAN address point (number + street)
    BAN_STREET = "ban_street"  # matched to a BAN street (mean of its address points)
    OSM_ADDRESS = "osm_address"  # matched to an address point of the OSM extract (number + street)
    OSM_STREET = "osm_street"  # matched to a named street of the OSM extract (its middle in the commune)
    OSM_POI = "osm_poi"  # matched to an OSM point of interest whose name says the site's kind
    NAMED_STOP = "named_stop"  # at the transit stops its address names (a neighbourhood: registry/named_stops.py)
    COMMUNE_CENTROID = "commune_centroid"  # placed at its commune's centroid: position unknown
    NONE = "none"  # not placed (no commune known)
    SCENARIO = "scenario"  # placed by a planner in a scenario (a point chosen on the map or typed)


QUALITY_LABELS_FR: dict[CoordinateQuality, str] = {
    CoordinateQuality.SOURCE: N_("coordonnées de la source"),
    CoordinateQuality.SAME_ADDRESS: N_("même adresse qu'un site localisé d'une autre source"),
    CoordinateQuality.BAN_ADDRESS: N_("géocodé (adresse BAN)"),
    CoordinateQuality.BAN_STREET: N_("géocodé (voie BAN)"),
    CoordinateQuality.OSM_ADDRESS: N_("géocodé (adresse OpenStreetMap)"),
    CoordinateQuality.OSM_STREET: N_("géocodé (voie OpenStreetMap, numéro inconnu)"),
    CoordinateQuality.OSM_POI: N_("géocodé (lieu nommé OpenStreetMap)"),
    CoordinateQuality.NAMED_STOP: N_("approché (arrêt de transport du lieu nommé dans l'adresse)"),
    CoordinateQuality.COMMUNE_CENTROID: N_("centre de la commune (adresse inconnue)"),
    CoordinateQuality.NONE: N_("non localisé"),
    CoordinateQuality.SCENARIO: N_("ajouté ou déplacé par le scénario"),
}


def quality_label_fr(quality: str) -> str:
    """How a site was placed, in the reader's words (translated through the catalogue)."""
    return _(QUALITY_LABELS_FR[CoordinateQuality(quality)])


def parse_services(text: str) -> list[Service]:
    """Parse a ``;``-separated list of service codes; raises ValueError on an unknown code."""
    services: list[Service] = []
    for raw in text.split(";"):
        code = raw.strip()
        if not code:
            continue
        try:
            services.append(Service(code))
        except ValueError:
            known = ", ".join(s.value for s in Service)
            message = _("service inconnu « {code} » (connus : {known})")
            raise ValueError(message.format(code=code, known=known)) from None
    return services
