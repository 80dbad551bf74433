"""Guards shared by every reader of a file a person hands in: CSV fields, JSON nesting, NUL bytes.

A binary file that happens to decode as UTF-8, a quote never closed, a 200 kB cell or a JSON
document nested 100,000 deep used to end in a traceback (``_csv.Error``, ``RecursionError``) or,
for a NUL byte, in a PostgreSQL error at write time. Each reader turns them into one French reason
through these helpers, then names its own file, row and field.
"""

from __future__ import annotations

import csv
import errno
import json
import re
from collections.abc import Iterator
from typing import Any

from maillage.i18n import N_, _

MAX_FIELD_CHARS = csv.field_size_limit()  # Python's default (131,072): no real cell comes near it
MAX_JSON_DEPTH = 64  # an exported scenario or a GeoJSON is a few levels deep; this is generous
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def csv_error_reason(exc: csv.Error) -> str:
    """French reason of a ``csv.Error`` raised by a strict reader."""
    text = str(exc)
    if "field larger than field limit" in text:
        limit = f"{MAX_FIELD_CHARS:,}".replace(",", "\u202f")
        return _("un champ dépasse {limit} caractères (guillemet jamais fermé ou fichier binaire ?)").format(
            limit=limit)
    if "unexpected end of data" in text or "EOF" in text:
        return _("guillemet non fermé : fichier tronqué ?")
    return _("CSV mal formé ({reason}) : fichier tronqué ?").format(reason=text)


def nul_reason(text: str) -> str | None:
    """A reason if ``text`` holds a NUL character (binary data; PostgreSQL cannot store it), else None."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return _("octet nul ligne {line} : fichier binaire, pas du texte").format(line=line)
    return None


def os_error_reason(exc: OSError) -> str:
    """Why a file could not be opened, in French (the system's own words, English, for the rare cases)."""
    known = {errno.ENOENT: _("fichier introuvable"), errno.EACCES: _("accès refusé"), errno.EPERM: _("accès refusé"),
             errno.EISDIR: _("c'est un dossier, pas un fichier")}  # fmt: skip
    return known.get(exc.errno, exc.strerror or type(exc).__name__)


class JsonInputError(ValueError):
    """A JSON text that cannot be read; the message is one French reason (no file name)."""


# what Python's JSON decoder says (its ``msg``), in French; an unlisted wording is left out of the message
JSON_ERRORS_FR = {
    "Expecting value": N_("valeur attendue"),
    "Expecting ',' delimiter": N_("virgule attendue"),
    "Expecting ':' delimiter": N_("deux-points attendus"),
    "Expecting property name enclosed in double quotes": N_("nom de champ entre guillemets droits attendu"),
    "Unterminated string starting at": N_("texte entre guillemets jamais refermé"),
    "Invalid control character at": N_("caractère de contrôle interdit"),
    "Extra data": N_("texte en trop après la fin du JSON"),
    "Invalid \\escape": N_("échappement « \\ » invalide"),
}


def load_json(text: str) -> Any:
    """``json.loads`` with nesting bounded by :data:`MAX_JSON_DEPTH` (checked before parsing, so a
    document nested 100,000 deep never reaches the recursive decoder)."""
    depth = _max_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise JsonInputError(
            _("imbrication trop profonde ({depth} niveaux, {limit} au plus)").format(depth=depth, limit=MAX_JSON_DEPTH))
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        what = JSON_ERRORS_FR.get(exc.msg)
        where = _("ligne {lineno}, colonne {colno}").format(lineno=exc.lineno, colno=exc.colno)
        raise JsonInputError(_("JSON illisible ({where}{what})").format(
            where=where, what=f" : {_(what)}" if what else "")) from None
    except RecursionError:  # unreachable after the depth check; kept so no traceback can escape
        raise JsonInputError(_("imbrication trop profonde")) from None


def _max_depth(text: str) -> int:
    """Deepest bracket nesting outside strings (malformed text is left to the parser to name)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class CsvRecordError(ValueError):
    """A record the strict CSV reader refused; ``line`` is the record's first physical line."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        super().__init__(reason)


def numbered_records(reader: Iterator[Any]) -> Iterator[tuple[int, Any]]:
    """(first physical line, record) of a ``csv.reader``/``DictReader``; raises :class:`CsvRecordError`.

    ``reader.line_num`` is not advanced for the line whose field overflows, so the record's line is
    taken as the one after the previous record's end.
    """
    last = reader.line_num  # type: ignore[attr-defined]
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvRecordError(last + 1, csv_error_reason(exc)) from None
        yield last + 1, record
        last = reader.line_num  # type: ignore[attr-defined]
