"""The steering PDF as a reader sees it (pdfinfo, pdftotext), its sources by title, and the CLI's
tables and rates (the same populations as the web workspace)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from test_steering import COMMUNES, SEEDS
from typer.testing import CliRunner

from maillage.cli.steering import DEFAULT_TABLES, app, load_communes
from maillage.report.steering import build_tables, write_report
from maillage.report.steering_glossary import ABBREVIATIONS
from maillage.steering.importer import load_default
from maillage.steering.sources import cite, headers_from_folder, seed_header, shipped_headers

A4_PT = (595.0, 842.0)
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} missing: install poppler-utils (scripts/browser.sh does)")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("chromium") is None:
        pytest.fail("chromium missing: scripts/browser.sh installs it (the PDF is printed by it)")
    pops, names = load_communes(COMMUNES)
    out = tmp_path_factory.mktemp("pilotage")
    data = load_default()
    paths = write_report(data, out, date(2025, 6, 1), pops, names)
    text = subprocess.run([_tool("pdftotext"), "-layout", str(paths["pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    info = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "999", str(paths["pdf"])], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    tables, _sources = build_tables(data, date(2025, 6, 1), pops, names)
    return {"paths": paths, "pages": text.split("\f")[:-1], "info": info, "tables": tables}


# ---------------------------------------------------------------------------------------- sources
def test_seed_header_reads_title_and_date() -> None:
    text = "\n## Communiqué de presse\nNanterre, le 12 mai 2025\n### LE DÉPARTEMENT SIGNE\nTexte du 3 juin 2026."
    assert seed_header("x.txt", text).title == "LE DÉPARTEMENT SIGNE"
    assert seed_header("x.txt", text).date_fr == "12 mai 2025"
    split = " Nanterre, le 18 octobre 2024\n\nSÉANCE PUBLIQUE DU  \nDÉPARTEMENT 92 \n\nVendredi 18 octobre\nL'Assemblée"
    assert seed_header("y.txt", split).title == "SÉANCE PUBLIQUE DU DÉPARTEMENT 92"
    undated = "SÉANCE PUBLIQUE Vendredi 18 octobre\n\nL'Assemblée a voté."
    assert seed_header("z.txt", undated) == seed_header("z.txt", undated)
    assert (seed_header("z.txt", undated).title, seed_header("z.txt", undated).date_fr) == (
        "SÉANCE PUBLIQUE", "18 octobre (année non précisée)")  # never a year the release does not give


def test_shipped_titles_are_those_the_releases_give() -> None:
    if not SEEDS.is_dir():
        pytest.fail(f"seed releases not found at {SEEDS} (set MAILLAGE_SEEDS)")
    assert shipped_headers() == headers_from_folder(SEEDS)  # tools/steering_sources.py wrote it
    h = shipped_headers()["001_1a9391a9d820ce92.txt"]
    assert (h.title, h.date_fr) == ("SÉANCE PUBLIQUE DU DÉPARTEMENT DES HAUTS-DE-SEINE", "18 octobre 2024")
    assert cite("001_1a9391a9d820ce92.txt : « Le recul »", shipped_headers()) == (
        "« SÉANCE PUBLIQUE DU DÉPARTEMENT DES HAUTS-DE-SEINE », communiqué du 18 octobre 2024 : « Le recul »")
    assert cite("inconnu.txt : « x »", shipped_headers()) == "inconnu.txt : « x »"


# -------------------------------------------------------------------------------------------- PDF
def test_every_page_is_a4_and_numbered(report: dict) -> None:
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", report["info"])
    pages = report["pages"]
    assert len(sizes) == len(pages) >= 6
    for w, h in sizes:
        assert abs(float(w) - A4_PT[0]) <= 1 and abs(float(h) - A4_PT[1]) <= 1, (w, h)
    for n, text in enumerate(pages[1:], start=2):  # the cover carries no number
        assert f"Page {n} / {len(pages)}" in " ".join(text.split()), n


def test_cover_and_contents_point_to_the_right_pages(report: dict) -> None:
    pages = [" ".join(p.split()) for p in report["pages"]]
    assert "Pilotage des solidarités" in pages[0] and "Département des Hauts-de-Seine (92)" in pages[0]
    assert "01/06/2025" in pages[0] and "budgets 2023 à 2024" in pages[0]
    entries = re.findall(r"(\d\. [^\d]+?) (\d+)(?= \d\. | Pilotage)", pages[1])
    assert len(entries) == 7, pages[1]
    for heading, page in entries:
        lines = [" ".join(x.split()) for x in report["pages"][int(page) - 1].splitlines()]
        assert heading in lines, (heading, page)


def test_no_cut_word_and_no_file_name(report: dict) -> None:
    text = "\n".join(report["pages"])
    flat = " ".join(text.split())
    assert not SEED_FILE.search(text)
    assert "non communiqu " not in flat and "Gennevil " not in flat and "solidarit " not in flat
    words = {w for k, t in report["tables"].items() if not k.startswith("_")
             for cell in [*t["columns"], *(v for row in t["rows"] for v in row)]
             for w in re.findall(r"\w{4,}", str(cell))}  # fmt: skip
    assert len(words) > 200
    cut = sorted(w for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", flat))
    assert cut == []  # every word of every table is printed whole (none clipped, none split)


def test_glossary_lists_the_abbreviations_used(report: dict) -> None:
    flat = " ".join(" ".join(report["pages"]).split())
    start, end = flat.index("6. Glossaire des abréviations", 1000), flat.index("7. Sources", 1000)
    glossary, body = flat[start:end], flat[:start] + flat[end:]
    listed = {a for a in ABBREVIATIONS if re.search(rf"(?<![\w-]){re.escape(a)} ", glossary)}
    assert {"ND", "BP", "DM", "CA", "DMTO", "TVA", "SST", "PMI", "CCAS", "RSA"} <= listed
    for abbr in listed:
        assert re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", body), f"{abbr} listed but never used"
    assert not {"EHPAD", "APA", "PCH"} & listed  # absent from the example: not listed


# -------------------------------------------------------------------------------------------- CLI
def test_cli_rates_come_from_the_data_folder_like_the_web(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "empty-registry"))
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    monkeypatch.setenv("MAILLAGE_DATA", str(shared_data))
    res = CliRunner().invoke(app, ["show", "--table", "indicators"], terminal_width=160)
    assert res.exit_code == 0, res.output
    assert "non fournie" not in res.output
    features = json.loads((shared_data / "communes" / "communes-92.geojson").read_text(encoding="utf-8"))["features"]
    bagneux = next(f["properties"]["population"] for f in features if f["properties"]["code"] == "92007")
    assert f"{1348 / bagneux * 1000:.1f}".replace(".", ",") in res.output  # RSA requests per 1,000


def test_cli_show_at_120_columns_never_cuts_a_word() -> None:
    res = CliRunner().invoke(app, ["show", "--today", "2025-06-01"], terminal_width=120)
    assert res.exit_code == 0, res.output
    assert max(len(line) for line in res.output.splitlines()) <= 120
    tables, _ = build_tables(load_default(), date(2025, 6, 1))
    words = {w for k, t in tables.items() if k in DEFAULT_TABLES
             for cell in [*t["columns"], *(v for row in t["rows"] for v in row)]
             for w in re.findall(r"\w{4,24}", str(cell))}  # fmt: skip
    cut = sorted(w for w in words if not re.search(rf"(?<!\w){re.escape(w)}(?!\w)", res.output))
    assert cut == []
