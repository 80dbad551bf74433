"""Typed records of the steering module: budget lines, activity indicators, conventions.

The models are flat (scalars, tuples of strings, a tuple of small value objects) so that the lead can
map each one to a SQL table of the registry without reshaping: every field is a column, list fields
become a JSON/ARRAY column or a child table keyed by ``id``.

Amounts are in euros (€), rates in percent (%). French labels for people live in the ``*_LABELS``
dictionaries, marked for the message catalogue (whoever shows one calls ``_()``); codes stay in English.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maillage.i18n import N_, _

SOURCE_QUOTE_RE = re.compile(r"«\s*(.*?)\s*»", re.S)


class Document(StrEnum):
    """Budget document a figure belongs to."""

    BP = "BP"  # budget primitif
    DM = "DM"  # décision modificative
    CA = "CA"  # compte administratif
    ND = "ND"  # document not stated by the source (non précisé)


DOCUMENT_LABELS: dict[str, str] = {
    "BP": N_("Budget primitif"),
    "DM": N_("Décision modificative"),
    "CA": N_("Compte administratif"),
    "ND": N_("Document non précisé"),
}


class Direction(StrEnum):
    REVENUE = "revenue"
    EXPENSE = "expense"


DIRECTION_LABELS: dict[str, str] = {"revenue": N_("Recette"), "expense": N_("Dépense")}


class Measure(StrEnum):
    """Whether a figure is a level (total) or a change (variation, signed)."""

    TOTAL = "total"
    VARIATION = "variation"


MEASURE_LABELS: dict[str, str] = {"total": N_("Total"), "variation": N_("Variation")}


class Precision(StrEnum):
    """How the source qualifies the figure ("près de", "plus de", "de l'ordre de")."""

    EXACT = "exact"
    ABOUT = "about"
    MORE_THAN = "more_than"


PRECISION_LABELS: dict[str, str] = {"exact": "", "about": N_("environ"), "more_than": N_("plus de")}

POLICY_LABELS: dict[str, str] = {
    "solidarites": N_("Solidarités (budget dédié)"),
    "action_sociale": N_("Action sociale"),
    "ase": N_("Aide sociale à l'enfance"),
    "handicap": N_("Personnes en situation de handicap"),
    "dmto": N_("DMTO (droits de mutation à titre onéreux)"),
    "tva": N_("Fraction de TVA"),
    "equipements_sociaux": N_("Équipements sociaux (pôles sociaux)"),
}
SOLIDARITY_POLICIES: tuple[str, ...] = ("solidarites", "action_sociale")
SECTION_LABELS: dict[str, str] = {"": N_("non précisée"), "fonctionnement": N_("Fonctionnement"),
                                  "investissement": N_("Investissement")}

INDICATOR_LABELS: dict[str, str] = {
    "people_received": N_("Personnes accueillies"),
    "rsa_requests": N_("Demandes d'allocation RSA traitées"),
    "pmi_acts": N_("Actes réalisés par la PMI"),
    "pmi_consultations": N_("Consultations PMI"),
    "social_interviews": N_("Entretiens sociaux"),
}

SCHEDULED_KIND_LABELS: dict[str, str] = {
    "pmi_permanence": N_("Permanence PMI"),
    "pmi_centre": N_("Site PMI"),
    "social_permanence": N_("Permanence sociale"),
    "mobile_unit": N_("Dispositif mobile"),
}


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, description="Where the figure comes from (seed file + quotes).")

    @property
    def source_file(self) -> str:
        """The file part of a ``file : « quote » ; « quote »`` source ('' if free text)."""
        head, sep, _ = self.source.partition(":")
        return head.strip() if sep and "«" in self.source else ""

    @property
    def source_quotes(self) -> list[str]:
        """The quoted sentences of the source, in order."""
        return [q for q in SOURCE_QUOTE_RE.findall(self.source) if q]


class BudgetLine(_Record):
    """One budget figure: a total or a signed variation, in € or in %.

    Exactly one of ``amount_eur`` (euros) and ``rate_pct`` (percent) is set; totals are always in €.
    ``year`` is None when the source gives no budget year (e.g. a multi-year investment).
    """

    id: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=1990, le=2100)
    document: Document
    policy: str
    section: str = ""
    direction: Direction
    measure: Measure
    amount_eur: float | None = None
    rate_pct: float | None = None
    precision: Precision = Precision.EXACT
    compared_to: str = ""
    note: str = ""

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, v: str) -> str:
        if v not in POLICY_LABELS:
            raise ValueError(_("politique inconnue « {value} » (attendu : {known})").format(
                value=v, known=", ".join(POLICY_LABELS)))
        return v

    @field_validator("section")
    @classmethod
    def _known_section(cls, v: str) -> str:
        if v not in SECTION_LABELS:
            raise ValueError(_("section inconnue (attendu : fonctionnement, investissement ou vide)"))
        return v

    @model_validator(mode="after")
    def _one_value(self) -> BudgetLine:
        if (self.amount_eur is None) == (self.rate_pct is None):
            raise ValueError("amount_eur|rate_pct: " + _("renseigner exactement un des deux"))
        if self.measure is Measure.TOTAL and self.amount_eur is None:
            raise ValueError("amount_eur: " + _("un total doit être un montant en euros"))
        if self.measure is Measure.TOTAL and self.amount_eur is not None and self.amount_eur < 0:
            raise ValueError("amount_eur: " + _("un total ne peut pas être négatif"))
        return self


class ActivityIndicator(_Record):
    """One activity figure of a commune (``site_id`` empty) or of a site over a period.

    ``period`` is ``YYYY`` or ``YYYY-MM``. ``served_insee_codes`` lists the communes a site serves
    (for a commune record it is the commune itself).
    """

    id: str = Field(min_length=1)
    insee_code: str = Field(pattern=r"^\d[\dAB]\d{3}$")
    site_id: str = ""
    served_insee_codes: tuple[str, ...] = ()
    period: str = Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$")
    indicator: str
    value: float = Field(ge=0)
    precision: Precision = Precision.EXACT
    note: str = ""

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, v: str) -> str:
        if v not in INDICATOR_LABELS:
            raise ValueError(_("indicateur inconnu « {value} » (attendu : {known})").format(
                value=v, known=", ".join(INDICATOR_LABELS)))
        return v

    @property
    def served(self) -> tuple[str, ...]:
        """Communes served: the declared list, or the record's own commune."""
        return self.served_insee_codes or (self.insee_code,)


