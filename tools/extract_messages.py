"""Collect the command line's person-facing texts into the message catalogue template (Babel).

Usage: ``python tools/extract_messages.py [--check]``. Writes ``maillage/locale/maillage.pot`` from every
``help=`` text and every command docstring of ``maillage/cli/*.py`` (the French source strings); with
``--check`` it writes nothing and exits 1 if the committed template misses or keeps a string.
"""

from __future__ import annotations

import ast
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "maillage" / "cli").glob("*.py"))
TEMPLATE = ROOT / "maillage" / "locale" / "maillage.pot"
FIXED_DATE = datetime(2026, 12, 3, tzinfo=UTC)  # a stable template: no timestamp churn in diffs


def _is_command(node: ast.FunctionDef) -> bool:
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute) and target.attr in ("command", "callback"):
            return True
    return False


def messages(path: Path) -> list[str]:
    """Every help= string constant and command docstring of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "help" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.append(value.value)
        elif isinstance(node, ast.FunctionDef) and _is_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                found.append(doc)
    return found


def build() -> Catalog:
    catalog = Catalog(project="maillage", language_team="maillage", creation_date=FIXED_DATE,
                      revision_date=FIXED_DATE, fuzzy=False)  # fmt: skip
    for path in SOURCES:
        for text in messages(path):
            catalog.add(text, locations=[(str(path.relative_to(ROOT)), None)])  # no line: no churn
    return catalog


def ids(catalog: Catalog) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


def main(argv: list[str]) -> int:
    catalog = build()
    if "--check" in argv:
        with TEMPLATE.open("rb") as handle:
            committed = ids(read_po(handle))
        missing, stale = ids(catalog) - committed, committed - ids(catalog)
        for text in sorted(missing):
            print(f"absent du catalogue : {text[:80]!r}")
        for text in sorted(stale):
            print(f"plus utilisé : {text[:80]!r}")
        return 1 if missing or stale else 0
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=120, sort_output=False)
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(buffer.getvalue())
    print(f"{len(catalog)} messages → {TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
