"""The service standard and which site kinds count for it (configuration printed in every report).

The département's promise (schéma 2024-2028, shared/seeds/001 and 002): every resident reaches a
pôle social in under 20 minutes, or else an antenne de proximité in under 15 minutes. By default a
"pôle" is a pôle social départemental, and an "antenne" is any other site the département runs: an
SST site, an antenne or a PMI centre ("antennes de proximité, notamment pour la Protection
Maternelle et Infantile", seed 001). France Services and CCAS are shown beside, not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from maillage.i18n import _
from maillage.numbers import fr_number
from maillage.registry.listing import unknown_message
from maillage.registry.vocab import SiteKind, kind_label

POLE_CLASS = "pole"
ANTENNE_CLASS = "antenne_or_pole"


@dataclass(frozen=True)
class ServiceStandard:
    """Thresholds in minutes and the site kinds of each class."""

    pole_minutes: float = 20.0
    antenne_minutes: float = 15.0
    pole_kinds: tuple[str, ...] = (SiteKind.POLE_SOCIAL.value,)
    antenne_kinds: tuple[str, ...] = (SiteKind.SST.value, SiteKind.ANTENNE.value, SiteKind.PMI.value)
    beside_kinds: tuple[str, ...] = (SiteKind.FRANCE_SERVICES.value, SiteKind.CCAS.value)

    def __post_init__(self) -> None:
        if self.pole_minutes <= 0 or self.antenne_minutes <= 0:
            raise ValueError(
                _("les seuils (--pole-minutes, --antenne-minutes) doivent être des durées positives, en minutes")
            )
        known = [k.value for k in SiteKind]
        for option, kinds in (("--pole-kinds", self.pole_kinds), ("--antenne-kinds", self.antenne_kinds)):
            for kind in kinds:  # a typo would leave its class empty and the audit wrong without a word
                if kind not in known:
                    raise ValueError(_("{option} : {unknown} (types possibles : {known})").format(
                        option=option, unknown=unknown_message(kind, known, "kind"), known=", ".join(known)))

    def class_kinds(self) -> dict[str, tuple[str, ...]]:
        """Kinds of each destination class; the antenne class includes pôles (a pôle is also near)."""
        classes = {
            POLE_CLASS: self.pole_kinds,
            ANTENNE_CLASS: tuple(dict.fromkeys(self.pole_kinds + self.antenne_kinds)),
        }
        classes.update({kind: (kind,) for kind in self.beside_kinds})
        return classes

    def describe_fr(self) -> list[str]:
        def names(kinds: tuple[str, ...]) -> str:
            return ", ".join(kind_label(k) for k in kinds)

        return [
            _("Norme : un pôle social à {pole} min au plus, ou à défaut une antenne (ou un pôle) à {antenne} min "
              "au plus.").format(pole=fr_number(self.pole_minutes), antenne=fr_number(self.antenne_minutes)),
            _("« Pôle » = {kinds}.").format(kinds=names(self.pole_kinds)),
            _("« Antenne » = {kinds} (et les pôles).").format(kinds=names(self.antenne_kinds)),
            _("Montrés à côté, non comptés : {kinds}.").format(kinds=names(self.beside_kinds)),
        ]
