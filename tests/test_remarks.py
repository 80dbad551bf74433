"""The collectors' English remarks in the real site files reach people in French (registry.remarks)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from maillage import api
from maillage.registry.listing import find_site
from maillage.registry.remarks import planner_words, resident_words
from maillage.registry.snapshot import load_snapshot

# words of the collectors' English that French never writes as a word of its own
ENGLISH_WORDS = {"the", "no", "not", "in", "given", "written", "excerpt", "excerpts", "stored", "year", "stated",
                 "announced", "temporary", "first", "number", "street", "truncated", "after", "as"}  # fmt: skip


def _texts(folder: Path) -> list[str]:
    texts = []
    for path in sorted((folder / "sites").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in ("name", "address", "opening_hours"):
            if column in frame:
                texts += [v for v in frame[column] if v]
    return texts


def test_every_english_remark_of_the_real_site_files_is_translated(shared_data: Path) -> None:
    texts = _texts(shared_data)
    assert len(texts) > 200
    english = {t: sorted(ENGLISH_WORDS & set(re.findall(r"\w+", planner_words(t).lower()))) for t in texts}
    assert {t: w for t, w in english.items() if w} == {}
    # the check sees the remarks it is about: 10 texts of the real files are English before translation
    assert sum(bool(ENGLISH_WORDS & set(re.findall(r"\w+", t.lower()))) for t in texts) >= 10


@pytest.mark.parametrize(
    ("source", "planner", "resident"),
    [
        ("rue Martre (no number given)", "rue Martre (numéro non indiqué)", "rue Martre"),
        ("rue des Bourets (no number in the excerpt)", "rue des Bourets (numéro non indiqué par la source)",
         "rue des Bourets"),
        ("Pôle social de Villeneuve (announced)", "Pôle social de Villeneuve (ouverture annoncée)",
         "Pôle social de Villeneuve (ouverture annoncée)"),
        ('Bus Santé Femmes – "à deux pas du métro Vanves-Malakoff" (as written)',
         'Bus Santé Femmes – "à deux pas du métro Vanves-Malakoff" (tel qu\'écrit par la source)',
         'Bus Santé Femmes – "à deux pas du métro Vanves-Malakoff"'),
        ("26 juillet (year not in the excerpt)", "26 juillet (année non indiquée par la source)", "26 juillet"),
        ("Antenne (annexe du SST 7)", "Antenne (annexe du SST 7)", "Antenne (annexe du SST 7)"),
        ("(no number given)", "(numéro non indiqué)", None),
    ],
)  # fmt: skip
def test_planners_read_the_remarks_in_french_residents_only_those_for_them(source, planner, resident) -> None:
    assert planner_words(source) == planner
    # the resident page may get the source's words or the snapshot's French: the same text either way
    assert resident_words(source) == resident_words(planner) == resident


def test_the_registry_snapshot_gives_the_remarks_in_french(registry_template: Path) -> None:
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    names = snapshot.communes["name"].astype(str).to_dict()
    assert find_site(snapshot.sites, names, "pg-pole-clichy").address == "rue Martre (numéro non indiqué)"
    assert find_site(snapshot.sites, names, "pg-pole-villeneuve").name.endswith("(ouverture annoncée)")
    assert not any("excerpt" in str(a) for a in snapshot.sites["address"])
