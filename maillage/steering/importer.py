"""All-or-nothing CSV import of the steering data (budget lines, activity, conventions).

Every rejected row is reported as ``file:row:field: reason`` (row = 1-based line number in the file,
the header being line 1). If anything is rejected, :class:`SteeringImportError` is raised and nothing
is returned. The shipped example lives in ``maillage/data/steering/`` and is read through
:mod:`importlib.resources`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from maillage.i18n import N_, _
from maillage.textinput import csv_error_reason, nul_reason

from .models import ActivityIndicator, BudgetLine, Convention, ScheduledService, SteeringData

BUDGET_FILE = "budget_lines.csv"
ACTIVITY_FILE = "activity.csv"
CONVENTIONS_FILE = "conventions.csv"
LIST_SEP = "|"


class SteeringImportError(ValueError):
    """Raised when at least one row is rejected; ``errors`` holds one ``file:row:field: reason`` each."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(_("{n} erreur(s) d'import :").format(n=len(errors)) + "\n" + "\n".join(self.errors))


class _FieldError(ValueError):
    """A conversion error already attributed to a (sub-)field."""


# ---------------------------------------------------------------- converters (str -> typed value)
def _text(v: str) -> str:
    return v.strip()


def _int_opt(v: str) -> int | None:
    v = v.strip()
    if not v:
        return None
    try:
        return int(v)
    except ValueError:
        raise ValueError(_("entier attendu, lu « {value} »").format(value=v)) from None


def _float_opt(v: str) -> float | None:
    v = v.strip()
    if not v:
        return None
    try:
        return float(v)
    except ValueError:
        raise ValueError(
            _("valeur non numérique « {value} » (attendu : nombre, point décimal, sans espace)").format(value=v)
        ) from None


def _float(v: str) -> float:
    out = _float_opt(v)
    if out is None:
        raise ValueError(_("valeur obligatoire"))
    return out


def _bool(v: str) -> bool:
    low = v.strip().lower()
    if low in {"oui", "true", "1", "vrai", "yes"}:
        return True
    if low in {"non", "false", "0", "faux", "no"}:
        return False
    raise ValueError(_("booléen attendu (oui/non), lu « {value} »").format(value=v.strip()))


def _date(v: str) -> date:
    try:
        return date.fromisoformat(v.strip())
    except ValueError:
        raise ValueError(_("date invalide « {value} » (attendu : AAAA-MM-JJ)").format(value=v.strip())) from None


def _list(v: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in v.split(LIST_SEP) if item.strip())


def _dates(v: str) -> tuple[date, ...]:
    return tuple(_date(item) for item in _list(v))


def _scheduled(v: str) -> tuple[ScheduledService, ...]:
    """Parse ``kind=…; label=…; frequency=… | kind=…`` into scheduled services."""
    out = []
    for n, item in enumerate(_list(v), start=1):
        fields: dict[str, str] = {}
        for pair in item.split(";"):
            if not pair.strip():
                continue
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(_("service n°{n} : « {pair} » n'est pas de la forme clé=valeur").format(
                    n=n, pair=pair.strip()))
            fields[key.strip()] = value.strip()
        try:
            out.append(ScheduledService.model_validate(fields))
        except ValidationError as exc:
            reasons = "; ".join(_reason(e) for e in exc.errors())
            raise ValueError(_("service n°{n} : {reasons}").format(n=n, reasons=reasons)) from None
    return tuple(out)


Converter = Callable[[str], Any]
Spec = dict[str, tuple[bool, Converter]]  # column -> (required column, converter)

BUDGET_SPEC: Spec = {
    "id": (True, _text), "year": (True, _int_opt), "document": (True, _text), "policy": (True, _text),
    "section": (False, _text), "direction": (True, _text), "measure": (True, _text),
    "amount_eur": (True, _float_opt), "rate_pct": (False, _float_opt), "precision": (False, _text),
    "compared_to": (False, _text), "note": (False, _text), "source": (True, _text),
}
ACTIVITY_SPEC: Spec = {
    "id": (True, _text), "insee_code": (True, _text), "site_id": (False, _text),
    "served_insee_codes": (False, _list), "period": (True, _text), "indicator": (True, _text),
    "value": (True, _float), "precision": (False, _text), "note": (False, _text), "source": (True, _text),
}
CONVENTION_SPEC: Spec = {
    "id": (True, _text), "commune_insee": (True, _text), "commune_name": (True, _text),
    "title": (True, _text), "signature_date": (True, _date), "duration_years": (True, _int_opt),
    "renewable": (True, _bool), "signatories": (False, _list), "partners": (False, _list),
    "commitments": (False, _list), "scheduled_services": (False, _scheduled),
    "indicators_to_report": (False, _list), "review_frequency_months": (False, _int_opt),
    "review_meetings": (False, _dates), "governance": (False, _text), "note": (False, _text),
    "source": (True, _text),
}


