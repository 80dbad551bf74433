"""What the command line says to a planner is French: errors, prompts, did-you-mean on modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maillage.audit.standard import ServiceStandard
from maillage.cli import app
from maillage.engines import EngineUnavailable, choose_engine, suggest_mode

runner = CliRunner()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("velo", "bike"), ("vélo", "bike"), ("Vélo", "bike"), ("voiture", "car"), ("à pied", "walk"),
     ("marche", "walk"), ("transports en commun", "transit"), ("bke", "bike"), ("wlak", "walk"), ("xyzzy", None)],
)  # fmt: skip
def test_mode_suggestion(typed: str, meant: str | None) -> None:
    assert suggest_mode(typed) == meant


def test_unknown_mode_is_one_french_line_with_a_suggestion() -> None:
    with pytest.raises(EngineUnavailable) as caught:
        choose_engine("vélo")
    message = str(caught.value)
    assert message.startswith("mode inconnu « vélo » : vouliez-vous dire « bike » (vélo) ?")
    assert "walk (à pied)" in message and "transit (transports en commun)" in message
    assert "unknown" not in message and "choose" not in message
    with pytest.raises(EngineUnavailable, match=r"^mode inconnu « zz »\. Modes possibles"):
        choose_engine("zz")


def test_thresholds_error_is_french() -> None:
    with pytest.raises(ValueError, match="doivent être des durées positives, en minutes"):
        ServiceStandard(pole_minutes=0)


def test_empty_registry_is_said_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path))
    monkeypatch.delenv("MAILLAGE_DB_URL", raising=False)
    monkeypatch.delenv("MAILLAGE_DATA", raising=False)
    result = runner.invoke(app, ["audit", "--db", f"sqlite:///{tmp_path / 'vide.sqlite'}"])
    assert result.exit_code == 1
    assert "le registre est vide : lancez d'abord `maillage init --data DOSSIER`" in result.output
    assert "registry is empty" not in result.output and "Traceback" not in result.output


def test_password_confirmation_is_asked_in_french(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    result = runner.invoke(app, ["user", "add", "claire", "--db", db], input="mot-de-passe-1\nmot-de-passe-2\n")
    assert result.exit_code == 1
    assert "Confirmez le mot de passe" in result.output
    assert "les deux mots de passe saisis diffèrent" in result.output
    assert "Repeat" not in result.output and "do not match" not in result.output


WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}  # one line per option: the checks read whole lines
HELP_COMMANDS = [["audit"], ["plan"], ["compare"], ["init"], ["serve"], ["sites", "export"], ["user", "add"],
                 ["scenario"], ["scenario", "create"], ["scenario", "add-site"], ["scenario", "move-site"],
                 ["scenario", "add-mobile-unit"], ["scenario", "assign-sector"], ["scenario", "show"],
                 ["scenario", "import"]]  # fmt: skip
ENGLISH_WORDS = re.compile(r"\b(the|of|and|default|minutes\)|Show|this|here|Write|Threshold|Also|Number|Name)\b")


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=" ".join)
def test_help_is_french_without_type_placeholders(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Utilisation : " in text and "Usage:" not in text
    for placeholder in ("<bool>", "<int>", "<str>", "<float>", "<path>", "list[Path]"):
        assert placeholder not in text, f"{placeholder} in maillage {' '.join(command)} --help"
    assert "Afficher cette aide et quitter." in text
    # option names (--pole-minutes) and values (walk, table) stay English; the sentences do not
    sentences = re.sub(r"--[\w-]+|\b(walk|bike|car|transit|table|json|csv|geojson|planner|admin)\b", "", text)
    assert not ENGLISH_WORDS.findall(sentences), ENGLISH_WORDS.findall(sentences)


def test_flags_show_no_value_and_values_a_french_placeholder() -> None:
    text = runner.invoke(app, ["audit", "--help"], env=WIDE).output
    week = next(line for line in text.splitlines() if "--week" in line)
    assert "Montrer aussi la couverture" in week and "OUI" not in week  # a flag takes no value
    assert re.search(r"--pole-minutes\s+NOMBRE", text) and re.search(r"--pbf\s+CHEMIN", text)
    assert "[défaut : 20]" in text and "[défaut : 20.0]" not in text
    plan = runner.invoke(app, ["plan", "--help"], env=WIDE).output
    assert "[défaut : 0,05]" in plan and "[défaut : 0,5]" in plan and "0.05" not in plan
    bounded = runner.invoke(app, ["steering", "show", "--help"], env=WIDE).output
    assert re.search(r"--horizon\s+ENTIER \(au moins 1\)", bounded) and "range" not in bounded


def test_decimal_options_take_the_french_comma_they_show() -> None:
    from maillage.cli.french_help import french_decimal

    assert french_decimal("0,05") == "0.05" and french_decimal("20") == "20" and french_decimal("1,000.5") == "1,000.5"
    # the comma is read as a decimal (the audit then fails on the empty registry, not on the number)
    result = runner.invoke(app, ["audit", "--pole-minutes", "18,5", "--db", "sqlite:///:memory:"], env=WIDE)
    assert "--pole-minutes" not in result.output, result.output
    bad = runner.invoke(app, ["audit", "--pole-minutes", "18,5,1"], env=WIDE)
    assert bad.exit_code == 2 and "un nombre est attendu, par exemple 2,25 ou 20." in bad.output


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (["scenario", "add-site"], "Argument manquant : SCÉNARIO."),
        (["scenario", "add-site", "x"], "Option manquante : --name."),
        (["audit", "--moed", "walk"], "Option inconnue : --moed (options proches : --db, --mode)"),
        (["audti"], "Commande inconnue : « audti ». Vouliez-vous dire « audit » ?"),
        (["scenario", "add-site", "x", "--name", "a", "--lon"], "L'option --lon attend une valeur."),
        (["plan", "--new-sites", "zz"], "Valeur invalide pour --new-sites : un nombre entier est attendu."),
        (["scenario", "add-site", "x", "--name", "a", "--lon", "abc"], "Valeur invalide pour --lon : un nombre est"),
        (["scenario", "create"], "Argument manquant : NOM."),  # the argument's French label, not its Python name
        (["sites", "show"], "Argument manquant : SITE."),
        (["scenario", "close-site", "x"], "Argument manquant : SITE."),  # not site_id
        (["compare", "a", "b", "c"], "Argument(s) en trop : c"),
        (["audit", "--format", "xml"], "Valeur invalide pour --format : « xml » n'est pas l'un de"),
        (["audti"], "Utilisation : maillage [OPTIONS] COMMANDE [ARGUMENTS]..."),
    ],
)
def test_usage_errors_are_french(args: list[str], french: str) -> None:
    result = runner.invoke(app, args, env=WIDE, prog_name="maillage")
    assert result.exit_code == 2
    assert french in result.output, result.output
    assert not re.search(r"\b(Missing|No such|requires|Invalid|Input should|Did you mean|Got unexpected|Value error|"
                         r"COMMAND|ARGS)\b", result.output)  # fmt: skip


@pytest.mark.parametrize(
    ("command", "shown", "hidden"),
    [
        (["scenario"], "COMMANDE [ARGUMENTS]...", "COMMAND [ARGS]"),
        (["scenario", "move-site"], "{SCÉNARIO} {SITE}", "site_id"),
        (["scenario", "set-hours"], "HORAIRES", "{hours}"),
        (["scenario", "assign-sector"], "{SECTEUR}", "{sector}"),
        (["sites", "import"], "{FICHIERS}...", "{files}"),
        (["user", "add"], "{IDENTIFIANT}", "{username}"),
        (["compare"], "{NOM} [AUTRE_SCÉNARIO]", "[other]"),
        (["scenario", "export"], "Écrire dans ce fichier (défaut : à l'écran).", "{name}"),
    ],
)
def test_arguments_are_named_in_french_and_explained(command: list[str], shown: str, hidden: str) -> None:
    """A planner reads each argument by a French label with a line of help, never the code's parameter name."""
    text = runner.invoke(app, [*command, "--help"], env=WIDE, prog_name="maillage").output
    assert shown in text and hidden not in text, text
    assert not re.search(r"(TEXTE|CHEMIN)\s+\[obligatoire\]", text), text  # an argument with no line of help


