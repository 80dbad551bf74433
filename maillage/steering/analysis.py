"""Pure computations over steering records: scissors effect, BP→DM changes, indicators, follow-up.

Nothing here reads files or draws. Amounts are in euros (€), rates in percent (%). Missing years are
never interpolated: each output says which figures exist for which year, and which are missing.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from maillage.i18n import _

from .models import (
    INDICATOR_LABELS,
    POLICY_LABELS,
    SCHEDULED_KIND_LABELS,
    SOLIDARITY_POLICIES,
    ActivityIndicator,
    BudgetLine,
    Convention,
    Direction,
    Document,
    Measure,
)

# Which document wins when a year has several totals for the same policy (latest vote first).
DOCUMENT_PRIORITY: tuple[Document, ...] = (Document.CA, Document.DM, Document.BP, Document.ND)
REVENUE_POLICIES: tuple[str, ...] = ("dmto", "tva")


# ------------------------------------------------------------------------------------ dates
def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    idx = d.year * 12 + (d.month - 1) + months
    year, month = divmod(idx, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def add_years(d: date, years: int) -> date:
    """``d`` plus ``years`` years (29 Feb → 28 Feb in a non-leap year)."""
    return add_months(d, 12 * years)


# ------------------------------------------------------------------------------ scissors effect
@dataclass(frozen=True)
class ScissorsYear:
    """What the data say for one year about solidarity spending and DMTO/TVA revenue (€, %).

    ``*_total_eur`` is the retained total (latest document); ``*_changes`` lists the variations as
    given (amount in € or rate in %, with their reference). ``gap_eur`` = retained spending total minus
    the revenue totals that exist (see ``gap_basis``); None when a side is missing.
    """

    year: int
    spending_total_eur: float | None
    spending_document: str | None
    spending_changes: tuple[BudgetLine, ...]
    dmto_total_eur: float | None
    dmto_changes: tuple[BudgetLine, ...]
    tva_total_eur: float | None
    tva_changes: tuple[BudgetLine, ...]
    gap_eur: float | None
    gap_basis: str
    missing: tuple[str, ...]
    line_ids: tuple[str, ...] = field(default=())
    other_spending_totals: tuple[BudgetLine, ...] = field(default=())
    dmto_document: str | None = None
    tva_document: str | None = None


def _retained_total(lines: Sequence[BudgetLine]) -> BudgetLine | None:
    totals = [bl for bl in lines if bl.measure is Measure.TOTAL and bl.amount_eur is not None]
    for doc in DOCUMENT_PRIORITY:
        for bl in totals:
            if bl.document is doc:
                return bl
    return None


def scissors_effect(lines: Iterable[BudgetLine]) -> list[ScissorsYear]:
    """Solidarity spending against DMTO and TVA revenue, for every year that has one of them."""
    by_year: dict[int, list[BudgetLine]] = defaultdict(list)
    for bl in lines:
        if bl.year is not None and (bl.policy in SOLIDARITY_POLICIES or bl.policy in REVENUE_POLICIES):
            by_year[bl.year].append(bl)
    out = []
    for year in sorted(by_year):
        ylines = by_year[year]
        spend = [bl for bl in ylines
                 if bl.policy in SOLIDARITY_POLICIES and bl.direction is Direction.EXPENSE]
        dmto = [bl for bl in ylines if bl.policy == "dmto"]
        tva = [bl for bl in ylines if bl.policy == "tva"]
        s_tot, d_tot, t_tot = _retained_total(spend), _retained_total(dmto), _retained_total(tva)
        missing = []
        if s_tot is None:
            missing.append(_("dépenses de solidarité : pas de montant total"))
        if d_tot is None:
            missing.append(_("DMTO : pas de montant total"))
        if t_tot is None:
            missing.append(_("TVA : pas de montant total"))
        gap, basis = None, _("non calculable (montant total manquant)")
        revenue = [(name, t) for name, t in (("DMTO", d_tot), ("TVA", t_tot)) if t is not None]
        if s_tot is not None and revenue:
            gap = s_tot.amount_eur - sum(t.amount_eur for _, t in revenue)  # type: ignore[operator]
            basis = _("dépenses de solidarité ({document}) − {revenue}").format(
                document=s_tot.document, revenue=" − ".join(f"{name} ({t.document})" for name, t in revenue))
            if len(revenue) < 2:
                basis += _(" ({revenue} non incluse)").format(revenue="TVA" if d_tot else "DMTO")
        var = Measure.VARIATION
        out.append(ScissorsYear(
            year=year,
            spending_total_eur=s_tot.amount_eur if s_tot else None,
            spending_document=s_tot.document.value if s_tot else None,
            spending_changes=tuple(bl for bl in spend if bl.measure is var),
            dmto_total_eur=d_tot.amount_eur if d_tot else None,
            dmto_changes=tuple(bl for bl in dmto if bl.measure is var),
            tva_total_eur=t_tot.amount_eur if t_tot else None,
            tva_changes=tuple(bl for bl in tva if bl.measure is var),
            gap_eur=gap, gap_basis=basis, missing=tuple(missing),
            line_ids=tuple(bl.id for bl in ylines),
            other_spending_totals=tuple(
                bl for bl in spend if bl.measure is Measure.TOTAL and bl is not s_tot
            ),
            dmto_document=d_tot.document.value if d_tot else None,
            tva_document=t_tot.document.value if t_tot else None,
        ))
    return out


# ------------------------------------------------------------------------------- BP → DM changes
@dataclass(frozen=True)
class PolicyChange:
    """BP total, DM variation and DM total of one policy in one year (€); rates listed apart (%).

    ``dm_variation_eur`` sums the DM variations in € that are not year-on-year (``compared_to`` not a
    year). ``implied_before_eur`` = DM total − DM variation (the credits before the DM) when both exist;
    ``before_matches`` lists other totals of the same year and direction equal to it (a cross-check
    between sources). ``consistent`` tells whether BP total + DM variation = DM total (None if not
    checkable). ``other_changes`` holds the rates (%) and year-on-year variations.
    """

    year: int
    policy: str
    label: str
    bp_total_eur: float | None
    dm_variation_eur: float | None
    dm_total_eur: float | None
    implied_before_eur: float | None
    consistent: bool | None
    before_matches: tuple[str, ...]
    other_changes: tuple[BudgetLine, ...]
    line_ids: tuple[str, ...]


def is_year_on_year(bl: BudgetLine) -> bool:
    """True when a variation is measured against another year (``compared_to`` is ``YYYY``)."""
    return bool(re.fullmatch(r"\d{4}", bl.compared_to.strip()))


def bp_dm_changes(lines: Iterable[BudgetLine], year: int) -> list[PolicyChange]:
    """Changes between the BP and the DM of ``year``, by policy (only policies with a BP or DM line)."""
    lines = list(lines)
    by_policy: dict[str, list[BudgetLine]] = defaultdict(list)
    for bl in lines:
        if bl.year == year and bl.document in (Document.BP, Document.DM):
            by_policy[bl.policy].append(bl)
    out = []
    for policy in sorted(by_policy, key=list(POLICY_LABELS).index):
        pl = by_policy[policy]

        def pick(doc: Document, measure: Measure, pl: list[BudgetLine] = pl) -> list[float]:
            return [bl.amount_eur for bl in pl if bl.document is doc and bl.measure is measure
                    and bl.amount_eur is not None and not is_year_on_year(bl)]

        bp_t, dm_v, dm_t = pick(Document.BP, Measure.TOTAL), pick(Document.DM, Measure.VARIATION), \
            pick(Document.DM, Measure.TOTAL)
        bp_total = bp_t[0] if bp_t else None
        dm_var = sum(dm_v) if dm_v else None
        dm_total = dm_t[0] if dm_t else None
        implied = dm_total - dm_var if dm_total is not None and dm_var is not None else None
        consistent = (abs(bp_total + dm_var - dm_total) < 0.5
                      if None not in (bp_total, dm_var, dm_total) else None)  # type: ignore[operator]
        direction = pl[0].direction
        matches = tuple(
            bl.id for bl in lines
            if implied is not None and bl.year == year and bl.measure is Measure.TOTAL
            and bl.direction is direction and bl not in pl and bl.amount_eur is not None
            and abs(bl.amount_eur - implied) < 0.5
        )
        out.append(PolicyChange(
            year=year, policy=policy, label=_(POLICY_LABELS[policy]), bp_total_eur=bp_total,
            dm_variation_eur=dm_var, dm_total_eur=dm_total, implied_before_eur=implied, consistent=consistent,
            before_matches=matches,
            other_changes=tuple(bl for bl in pl if bl.rate_pct is not None or is_year_on_year(bl)),
            line_ids=tuple(bl.id for bl in pl),
        ))
    return out


@dataclass(frozen=True)
class DmBreakdown:
    """The DM increase of solidarity spending (€) split into the detailed policies and a remainder."""

    year: int
    total_variation_eur: float
    total_after_eur: float | None
    components: tuple[BudgetLine, ...]
    remainder_eur: float
    line_ids: tuple[str, ...]


def dm_breakdown(lines: Iterable[BudgetLine], year: int) -> DmBreakdown | None:
    """Split the DM ``year`` solidarity variation into its detailed expense policies.

    ``remainder_eur`` = total variation − detailed components: the part the source does not detail.
    Returns None when there is no DM solidarity variation for ``year``.
    """
    dm = [bl for bl in lines if bl.year == year and bl.document is Document.DM
          and bl.direction is Direction.EXPENSE and bl.amount_eur is not None]
    dm = [bl for bl in dm if not is_year_on_year(bl)]
    parent = [bl for bl in dm if bl.policy in SOLIDARITY_POLICIES and bl.measure is Measure.VARIATION]
    if not parent:
        return None
    totals = [bl for bl in dm if bl.policy in SOLIDARITY_POLICIES and bl.measure is Measure.TOTAL]
    comps = tuple(bl for bl in dm if bl.policy not in SOLIDARITY_POLICIES and bl.measure is Measure.VARIATION)
    total_var = sum(bl.amount_eur for bl in parent)  # type: ignore[misc]
    return DmBreakdown(
        year=year, total_variation_eur=total_var,
        total_after_eur=totals[0].amount_eur if totals else None, components=comps,
        remainder_eur=total_var - sum(bl.amount_eur for bl in comps),  # type: ignore[misc]
        line_ids=tuple(bl.id for bl in (*parent, *totals, *comps)),
    )


# ------------------------------------------------------------------------------------ indicators
@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of a site or commune, with the population served and the rate per ``per`` inhabitants."""

    id: str
    scope: str  # "site" or "commune"
    key: str  # site id or INSEE code
    insee_code: str
    period: str
    indicator: str
    label: str
    value: float
    precision: str
    population_served: int | None
    per_inhabitants: float | None
    missing_populations: tuple[str, ...]
    source: str


