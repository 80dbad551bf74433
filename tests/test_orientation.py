"""Orientation of residents as a library: search box, place cards, urgent numbers, never a dead end.

Hand-made cases first (a finder over three communes, sites at one building), then the real 92 registry
with the crow-fly engine (fast; the street engine is covered by the web and CLI tests).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from maillage import api
from maillage.network.crowfly import CrowFlyEngine
from maillage.orientation.lookup import PlaceFinder, postcodes_of
from maillage.orientation.orient import merge_places, orient
from maillage.orientation.search import Opening, SiteAnswer, build_index
from maillage.orientation.sources import source_refs
from maillage.orientation.urgent import read_urgent_numbers, urgent_numbers_for
from maillage.registry.remarks import resident_words
from maillage.registry.snapshot import load_snapshot
from maillage.registry.vocab import Service

TUESDAY_10H = datetime(2026, 11, 24, 10, 0)

# ---- search box --------------------------------------------------------------------------------


@pytest.fixture
def finder() -> PlaceFinder:
    names = {"92007": "Bagneux", "92040": "Issy-les-Moulineaux", "92020": "Châtillon", "92019": "Châtenay-Malabry"}
    postcodes = postcodes_of(
        [("92220", "92007")] * 30 + [("92220", "92020")] * 1  # one mistagged point: not a second commune
        + [("92130", "92040"), ("92290", "92019"), ("99999", "92020"), ("9222", "92007"), (None, "92007")]
    )  # fmt: skip
    return PlaceFinder(names, postcodes)


@pytest.mark.parametrize(
    ("text", "code"),
    [("bagneux", "92007"), ("BAGNEUX", "92007"), ("  Bagnéux ", "92007"), ("bagnex", "92007"), ("92220", "92007"),
     ("issy les moulineaux", "92040"), ("Issy-les-Moulineaux", "92040"), ("92130", "92040"), ("chatillon", "92020"),
     ("Chatenay Malabry", "92019")],
)  # fmt: skip
def test_a_commune_by_name_or_postcode_with_case_accents_and_typos(finder: PlaceFinder, text: str, code: str) -> None:
    found = finder.find(text)
    assert found.place is not None and found.place.commune_code == code
    assert found.place.lon is None  # a commune: its centre is used by the search


def test_a_typo_clearly_nearest_one_name_is_that_name() -> None:
    """A letter dropped from a name that has a near twin: answered at once when one name is clearly nearer
    (bench/load_public.py's typed searches met these four as 404 « vouliez-vous dire »), asked otherwise."""
    names = {"92009": "Bois-Colombes", "92025": "Colombes", "92020": "Châtillon", "92022": "Chaville"}
    finder = PlaceFinder(names, {})
    for text, code in (("boiscolombes", "92009"), ("châillon", "92020"), ("châtilln", "92020"), ("chaille", "92022")):
        found = finder.find(text)
        assert found.place is not None and found.place.commune_code == code, (text, found)
    unclear = finder.find("cha")  # Châtillon or Chaville: the resident chooses
    assert unclear.place is None and {p.commune_code for p in unclear.suggestions} == {"92020", "92022"}


def test_postcodes_keep_only_the_communes_that_hold_them(finder: PlaceFinder) -> None:
    assert finder.postcodes == {"92220": ["92007"], "92130": ["92040"], "92290": ["92019"], "99999": ["92020"]}


def test_an_unclear_word_gives_choices_not_an_error(finder: PlaceFinder) -> None:
    found = finder.find("chat")
    assert found.place is None
    assert {p.commune_code for p in found.suggestions} == {"92020", "92019"}
    assert found.message_fr.startswith("« chat » n'est pas une commune connue. Vouliez-vous dire")
    issi = finder.find("issi")
    assert issi.place is None and [p.commune_code for p in issi.suggestions] == ["92040"]
    nothing = finder.find("xyzzy")
    assert nothing.place is None and not nothing.suggestions and "aucune commune" in nothing.message_fr
    assert finder.find("   ").message_fr == "Indiquez une commune, un code postal ou une adresse."


STREETS = [("Rue Jean-Pierre Timbaud", "92040"), ("Rue Jean Jaurès", "92007"), ("Avenue Henri Barbusse", "92007"),
           ("Rue Jean-Pierre Timbaud", "92020")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jean pier timb", ["Rue Jean-Pierre Timbaud, Châtillon", "Rue Jean-Pierre Timbaud, Issy-les-Moulineaux"]),
        ("13 rue jean pierre timbaud issy", ["13 Rue Jean-Pierre Timbaud, Issy-les-Moulineaux"]),
        ("BAG", ["Bagneux"]),
        ("chat", ["Châtenay-Malabry", "Châtillon"]),
        ("922", ["92220 Bagneux", "92290 Châtenay-Malabry"]),
        ("bagnex", ["Bagneux"]),  # no word begins so: the nearest name
        ("jaures bagneux", ["Rue Jean Jaurès, Bagneux"]),
        ("b", []),  # too short to propose anything
        ("zzz", []),
    ],
)
def test_suggestions_while_typing(finder: PlaceFinder, text: str, expected: list[str]) -> None:
    typed = PlaceFinder(finder.names, {p: set(c) for p, c in finder.postcodes.items()}, streets=STREETS)
    assert typed.suggest(text) == expected


