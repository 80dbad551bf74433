"""Import errors that name file, row and field."""

from __future__ import annotations

from dataclasses import dataclass

from maillage.i18n import _


@dataclass(frozen=True)
class RowProblem:
    """One rejected value: ``file:row:field: reason``. ``row`` is the 1-based line (header = 1)."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.field:
            where += f":{self.field}"
        return f"{where}: {' '.join(self.reason.split())}"  # one line, whatever a library's message held


class ImportRejected(ValueError):
    """Raised when an import has any rejected row; the database is left as it was."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems]
        if len(lines) == 1:  # one clear line: where, why, and that the registry is untouched
            super().__init__(_("{problem} (import refusé, rien n'a été écrit)").format(problem=lines[0]))
            return
        head = _("import refusé, {n} problèmes ; rien n'a été écrit").format(n=len(problems))
        super().__init__("\n".join([head, *lines]))