def indicators_per_inhabitant(
    activity: Iterable[ActivityIndicator], populations: Mapping[str, int] | None = None, per: int = 1000
) -> list[IndicatorRow]:
    """Indicators per site (or commune) and per ``per`` inhabitants of the communes served.

    ``populations`` maps INSEE code → inhabitants (the registry provides it); a record whose served
    communes are not all known gets ``per_inhabitants=None`` and lists the missing codes.
    """
    populations = populations or {}
    rows = []
    for a in sorted(activity, key=lambda a: (a.site_id or a.insee_code, a.period, a.indicator)):
        missing = tuple(c for c in a.served if c not in populations)
        pop = None if missing else sum(populations[c] for c in a.served)
        rows.append(IndicatorRow(
            id=a.id, scope="site" if a.site_id else "commune", key=a.site_id or a.insee_code,
            insee_code=a.insee_code, period=a.period, indicator=a.indicator,
            label=_(INDICATOR_LABELS[a.indicator]), value=a.value, precision=a.precision.value,
            population_served=pop, per_inhabitants=(a.value / pop * per) if pop else None,
            missing_populations=missing, source=a.source,
        ))
    return rows


# --------------------------------------------------------------------------- convention follow-up
def next_renewal(conv: Convention, today: date) -> date:
    """Next term end on or after ``today``: signature + k × duration (k ≥ 1).

    Assumes a renewable convention is renewed for the same duration. A non-renewable convention
    returns its single term end, which may be in the past (expired).
    """
    k = 1
    end = add_years(conv.signature_date, conv.duration_years)
    while conv.renewable and end < today:
        k += 1
        end = add_years(conv.signature_date, k * conv.duration_years)
    return end