def test_a_site_is_added_by_address_and_hours_in_french(cli_home: Path) -> None:
    assert runner.invoke(app, ["scenario", "create", "adresse"]).exit_code == 0
    added = runner.invoke(app, ["scenario", "add-site", "adresse", "--name", "Antenne Timbaud", "--address",
                                "13 rue Jean-Pierre Timbaud Issy-les-Moulineaux",
                                "--hours", "du lundi au vendredi de 9h à 17h"], env=WIDE)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Placé : 13 rue Jean-Pierre Timbaud Issy-les-Moulineaux — 2.2" in added.output
    assert "ajout d'un site : Antenne Timbaud" in added.output and "add_site" not in added.output
    shown = runner.invoke(app, ["scenario", "show", "adresse", "--format", "json"])
    payload = __import__("json").loads(shown.output)["changes"][0]["payload"]
    assert payload["opening_hours"] == "Mo-Fr 09:00-17:00" and payload["commune_code"] == "92040"
    both = runner.invoke(app, ["scenario", "add-site", "adresse", "--name", "B", "--address", "Malakoff",
                               "--lon", "2.3", "--lat", "48.8"])  # fmt: skip
    assert both.exit_code == 1 and "pas les deux" in both.output


def test_a_site_is_placed_by_address_and_commune_name_or_by_commune_alone(cli_home: Path) -> None:
    assert runner.invoke(app, ["scenario", "create", "communes"]).exit_code == 0

    def add(*args: str):
        return runner.invoke(app, ["scenario", "add-site", "communes", "--name", "N", *args], env=WIDE)

    street = add("--address", "13 rue Jean-Pierre Timbaud", "--commune", "issy-les-moulineaux")
    assert street.exit_code == 0 and "Placé : 13 rue Jean-Pierre Timbaud, Issy-les-Moulineaux — 2.2" in street.output
    alone = add("--commune", "Nanterre")
    assert alone.exit_code == 0 and "Nanterre (centre de la commune)" in alone.output, alone.output
    point = add("--lon", "2.21", "--lat", "48.89", "--commune", "Nanterre")
    assert point.exit_code == 0, point.output
    typo = add("--commune", "Nanter")
    assert typo.exit_code == 1 and "commune « Nanter » inconnue : vouliez-vous dire « Nanterre » ?" in typo.output
    shown = runner.invoke(app, ["scenario", "show", "communes", "--format", "json"])
    codes = [c["payload"]["commune_code"] for c in __import__("json").loads(shown.output)["changes"]]
    assert codes == ["92040", "92050", "92050"]  # names typed, INSEE codes stored (never "Nanterre")