_FR_REASONS: dict[str, str] = {
    "enum": N_("valeur inconnue « {input} » (attendu : {expected})"),
    "literal_error": N_("valeur inconnue « {input} » (attendu : {expected})"),
    "greater_than": N_("doit être strictement supérieur à {gt}, lu « {input} »"),
    "greater_than_equal": N_("doit être supérieur ou égal à {ge}, lu « {input} »"),
    "less_than_equal": N_("doit être inférieur ou égal à {le}, lu « {input} »"),
    "string_pattern_mismatch": N_("format invalide « {input} »"),
    "string_too_short": N_("valeur obligatoire"),
    "missing": N_("valeur obligatoire"),
    "extra_forbidden": N_("champ inconnu"),
}


def _reason(err: Any) -> str:
    """French reason of one pydantic error (our own ValueError messages are already French)."""
    template = _FR_REASONS.get(str(err.get("type")))
    if template:
        try:
            ctx = {k: str(v).replace(" or ", " ou ") for k, v in (err.get("ctx") or {}).items()}
            return _(template).format(input=err.get("input"), **ctx)
        except (KeyError, IndexError):
            pass
    return str(err.get("msg", "")).removeprefix("Value error, ")


def _split_field_prefix(msg: str, default: str) -> tuple[str, str]:
    """Model-level messages are written ``field: reason``; return (field, reason)."""
    head, sep, tail = msg.partition(": ")
    if sep and head and " " not in head:
        return head, tail
    return default, msg


