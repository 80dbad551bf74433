"""``maillage steering …``: show, report and import the steering data (thin layer over the library).

Mounted on the root app as ``maillage steering`` by :func:`maillage.cli.main._mount_groups`; it also runs alone:
``python -c "from maillage.cli.steering import app; app()" report --out /tmp/steer``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from maillage.i18n import _
from maillage.report.markup import escape, fill

if TYPE_CHECKING:
    from maillage.steering.models import SteeringData

app = typer.Typer(
    help="Pilotage : budget des solidarités, indicateurs d'activité et conventions avec les communes.",
    no_args_is_help=True,
)
console = Console()
REF_RE = re.compile(r"\[(\d+)\]")
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class TableName(StrEnum):
    all = "all"
    budget = "budget"
    scissors = "scissors"
    dm = "dm"
    bp_dm = "bp_dm"
    conventions = "conventions"
    indicators = "indicators"
    sites = "sites"


DEFAULT_TABLES = ["scissors", "dm", "bp_dm", "budget", "conventions", "indicators", "sites"]

DirOpt = Annotated[
    Path | None,
    typer.Option("--dir", help="Dossier de CSV (budget_lines.csv, activity.csv, conventions.csv) ; "
                 "par défaut l'exemple fourni, transcrit des communiqués."),
]
TodayOpt = Annotated[
    str | None, typer.Option("--today", help="Date de référence AAAA-MM-JJ (défaut : aujourd'hui).")
]
CommunesOpt = Annotated[
    Path | None,
    typer.Option("--communes", help="GeoJSON ou CSV des communes (code, population, nom) pour les taux "
                 "par habitant."),
]
HorizonOpt = Annotated[int, typer.Option("--horizon", min=1, help="Horizon des renouvellements, en mois (au moins 1).")]


def _load(folder: Path | None) -> SteeringData:
    from maillage.steering.importer import SteeringImportError, load_default, load_folder

    try:
        return load_default() if folder is None else load_folder(folder)
    except SteeringImportError as exc:
        err_console.print(_("[bold red]Import refusé : {n} erreur(s)[/]").format(n=len(exc.errors)))
        for e in exc.errors:
            err_console.print(f"  {e}", markup=False, highlight=False)
        raise typer.Exit(code=1) from None


def _today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = _("date invalide « {value} » (attendu AAAA-MM-JJ)").format(value=value)
        raise typer.BadParameter(msg, param_hint="--today") from None


def default_communes() -> tuple[dict[str, int], dict[str, str]]:
    """Populations and names as the web workspace has them: the registry's communes (the same
    ``Snapshot.commune_populations`` call), else the data folder's (``$MAILLAGE_DATA``), else none."""
    from maillage import api
    from maillage.registry.datafolder import DataFolderError, discover
    from maillage.registry.snapshot import EmptyRegistryError, load_snapshot

    # an unreachable database, as an empty one, only means the rates are computed from the folder
    with contextlib.suppress(EmptyRegistryError, OSError, ValueError, RuntimeError):
        return load_snapshot(api.open_registry()).commune_populations()
    with contextlib.suppress(DataFolderError, OSError, ValueError, KeyError):
        return load_communes(discover().communes)
    return {}, {}


def load_communes(path: Path | None) -> tuple[dict[str, int], dict[str, str]]:
    """Populations and names by INSEE code from a GeoJSON (properties code/population/nom) or a CSV;
    without ``path``, those of :func:`default_communes`."""
    if path is None:
        return default_communes()
    pops: dict[str, int] = {}
    names: dict[str, str] = {}
    try:
        if path.suffix.lower() in {".geojson", ".json"}:
            rows = [f.get("properties", {}) for f in json.loads(path.read_text(encoding="utf-8"))["features"]]
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise typer.BadParameter(_("fichier introuvable : {path}").format(path=path), param_hint="--communes") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        message = _("{path} : ni un GeoJSON de communes ni un CSV (code, population, nom) lisible")
        raise typer.BadParameter(message.format(path=path), param_hint="--communes") from None
    for p in rows:
        code = str(p.get("code") or p.get("insee_code") or "").strip()
        if not code:
            continue
        if p.get("population") not in (None, ""):
            pops[code] = int(p["population"])
        if p.get("nom") or p.get("name"):
            names[code] = str(p.get("nom") or p.get("name"))
    return pops, names


