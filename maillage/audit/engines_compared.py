"""What the streets cost: the same audit by the street engine and by crow-fly, commune by commune.

Crow-fly (straight line × detour) crosses the Seine, railways and motorways anywhere; the street
graph crosses them only on bridges, passages and tunnels. The difference per commune is what a
director reads to see where the territory's barriers, not distance, keep residents out of the norm.
"""

from __future__ import annotations

import pandas as pd

from maillage.audit.guarantee import AuditResult
from maillage.i18n import _
from maillage.numbers import fr_decimal, fr_pct

__all__ = ["crowfly_comparison", "crowfly_comparison_note"]


def _pct(share: float) -> str:
    return fr_pct(share)


def _points(share: float) -> str:
    return _("{n} points").format(n=fr_decimal(share * 100, 1))


def crowfly_comparison(street: AuditResult, crowfly: AuditResult) -> pd.DataFrame:
    """Per commune: share within and mean time to a pôle, on the streets and as the crow flies."""
    keep = ["code", "share_within", "mean_minutes_pole", "mean_minutes_antenne_or_pole"]
    both = street.by_commune[["code", "name", *keep[1:]]].merge(
        crowfly.by_commune[keep], on="code", suffixes=("", "_crowfly"), validate="one_to_one"
    )
    both["share_within_lost_to_streets"] = both["share_within_crowfly"] - both["share_within"]
    both["mean_minutes_pole_added_by_streets"] = both["mean_minutes_pole"] - both["mean_minutes_pole_crowfly"]
    return both.sort_values("share_within_lost_to_streets", ascending=False).reset_index(drop=True)


def crowfly_comparison_note(street: AuditResult, crowfly: AuditResult, table: pd.DataFrame) -> str:
    """One French sentence for every output: the département's figure and the three communes most hit."""
    worst = table.head(3)
    names = ", ".join(
        f"{r.name} ({_points(r.share_within_lost_to_streets)})" for r in worst.itertuples(index=False)
    )
    return _("Par les rues, {street} des habitants sont dans la norme ; à vol d'oiseau (ligne droite × détour) ce "
             "serait {crowfly} : la Seine, les voies ferrées et les grandes routes coûtent {points} au département, "
             "surtout à {communes}.").format(
        street=_pct(street.total["share_within"]), crowfly=_pct(crowfly.total["share_within"]),
        points=_points(crowfly.total["share_within"] - street.total["share_within"]), communes=names)
