"""``maillage sites list|show``: find a site by what people know (kind, commune, service), see its id."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from maillage.i18n import _
from maillage.report.markup import escape, fill

if TYPE_CHECKING:
    from maillage.registry.listing import SiteRow

err = Console(stderr=True)
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="MAILLAGE_DB_URL", help="URL de la base (défaut : SQLite du registre, voir README)."),
]


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CardFormat(StrEnum):  # a site card is a table or JSON (--format csv printed JSON)
    table = "table"
    json = "json"


def _fail(message: str) -> typer.Exit:
    err.print(fill(_("[red]erreur :[/] {message}"), message=message), soft_wrap=True, highlight=False)
    return typer.Exit(1)


def _snapshot(db: str | None):
    from maillage import api
    from maillage.registry.snapshot import EmptyRegistryError

    try:
        snapshot = api.load_snapshot(api.open_registry(db))
    except EmptyRegistryError as exc:
        raise _fail(str(exc)) from None
    return snapshot, {str(c): str(n) for c, n in snapshot.communes["name"].items()}


def _plain(row: SiteRow) -> dict:
    d = dataclasses.asdict(row)
    return d | {"services": list(row.services), "services_labels": list(row.services_labels)}


def register(sites_app: typer.Typer) -> None:
    """Mount ``list`` and ``show`` on ``maillage sites``."""

    @sites_app.command("list")
    def sites_list(
        kind: Annotated[str | None, typer.Option(help="Type de site (pole_social, sst, antenne, pmi, …).")] = None,
        commune: Annotated[str | None, typer.Option(help="Commune : nom (Vanves) ou code INSEE (92075).")] = None,
        service: Annotated[str | None, typer.Option(help="Code d'un service offert (pmi, logement, …).")] = None,
        output_format: Annotated[
            ListFormat, typer.Option("--format", help="table | json | csv (format de sortie).")
        ] = ListFormat.table,
        db: DbOption = None,
    ) -> None:
        """Lister les sites du registre, filtrés par type, commune ou service (nom, commune, identifiant)."""
        from maillage.registry.listing import SiteLookupError, list_sites

        snapshot, names = _snapshot(db)
        try:
            rows = list_sites(snapshot.sites, names, kind=kind, commune=commune, service=service)
        except SiteLookupError as exc:
            raise _fail(str(exc)) from None
        if output_format is ListFormat.json:
            sys.stdout.write(json.dumps([_plain(r) for r in rows], ensure_ascii=False, indent=1) + "\n")
            return
        if output_format is ListFormat.csv:
            buf = io.StringIO()
            fields = ["name", "kind_label", "commune_name", "address", "services", "opening_hours", "id", "kind",
                      "commune_code", "lon", "lat"]  # fmt: skip
            writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for r in rows:
                writer.writerow(_plain(r) | {"services": ";".join(r.services)})
            sys.stdout.write(buf.getvalue())
            return
        table = Table(title=_("{n} site(s)").format(n=len(rows)), show_lines=False)
        for column in (_("Nom"), _("Type"), _("Commune"), _("Adresse")):
            table.add_column(column, overflow="fold")
        table.add_column(_("Identifiant"), no_wrap=True)  # what `sites show` and the scenarios take: copied whole
        for r in rows:
            table.add_row(*(escape(v or "") for v in (r.name, r.kind_label, r.commune_name, r.address, r.id)))
        Console().print(table)

    @sites_app.command("show")
    def sites_show(
        site: Annotated[str, typer.Argument(help="Identifiant du site (voir maillage sites list) ou son nom exact.")],
        output_format: Annotated[CardFormat, typer.Option("--format", help="table | json.")] = CardFormat.table,
        db: DbOption = None,
    ) -> None:
        """Montrer une fiche de site : nom, type, adresse, services, horaires, position et source."""
        from maillage.registry.listing import SiteLookupError, find_site

        snapshot, names = _snapshot(db)
        try:
            row = find_site(snapshot.sites, names, site)
        except SiteLookupError as exc:
            raise _fail(str(exc)) from None
        if output_format is not CardFormat.table:
            sys.stdout.write(json.dumps(_plain(row), ensure_ascii=False, indent=1) + "\n")
            return
        from maillage.registry.vocab import quality_label_fr

        # 5 decimals: about a metre, what any placement here can claim; how it was placed, in words
        position = (_("{lat}, {lon} (latitude, longitude) — {quality}").format(
            lat=f"{row.lat:.5f}", lon=f"{row.lon:.5f}", quality=quality_label_fr(row.position)) if row.lon is not None
                    else _("inconnue"))  # fmt: skip
        commune = f"{row.commune_name} ({row.commune_code})" if row.commune_code else _("non renseignée")
        fields = [(_("Nom"), row.name), (_("Type"), row.kind_label), (_("Commune"), commune),
                  (_("Adresse"), " ".join(x for x in (row.address, row.postcode) if x)),
                  (_("Services"), ", ".join(row.services_labels) or "—"),
                  (_("Horaires"), _hours(row)), (_("Téléphone"), row.phone or "—"),
                  (_("Position"), position), (_("Identifiant"), row.id), (_("Source"), row.source)]  # fmt: skip
        table = Table(show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for label, value in fields:
            table.add_row(label, escape(value))
        Console().print(table)


def _hours(row) -> str:
    """The hours in French words; unknown ones say what the source wrote, if anything."""
    if row.hours_fr:
        return row.hours_fr
    if row.hours_source_text:
        return _("inconnus (la source écrit : « {text} »)").format(text=row.hours_source_text)
    return _("inconnus")
