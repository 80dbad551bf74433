"""Plain-French opening hours typed by a planner → OSM syntax, checked by the OSM evaluator itself."""

from __future__ import annotations

from datetime import datetime

import pytest

from maillage.registry import hours
from maillage.registry.hours_fr import osm_to_french, parse_french


@pytest.mark.parametrize(
    ("french", "osm"),
    [
        ("du lundi au vendredi de 9h à 17h", "Mo-Fr 09:00-17:00"),
        ("lundi au vendredi 9h-17h", "Mo-Fr 09:00-17:00"),
        ("Du Lundi au Vendredi de 9 h à 17 h", "Mo-Fr 09:00-17:00"),
        ("de 9h à 17h du lundi au vendredi", "Mo-Fr 09:00-17:00"),
        ("le mardi matin", "Tu 09:00-12:00"),
        ("mardi après-midi", "Tu 14:00-17:00"),
        ("samedi de 9h à midi", "Sa 09:00-12:00"),
        ("du lundi au vendredi 9:00-12:30 et 14h-17h", "Mo-Fr 09:00-12:30,14:00-17:00"),
        (
            "lundi, mercredi et vendredi de 8h30 à 12h et de 13h30 à 17h ; samedi matin",
            "Mo,We,Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00",
        ),
        ("lundi et mardi 10h-11h", "Mo,Tu 10:00-11:00"),
        ("tous les jours de 10h à 18h", "Mo-Su 10:00-18:00"),
        ("jeudi de 14h00 à 16h30", "Th 14:00-16:30"),
    ],
)
def test_plain_french_becomes_osm(french: str, osm: str) -> None:
    assert parse_french(french) == osm
    assert hours.from_planner(french) == osm


def test_the_conversion_means_what_was_said() -> None:
    # judged by the OSM evaluator, not by our own string: open Wednesday 10:00, closed 12:15 and Thursday
    osm = hours.from_planner("lundi, mercredi et vendredi de 8h30 à 12h et de 13h30 à 17h")
    assert hours.is_open(osm, datetime(2026, 12, 2, 10, 0)) is True  # a Wednesday
    assert hours.is_open(osm, datetime(2026, 12, 2, 12, 15)) is False
    assert hours.is_open(osm, datetime(2026, 12, 3, 10, 0)) is False  # Thursday


def test_osm_syntax_passes_unchanged() -> None:
    assert hours.from_planner("Mo-Fr 08:30-17:30") == "Mo-Fr 08:30-17:30"


@pytest.mark.parametrize(
    ("french", "why"),
    [
        ("tous les jours sauf dimanche", "« sauf » n'est pas compris"),
        ("lundi", "il manque les heures"),
        ("de 9h à 17h", "il manque les jours"),
        ("lundi 25h-26h", "heure impossible"),
        ("lundi de 9h", "l'heure de fin manque"),
        ("quand il fait beau", "n'est pas compris"),
    ],
)
def test_what_is_not_understood_is_refused_with_an_example(french: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as caught:
        hours.from_planner(french)
    assert "du lundi au vendredi de 9h à 17h" in str(caught.value)  # the example to follow


def test_french_reading_of_osm_for_the_preview() -> None:
    assert osm_to_french("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00") == (
        "lun.-ven. 09:00-12:00, 14:00-17:00 ; sam. 09:00-12:00"
    )