def test_scenario_errors_and_site_cards_name_no_internal_code(cli_home: Path) -> None:
    """A change is named by its French kind in every error (« ajout d'un site », never add_site); a site without a
    commune reads « non renseignée », not an empty pair of brackets."""
    assert runner.invoke(app, ["scenario", "create", "codes"]).exit_code == 0
    outside = runner.invoke(app, ["scenario", "add-site", "codes", "--name", "Loin", "--lon", "12", "--lat", "48.8"],
                            env=WIDE)  # fmt: skip
    assert outside.exit_code == 1 and "changement n° 1 (ajout d'un site) :" in outside.output, outside.output
    sites = __import__("json").loads(runner.invoke(app, ["sites", "list", "--format", "json"]).stdout)
    hours = runner.invoke(app, ["scenario", "set-hours", "codes", sites[0]["id"], "n'importe quand"], env=WIDE)
    assert hours.exit_code == 1 and "horaires modifiés : horaires invalides" in hours.output, hours.output
    for text in (outside.output, hours.output):
        assert not re.search(r"\b(add_site|set_hours|move_site|close_site)\b", text), text
    listed = runner.invoke(app, ["scenario", "list"], env=WIDE).output  # the author in words, not « cli:root »
    assert "(ligne de commande)" in listed and "cli:" not in listed, listed
    homeless = next((s for s in sites if not s.get("commune_code")), None)
    if homeless is not None:
        card = runner.invoke(app, ["sites", "show", homeless["id"]], env=WIDE).output
        assert "non renseignée" in card and " ()" not in card, card


def test_street_assumptions_say_way_classes_and_speeds_in_french() -> None:
    """The street engine's note names OSM way classes in French (« routes principales 45 », never primary) and
    writes decimals with a comma (4,8 km/h)."""
    from types import SimpleNamespace

    from maillage.network.osm_graph import speed_table
    from maillage.network.street import StreetEngine

    engine = SimpleNamespace(graph=SimpleNamespace(metadata={"pbf_name": "x.osm.pbf", "pbf_modified": "2021"}),
                             speeds_kmh=speed_table("car"), mode="car", max_snap_m=500.0)  # fmt: skip
    lines = StreetEngine.assumptions(engine)  # type: ignore[arg-type]
    assert "routes principales 45" in lines[0] and "par défaut 20" in lines[0] and "en voiture" in lines[0]
    assert "Trajet à pied à 4,8 km/h" in lines[1]
    assert not re.search(r"\b(primary|residential|motorway|default|service)\b|\d\.\d", " ".join(lines)), lines
    # the extract's file date as a planner writes it, not an ISO timestamp
    engine.graph.metadata["pbf_modified"] = "2026-12-04T20:18:05+00:00"
    assert "x.osm.pbf (fichier du 04/12/2026)" in StreetEngine.assumptions(engine)[0]  # type: ignore[arg-type]


def test_population_note_and_csv_preamble_are_french(monkeypatch: pytest.MonkeyPatch) -> None:
    """The population model is described, not named by its code (census-buildings stays in the JSON); the CSV's
    preamble says « Source : », as the terminal does."""
    from maillage.population.dasymetric import MODEL_NAME, model_note
    from maillage.report import writers

    note = model_note("census.csv", "x.osm.pbf")
    assert note.startswith("Modèle de population : habitants du recensement 2021") and MODEL_NAME not in note
    meta = {"standard": {"description_fr": ["Norme : …"]}, "assumptions": [], "notes": [],
            "sources": [{"file": "communes/c.geojson", "description": "Contours", "vintage": "2026"}]}  # fmt: skip
    monkeypatch.setattr(writers, "metadata", lambda result: meta)
    monkeypatch.setattr(writers, "commune_table", lambda result: __import__("pandas").DataFrame({"code": ["92002"]}))
    text = writers.to_csv(None)  # type: ignore[arg-type]
    assert "# Source : communes/c.geojson — Contours (2026)" in text and "# source:" not in text


def test_password_asked_without_terminal_warns_in_french(tmp_path: Path) -> None:
    """Without a terminal (a pipe) Python's getpass would warn in English (« Warning: Password input may be
    echoed »): the command says it in French and asks with French punctuation."""
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    result = runner.invoke(app, ["user", "add", "claire", "--db", db], input="secret-1\nsecret-2\n")
    assert "Attention : pas de terminal, le mot de passe saisi peut s'afficher." in result.output
    assert "Mot de passe : " in result.output and "Confirmez le mot de passe : " in result.output
    assert "Warning" not in result.output and "echo" not in result.output


def test_proposed_sectors_and_mobile_stops_read_in_french() -> None:
    """`maillage plan --method sectors|mobile`: sectors by their name (never plan-sst-01), French numbers, the
    solver's status in French, a stop's hours in French days (never Mo, We)."""
    from rich.console import Console

    from maillage.report.planning import print_mobile, print_sectors

    sectors = {"sectors_count": 1, "mean_load": 100_088.0, "contiguous": True, "solver": {"status": "Optimal"},
               "sectors": [{"sector": "plan-sst-01", "name": "SST 1 — Antony", "seat_name": "Antony",
                            "commune_names": ["Antony"], "population": 100_088.0, "load_deviation": -0.15,
                            "mean_minutes": 16.04}]}  # fmt: skip
    console = Console(record=True, width=200)
    print_sectors(sectors, console)
    text = console.export_text()
    assert "SST 1 — Antony" in text and "−15\u00a0%" in text and "16,0" in text and "solveur : optimal." in text, text
    assert "plan-sst" not in text and "Optimal" not in text
    assert "Découpage en 1 secteur SST" in text and "1 secteurs" not in text
    mobile = {"unit": "Caravane", "population_reached": 10.0, "threshold_minutes": 15.0,
              "stops": [{"name": "Arrêt", "commune": "Antony", "lon": 2.3, "lat": 48.75, "population_reached": 10.0,
                         "opening_hours": "Mo 09:00-12:30; We,Fr 13:30-17:00"}]}  # fmt: skip
    console = Console(record=True, width=200)
    print_mobile(mobile, console)
    text = console.export_text()
    assert "lun. 09:00-12:30 ; mer., ven. 13:30-17:00" in text and "Mo 09" not in text, text