def _longest_word(values: list[str]) -> int:
    return max((len(w) for v in values for w in str(v).split()), default=1)


def _rich_table(t: dict, width: int) -> RichTable:
    """A table whose words are never cut: columns at least as wide as their longest word (single-word
    columns unwrapped); when even that exceeds the terminal, one small field/value table per row."""
    columns = [[c, *(row[i] for row in t["rows"])] for i, c in enumerate(t["columns"])]
    needed = sum(min(_longest_word(col), 24) for col in columns) + 3 * len(columns) + 1
    if needed <= width:
        rt = RichTable(title=escape(t["title"]), show_lines=True, title_justify="left")
        for name, col in zip(t["columns"], columns, strict=True):
            longest = _longest_word(col)
            single = all(len(str(v).split()) <= 1 for v in col[1:])
            # fold (cut inside a word) only a column holding a word too long for any width we give it
            rt.add_column(escape(str(name)), no_wrap=single and longest <= 24, min_width=min(longest, 24),
                          overflow="fold" if longest > 24 else "ellipsis")  # fmt: skip
        for row in t["rows"]:
            rt.add_row(*(escape(str(v)) for v in row))
        return rt
    rt = RichTable(title=escape(t["title"]), show_header=False, show_lines=True, title_justify="left")
    key_width = _longest_word(t["columns"]) + 1
    rt.add_column(_("Champ"), style="bold", min_width=min(key_width, 30), max_width=30)
    rt.add_column(_("Valeur"), overflow="fold", ratio=1)
    for n, row in enumerate(t["rows"], start=1):
        for i, (name, value) in enumerate(zip(t["columns"], row, strict=True)):
            rt.add_row(escape(f"{name}" if i else f"[{n}/{len(t['rows'])}] {name}"), escape(str(value)),
                       end_section=i == len(row) - 1)  # fmt: skip
    return rt


@app.command("show")
def show(
    folder: DirOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, json ou csv.")] = OutputFormat.table,
    table: Annotated[TableName, typer.Option("--table", help=(
        "Tableau à afficher : all (tous), budget (lignes budgétaires), scissors (effet ciseaux), dm (décision "
        "modificative), bp_dm (budget primitif et décision modificative), conventions (suivi des conventions), "
        "indicators (indicateurs d'activité), sites (services programmés par les conventions)."
    ))] = TableName.all,
    today: TodayOpt = None,
    communes: CommunesOpt = None,
    horizon: HorizonOpt = 6,
) -> None:
    """Afficher budget, effet ciseaux et suivi des conventions (tableaux, JSON ou CSV)."""
    data = _load(folder)
    ref = _today(today)
    pops, names = load_communes(communes)
    if fmt is OutputFormat.json:
        from maillage.report.steering import to_jsonable  # matplotlib is imported only by the commands that draw

        payload = to_jsonable(data, ref, pops, horizon)
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    from maillage.report.steering import build_tables

    tables, sources = build_tables(data, ref, pops, names, horizon)
    keys = DEFAULT_TABLES if table is TableName.all else [table.value]
    if fmt is OutputFormat.csv:
        from maillage.csvcells import neutralise

        writer = csv.writer(sys.stdout, lineterminator="\n")
        for k in keys:
            if len(keys) > 1:
                sys.stdout.write(f"# {tables[k]['title']}\n")
            writer.writerow(map(neutralise, tables[k]["columns"]))
            writer.writerows(map(neutralise, row) for row in tables[k]["rows"])
            if len(keys) > 1:
                sys.stdout.write("\n")
        writer.writerow(["# Sources"])
        writer.writerows([[f"[{n}]", s] for n, s in enumerate(sources, start=1)])
        return
    used: set[int] = set()
    for k in keys:
        t = tables[k]
        texts = [str(v) for row in t["rows"] for v in row] + list(t["notes"])
        used |= {int(n) for text in texts for n in REF_RE.findall(text)}
        console.print(_rich_table(t, console.width))
        for note in t["notes"]:
            console.print(fill("[dim]{note}[/]", note=note))
    console.print(_("[bold]Sources[/]"))
    for n, s in enumerate(sources, start=1):
        if n in used:
            console.print(f"[{n}] {s}", markup=False, highlight=False)


