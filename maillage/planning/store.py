"""Scenario storage in the registry tables ``scenario``/``scenario_change`` (one transaction per write).

Every write is also recorded in ``write_log`` (who, what). A change is validated against the
snapshot *with all the scenario's earlier changes applied* before it is stored, so a stored
scenario always applies. Scenarios are exported and imported as JSON (the whole scenario) or CSV
(one change per row, columns :data:`CSV_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from maillage.csvcells import neutralise, restore
from maillage.i18n import _
from maillage.planning.changes import (
    NEW_SITE_OPS,
    PAYLOAD_FIELDS,
    ScenarioError,
    apply_scenario,
    normalise_change,
    op_label,
)
from maillage.registry.db import lock_for_write
from maillage.registry.models import Scenario, ScenarioChange, WriteLog
from maillage.registry.snapshot import Snapshot
from maillage.textinput import CsvRecordError, JsonInputError, csv_error_reason, load_json, nul_reason, numbered_records

CSV_COLUMNS = ("op", "site_id", *PAYLOAD_FIELDS)
EXPORT_FORMAT = "maillage-scenario/1"
WRITE_ATTEMPTS = 8
T = TypeVar("T")


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """The JSON-able form of a stored scenario (shape used by the web API and the CLI)."""
    return {
        "id": scenario.id,
        "name": scenario.name,
        "description": scenario.description,
        "created_by": scenario.created_by,
        "changes": [
            {
                "id": c.id,
                "seq": c.seq,
                "op": c.op,
                "site_id": c.site_id,
                "payload": c.payload,
                "created_by": c.created_by,
            }
            for c in scenario.changes
        ],
    }


def list_scenarios(db: Engine) -> list[dict[str, Any]]:
    with Session(db) as session:
        rows = session.scalars(select(Scenario).options(selectinload(Scenario.changes)).order_by(Scenario.id)).all()
        return [scenario_dict(s) for s in rows]


def get_scenario(db: Engine, scenario_id: int) -> dict[str, Any]:
    """A scenario by id (raises LookupError)."""
    with Session(db) as session:
        scenario = session.get(Scenario, scenario_id, options=[selectinload(Scenario.changes)])
        if scenario is None:
            raise LookupError(_("scénario {scenario_id} introuvable").format(scenario_id=scenario_id))
        return scenario_dict(scenario)


def find_scenario(db: Engine, name: str) -> dict[str, Any]:
    """A scenario by name (raises LookupError listing the known names)."""
    with Session(db) as session:
        scenario = session.scalars(
            select(Scenario).where(Scenario.name == name).options(selectinload(Scenario.changes))
        ).first()
        if scenario is None:
            known = ", ".join(session.scalars(select(Scenario.name).order_by(Scenario.id)).all()) or "aucun"
            raise LookupError(
                _("scénario « {name} » introuvable (scénarios enregistrés : {known})").format(name=name, known=known))
        return scenario_dict(scenario)


def free_name(db: Engine, prefix: str = "plan") -> str:
    """The first unused name ``prefix-1``, ``prefix-2``…"""
    with Session(db) as session:
        taken = set(session.scalars(select(Scenario.name).where(Scenario.name.like(f"{prefix}-%"))).all())
    n = 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def create_scenario(
    db: Engine,
    name: str,
    description: str | None,
    actor: str,
    *,
    snapshot: Snapshot | None = None,
    changes: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Create a scenario, optionally with its changes (validated on ``snapshot``), in one transaction."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ScenarioError(_("nom de scénario vide ou trop long (120 caractères au plus)"))
    changes = list(changes)
    if changes and snapshot is None:
        raise ValueError("a snapshot is needed to validate changes")

    def write(session: Session) -> int:
        if session.scalars(select(Scenario).where(Scenario.name == name)).first() is not None:
            raise ScenarioError(_("un scénario s'appelle déjà « {name} »").format(name=name))
        scenario = Scenario(name=name, description=description, created_by=actor)
        session.add(scenario)
        session.flush()
        session.add(
            WriteLog(actor=actor, action="scenario_create", target=f"scenario:{scenario.id}", detail={"name": name})
        )
        if changes:
            _append(session, snapshot, scenario, changes, actor)
        return scenario.id

    scenario_id = _write(db, write)
    return get_scenario(db, scenario_id)


def add_change(
    db: Engine, snapshot: Snapshot, scenario_id: int, change: Mapping[str, Any], actor: str
) -> dict[str, Any]:
    """Append one change given flat (``op``, ``site_id`` and the payload fields) to a scenario."""
    payload = {k: v for k, v in change.items() if k not in ("op", "site_id", "payload")} | dict(
        change.get("payload") or {}
    )
    return add_changes(
        db, snapshot, scenario_id, [{"op": change["op"], "site_id": change.get("site_id"), "payload": payload}], actor
    )


def add_changes(
    db: Engine, snapshot: Snapshot, scenario_id: int, changes: Iterable[Mapping[str, Any]], actor: str
) -> dict[str, Any]:
    """Append stored-form changes to a scenario (all or nothing); recorded in WriteLog."""
    changes = list(changes)

    def write(session: Session) -> None:
        scenario = session.get(Scenario, scenario_id, options=[selectinload(Scenario.changes)])
        if scenario is None:
            raise LookupError(_("scénario {scenario_id} introuvable").format(scenario_id=scenario_id))
        _append(session, snapshot, scenario, changes, actor)

    _write(db, write, lock=select(Scenario.id).where(Scenario.id == scenario_id))
    return get_scenario(db, scenario_id)


def remove_change(db: Engine, snapshot: Snapshot, scenario_id: int, change_id: int, actor: str) -> dict[str, Any]:
    """Remove one change of a scenario (undo), under the same write lock as :func:`add_changes`.

    The other changes keep their ``seq`` (still unique; the next change added takes the highest
    plus one). Refused with a :class:`ScenarioError` when a later change needs the removed one
    (moving or closing a site that change added): a stored scenario always applies.
    """

    def write(session: Session) -> None:
        scenario = session.get(Scenario, scenario_id, options=[selectinload(Scenario.changes)])
        if scenario is None:
            raise LookupError(_("scénario {scenario_id} introuvable").format(scenario_id=scenario_id))
        target = next((c for c in scenario.changes if c.id == change_id), None)
        if target is None:
            raise LookupError(
                _("changement {change_id} introuvable dans le scénario « {name} »").format(
                    change_id=change_id, name=scenario.name))
        position = scenario.changes.index(target)
        later = [(n, c) for n, c in enumerate(scenario.changes[position + 1 :], start=position + 2)
                 if target.op in NEW_SITE_OPS and c.site_id == target.site_id]  # fmt: skip
        if later:  # the usual case, said with names: a site added, then moved or closed
            n, c = later[0]
            name = (target.payload or {}).get("name") or target.site_id
            raise ScenarioError(
                _("« {name} » : un changement suivant en dépend (n° {n}, {change}) ; retirez d'abord celui-là").format(
                    name=name, n=n, change=op_label(c.op))
            )
        rest = [{"op": c.op, "site_id": c.site_id, "payload": c.payload} for c in scenario.changes if c is not target]
        try:
            apply_scenario(snapshot, rest)
        except ScenarioError as exc:
            raise ScenarioError(
                _("ce changement ne peut pas être retiré seul : un changement suivant en dépend ({exc})").format(
                    exc=exc)
            ) from None
        session.add(
            WriteLog(
                actor=actor,
                action="scenario_remove_change",
                target=f"scenario:{scenario.id}",
                detail={"seq": target.seq, "op": target.op, "site_id": target.site_id, **(target.payload or {})},
            )
        )
        session.delete(target)

    _write(db, write, lock=select(Scenario.id).where(Scenario.id == scenario_id))
    return get_scenario(db, scenario_id)


def _write(db: Engine, work: Callable[[Session], T], lock: Select | None = None) -> T:
    """Run ``work`` in one write transaction that holds the write lock from its first read.

    The lock makes concurrent edits of a scenario queue, so each reads the changes and the last
    ``seq`` the previous one committed; the unique (scenario_id, seq) index is the backstop.
    Whatever still collides (SQLite busy past its timeout, a unique violation) is tried again
    from the start with fresh reads; it is never half-written.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with Session(db) as session, session.begin():
                lock_for_write(session, lock)
                return work(session)
        except (IntegrityError, OperationalError) as exc:
            transient = isinstance(exc, IntegrityError) or "locked" in str(exc.orig) or "busy" in str(exc.orig)
            if not transient or attempt == WRITE_ATTEMPTS:
                raise
            time.sleep(random.uniform(0.0, 0.05 * attempt))  # jitter: colliding writers do not collide again
    raise AssertionError("unreachable")