def _sniff_reader(text: str) -> csv.reader:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # strict: a quote left open at the end of the file (a file cut inside a field) is an error
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _numbered(reader: Any, filename: str, errors: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of each record; a malformed record ends the file with one error."""
    last_line = reader.line_num
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # unterminated quote, oversized field
            errors.append(f"{filename}:{last_line + 1}:-: {csv_error_reason(exc)}")
            return
        yield last_line + 1, raw
        last_line = reader.line_num


def parse_csv(text: str, filename: str, spec: Spec, model: type[BaseModel]) -> tuple[list[Any], list[str]]:
    """Parse one CSV text into ``model`` instances; return (records, errors), never raises."""
    errors: list[str] = []
    text = text.removeprefix("\ufeff")
    if (binary := nul_reason(text)) is not None:
        return [], [f"{filename}:0:-: {binary}"]
    reader = _sniff_reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        empty = _("fichier vide (en-tête attendu : {columns})").format(columns=", ".join(spec))
        return [], [f"{filename}:1:-: {empty}"]
    except csv.Error as exc:
        return [], [f"{filename}:1:-: {csv_error_reason(exc)}"]
    for col in spec:
        if spec[col][0] and col not in header:
            errors.append(f"{filename}:1:{col}: " + _("colonne obligatoire absente"))
    for col in header:
        if col not in spec:
            errors.append(f"{filename}:1:{col}: " + _("colonne inconnue (colonnes admises : {columns})").format(
                columns=", ".join(spec)))
    if len(set(header)) != len(header):
        errors.append(f"{filename}:1:-: " + _("colonne en double dans l'en-tête"))
    if errors:
        return [], errors

    records: list[Any] = []
    seen_ids: dict[str, int] = {}
    row = 1
    for row, raw in _numbered(reader, filename, errors):
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(header):
            errors.append(f"{filename}:{row}:-: " + _("{cells} cellules pour {columns} colonnes").format(
                cells=len(raw), columns=len(header)))
            continue
        cells = dict(zip(header, raw, strict=True))
        values: dict[str, Any] = {}
        row_errors: list[str] = []
        for col, cell in cells.items():
            try:
                value = spec[col][1](cell)
            except ValueError as exc:
                row_errors.append(f"{filename}:{row}:{col}: {exc}")
                continue
            if value not in ("", ()):
                values[col] = value
        if not row_errors:
            try:
                records.append(model.model_validate(values))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = err.get("loc") or ()
                    field, reason = _split_field_prefix(_reason(err), str(loc[0]) if loc else "-")
                    row_errors.append(f"{filename}:{row}:{field}: {reason}")
        rid = cells.get("id", "").strip()
        if rid and rid in seen_ids:
            row_errors.append(
                f"{filename}:{row}:id: " + _("identifiant en double « {id} » (déjà ligne {row})").format(
                    id=rid, row=seen_ids[rid])
            )
        elif rid:
            seen_ids[rid] = row
        errors.extend(row_errors)
    if records and not errors and not text.endswith(("\n", "\r")):  # a cut inside the last field leaves no other trace
        errors.append(
            f"{filename}:{row}:{header[-1]}: " + _("dernière ligne sans retour à la ligne : fichier tronqué ? "
                                                   "(terminez-le par un retour à la ligne)")
        )
    return (records if not errors else []), errors


def _gather(sources: Iterable[tuple[str, str | None]]) -> SteeringData:
    """Parse (filename, text-or-None) for the three files; raise on any error."""
    specs = {
        BUDGET_FILE: (BUDGET_SPEC, BudgetLine, "budget_lines"),
        ACTIVITY_FILE: (ACTIVITY_SPEC, ActivityIndicator, "activity"),
        CONVENTIONS_FILE: (CONVENTION_SPEC, Convention, "conventions"),
    }
    out: dict[str, tuple[Any, ...]] = {}
    errors: list[str] = []
    present = 0
    for filename, text in sources:
        spec, model, key = specs[filename]
        if text is None:
            continue
        present += 1
        records, errs = parse_csv(text, filename, spec, model)
        errors.extend(errs)
        out[key] = tuple(records)
    if present == 0:
        errors.append("-:0:-: " + _("aucun des fichiers {files} trouvé").format(
            files=", ".join((BUDGET_FILE, ACTIVITY_FILE, CONVENTIONS_FILE))))
    if errors:
        raise SteeringImportError(errors)
    return SteeringData(**out)


KINDS: dict[str, tuple[Spec, type[BaseModel]]] = {
    "budget": (BUDGET_SPEC, BudgetLine),
    "activity": (ACTIVITY_SPEC, ActivityIndicator),
    "conventions": (CONVENTION_SPEC, Convention),
}


def load_file(path: str | Path, kind: str) -> list[Any]:
    """Load one CSV of ``kind`` (budget, activity, conventions) whatever its name; all or nothing.

    Errors name the file as given (``path.name``). Raises :class:`SteeringImportError`.
    """
    path = Path(path)
    spec, model = KINDS[kind]
    if not path.is_file():
        raise SteeringImportError([f"{path.name}:0:-: " + _("fichier introuvable")])
    records, errors = parse_csv(_read_text(path), path.name, spec, model)
    if errors:
        raise SteeringImportError(errors)
    return records


def load_folder(folder: str | Path) -> SteeringData:
    """Load and validate the CSVs of ``folder`` (absent files give empty lists; at least one needed).

    Raises :class:`SteeringImportError` listing every rejected row; nothing is kept on error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        message = _("dossier introuvable : {folder} (vérifiez le chemin donné à --dir)")
        raise SteeringImportError([message.format(folder=folder)])
    names = (BUDGET_FILE, ACTIVITY_FILE, CONVENTIONS_FILE)
    return _gather(
        (n, _read_text(folder / n) if (folder / n).is_file() else None) for n in names
    )


def _read_text(path: Path) -> str:
    """The file's UTF-8 text (a byte order mark dropped); another encoding or binary is one error line."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SteeringImportError(
            [f"{path.name}:0:-: " + _("pas du texte UTF-8 (octet {byte}) : enregistrez le fichier en CSV "
                                      "UTF-8").format(byte=exc.start)]
        ) from None


def load_default() -> SteeringData:
    """Load the shipped example (``maillage/data/steering/``), transcribed from the seed press releases."""
    base = resources.files("maillage").joinpath("data", "steering")
    names = (BUDGET_FILE, ACTIVITY_FILE, CONVENTIONS_FILE)
    return _gather((n, base.joinpath(n).read_text(encoding="utf-8-sig")) for n in names)
