"""Collect every person-facing text into the message catalogue template (Babel).

Usage: ``python tools/extract_messages.py [--check]``. Writes ``maillage/locale/maillage.pot`` (the French
source strings) from:

- every ``help=`` text and command docstring of ``maillage/cli/*.py`` (typer reads them where they are
  declared, so they carry no marker; :mod:`maillage.cli.french_help` translates them);
- every ``_("…")``, ``ngettext("…", "…", n)`` and ``N_("…")`` of ``maillage/**/*.py`` (Babel's Python
  extractor);
- every ``{% trans %}`` block and ``_("…")`` of the report and web templates (jinja2's Babel extractor).

With ``--check`` it writes nothing and exits 1 if the committed template misses or keeps a string.
"""

from __future__ import annotations

import ast
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "maillage" / "cli").glob("*.py"))
PYTHON = sorted(p for p in (ROOT / "maillage").rglob("*.py") if p.name != "i18n.py")  # i18n defines, never marks
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TEMPLATES = sorted([*(ROOT / "maillage" / "report" / "templates").glob("*.j2"),
                    *(ROOT / "maillage" / "web" / "templates").glob("*.html")])  # fmt: skip
# the msgids as the rendering Environment sees them (maillage.i18n.install_gettext: newstyle, untrimmed)
JINJA_OPTIONS = {"newstyle_gettext": "true", "silent": "false"}
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
    marked = [("python", path, None) for path in PYTHON] + [(babel_extract, path, JINJA_OPTIONS) for path in TEMPLATES]
    for method, path, options in marked:
        for _line, message, comments, _context in extract_from_file(method, path, keywords=KEYWORDS, options=options):
            # the same text in two files is one entry with both locations (Catalog merges them)
            catalog.add(message, locations=[(str(path.relative_to(ROOT)), None)], auto_comments=comments)
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