def test_capacity_provenance_and_engine_facts_speak_to_planners() -> None:
    """A transcribed capacity names its « document », not a « seed »; the audit report folds the engine's English
    facts (backend = street, loaded_from_cache = True) under a summary saying who they are for."""
    from maillage.registry.capacity import CapacityTranscription

    assert CapacityTranscription("a", 12.0, "002.txt", "12 bureaux", "note").source() == \
        "document 002.txt : « 12 bureaux » (note)"  # fmt: skip
    template = (Path(__file__).resolve().parents[1] / "maillage" / "report" / "templates" / "audit.html.j2").read_text()
    engine = template[template.index("result.engine.items()") - 300: template.index("result.engine.items()")]
    assert "<details" in engine and "Paramètres techniques du moteur (pour l'équipe qui exploite maillage" in engine


def test_engine_notes_are_french_only() -> None:
    """The crow-fly and transit notes a planner reads hold no English twin (« crow-fly model: … », « journeys
    over … ») and name the mode in French, not by its code."""
    from maillage.network.crowfly import CrowFlyEngine

    (note,) = CrowFlyEngine("walk").assumptions()
    assert note.startswith("Temps « à vol d'oiseau » (à pied) : distance en ligne droite × 1,3 ÷ 4,8 km/h.")
    assert not re.search(r"\b(walk|crow-fly|model|default|conventional|speed)\b", note), note
    source = (Path(__file__).resolve().parents[1] / "maillage" / "network" / "transit.py").read_text()
    for english in ("scheduled GTFS timetables", "journeys over", "walking on the OSM", "walking: crow-fly"):
        assert english not in source


def test_lookups_and_provenance_say_no_english(cli_home: Path) -> None:
    """A mistyped kind, commune or site is one French sentence with its suggestion; a file the catalogue of
    sources does not know is « fichier fourni », with no English twin."""
    from maillage.registry.provenance import describe_files

    kind = runner.invoke(app, ["sites", "list", "--kind", "antene"], env=WIDE)
    assert kind.exit_code == 1 and "type de site « antene » inconnu : vouliez-vous dire « antenne » ?" in kind.output
    commune = runner.invoke(app, ["sites", "list", "--commune", "Nantere"], env=WIDE)
    assert "commune « Nantere » inconnue : vouliez-vous dire « Nanterre » ?" in commune.output, commune.output
    site = runner.invoke(app, ["sites", "show", "zzzz"], env=WIDE)
    assert "site « zzzz » inconnu (liste : maillage sites list)" in site.output, site.output
    (described,) = describe_files({"sites/mine.csv": "0" * 64})
    assert described["description"] == "fichier fourni" and "supplied" not in str(described)


def test_gtfs_errors_are_french(tmp_path: Path) -> None:
    """A bad transit feed is said in French, its place too (« ligne 3, champ stop_id »), never « row 3, field »."""
    from maillage.network.gtfs import FeedReader
    from maillage.network.gtfs_fields import GtfsError

    with pytest.raises(GtfsError, match=r"^flux GTFS introuvable : "):
        FeedReader(tmp_path / "absent.zip")
    located = str(GtfsError("stop_id en double", file="stops.txt", row=3, field="stop_id"))
    assert located == "stops.txt, ligne 3, champ stop_id: stop_id en double"
    source = "".join((Path(__file__).resolve().parents[1] / "maillage" / "network" / f).read_text()
                     for f in ("gtfs.py", "gtfs_fields.py", "gtfs_times.py", "timetable.py"))  # fmt: skip
    for english in ("not found", "duplicate", "unknown route_id", "must be", "required", "is not"):
        assert f'GtfsError("{english}' not in source and f'GtfsError(f"{english}' not in source


def compared(gained: float, lost: float, improved: int = 2) -> str:
    """What `maillage compare` prints for a comparison with these figures (no-break spaces as spaces)."""
    from rich.console import Console

    from maillage.report.planning import print_compare

    diff = {"population_within_baseline": 1_000.0, "population_within_scenario": 1_000.0 + gained - lost,
            "share_within_baseline": 0.5, "share_within_scenario": 0.5, "population_gained": gained,
            "population_lost": lost, "cells_improved": improved, "cells_worsened": 0, "communes": [],
            "sectors": []}  # fmt: skip
    console = Console(record=True, width=200)
    print_compare(diff, console, "Comparaison")
    return console.export_text().replace("\u202f", " ").replace("\u00a0", " ")


def test_a_comparison_without_effect_says_so_in_words() -> None:
    """`maillage compare` of a scenario that changes no one's verdict: « aucun habitant gagné ni perdu », never
    « +0 gagnés, −0 perdus »."""
    text = compared(0.0, 0.0)
    assert "aucun habitant gagné ni perdu" in text and "+0" not in text and "−0" not in text, text


@pytest.mark.parametrize(
    ("gained", "lost", "said"),
    [(63_357.0, 0.0, "+63 357 habitants gagnés, aucun perdu"), (0.0, 120.0, "aucun habitant gagné, −120 perdus"),
     (10.0, 2.0, "+10 habitants gagnés, −2 perdus"), (0.2, 0.0, "aucun habitant gagné ni perdu")],
)  # fmt: skip
def test_gains_and_losses_say_a_zero_as_aucun(gained: float, lost: float, said: str) -> None:
    from maillage.report.gains import gains_fr, lost_label_fr

    assert gains_fr(gained, lost).replace("\u202f", " ").replace("\u00a0", " ") == said
    assert said in compared(gained, lost)
    assert (lost_label_fr(lost) == "Perdus : aucun") == (round(lost) == 0)