def test_every_suggestion_resolves_to_its_commune(finder: PlaceFinder) -> None:
    typed = PlaceFinder(finder.names, {p: set(c) for p, c in finder.postcodes.items()}, streets=STREETS)
    for text, code in (("13 rue jean pierre timbaud issy", "92040"), ("92220", "92007"), ("henri barb", "92007")):
        (label,) = typed.suggest(text)
        found = typed.find(label)
        assert found.place is not None and found.place.commune_code == code, label


def test_suggestions_are_bounded(finder: PlaceFinder) -> None:
    many = [(f"Rue numéro {i}", "92007") for i in range(50)]
    assert len(PlaceFinder(finder.names, {}, streets=many).suggest("rue", limit=8)) == 8


def test_a_shared_postcode_asks_which_commune() -> None:
    shared = PlaceFinder({"1": "Aa", "2": "Bb"}, postcodes_of([("92000", "1")] * 5 + [("92000", "2")] * 5))
    found = shared.find("92000")
    assert found.place is None and [p.commune_code for p in found.suggestions] == ["1", "2"]


def test_an_address_without_an_extract_falls_back_to_its_commune(finder: PlaceFinder) -> None:
    found = finder.find("13 rue jean pierre timbaud issy")
    assert found.place is not None and found.place.commune_code == "92040" and found.place.lon is None


# ---- cards -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Pôle social de Villeneuve (announced)", "Pôle social de Villeneuve (ouverture annoncée)"),
        ("« Ouvert de 8 h 30 à 17 h … (excerpt truncated after 17 h) »", "« Ouvert de 8 h 30 à 17 h … »"),
        ("rue Mary-Besseyre (no number in the excerpt)", "rue Mary-Besseyre"),
        ("septembre (year not stated in the excerpt)", "septembre"),
        ("Antenne (annexe du SST 7)", "Antenne (annexe du SST 7)"),  # French: kept
        ("(no number given)", None),
    ],
)
def test_residents_never_read_the_collectors_english_remarks(source: str, shown: str | None) -> None:
    assert resident_words(source) == shown


def _site(id_: str, name: str, address: str | None, source: str, **kw) -> SiteAnswer:
    base = dict(kind="pmi", kind_label="Centre de PMI", postcode="92320", commune="Châtillon", lon=2.29, lat=48.80,
                minutes=10.0, minutes_min=None, minutes_max=None, opening_hours=None, hours_source_text=None,
                hours_note=None, opening=Opening(None, None, None), phone=None, appointment=None,
                approximate_position=False, position_label="", services=["Santé de l'enfant / PMI"])  # fmt: skip
    return SiteAnswer(id=id_, name=name, address=address, source=source, **(base | kw))


