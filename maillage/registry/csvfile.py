"""Reading a registry CSV file whole or not at all: every row has exactly the header's fields.

``csv.DictReader`` quietly fills a short row with None and gathers extra cells under a None key,
and without ``strict`` it closes a quote left open at the end of the file: a file cut in half
imported with its cut row half-empty. Here a row of the wrong length, an unterminated quote or a
last line without its line break (where a cut inside the last field leaves its only trace) is a
:class:`RowProblem` naming file, line and field.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from maillage.csvcells import restore
from maillage.i18n import _
from maillage.registry.errors import RowProblem
from maillage.textinput import csv_error_reason, nul_reason, os_error_reason


def missing_columns(name: str, header: list[str], required: tuple[str, ...]) -> RowProblem | None:
    """The header's problem when it lacks a required column (named at line 1), else None."""
    missing = [c for c in required if c not in header]
    if not missing:
        return None
    if len(header) == 1 and ";" in header[0]:  # what a spreadsheet saves as « CSV » in French: « ; » between cells
        return RowProblem(name, 1, missing[0], _("les colonnes sont séparées par « ; » : enregistrez le fichier en "
                                                 "« CSV UTF-8 (délimité par des virgules) »"))
    return RowProblem(name, 1, missing[0], _("colonne(s) manquante(s) : {columns}").format(columns=", ".join(missing)))


def read_records(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """(header, [(line, row)], problems) of a UTF-8 CSV file; ``line`` is the row's first physical line.

    A UTF-8 byte order mark is dropped; empty lines are skipped. When ``problems`` is not empty
    the rows must not be used.
    """
    name = path.name
    try:
        with path.open(encoding="utf-8", newline="") as handle:  # line breaks inside quotes kept as they are
            text = handle.read().removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        reason = _("pas du texte UTF-8 (octet {start}) : enregistrez le fichier en CSV UTF-8").format(start=exc.start)
        return [], [], [RowProblem(name, None, None, reason)]
    except OSError as exc:
        return [], [], [RowProblem(name, None, None, _("illisible ({reason})").format(reason=os_error_reason(exc)))]
    if (binary := nul_reason(text)) is not None:
        return [], [], [RowProblem(name, None, None, binary)]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] = []
    records: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []
    try:
        header = next(reader, [])
        start = reader.line_num + 1
        for raw in reader:
            line, start = start, reader.line_num + 1
            if not raw:
                continue
            if len(raw) < len(header):
                reason = _("{fields} champ(s) pour {columns} colonnes (fichier coupé, ou un séparateur "
                           "manquant ?)").format(fields=len(raw), columns=len(header))
                problems.append(RowProblem(name, line, header[len(raw)], reason))
            elif len(raw) > len(header):
                problems.append(RowProblem(name, line, None, _("{fields} champs pour {columns} colonnes").format(
                    fields=len(raw), columns=len(header))))
            else:
                records.append((line, dict(zip(header, map(restore, raw), strict=True))))
    except csv.Error as exc:  # an unterminated quote (the file stops inside a field), a huge field
        return header, [], [RowProblem(name, reader.line_num, None, csv_error_reason(exc))]
    if text and not text.endswith(("\n", "\r")) and not problems and records:
        last = header[-1] if header else None
        reason = _("la dernière ligne n'a pas de saut de ligne : fichier coupé ? (terminez-la par un saut de ligne)")
        problems.append(RowProblem(name, records[-1][0], last, reason))
    return header, records, problems