def test_missing_or_unreadable_input_files_are_french(cli_home: Path, tmp_path: Path) -> None:
    """A typo'd --pbf or --population-grid is one French line saying which option to check, never « OSM PBF file
    not found » nor Python's « [Errno 2] No such file or directory »."""
    pbf = runner.invoke(app, ["audit", "--pbf", str(tmp_path / "absent.osm.pbf")], env=WIDE)
    assert pbf.exit_code == 1 and "extrait OpenStreetMap introuvable : " in pbf.output, pbf.output
    assert "vérifiez le chemin donné à --pbf" in pbf.output
    grid = runner.invoke(app, ["audit", "--population-grid", str(tmp_path / "absent.csv")], env=WIDE)
    assert grid.exit_code == 1 and "grille de population introuvable : " in grid.output, grid.output
    (tmp_path / "dossier.csv").mkdir()  # not a file: unreadable whoever runs the test
    unreadable = runner.invoke(app, ["audit", "--population-grid", str(tmp_path / "dossier.csv")], env=WIDE)
    assert unreadable.exit_code == 1 and "dossier.csv : grille de population illisible" in unreadable.output
    for text in (pbf.output, grid.output, unreadable.output):
        assert not re.search(r"file not found|unreadable population|Errno|No such file", text), text


def test_a_site_is_added_by_commune_name_and_typos_are_suggested(cli_home: Path) -> None:
    """`scenario add-site --commune Nanterre` places the site at the commune's centre (the name, not only its INSEE
    code); a mistyped commune, kind or service is one French sentence with its suggestion, never Python's
    quotes (« commune 'Nanterre' inconnue du registre », « type de site 'antene' inconnu »)."""
    assert runner.invoke(app, ["scenario", "create", "communes"]).exit_code == 0
    placed = runner.invoke(app, ["scenario", "add-site", "communes", "--name", "Antenne", "--commune", "Nanterre"],
                           env=WIDE)  # fmt: skip
    assert placed.exit_code == 0 and "Placé : Nanterre (centre de la commune)" in placed.output, placed.output
    payload = __import__("json").loads(runner.invoke(app, ["scenario", "show", "communes", "--format", "json"]).output)
    assert payload["changes"][0]["payload"]["commune_code"] == "92050"
    typo = runner.invoke(app, ["scenario", "add-site", "communes", "--name", "B", "--commune", "Nantere"], env=WIDE)
    assert typo.exit_code == 1 and "commune « Nantere » inconnue : vouliez-vous dire « Nanterre » ?" in typo.output
    kind = runner.invoke(app, ["scenario", "add-site", "communes", "--name", "B", "--lon", "2.2", "--lat", "48.89",
                               "--kind", "antene"], env=WIDE)  # fmt: skip
    assert kind.exit_code == 1 and "type de site « antene » inconnu : vouliez-vous dire « antenne » ?" in kind.output
    sector = runner.invoke(app, ["scenario", "assign-sector", "communes", "Vanves", "sst-x", "--sector-name", "Ouest"],
                           env=WIDE)
    assert sector.exit_code == 0 and "Vanves → Ouest" in " ".join(sector.output.split()), sector.output
    for text in (typo.output, kind.output):
        assert "'" not in text.replace("vouliez-vous", ""), text


def test_a_moment_is_read_in_french_words() -> None:
    """« mardi 9h » is a moment, as « mardi 9h00 » is; a bad one is quoted in French."""
    from maillage.planning.timeaware import parse_when

    assert parse_when("mardi 9h").hour == 9 and parse_when("mardi 9h").weekday() == 1
    with pytest.raises(ValueError, match=r"^moment invalide « mardi matin » : écrivez"):
        parse_when("mardi matin")


def test_scenario_sites_are_named_and_found_by_name(cli_home: Path) -> None:
    """A change to a site the scenario adds reads its name (« horaires modifiés : Antenne Timbaud », never
    scenario-1-1); a registry site is found by its exact name as well as its id; an unknown one says where to look."""
    assert runner.invoke(app, ["scenario", "create", "noms"]).exit_code == 0
    assert runner.invoke(app, ["scenario", "add-site", "noms", "--name", "Antenne Timbaud", "--lon", "2.26",
                               "--lat", "48.82"]).exit_code == 0  # fmt: skip
    hours = runner.invoke(app, ["scenario", "set-hours", "noms", "scenario-1-1", "le mardi matin"], env=WIDE)
    assert hours.exit_code == 0 and "horaires modifiés : Antenne Timbaud — mar." in hours.output, hours.output
    shown = runner.invoke(app, ["scenario", "show", "noms"], env=WIDE).output
    assert "scenario-1-1" not in shown and "Antenne Timbaud —" in shown, shown
    sites = __import__("json").loads(runner.invoke(app, ["sites", "list", "--format", "json"]).stdout)
    names = [s["name"] for s in sites]
    unique = next(s for s in sites if names.count(s["name"]) == 1)
    closed = runner.invoke(app, ["scenario", "close-site", "noms", unique["name"]], env=WIDE)
    assert closed.exit_code == 0 and f"fermeture : {unique['name']}" in " ".join(closed.output.split()), closed.output
    payload = __import__("json").loads(runner.invoke(app, ["scenario", "show", "noms", "--format", "json"]).output)
    assert payload["changes"][-1]["site_id"] == unique["id"]
    unknown = runner.invoke(app, ["scenario", "close-site", "noms", "zzzz"], env=WIDE)
    assert unknown.exit_code == 1 and "(identifiants : « maillage sites list »" in unknown.output, unknown.output