def test_sites_in_one_building_make_one_card_with_every_service_and_source() -> None:
    pole = _site("pg-pole-chatillon", "Pôle social de Châtillon", "39 rue Louveau", "https://www.ville-chatillon.fr/pmi",
                 kind="pole_social", kind_label="Pôle social départemental", phone="08 06 00 00 92",
                 services=["Accès aux droits, action sociale"], opening_hours="Mo-Fr 08:30-17:30",
                 opening=Opening(True, datetime(2026, 11, 24, 17, 30), False))  # fmt: skip
    orion = _site("pmi-orion", "PMI Orion / Châtillon", "39 RUE LOUVEAU PÔLE SOCIAL, BÂTIMENT ORION",
                  "github:hapyatila/hapyatila.github.io@c3c9:pmi.csv", minutes=10.5)  # fmt: skip
    other = _site("pmi-x", "PMI ailleurs", None, "github:okfnfr/dada-france-authorities@6811:emails.csv", minutes=20.0)
    cards = merge_places([pole, orion, other])
    assert len(cards) == 2
    first, second = cards
    assert first.name == "Pôle social de Châtillon" and first.other_names == ["PMI Orion / Châtillon"]
    assert first.site_ids == ["pg-pole-chatillon", "pmi-orion"] and first.phone == "08 06 00 00 92"
    assert first.services == ["Accès aux droits, action sociale", "Santé de l'enfant / PMI"]
    assert first.kind_labels == ["Pôle social départemental", "Centre de PMI"]
    assert first.hours_fr == "lun.-ven. 08:30-17:30" and first.opening.open_now is True
    pmi_list = "Liste des adresses de PMI (projet personnel, juillet 2025)"
    assert [r.title_fr for r in first.sources] == ["Page du site ville-chatillon.fr", pmi_list]
    assert second.address_fr == "adresse non communiquée, 92320 Châtillon" and second.phone is None


def test_source_titles_never_show_a_file_or_a_repository() -> None:
    refs = source_refs("github:okfnfr/dada-france-authorities@6811:emails.csv ; seed 002_d0.txt ; x.csv")
    titles = " ".join(r.title_fr for r in refs)
    assert "github" not in titles and ".csv" not in titles and ".txt" not in titles
    assert titles.startswith("Annuaire de l'administration (Service-Public.fr, 2019)")


# ---- urgent numbers ----------------------------------------------------------------------------


def test_urgent_numbers_cite_an_official_page_each() -> None:
    numbers = read_urgent_numbers()
    assert {n.number for n in numbers} == {"3919", "17", "112", "119", "115"}
    official = re.compile(r"^https://(www\.)?([a-z0-9-]+\.)*(service-public\.fr|gouv\.fr)/")
    assert all(official.match(n.source_url) for n in numbers), [n.source_url for n in numbers]
    assert all(s in Service._value2member_map_ for n in numbers for s in n.services)
    assert [n.number for n in urgent_numbers_for("violences_familiales")] == ["3919", "17", "112", "119"]
    assert [n.number for n in urgent_numbers_for("protection_enfance")] == ["17", "112", "119"]
    assert [n.number for n in urgent_numbers_for("logement")] == ["115"]
    assert urgent_numbers_for("pmi") == []


def test_a_broken_urgent_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "urgent.csv"
    path.write_text("number,label_fr,when_fr,services,source_title,source_url\n3919,X,,violences_familiales,T,\n")
    with pytest.raises(ValueError, match=r"urgent\.csv, line 2, field source_url: empty"):
        read_urgent_numbers(path)


# ---- real 92 registry --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index(registry_template: Path):
    snapshot = load_snapshot(api.open_registry(f"sqlite:///{registry_template}"))
    cells, _ = api.population_cells(snapshot, None)
    return build_index(snapshot, cells, CrowFlyEngine("walk"))


@pytest.mark.parametrize("need", [s.value for s in Service])
def test_every_need_gives_a_place_to_go_from_every_commune(index, need: str) -> None:
    for code in index.commune_centre_cell:
        answer = orient(index, need, commune=code, at=TUESDAY_10H)
        assert answer.own_pole is not None and answer.own_pole_reason, (need, code)
        if not answer.places:
            assert answer.no_site_fr and "aucun lieu" in answer.no_site_fr
        if need in ("violences_familiales", "protection_enfance", "logement"):
            assert answer.urgent


def test_own_pole_is_the_sector_one_even_when_another_is_nearer(index) -> None:
    # Vanves (92075) is served by the Issy pôle (its sources say so) although the Vanves pôle is in the commune
    answer = orient(index, "pmi", commune="92075", at=TUESDAY_10H)
    assert answer.own_pole.site_ids[0] == "pg-pole-issy"
    assert "accueille les habitants de Vanves" in answer.own_pole_reason
    bagneux = orient(index, "pmi", commune="92007", at=TUESDAY_10H)
    assert bagneux.own_pole_reason.startswith(
        "Les données n'indiquent pas quel pôle accueille les habitants de Bagneux"
    )