@dataclass(frozen=True)
class FollowUp:
    """Follow-up status of one convention at ``today``."""

    convention_id: str
    commune: str
    insee_code: str
    signature_date: date
    duration_years: int
    renewable: bool
    next_renewal: date
    days_to_renewal: int
    renewal_due: bool  # within the horizon
    expired: bool
    indicator_period: str
    missing_indicators: tuple[str, ...]
    indicators_declared: bool
    review_frequency_months: int | None
    last_review: date | None
    next_review_due: date | None
    review_overdue: bool | None  # None when no frequency is given
    alerts: tuple[str, ...]


def last_complete_year(today: date) -> str:
    """The last complete calendar year before ``today`` as ``YYYY`` (default reporting period)."""
    return str(today.year - 1)


def missing_indicators(
    conv: Convention, activity: Iterable[ActivityIndicator], period: str
) -> tuple[str, ...]:
    """Indicators the convention must report that have no record for its commune and ``period``.

    Nothing is expected for a period that ends before the signature date.
    """
    if int(period[:4]) < conv.signature_date.year:
        return ()
    have = {a.indicator for a in activity if a.period == period and conv.commune_insee in a.served}
    return tuple(i for i in conv.indicators_to_report if i not in have)


def follow_up(
    conventions: Iterable[Convention],
    activity: Iterable[ActivityIndicator],
    today: date,
    horizon_months: int = 6,
    period: str | None = None,
) -> list[FollowUp]:
    """Renewals due within ``horizon_months`` of ``today``, missing indicators, overdue reviews."""
    activity = list(activity)
    period = period or last_complete_year(today)
    horizon = add_months(today, horizon_months)
    out = []
    for c in sorted(conventions, key=lambda c: (c.signature_date, c.id)):
        renewal = next_renewal(c, today)
        expired = renewal < today
        due = not expired and renewal <= horizon
        missing = missing_indicators(c, activity, period)
        held = [m for m in c.review_meetings if m <= today]
        last = max(held) if held else None
        next_review = overdue = None
        if c.review_frequency_months:
            next_review = add_months(last or c.signature_date, c.review_frequency_months)
            overdue = next_review < today
        alerts = []
        if expired:
            alerts.append(_("convention échue le {date}").format(date=f"{renewal:%d/%m/%Y}"))
        elif due:
            alerts.append(_("renouvellement à préparer avant le {date}").format(date=f"{renewal:%d/%m/%Y}"))
        if missing:
            alerts.append(_("indicateurs {period} manquants : {indicators}").format(
                period=period, indicators=", ".join(_(INDICATOR_LABELS[i]) for i in missing)))
        if overdue:
            alerts.append(_("réunion de suivi en retard (attendue le {date})").format(date=f"{next_review:%d/%m/%Y}"))
        out.append(FollowUp(
            convention_id=c.id, commune=c.commune_name, insee_code=c.commune_insee,
            signature_date=c.signature_date, duration_years=c.duration_years, renewable=c.renewable,
            next_renewal=renewal, days_to_renewal=(renewal - today).days, renewal_due=due, expired=expired,
            indicator_period=period, missing_indicators=missing,
            indicators_declared=bool(c.indicators_to_report),
            review_frequency_months=c.review_frequency_months, last_review=last,
            next_review_due=next_review, review_overdue=overdue, alerts=tuple(alerts),
        ))
    return out


