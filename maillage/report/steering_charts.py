"""Matplotlib charts of the steering report (French labels), built on ``Figure`` objects (no pyplot).

Each function takes analysis outputs and returns a :class:`matplotlib.figure.Figure`; ``to_svg`` turns
one into inline SVG text for the self-contained HTML report. Amounts are drawn in millions of euros.
"""

from __future__ import annotations

import io
import itertools
import textwrap
from collections.abc import Sequence
from datetime import date

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure

from maillage.i18n import _
from maillage.report.steering_text import M, fmt_meur, fmt_pct, with_precision
from maillage.steering.analysis import DmBreakdown, FollowUp, IndicatorRow, ScissorsYear, add_years
from maillage.steering.models import INDICATOR_LABELS, POLICY_LABELS

# Labels carry the data's notes and commune names: "$" is a dollar, never TeX (see maillage.report.map).
matplotlib.rcParams["text.parse_math"] = False
SPEND_C, DMTO_C, TVA_C, OTHER_C = "#b03a2e", "#1f618d", "#7d3c98", "#7f8c8d"


def to_svg(fig: Figure) -> str:
    """Inline SVG text of ``fig`` (text kept as text, so it can be searched)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _years_axis(ax, years: Sequence[int]) -> None:
    ax.set_xticks(list(years))
    ax.set_xticklabels([str(y) for y in years])
    if years:
        ax.set_xlim(min(years) - 0.6, max(years) + 0.6)


def scissors_chart(years: Sequence[ScissorsYear]) -> Figure:
    """Two panels: levels (totals, M€) by year, and variations in € by year; rates in a footnote."""
    fig = Figure(figsize=(11, 5.2))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    fig.suptitle(_("Effet ciseaux : dépenses de solidarité et recettes (DMTO, TVA)"), fontsize=13,
                 fontweight="bold")
    ys = [y.year for y in years]
    series = [(_("Dépenses de solidarité"), SPEND_C, "spending_total_eur", "o"),
              ("DMTO", DMTO_C, "dmto_total_eur", "s"), ("TVA", TVA_C, "tva_total_eur", "D")]
    for label, color, attr, marker in series:
        pts = [(y.year, getattr(y, attr)) for y in years if getattr(y, attr) is not None]
        if not pts:
            empty = _("{series} (aucun montant total)").format(series=label)
            ax1.plot([], [], marker=marker, color=color, ls="", label=empty)
            continue
        ax1.plot([p[0] for p in pts], [p[1] / M for p in pts], marker=marker, color=color, ls="",
                 ms=9, label=label)
        for (y0, v0), (y1, v1) in itertools.pairwise(pts):  # join consecutive years only
            if y1 - y0 == 1:
                ax1.plot([y0, y1], [v0 / M, v1 / M], color=color, lw=1.5, alpha=0.7)
        for y, v in pts:
            sy = next(s for s in years if s.year == y)
            docs = getattr(sy, attr.replace("_total_eur", "_document"))
            ax1.annotate(f"{fmt_meur(v)} ({docs})", (y, v / M), xytext=(8, 4), textcoords="offset points",
                         fontsize=8, color=color)
    for y in years:
        for bl in y.other_spending_totals:
            ax1.plot([y.year], [bl.amount_eur / M], marker="o", mfc="white", color=SPEND_C, ms=8, ls="")
            ax1.annotate(f"{fmt_meur(bl.amount_eur)} ({_(POLICY_LABELS[bl.policy]).lower()}, {bl.document})",
                         (y.year, bl.amount_eur / M), xytext=(8, -12), textcoords="offset points",
                         fontsize=8, color=SPEND_C)
    _years_axis(ax1, ys)
    ax1.set_ylim(0, ax1.get_ylim()[1] * 1.08)
    ax1.set_ylabel(_("Montant total (M€)"))
    ax1.set_title(_("Montants totaux connus"), fontsize=10)
    ax1.legend(fontsize=8, loc="lower left")
    ax1.grid(axis="y", alpha=0.3)

    bars = [(y.year, bl) for y in years for bl in (*y.spending_changes, *y.dmto_changes, *y.tva_changes)
            if bl.amount_eur is not None]
    colors = {"solidarites": SPEND_C, "action_sociale": SPEND_C, "dmto": DMTO_C, "tva": TVA_C}
    labels = {"solidarites": _("Solidarités"), "action_sociale": _("Action sociale"), "dmto": "DMTO", "tva": "TVA"}
    xt = []
    for i, (yr, bl) in enumerate(bars):
        v = bl.amount_eur / M  # type: ignore[operator]
        ax2.bar(i, v, color=colors.get(bl.policy, OTHER_C), hatch="//" if bl.precision != "exact" else None,
                edgecolor="white")
        ax2.annotate(with_precision(fmt_meur(bl.amount_eur, signed=True), bl.precision), (i, v),
                     xytext=(0, 4 if v >= 0 else -12), textcoords="offset points", ha="center", fontsize=8)
        xt.append(f"{labels.get(bl.policy, bl.policy)} {yr} ({bl.document})\nvs {bl.compared_to or '—'}")
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_xticks(range(len(bars)))
    ax2.set_xticklabels(xt, fontsize=7)
    ax2.set_ylabel(_("Variation (M€)"))
    ax2.set_title(_("Variations en euros (hachuré : montant approché)"), fontsize=10)
    ax2.grid(axis="y", alpha=0.3)
    lo, hi = ax2.get_ylim()
    ax2.set_ylim(lo * 1.2, hi * 1.2)

    rate = _("{policy} {year} ({document}) : {rate} par rapport à {reference}")
    rates = [rate.format(policy=labels.get(bl.policy, bl.policy), year=y.year, document=bl.document,
                         rate=fmt_pct(bl.rate_pct), reference=bl.compared_to or "—")
             for y in years for bl in (*y.dmto_changes, *y.tva_changes) if bl.rate_pct is not None]  # fmt: skip
    missing = [f"{y.year} — " + " ; ".join(y.missing) for y in years if y.missing]
    foot = _("Taux : {rates}").format(rates=" · ".join(rates)) if rates else ""
    if missing:
        foot += "\n" + _("Non communiqué (pas d'interpolation) : {years}").format(years=" | ".join(missing))
    # wrapped here, not with wrap=True: matplotlib's wrapping measures text as TeX whenever it holds two "$"
    foot = "\n".join(textwrap.fill(line, 160) for line in foot.splitlines())
    fig.text(0.01, 0.06, foot, fontsize=8, va="top")
    fig.subplots_adjust(bottom=0.24, wspace=0.3)
    return fig


def dm_breakdown_chart(bd: DmBreakdown) -> Figure:
    """Horizontal bars: detailed DM increases, the undetailed remainder (computed), the total (M€)."""
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    items: list[tuple[str, float, str]] = [
        (f"{_(POLICY_LABELS[bl.policy])}\n({bl.note.rstrip('.')})" if bl.note else _(POLICY_LABELS[bl.policy]),
         bl.amount_eur or 0.0, SPEND_C) for bl in bd.components]
    items.append((_("Reste non détaillé par la source\n(calculé : total − détail)"), bd.remainder_eur, OTHER_C))
    items.append((_("Total de la hausse (DM)"), bd.total_variation_eur, "#641e16"))
    for i, (_label, v, color) in enumerate(reversed(items)):
        ax.barh(i, v / M, color=color)
        ax.annotate(fmt_meur(v, signed=True), (v / M, i), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([it[0] for it in reversed(items)], fontsize=8)
    ax.set_xlabel("M€")
    title = _("Décision modificative {year} : hausse des crédits sociaux").format(year=bd.year)
    if bd.total_after_eur:
        title += " — " + _("budget solidarités après DM : {amount}").format(amount=fmt_meur(bd.total_after_eur))
    ax.set_title(title, fontsize=11, fontweight="bold")
    ax.set_xlim(0, bd.total_variation_eur / M * 1.25)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def conventions_chart(rows: Sequence[FollowUp], today: date) -> Figure:
    """Timeline of the conventions: current term from signature to next renewal, with today's date."""
    fig = Figure(figsize=(10, 0.8 + 0.7 * max(len(rows), 1)))
    ax = fig.subplots()
    for i, r in enumerate(rows):
        start = add_years(r.next_renewal, -r.duration_years)
        ax.barh(i, mdates.date2num(r.next_renewal) - mdates.date2num(start), left=mdates.date2num(start),
                color="#117864" if not r.renewal_due else "#d68910", height=0.5)
        ax.annotate(_("renouvellement : {date}").format(date=f"{r.next_renewal:%d/%m/%Y}"),
                    (mdates.date2num(r.next_renewal), i),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.axvline(mdates.date2num(today), color="black", ls="--", lw=1)
    ax.annotate(_("référence {date}").format(date=f"{today:%d/%m/%Y}"), (mdates.date2num(today), len(rows) - 0.5),
                fontsize=8,
                xytext=(3, 0), textcoords="offset points")
    ax.set_yticks(range(len(rows)))
    signed = _("{commune} (signée le {date})")
    ax.set_yticklabels([signed.format(commune=r.commune, date=f"{r.signature_date:%d/%m/%Y}") for r in rows],
                       fontsize=9)
    ax.invert_yaxis()
    ax.xaxis_date()
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi + (hi - lo) * 0.25)
    ax.set_title(_("Conventions avec les communes : période en cours et prochain renouvellement"), fontsize=11,
                 fontweight="bold")
    fig.tight_layout()
    return fig


def activity_chart(rows: Sequence[IndicatorRow]) -> Figure:
    """Bars of the activity indicators (one bar per record), labelled with the source qualifier."""
    fig = Figure(figsize=(10, 3.5))
    ax = fig.subplots()
    for i, r in enumerate(rows):
        ax.barh(i, r.value, color="#2e86c1", hatch="//" if r.precision != "exact" else None,
                edgecolor="white")
        ax.annotate(with_precision(f"{r.value:,.0f}".replace(",", "\u202f"), r.precision), (r.value, i),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{_(INDICATOR_LABELS[r.indicator])} — {r.key} ({r.period})" for r in rows], fontsize=8)
    ax.invert_yaxis()
    if rows:
        ax.set_xlim(0, max(r.value for r in rows) * 1.3)
    ax.set_title(_("Indicateurs d'activité (hachuré : valeur approchée ou minimale)"), fontsize=11,
                 fontweight="bold")
    fig.tight_layout()
    return fig