def test_a_need_without_site_says_so_and_gives_the_number_the_departement_sites_share(index) -> None:
    answer = orient(index, "aide_alimentaire", commune="92040", at=TUESDAY_10H)
    assert not answer.places
    assert answer.no_site_fr.startswith("Les données ne connaissent aucun lieu pour « Aide alimentaire »")
    phones = index.sites.loc[index.sites["kind"].isin(["pole_social", "sst", "pmi", "antenne"]), "phone"]
    expected = phones.value_counts().index[0]
    assert answer.general_contact.phone == expected == "08 06 00 00 92"
    assert answer.general_contact.sites_count == int((phones == expected).sum())


def test_the_chatillon_pole_and_the_pmi_in_its_building_are_one_card(index) -> None:
    answer = orient(index, "pmi", commune="92020", at=TUESDAY_10H)
    assert answer.own_pole.site_ids[0] == "pg-pole-chatillon"
    ids = [i for card in [answer.own_pole, *answer.places] for i in card.site_ids]
    assert len(ids) == len(set(ids))
    assert len(answer.own_pole.site_ids) >= 2  # the hapyatila "PMI Orion / Châtillon" record joins it


def test_orient_command_gives_the_same_answer_in_the_terminal(cli_home: Path) -> None:
    import json

    from typer.testing import CliRunner

    from maillage.cli import app

    runner = CliRunner()
    table = runner.invoke(app, ["orient", "13 rue jean pierre timbaud issy", "--need", "aide_alimentaire"])
    assert table.exit_code == 0, table.output
    # 1.4 min, rounded up to the minute as the web page shows it
    assert "Pôle social départemental d'Issy-les-Moulineaux — ≈ 2 min à pied" in table.stdout
    assert "aucun lieu pour « Aide alimentaire »" in table.stdout and "08 06 00 00 92" in table.stdout
    as_json = runner.invoke(app, ["orient", "92220", "--need", "violences_familiales", "--format", "json"])
    body = json.loads(as_json.stdout)
    assert body["commune_code"] == "92007" and body["urgent"][0]["number"] == "3919"
    bad = runner.invoke(app, ["orient", "bagneux", "--need", "astrologie"])
    assert bad.exit_code == 1 and "besoin inconnu « astrologie »" in bad.output


def test_a_department_place_without_a_phone_gives_the_departments_number(index) -> None:
    answer = orient(index, "pmi", commune="92040", at=TUESDAY_10H)
    pole = answer.own_pole
    assert pole.site_ids[0] == "pg-pole-issy" and pole.phone is None  # none in its sources
    assert pole.department_phone == "08 06 00 00 92"  # the number of the Département's other places
    assert pole.department_phone_fr.startswith("Numéro indiqué pour ")
    assert "lieux du Département" in pole.department_phone_fr
    cards = [pole, *answer.places]
    assert any(c.phone for c in cards)
    for card in cards:
        if card.phone or not {"pole_social", "sst", "pmi", "antenne"} & set(card.kinds):
            assert card.department_phone is None, card.name  # its own number, or not the Département's place
        else:
            assert card.department_phone == "08 06 00 00 92", card.name


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("113 AVENUE DE VERDUN", "113 avenue de Verdun"),
        ("1 ROND-POINT DE L'EUROPE", "1 rond-point de l'Europe"),
        ("54 AVENUE DU MARÉCHAL-LECLERC", "54 avenue du Maréchal-Leclerc"),
        ("16 BIS AVENUE DE LA RÉPUBLIQUE", "16 bis avenue de la République"),
        ("3, RUE GERHARD PROLONGÉE", "3, rue Gerhard Prolongée"),
        ("13-15 rue Jean-Pierre Timbaud", "13-15 rue Jean-Pierre Timbaud"),  # as the source wrote it
        ("Place des Baconnets", "Place des Baconnets"),
    ],
)
def test_an_address_in_capitals_is_shown_in_the_usual_case(source: str, shown: str) -> None:
    from maillage.orientation.orient import address_case

    assert address_case(source) == shown
