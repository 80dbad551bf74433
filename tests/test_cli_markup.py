"""A name typed by a planner is printed as typed, never run as terminal markup (issue 12, item 2; issue 14).

rich reads ``[…]`` in what it prints: before, a site named ``Pôle [/]`` made ``scenario add-site`` crash
(MarkupError) after the change was stored, and ``[link=…]`` printed a live link (OSC 8) in the terminal.
The audit's HTML report of a scenario also crashed on the scenario's own sites, whose placement had no label.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from maillage.cli import app

runner = CliRunner()
NAME = "Pôle [/] [link=https://exemple.invalid]ici[/link] [bold red]X"
COLOR = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}


def test_markup_in_names_is_printed_literally(cli_home: Path) -> None:
    scenario = "essai [bold]gras[/]"
    created = runner.invoke(app, ["scenario", "create", scenario], env=COLOR)
    assert created.exit_code == 0, created.output
    added = runner.invoke(app, ["scenario", "add-site", scenario, "--name", NAME, "--kind", "antenne",
                                "--lon", "2.2399", "--lat", "48.8352"], env=COLOR)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "\x1b]8;" not in added.output  # no terminal hyperlink
    assert "[link=https://exemple.invalid]ici[/link]" in added.output and scenario in added.output

    shown = runner.invoke(app, ["scenario", "show", scenario], env=COLOR, terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "\x1b]8;" not in shown.output and "[bold]gras[/]" in shown.output

    listed = runner.invoke(app, ["scenario", "list"], env=COLOR)
    assert listed.exit_code == 0, listed.output
    assert "\x1b[" in listed.output  # colours on: a link would be printed as one
    assert "[bold]gras[/]" in listed.output

    html = cli_home / "scenario.html"
    audit = runner.invoke(app, ["audit", "--scenario", scenario, "--html", str(html)], env=COLOR)
    assert audit.exit_code == 0, audit.output
    assert "\x1b]8;" not in audit.output and "[bold]gras[/]" in audit.output
    page = html.read_text(encoding="utf-8")
    assert "ajouté ou déplacé par le scénario" in page  # how the scenario's site was placed
    assert "[link=https://exemple.invalid]ici[/link]" in page  # escaped as HTML, not as rich markup