def test_plan_options_are_explained_and_checked_in_french() -> None:
    """`plan --method` says each method in French words; a typo'd method is suggested; --format csv, which a plan
    never wrote (it printed JSON), is refused; the list of possible values has no Python quotes, nor the help hint."""
    text = runner.invoke(app, ["plan", "--help"], env=WIDE).output
    assert "coverage (couverture maximale)" in text and "sectors (découpage en secteurs SST)" in text, text
    method = runner.invoke(app, ["plan", "--method", "setcovr"], env=WIDE)
    assert method.exit_code == 1 and "méthode « setcovr » inconnue : vouliez-vous dire « setcover »" in method.output
    csv = runner.invoke(app, ["plan", "--format", "csv"], env=WIDE, prog_name="maillage")
    assert csv.exit_code == 2 and "« csv » n'est pas l'un de : table, json." in csv.output, csv.output
    assert "Aide : « maillage plan --help »" in csv.output, csv.output
    assert "'" not in csv.output.replace("n'est pas l'un", ""), csv.output


def test_plan_reads_candidate_sources_in_french_and_suggests_kinds() -> None:
    from maillage.cli.plan import CANDIDATE_WORDS
    from maillage.planning.propose import PlanningError, PlanRequest

    assert CANDIDATE_WORDS["partenaires"] == "partners" and CANDIDATE_WORDS["grille"] == "grid"
    with pytest.raises(PlanningError, match=r"« pmedain » inconnue : vouliez-vous dire « pmedian » \?"):
        PlanRequest(method="pmedain")


def test_steering_options_and_bounds_read_in_french(tmp_path: Path) -> None:
    """`steering show --help` names each table in French and a bounded number by « ENTIER (au moins 1) », never typer's
    « int range [x>=1] »; out of bounds is « une valeur d'au moins 1 est attendue », not pydantic's English; a
    missing --dir says what to check."""
    text = runner.invoke(app, ["steering", "show", "--help"], env=WIDE).output
    assert re.search(r"--horizon\s+ENTIER \(au moins 1\)", text) and "int range" not in text and "x>=" not in text, text
    flat = " ".join(re.sub(r"[│]", " ", text).split())  # the help column wraps
    assert "scissors (effet ciseaux)" in flat and "indicators (indicateurs d'activité)" in flat, flat
    bound = runner.invoke(app, ["steering", "show", "--horizon", "0"], env=WIDE)
    assert bound.exit_code == 2 and "une valeur d'au moins 1 est attendue." in bound.output, bound.output
    assert "Input should" not in bound.output
    missing = runner.invoke(app, ["steering", "import", "--dir", str(tmp_path / "absent")], env=WIDE)
    assert missing.exit_code == 1 and "dossier introuvable : " in missing.output and ":0:-" not in missing.output


def test_sites_export_to_a_file_says_where(cli_home: Path, tmp_path: Path) -> None:
    written = runner.invoke(app, ["sites", "export", "-o", str(tmp_path / "sites.csv")], env=WIDE)
    assert written.exit_code == 0 and "Écrit : " in written.output, written.output
    bad = runner.invoke(app, ["sites", "export", "--format", "xml"], env=WIDE)
    assert bad.exit_code == 1 and "format « xml » inconnu : écrivez --format csv ou --format geojson" in bad.output
    card = runner.invoke(app, ["sites", "show", "mama-24"], env=WIDE).output
    assert "(latitude, longitude)" in card or "site « mama-24 » inconnu" in card, card


