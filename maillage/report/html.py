"""Self-contained HTML report (jinja2 + inline SVG maps): one file a director can send by e-mail."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from maillage.audit.guarantee import AuditResult
from maillage.audit.standard import ANTENNE_CLASS, POLE_CLASS
from maillage.i18n import _
from maillage.numbers import fr_decimal, fr_number, fr_pct
from maillage.numbers import fr_int as _fmt_int
from maillage.registry.hours_fr import osm_to_french
from maillage.registry.vocab import SiteKind, kind_label, quality_label_fr
from maillage.report import site_value
from maillage.report.equity_view import equity_definitions, equity_lines_fr, summary_rows, why_entries
from maillage.report.files import REPORT_CSP, write_atomic
from maillage.report.map import minutes_map_svg
from maillage.report.templating import environment
from maillage.report.terminal import backend_fr, mode_fr

__all__ = ["render_html", "write_atomic"]


def _fmt_minutes(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.0f}"


def _fmt_points(share: float | None) -> str:
    """A difference of shares in signed percentage points, never "−0"."""
    if share is None or not math.isfinite(share):
        return "—"
    points = round(share * 100)
    return "0" if points == 0 else f"{points:+d}".replace("-", "−")


def render_html(
    result: AuditResult,
    title: str | None = None,
    week: list[dict[str, Any]] | None = None,
) -> str:
    """The self-contained report; ``week`` (coverage at weekday slots, see ``api.week_coverage``) adds a table."""
    title = title or _("Garantie d'accès aux services sociaux")
    env = environment()
    env.filters["int"] = _fmt_int
    env.filters["minutes"] = _fmt_minutes
    env.filters["pct"] = lambda v: fr_pct(v, 0)
    env.filters["pct1"] = fr_pct  # the headline, to the decimal the terminal prints (71,6 %, not 72 %)
    env.filters["points"] = _fmt_points
    env.filters["dec"] = fr_decimal
    env.filters["fr_hours"] = osm_to_french
    env.filters["residents"] = lambda v: _("moins d'un habitant") if v < 1 else _("{n} habitants").format(n=_fmt_int(v))
    s = result.standard
    maps = [
        minutes_map_svg(result, POLE_CLASS, _("Minutes jusqu'au pôle social le plus proche (norme {minutes})").format(
            minutes=fr_number(s.pole_minutes))),
        minutes_map_svg(result, ANTENNE_CLASS, _("Minutes jusqu'à l'antenne ou au pôle le plus proche (norme "
                                                 "{minutes})").format(minutes=fr_number(s.antenne_minutes))),
    ]
    sites = result.sites.copy()
    sites["kind_label"] = [kind_label(k) for k in sites["kind"]]
    sites["quality_label"] = [quality_label_fr(q) for q in sites["coordinate_quality"]]
    sector_name = dict(zip(result.by_sector["code"], result.by_sector["name"], strict=True))
    counted = sites[sites["kind"].isin(s.class_kinds()[ANTENNE_CLASS])].sort_values(["kind", "commune_code"])
    names = result.communes["name"].to_dict()
    counted = counted.assign(commune_name=[names.get(c, c or "") for c in counted["commune_code"]])
    return env.get_template("audit.html.j2").render(
        title=title,
        csp=REPORT_CSP,
        kind_labels={k: kind_label(k) for k in SiteKind},
        generated=datetime.now().strftime("%d/%m/%Y %H:%M"),
        result=result,
        total=result.total,
        communes=result.by_commune.assign(sector_name=result.by_commune["sector"].map(sector_name))  # names, not ids
        .sort_values("share_within").to_dict(orient="records"),
        sectors=result.by_sector.sort_values("share_within").to_dict(orient="records"),
        maps=maps,
        sites=counted.to_dict(orient="records"),
        standard_lines=s.describe_fr(),
        week=week or [],
        mode_fr=mode_fr(result),
        backend_fr=backend_fr(result),
        crowfly=[] if result.crowfly_by_commune is None else result.crowfly_by_commune.to_dict(orient="records"),
        equity_lines=equity_lines_fr(result),
        equity_definitions=equity_definitions(),
        equity_rows=summary_rows(result, "total") + summary_rows(result, "sectors"),
        equity_communes=sorted(summary_rows(result, "communes"), key=lambda r: str(r["name"])),
        publics=[] if result.publics is None else list(result.publics.publics),
        public_labels={"tous": _("Tous"), "enfants": _("Enfants (moins de 15 ans)"), "seniors": _("65 ans et plus")},
        why=why_entries(result),
        site_value=site_value.html_context(result),
    )
