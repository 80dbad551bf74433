"""Every --help text comes from one message catalogue, in French, and another language is a translation."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "maillage" / "locale" / "maillage.pot"
ENGLISH = re.compile(
    r"\b(the|of|and|with|without|default|file|folder|show|write|number|name|each|which|when|from|this|"
    r"output|input|run|load|print|per|rows|scheduler|local)\b"
)


def test_the_catalogue_holds_every_help_text() -> None:
    check = subprocess.run([sys.executable, "tools/extract_messages.py", "--check"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0, "run `python tools/extract_messages.py`:\n" + check.stdout


def test_the_source_strings_are_french() -> None:
    with TEMPLATE.open("rb") as handle:
        texts = [str(m.id) for m in read_po(handle) if m.id]
    assert len(texts) > 100
    # option names (--pole-kinds), values (walk, json), paths, {placeholders} and [markup] stay as typed;
    # the sentences are French
    prose = [re.sub(r"--[\w-]+|`[^`]*`|«[^»]*»|\{[^}]*\}|\[/?[a-z ]*\]|"
                    r"\b(walk|bike|car|transit|table|json|csv|geojson|html)\b", "", t) for t in texts]  # fmt: skip
    english = [t for t, p in zip(texts, prose, strict=True) if ENGLISH.search(p)]
    assert not english, english[:5]


def test_another_language_is_a_translation_not_a_rewrite(tmp_path: Path) -> None:
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    source = "Lister, montrer, importer et exporter les sites."
    assert source in [m.id for m in template]
    english = Catalog(locale="en")
    english.add(source, "List, show, import and export the sites.")
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "maillage.po").open("wb") as handle:
        write_po(handle, english)
    env = {**os.environ, "MAILLAGE_LANG": "en", "MAILLAGE_LOCALE_DIR": str(tmp_path), "COLUMNS": "200"}
    shown = subprocess.run([sys.executable, "-m", "maillage", "--help"], env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert "List, show, import and export the sites." in shown.stdout, shown.stdout
    french = subprocess.run([sys.executable, "-m", "maillage", "--help"], env={**env, "MAILLAGE_LANG": "fr"},
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert source in french.stdout  # French needs no file: the source strings are French