def test_account_roles_are_said_in_french(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    bad = runner.invoke(app, ["user", "add", "claire", "--role", "chef", "--db", db])
    assert bad.exit_code == 1 and "rôle « chef » inconnu : --role planner (planification) ou --role admin" in bad.output
    made = runner.invoke(app, ["user", "add", "claire", "--password-stdin", "--db", db], input="mot-de-passe-long\n")
    assert made.exit_code == 0 and "Compte claire enregistré (rôle : planification)." in made.output, made.output


def test_orient_suggests_needs_and_modes_in_french(cli_home: Path) -> None:
    """`orient --need pmo` suggests pmi; --mode velo suggests bike with the modes in French words; --mode transit
    says orient does not compute transit, instead of calling a known mode « inconnu »."""
    need = runner.invoke(app, ["orient", "Nanterre", "--need", "pmo"], env=WIDE)
    assert need.exit_code == 1 and "besoin inconnu « pmo » : vouliez-vous dire « pmi » ?" in need.output, need.output
    velo = runner.invoke(app, ["orient", "Nanterre", "--need", "pmi", "--mode", "velo"], env=WIDE)
    assert velo.exit_code == 1 and "vouliez-vous dire « bike » ? ; modes possibles : walk (à pied)" in velo.output
    transit = runner.invoke(app, ["orient", "Nanterre", "--need", "pmi", "--mode", "transit"], env=WIDE)
    assert transit.exit_code == 1 and "ne calcule pas de trajet en transports en commun" in transit.output
    assert "mode inconnu « transit »" not in transit.output


@pytest.mark.parametrize("command", [["audit"], ["scenario", "list"], ["sites", "export"], ["sites", "list"],
                                     ["user", "sessions", "list"], ["scenario", "create", "x"]],
                         ids=" ".join)  # fmt: skip
def test_an_unreachable_registry_is_one_french_line(command: list[str]) -> None:
    """A mistyped --db (unknown kind of database, server down, folder missing) is one French line saying what to
    check, never SQLAlchemy's traceback (« NoSuchModuleError: Can't load plugin », « OperationalError »)."""
    result = runner.invoke(app, [*command, "--db", "foo://x"], env=WIDE)
    assert result.exit_code == 1, (result.output, result.exception)
    assert "base du registre inaccessible : foo://x — type de base inconnu. Vérifiez --db ou MAILLAGE_DB_URL" in \
        result.output, result.output  # fmt: skip
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output


def test_a_missing_sqlite_folder_is_said_and_a_password_hidden() -> None:
    result = runner.invoke(app, ["sites", "list", "--db", "postgresql://claire:secret@localhost:1/registre"], env=WIDE)
    assert result.exit_code == 1 and "postgresql://claire:***@localhost:1/registre — connexion impossible" in \
        result.output and "secret" not in result.output, result.output  # fmt: skip


def test_audit_many_says_a_missing_folder_before_dask_does(tmp_path: Path) -> None:
    """A typo'd folder is one French line, not Dask's English log of a failed task (« Key: … Exception: … »)."""
    result = runner.invoke(app, ["audit-many", str(tmp_path / "absent")], env=WIDE)
    assert result.exit_code == 1 and "dossier(s) de données introuvable(s) : " in result.output, result.output
    assert "Exception" not in result.output and "Traceback" not in result.output


def test_shares_are_french_percentages_and_the_service_is_named() -> None:
    """« tous les habitants 72 % » (a no-break space, as every other share), never Python's « 72% »; the note of
    `audit --service pmi` names the service, not its code."""
    source = "".join((Path(__file__).resolve().parents[1] / "maillage" / f).read_text(encoding="utf-8")
                     for f in ("report/equity_view.py", "report/terminal.py", "planning/sectors.py"))  # fmt: skip
    assert ":.0%}" not in source
    guarantee = (Path(__file__).resolve().parents[1] / "maillage" / "audit" / "guarantee.py").read_text()
    assert "service=service_label(service)" in guarantee


def test_compare_reads_unknown_hours_in_french_and_counts_cells_with_spaces() -> None:
    bad = runner.invoke(app, ["compare", "x", "--unknown-hours", "fermez"], env=WIDE)
    assert bad.exit_code == 1 and "--unknown-hours « fermez » : écrivez open (ouverts) ou closed (fermés)" in bad.output
    assert "3 371 carreaux rapprochés" in compared(1_000.0, 0.0, improved=3371)


def test_mobile_stops_take_french_hours_as_their_help_says(cli_home: Path) -> None:
    assert runner.invoke(app, ["scenario", "create", "tournee"]).exit_code == 0
    added = runner.invoke(app, ["scenario", "add-mobile-unit", "tournee", "--unit", "Bus", "--stop",
                                "Place X|2.25|48.83|le mardi de 9h à 12h"], env=WIDE)  # fmt: skip
    flat = " ".join(added.output.split())  # the message console may wrap at 80 columns (set when first used)
    assert added.exit_code == 0 and "Bus — Place X (2.25000, 48.83000) — mar. 09:00-12:00" in flat, added.output
    bad = runner.invoke(app, ["scenario", "add-mobile-unit", "tournee", "--unit", "Bus", "--stop", "Place X"], env=WIDE)
    assert bad.exit_code == 1 and "par exemple « Place X|2.25|48.83|le mardi de 9h à 12h »" in bad.output
    assert "horaires OSM" not in runner.invoke(app, ["scenario", "add-mobile-unit", "--help"], env=WIDE).output
    sets = runner.invoke(app, ["scenario", "--help"], env=WIDE).output
    assert '"" = inconnus' not in sets  # the list of commands has one line per command


@pytest.mark.parametrize(("command", "refused", "possible"), [
    (["sites", "show", "x", "--format", "csv"], "csv", "table, json."),
    (["scenario", "export", "x", "--format", "table"], "table", "json, csv."),
])  # fmt: skip
def test_a_format_a_command_cannot_write_is_refused(command: list[str], refused: str, possible: str) -> None:
    """`sites show --format csv` printed JSON, `scenario export --format table` printed JSON: now refused."""
    result = runner.invoke(app, command, env=WIDE)
    assert result.exit_code == 2 and f"« {refused} » n'est pas l'un de : {possible}" in result.output, result.output


def test_a_typo_in_the_kinds_of_the_standard_is_refused() -> None:
    """`audit --pole-kinds pole_socil` audited with no pôle at all (66 % in the norm, every « Pôle max » —) without a
    word; now one French line with the kind meant."""
    with pytest.raises(ValueError, match=r"^--pole-kinds : type de site « pole_socil » inconnu : vouliez-vous dire "
                                         r"« pole_social » \?"):  # fmt: skip
        ServiceStandard(pole_kinds=("pole_socil",))
    result = runner.invoke(app, ["audit", "--antenne-kinds", "sst,antene", "--db", "sqlite:///:memory:"], env=WIDE)
    assert result.exit_code == 1 and "--antenne-kinds : type de site « antene » inconnu" in result.output


def test_audit_output_with_a_table_says_which_format() -> None:
    result = runner.invoke(app, ["audit", "-o", "audit.txt", "--db", "sqlite:///:memory:"], env=WIDE)
    assert result.exit_code == 1 and "--output écrit du json, du csv ou du geojson : ajoutez --format" in result.output


@pytest.mark.parametrize("command", [["plan"], ["compare", "x"]], ids=" ".join)
def test_plan_and_compare_output_with_a_table_say_which_format(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "-o", "sortie.txt", "--db", "sqlite:///:memory:"], env=WIDE)
    assert result.exit_code == 1 and "--output écrit du json" in result.output and "ajoutez --format json" in \
        result.output, result.output  # fmt: skip