def _append(
    session: Session, snapshot: Snapshot, scenario: Scenario, changes: list[Mapping[str, Any]], actor: str
) -> None:
    seq = session.scalar(select(func.max(ScenarioChange.seq)).where(ScenarioChange.scenario_id == scenario.id)) or 0
    existing = [{"op": c.op, "site_id": c.site_id, "payload": c.payload} for c in scenario.changes]
    renamed: dict[str, str] = {}
    new = []
    for change in changes:
        seq += 1
        site_id = change.get("site_id")
        if change["op"] in NEW_SITE_OPS:  # ids of added sites are the registry's to give
            fresh = f"scenario-{scenario.id}-{seq}"
            if site_id:
                renamed[site_id] = fresh
            site_id = fresh
        elif site_id in renamed:  # a later change of a site added earlier in the same import
            site_id = renamed[site_id]
        new.append((seq, normalise_change(change["op"], site_id, change.get("payload") or {})))
    apply_scenario(snapshot, [*existing, *(c for _, c in new)])  # raises ScenarioError on a bad change
    for seq_n, c in new:
        session.add(
            ScenarioChange(
                scenario_id=scenario.id,
                seq=seq_n,
                op=c["op"],
                site_id=c["site_id"],
                payload=c["payload"],
                created_by=actor,
            )
        )
        session.add(
            WriteLog(
                actor=actor,
                action=f"scenario_{c['op']}",
                target=f"scenario:{scenario.id}",
                detail={"site_id": c["site_id"], **c["payload"]},
            )
        )