# ----------------------------------------------------------------------------- link with the audit
def scheduled_sites(conventions: Iterable[Convention]) -> list[dict]:
    """Turn the scheduled services of conventions into site records the audit can add.

    Each dict has ``id``, ``name``, ``kind``, ``insee_code``, ``opening_hours`` (OSM syntax, or None
    when the source gives no hours), ``hours_given``, ``place`` (None if not given), ``lon``/``lat``
    (always None: conventions give no coordinates), ``flags`` (French, what is missing),
    ``frequency``, ``duration``, ``convention_id`` and ``source``.
    """
    out = []
    for c in conventions:
        for n, s in enumerate(c.scheduled_services, start=1):
            flags = []
            if s.opening_hours is None:
                flags.append(_("horaires non précisés par la source")
                             + (f" ({s.frequency}, {s.duration})" if s.frequency or s.duration else ""))
            if not s.place:
                flags.append(_("lieu non précisé par la source"))
            if s.start:
                flags.append(_("en service depuis {start} : peut déjà figurer au registre").format(start=s.start))
            out.append({
                "id": f"{c.id}/{s.kind}-{n}",
                "name": f"{s.label} – {c.commune_name}",
                "kind": s.kind,
                "kind_label": _(SCHEDULED_KIND_LABELS[s.kind]),
                "insee_code": c.commune_insee,
                "opening_hours": s.opening_hours,
                "hours_given": s.opening_hours is not None,
                "place": s.place or None,
                "lon": None,
                "lat": None,
                "frequency": s.frequency or None,
                "duration": s.duration or None,
                "flags": flags,
                "convention_id": c.id,
                "source": c.source,
            })
    return out