def test_audit_checks_date_and_departure_in_french() -> None:
    """`audit --date demain` was ignored on foot and failed in English by transit (« Invalid isoformat string »);
    --depart takes « 8h30 » as well as « 08:30 »."""
    from maillage.cli.main import _clock

    bad = runner.invoke(app, ["audit", "--date", "demain", "--db", "sqlite:///:memory:"], env=WIDE)
    assert bad.exit_code == 1 and "--date « demain » : écrivez une date AAAA-MM-JJ" in bad.output, bad.output
    late = runner.invoke(app, ["audit", "--depart", "25:00", "--db", "sqlite:///:memory:"], env=WIDE)
    assert late.exit_code == 1 and "--depart « 25:00 » : écrivez une heure, par exemple 08:00 ou 8h30" in late.output
    assert _clock("8h30") == "08:30" and _clock("8h") == "08:00" and _clock("08:00") == "08:00"


def test_steering_missing_communes_file_and_taken_name_say_what_to_do(cli_home: Path, tmp_path: Path) -> None:
    """`steering show --communes absent.csv` was a FileNotFoundError traceback; a second `steering scenario` says
    to add --replace or another --name."""
    missing = runner.invoke(app, ["steering", "show", "--communes", str(tmp_path / "absent.csv")], env=WIDE)
    assert missing.exit_code == 2 and "Valeur invalide pour --communes : fichier introuvable : " in missing.output
    assert "Traceback" not in missing.output and "Errno" not in missing.output
    assert runner.invoke(app, ["steering", "scenario", "--name", "engagements"]).exit_code == 0
    again = runner.invoke(app, ["steering", "scenario", "--name", "engagements"], env=WIDE)
    assert again.exit_code == 1 and "Ajoutez --replace pour le remplacer" in again.output, again.output


def test_a_broken_json_is_said_in_french() -> None:
    """« JSON illisible (ligne 1, colonne 9 : virgule attendue) », never Python's « Expecting ',' delimiter »."""
    from maillage.textinput import JsonInputError, load_json

    with pytest.raises(JsonInputError, match=r"^JSON illisible \(ligne 1, colonne 9 : virgule attendue\)$"):
        load_json('{"a": 1 "b": 2}')
    with pytest.raises(JsonInputError, match=r"^JSON illisible \(ligne 1, colonne 2 : nom de champ entre guillemets"):
        load_json("{a: 1}")


def test_a_gtfs_that_is_not_a_zip_says_what_a_feed_is(tmp_path: Path) -> None:
    from maillage.network.gtfs import FeedReader
    from maillage.network.gtfs_fields import GtfsError

    (tmp_path / "flux.zip").write_bytes(b"pas un zip")
    with pytest.raises(GtfsError, match=r"un flux GTFS est un fichier \.zip ou un dossier de fichiers \.txt") as caught:
        FeedReader(tmp_path / "flux.zip")
    assert "File is not a zip file" not in str(caught.value)


def test_a_spreadsheet_csv_with_semicolons_says_how_to_save_it(cli_home: Path, tmp_path: Path) -> None:
    """A CSV saved by a French spreadsheet (« ; » between cells) was refused for « colonne(s) manquante(s) : id,
    name, … » — every column listed although all are there."""
    semi = tmp_path / "sites.csv"
    semi.write_text("id;name;kind;address;postcode;commune;insee_code;lon;lat;opening_hours;phone;source_url_or_repo\n"
                    "x-1;Antenne;antenne;1 rue X;92000;Nanterre;92050;2.2;48.89;;;moi\n", encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["sites", "import", str(semi)], env=WIDE)
    assert result.exit_code == 1 and "les colonnes sont séparées par « ; » : enregistrez le fichier en" in \
        result.output and "colonne(s) manquante(s)" not in result.output, result.output  # fmt: skip


def test_french_hours_in_a_data_file_are_answered_with_their_osm_spelling() -> None:
    """A sites file takes OSM hours; French ones the planner wrote are refused with what to write instead."""
    from maillage.registry.hours import validate

    with pytest.raises(ValueError, match="en syntaxe OSM, écrivez « Mo-Fr 09:00-17:00 »"):
        validate("lundi au vendredi 9h-17h")


def test_a_mistyped_kind_in_a_sites_file_is_suggested(cli_home: Path, tmp_path: Path) -> None:
    header = "id,name,kind,address,postcode,commune,insee_code,lon,lat,opening_hours,phone,source_url_or_repo"
    extra = tmp_path / "extra.csv"
    extra.write_text(f"{header}\nx-1,Antenne,antene,1 rue X,92000,Nanterre,92050,2.2,48.89,,,moi\n", encoding="utf-8")
    result = runner.invoke(app, ["sites", "import", str(extra)], env=WIDE)
    assert result.exit_code == 1 and "type « antene » inconnu : vouliez-vous dire « antenne »" in result.output


def test_sector_table_headings_are_never_cut() -> None:
    """At 120 columns a long sector name cut the headings (« Populati… », « Hors nor… »); now the name wraps."""
    import pandas as pd
    from rich.console import Console

    from maillage.report.terminal import audit_table

    frame = pd.DataFrame([{"code": "s", "name": "Pôle social départemental d'Antony / Sceaux (SST 13), immeuble "
                           "L'Atrium, entrée par la rue de la Mairie", "population": 85_147.0, "share_within": 0.74,
                           "population_outside": 21_977.0, "worst_minutes_pole": 59.0,
                           "worst_minutes_antenne_or_pole": 36.0}])  # fmt: skip
    console = Console(record=True, width=100)
    console.print(audit_table(frame, "Par secteur SST", None))
    text = console.export_text()
    assert "Population" in text and "Hors norme" in text and "Antenne max" in text and "Populati…" not in text, text