def delete_scenario(db: Engine, name: str, actor: str) -> None:
    with Session(db) as session, session.begin():
        scenario = session.scalars(select(Scenario).where(Scenario.name == name)).first()
        if scenario is None:
            raise LookupError(_("scénario « {name} » introuvable").format(name=name))
        session.add(
            WriteLog(actor=actor, action="scenario_delete", target=f"scenario:{scenario.id}", detail={"name": name})
        )
        session.delete(scenario)


def scenario_snapshot(db: Engine, snapshot: Snapshot, name: str) -> tuple[Snapshot, dict[str, Any]]:
    """The snapshot with the named scenario applied, and the scenario."""
    scenario = find_scenario(db, name)
    return apply_scenario(snapshot, scenario["changes"]), scenario


# ---- export / import ----------------------------------------------------------------------------


def export_json(scenario: Mapping[str, Any]) -> str:
    """The scenario as a JSON document (re-importable with :func:`parse_import`)."""
    doc = {
        "format": EXPORT_FORMAT,
        "name": scenario["name"],
        "description": scenario.get("description"),
        "changes": [
            {"op": c["op"], "site_id": c.get("site_id"), "payload": c.get("payload") or {}} for c in scenario["changes"]
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def export_csv(scenario: Mapping[str, Any]) -> str:
    """One change per row; services ``;``-separated; lon/lat in WGS84 degrees."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for change in scenario["changes"]:
        payload = change.get("payload") or {}
        row = {"op": change["op"], "site_id": change.get("site_id") or ""}
        for key in PAYLOAD_FIELDS:
            value = payload.get(key)
            row[key] = (
                ";".join(value)
                if isinstance(value, list)
                else ("" if value is None else repr(value) if isinstance(value, float) else value)
            )
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return buffer.getvalue()


def parse_import(text: str, filename: str = "scénario") -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(name, description, stored-form changes) from an exported JSON or CSV text."""
    stripped = text.lstrip("\ufeff").strip()
    if (binary := nul_reason(stripped)) is not None:
        raise ScenarioError(f"{filename} : {binary}")
    if stripped.startswith(("{", "[")):
        try:
            doc = load_json(stripped)
        except JsonInputError as exc:
            raise ScenarioError(f"{filename} : {exc}") from None
        if isinstance(doc, list):
            doc = {"changes": doc}
        changes = doc.get("changes")
        if not isinstance(changes, list):
            raise ScenarioError(_("{filename} : liste « changes » absente").format(filename=filename))
        out = []
        for n, c in enumerate(changes, start=1):
            if not isinstance(c, dict) or "op" not in c:
                raise ScenarioError(_("{filename} : changement n° {n} sans « op »").format(filename=filename, n=n))
            payload = (
                c.get("payload")
                if isinstance(c.get("payload"), dict)
                else {k: v for k, v in c.items() if k not in ("op", "site_id")}
            )
            out.append({"op": c["op"], "site_id": c.get("site_id"), "payload": payload})
        return doc.get("name"), doc.get("description"), out
    reader = csv.DictReader(io.StringIO(stripped), strict=True)
    try:
        return None, None, _parse_csv(reader, filename)
    except CsvRecordError as exc:  # a quote never closed, a field over the size limit
        raise ScenarioError(f"{filename}:{exc.line} : {exc}") from None


def _parse_csv(reader: csv.DictReader, filename: str) -> list[dict[str, Any]]:
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CsvRecordError(1, csv_error_reason(exc)) from None
    if not fieldnames or "op" not in fieldnames:
        raise ScenarioError(_("{filename} : ni JSON ni CSV avec une colonne « op »").format(filename=filename))
    unknown = sorted(set(fieldnames) - set(CSV_COLUMNS))
    if unknown:
        raise ScenarioError(
            _("{filename}:1 : colonne(s) inconnue(s) {unknown}").format(filename=filename, unknown=', '.join(unknown)))
    out = []
    for line, row in numbered_records(reader):
        payload: dict[str, Any] = {}
        for key in PAYLOAD_FIELDS:
            value = restore((row.get(key) or "").strip())
            if not value:
                continue
            payload[key] = [s for s in value.split(";") if s.strip()] if key == "services" else value
        change = {
            "op": (row["op"] or "").strip(),
            "site_id": (row.get("site_id") or "").strip() or None,
            "payload": payload,
        }
        try:
            normalise_change(change["op"], change["site_id"], payload)
        except ScenarioError as exc:
            raise ScenarioError(f"{filename}:{line} : {exc}") from None
        out.append(change)
    return out


def import_scenario(
    db: Engine, snapshot: Snapshot, text: str, actor: str, *, name: str | None = None, filename: str = "scénario"
) -> dict[str, Any]:
    """Create a scenario from an exported JSON/CSV text (all or nothing)."""
    doc_name, description, changes = parse_import(text, filename)
    name = name or doc_name
    if not name:
        raise ScenarioError(_("{filename} : nom du scénario absent (donnez --name)").format(filename=filename))
    try:
        return create_scenario(db, name, description, actor, snapshot=snapshot, changes=changes)
    except ScenarioError as exc:
        raise ScenarioError(f"{filename} : {exc}") from None