@app.command("report")
def report(
    out: Annotated[
        Path, typer.Option("--out", help="Dossier de sortie (pilotage.html, pilotage.pdf).")
    ] = Path("out/pilotage"),
    folder: DirOpt = None,
    today: TodayOpt = None,
    communes: CommunesOpt = None,
    horizon: HorizonOpt = 6,
) -> None:
    """Écrire le rapport de pilotage : HTML autonome (graphiques SVG intégrés) et PDF."""
    data = _load(folder)
    pops, names = load_communes(communes)
    from maillage.report.pdf import PdfUnavailableError
    from maillage.report.steering import write_report

    try:
        paths = write_report(data, out, _today(today), pops, names, horizon)
    except PdfUnavailableError as exc:  # the HTML is written; only the print is missing
        console.print(fill(_("Rapport HTML : {html}"), html=Path(out) / 'pilotage.html'))
        err_console.print(fill(_("[bold red]Erreur :[/] {exc}"), exc=exc), highlight=False)
        raise typer.Exit(code=1) from None
    console.print(fill(_("Rapport HTML : {html}"), html=paths['html']))
    console.print(fill(_("Rapport PDF (A4) : {pdf}"), pdf=paths['pdf']))


@app.command("import")
def import_(
    folder: Annotated[Path, typer.Option("--dir", help="Dossier des CSV à valider et charger.")],
) -> None:
    """Valider et charger des CSV personnalisés (tout ou rien : chaque ligne rejetée est listée)."""
    data = _load(folder)
    console.print(
        _("Import accepté : {lines} ligne(s) budgétaire(s), {indicators} indicateur(s) d'activité, "
          "{conventions} convention(s).").format(lines=len(data.budget_lines), indicators=len(data.activity),
                                                 conventions=len(data.conventions))
    )


@app.command("scenario")
def scenario(
    name: Annotated[str, typer.Option("--name", help="Nom du scénario créé.")] = "conventions",
    folder: DirOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="Remplacer un scénario existant du même nom.")] = False,
    db: Annotated[str | None, typer.Option("--db", help="URL du registre (défaut : MAILLAGE_DB_URL, SQLite).")] = None,
) -> None:
    """Enregistrer les engagements des conventions (permanences, sites PMI) comme scénario du registre.

    Leur effet sur la norme 20/15 minutes se lit ensuite avec « maillage compare NOM ».
    """
    from maillage import api
    from maillage.planning import ScenarioError, store
    from maillage.registry.snapshot import EmptyRegistryError, load_snapshot
    from maillage.steering.coverage import convention_changes

    data = _load(folder)
    try:
        engine = api.open_registry(db)
        snapshot = load_snapshot(engine)
        made = convention_changes(data.conventions, snapshot)
        if replace:
            with contextlib.suppress(LookupError):
                store.delete_scenario(engine, name, actor="cli")
        store.create_scenario(engine, name, _("Engagements des conventions avec les communes (communiqués)"), "cli",
                              snapshot=snapshot, changes=made.changes)  # fmt: skip
    except (ScenarioError, EmptyRegistryError) as exc:
        err_console.print(fill(_("[bold red]Erreur :[/] {exc}"), exc=exc), highlight=False)
        taken = False
        if not replace and isinstance(exc, ScenarioError):
            with contextlib.suppress(LookupError):
                taken = bool(store.find_scenario(engine, name))
        if taken:  # what to do about it
            err_console.print(fill(_("Ajoutez --replace pour le remplacer, ou donnez un autre nom avec --name.")))
        raise typer.Exit(code=1) from None
    for note in made.notes:
        console.print(f"- {note}", markup=False, highlight=False)
    console.print(fill(_("Scénario « {name} » : {n} site(s) ajouté(s). Effet : maillage compare {name}"),
        name=name, n=len(made.changes)))  # fmt: skip
