"""Opening hours and mobile-unit timetables as *time*: the audit at a given moment of the week.

A site counts at time ``t`` only if it is open at ``t`` (OSM ``opening_hours``, evaluated by the
maintained ``opening-hours-py`` parser through :mod:`maillage.registry.hours`). A mobile-unit stop
counts only while it is served (its own ``opening_hours``), as the kind given by its ``counts_as``
(default: antenne). Sites whose hours are unknown are counted as open by default — a stated
assumption, since most sources give no hours — or as closed with ``unknown="closed"``.

The filtering is done on the snapshot (sites closed at ``t`` removed, served stops promoted to their
kind) before the engine is called, so every backend honours it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from maillage.audit.guarantee import run_audit
from maillage.audit.standard import ServiceStandard
from maillage.i18n import N_, _
from maillage.network.engine import TravelTimeEngine
from maillage.planning.changes import COUNTS_AS_COLUMN, MOBILE_KIND
from maillage.population.cells import Cells
from maillage.registry import hours
from maillage.registry.snapshot import Snapshot
from maillage.registry.vocab import SiteKind

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# the words a planner types (read as typed) and reads (shown through _())
DAYS_FR = (N_("lundi"), N_("mardi"), N_("mercredi"), N_("jeudi"), N_("vendredi"), N_("samedi"), N_("dimanche"))
DEFAULT_WEEK_SLOTS = (
    "Mo 09:00",
    "Mo 14:00",
    "Tu 09:00",
    "Tu 14:00",
    "We 09:00",
    "We 14:00",
    "Th 09:00",
    "Th 14:00",
    "Fr 09:00",
    "Fr 14:00",
    "Fr 18:30",
    "Sa 10:00",
)
_SLOT = re.compile(r"^\s*([A-Za-zéè]+)\.?\s+(\d{1,2})(?:[:h](\d{2})|h)\s*$")  # « mardi 9h » too


def reference_monday(today: date | None = None) -> date:
    """Monday of the reference week (the current week by default)."""
    today = today or date.today()
    return today - timedelta(days=today.weekday())


def parse_when(text: str, week_of: date | None = None) -> datetime:
    """``"Tu 09:00"`` / ``"mardi 9h00"`` (in the reference week) or an ISO date-time ``2026-11-24T10:00``."""
    text = text.strip()
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    match = _SLOT.match(text)
    if match:
        day = match.group(1).lower()
        names = {d.lower(): i for i, d in enumerate(DAYS)} | {d: i for i, d in enumerate(DAYS_FR)}
        names |= {d[:3]: i for i, d in enumerate(DAYS_FR)}
        if day in names:
            hour, minute = int(match.group(2)), int(match.group(3) or 0)
            if hour < 24 and minute < 60:
                monday = reference_monday(week_of)
                return datetime.combine(monday + timedelta(days=names[day]), time(hour, minute))
    message = _("moment invalide « {text} » : écrivez « Tu 09:00 », « mardi 9h00 » ou « 2026-11-24T10:00 »")
    raise ValueError(message.format(text=text))


def label_fr(when: datetime) -> str:
    return f"{_(DAYS_FR[when.weekday()])} {when:%H:%M}"


def snapshot_at(snapshot: Snapshot, when: datetime, *, unknown: str = "open") -> tuple[Snapshot, dict[str, Any]]:
    """The snapshot as it is at ``when``: closed sites removed, served mobile stops counted.

    Returns the snapshot and counts (``open``, ``closed``, ``unknown_hours``, ``mobile_served``).
    """
    if unknown not in ("open", "closed"):
        message = _("horaires inconnus : « open » (comptés ouverts) ou « closed » (comptés fermés), pas « {unknown} »")
        raise ValueError(message.format(unknown=unknown))
    sites = snapshot.sites.copy()
    if COUNTS_AS_COLUMN not in sites.columns:
        sites[COUNTS_AS_COLUMN] = None
    state = [hours.is_open(h, when) if isinstance(h, str) and h else None for h in sites["opening_hours"]]
    state_arr = np.array([s if s is not None else np.nan for s in state], dtype=float)
    mobile = (sites["kind"] == MOBILE_KIND).to_numpy()
    known = ~np.isnan(state_arr)
    is_open = np.where(known, state_arr == 1.0, unknown == "open")
    served = mobile & known & (state_arr == 1.0)
    keep = (~mobile & is_open) | served
    counts_as = sites[COUNTS_AS_COLUMN].where(sites[COUNTS_AS_COLUMN].notna(), SiteKind.ANTENNE.value)
    sites.loc[served, "kind"] = counts_as[served]
    placed = sites["x_m"].notna().to_numpy() & sites["duplicate_of"].isna().to_numpy()
    counts = {
        "when": when.isoformat(timespec="minutes"),
        "label": label_fr(when),
        "open": int((placed & ~mobile & known & (state_arr == 1.0)).sum()),
        "closed": int((placed & ~mobile & known & (state_arr == 0.0)).sum()),
        "unknown_hours": int((placed & ~mobile & ~known).sum()),
        "unknown_counted_as": unknown,
        "mobile_served": int((placed & served).sum()),
    }
    return dataclasses.replace(snapshot, sites=sites[keep].reset_index(drop=True)), counts


def note_fr(counts: dict[str, Any]) -> str:
    """The assumption line printed with a time-aware audit."""
    treated = _("ouverts") if counts["unknown_counted_as"] == "open" else _("fermés")
    return _("Moment : {label} ({when}) : {open} sites ouverts, {closed} fermés (exclus), {unknown} sans horaires "
             "connus comptés {treated}, {mobile} arrêt(s) d'unité mobile desservi(s) (un site ne compte que "
             "pendant ses heures d'ouverture).").format(
        label=counts["label"], when=counts["when"], open=counts["open"], closed=counts["closed"],
        unknown=counts["unknown_hours"], treated=treated, mobile=counts["mobile_served"])  # fmt: skip


def week_coverage(
    snapshot: Snapshot,
    cells: Cells,
    engine: TravelTimeEngine,
    standard: ServiceStandard | None = None,
    slots: Sequence[str] = DEFAULT_WEEK_SLOTS,
    *,
    week_of: date | None = None,
    unknown: str = "open",
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Coverage at each weekly slot: one audit per slot (population within, share, sites open).

    With unknown hours counted open, each slot is audited a second time with them closed
    (``share_within_unknown_closed``): most sources give no hours, so the truth lies between the two.
    """
    rows = []
    for slot in slots:
        when = parse_when(slot, week_of)
        if progress:
            progress(label_fr(when))
        moment, counts = snapshot_at(snapshot, when, unknown=unknown)
        result = run_audit(moment, cells, engine, standard, sources=[])
        row = {
            "slot": slot,
            **counts,
            "population_within": float(result.total["population_within"]),
            "share_within": float(result.total["share_within"]),
        }
        if unknown == "open" and counts["unknown_hours"]:
            closed = run_audit(snapshot_at(snapshot, when, unknown="closed")[0], cells, engine, standard, sources=[])
            row["population_within_unknown_closed"] = float(closed.total["population_within"])
            row["share_within_unknown_closed"] = float(closed.total["share_within"])
        rows.append(row)
    return rows