class ScheduledService(BaseModel):
    """A convention commitment that is a service held at given times (a permanence, a mobile unit).

    ``opening_hours`` is in OSM syntax and only set when the source gives the hours.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    label: str = Field(min_length=1)
    frequency: str = ""
    duration: str = ""
    place: str = ""
    start: str = ""
    opening_hours: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in SCHEDULED_KIND_LABELS:
            kinds = ", ".join(SCHEDULED_KIND_LABELS)
            raise ValueError(_("type de service inconnu « {value} » (attendu : {kinds})").format(value=v, kinds=kinds))
        return v

    @field_validator("opening_hours")
    @classmethod
    def _osm_hours(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            import opening_hours  # optional validation, the registry's parser
        except ImportError:  # pragma: no cover - dependency of the project
            return v
        if not opening_hours.validate(v):
            raise ValueError(_("horaires OSM invalides « {value} »").format(value=v))
        return v


class Convention(_Record):
    """A renewable cooperation convention between the Département and a commune.

    ``review_frequency_months`` is None when the source gives no frequency for the follow-up
    meetings; ``review_meetings`` lists the dates of the meetings held.
    """

    id: str = Field(min_length=1)
    commune_insee: str = Field(pattern=r"^\d[\dAB]\d{3}$")
    commune_name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    signature_date: date
    duration_years: int = Field(gt=0, le=50)
    renewable: bool
    signatories: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()
    scheduled_services: tuple[ScheduledService, ...] = ()
    indicators_to_report: tuple[str, ...] = ()
    review_frequency_months: int | None = Field(default=None, gt=0, le=120)
    review_meetings: tuple[date, ...] = ()
    governance: str = ""
    note: str = ""

    @field_validator("indicators_to_report")
    @classmethod
    def _known_indicators(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [i for i in v if i not in INDICATOR_LABELS]
        if unknown:
            raise ValueError(_("indicateur(s) inconnu(s) : {unknown}").format(unknown=", ".join(unknown)))
        return v


class SteeringData(BaseModel):
    """Everything the steering module loads from one folder."""

    model_config = ConfigDict(frozen=True)

    budget_lines: tuple[BudgetLine, ...] = ()
    activity: tuple[ActivityIndicator, ...] = ()
    conventions: tuple[Convention, ...] = ()
