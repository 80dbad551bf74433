"""Benchmark of the command line's start: what ``maillage --help`` and each command cost before their work.

Run: ``.venv/bin/python bench/bench_startup.py [--repeat N] [--root CHECKOUT]``. Prints a table and writes
``bench/results/startup.json`` (``startup-<name>.json`` for another ``--root``, e.g. an older checkout).

Every figure is a fresh interpreter (a subprocess), measured in the same run as the yardstick
``python -c "import typer"``, so the ratios hold on a loaded machine where seconds do not:

- CPU seconds (user + system, from ``wait4``) and wall seconds, best of ``--repeat`` rounds, each round
  running every case once so that a change of load hits them all alike;
- for the imports, the ``-X importtime`` total (the sum of the top-level modules' cumulative times);
- a second yardstick, ``--help`` of a one-option typer app: what typer itself spends on any help screen
  (its rich help formatter and its pydantic parameter adapters), which no command can go below.

``maillage …`` runs the app as the installed ``maillage`` script does (``from maillage.cli import app;
app()``), with the checkout first on ``PYTHONPATH`` (the installed script may point to another checkout).
``maillage CMD --help`` loads everything the command loads before its body runs: the import part of each
command. ``import maillage.api`` is shown apart: it is what the commands that read the registry then import
in their body (pandas, geopandas, SQLAlchemy), their work rather than the command line's start. The goal is
< 0.5 s CPU for ``--help`` and every command's import part.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
MAILLAGE = "from maillage.cli import app; app(prog_name='maillage')"
TYPER_APP = "import typer\ndef hello(name: str = typer.Option('x', help='a name')) -> None: ...\ntyper.run(hello)"
RESULTS = Path(__file__).parent / "results" / "startup.json"
GOAL_CPU_S = 0.5
COMMANDS = ["init", "audit", "sites", "sites list", "serve", "user add", "audit-many", "orient", "plan", "compare",
            "scenario", "scenario add-site", "steering", "steering show"]  # fmt: skip


def run_once(argv: list[str], root: Path) -> dict[str, Any]:
    """One subprocess: CPU and wall seconds, and its stderr (the ``-X importtime`` lines)."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    started = os.times().elapsed
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=root)
    stderr = process.stderr.read().decode() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = os.times().elapsed - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {process.returncode}\n{stderr[-2000:]}")
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "stderr": stderr}


def importtime_total_s(stderr: str) -> float:
    """Sum of the cumulative times of top-level imports (lines whose module name is not indented)."""
    total_us = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # one space after the bar: top level
            total_us += int(cumulative)
    return total_us / 1e6


def measure(cases: list[tuple[str, list[str], bool]], repeat: int, root: Path) -> dict[str, dict[str, Any]]:
    """Best of ``repeat`` rounds per case; one round runs every case once."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in cases}
    for _ in range(repeat):
        for name, argv, importtime in cases:
            runs[name].append(run_once([sys.executable, *(["-X", "importtime"] if importtime else []), *argv], root))
    rows = {}
    for name, _, importtime in cases:
        rows[name] = {"cpu_s": min(r["cpu_s"] for r in runs[name]), "wall_s": min(r["wall_s"] for r in runs[name])}
        if importtime:
            rows[name]["importtime_s"] = min(importtime_total_s(r["stderr"]) for r in runs[name])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (the best run of each case is kept)")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    args = parser.parse_args()
    root = args.root.resolve()
    cases: list[tuple[str, list[str], bool]] = [
        ("python -c pass", ["-c", "pass"], False),
        ("import typer", ["-c", "import typer"], True),
        ("one-option typer app --help", ["-c", TYPER_APP, "--help"], False),
        ("import maillage.cli", ["-c", "import maillage.cli"], True),
        ("maillage --help", ["-c", MAILLAGE, "--help"], False),
        *((f"maillage {c} --help", ["-c", MAILLAGE, *c.split(), "--help"], False) for c in COMMANDS),
        ("import maillage.api", ["-c", "import maillage.api"], True),
    ]
    rows = measure(cases, args.repeat, root)
    typer, typer_help = rows["import typer"], rows["one-option typer app --help"]
    for row in rows.values():
        row["cpu_vs_typer"] = row["cpu_s"] / typer["cpu_s"]
        row["cpu_vs_typer_app_help"] = row["cpu_s"] / typer_help["cpu_s"]
        if "importtime_s" in row:
            row["importtime_vs_typer"] = row["importtime_s"] / typer["importtime_s"]
    command_line = {k: v for k, v in rows.items() if k.startswith("maillage ") or k == "import maillage.cli"}
    report = {
        "root": str(root),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "goal_cpu_s": GOAL_CPU_S,
        "rows": rows,
        "worst_command_line": max(command_line, key=lambda k: command_line[k]["cpu_s"]),
        "all_within_goal": all(v["cpu_s"] < GOAL_CPU_S for v in command_line.values()),
    }
    console = Console(width=140)
    table = Table(title=f"command-line start of {root}, best of {args.repeat} fresh interpreters")
    columns = ("what", "CPU ms", "wall ms", "-X importtime ms", "CPU / import typer", "CPU / typer app --help",
               "importtime / typer")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "what" else "right")
    for name, row in rows.items():
        table.add_row(name, f"{row['cpu_s'] * 1000:.0f}", f"{row['wall_s'] * 1000:.0f}",
                      f"{row['importtime_s'] * 1000:.0f}" if "importtime_s" in row else "",
                      f"{row['cpu_vs_typer']:.2f}", f"{row['cpu_vs_typer_app_help']:.2f}",
                      f"{row['importtime_vs_typer']:.2f}" if "importtime_vs_typer" in row else "")  # fmt: skip
    console.print(table)
    worst = report["worst_command_line"]
    verdict = "met" if report["all_within_goal"] else "NOT met"
    console.print(f"slowest command-line start: {worst}, {rows[worst]['cpu_s'] * 1000:.0f} ms CPU "
                  f"(goal < {GOAL_CPU_S * 1000:.0f} ms: {verdict})")  # fmt: skip
    results = RESULTS if root == ROOT else RESULTS.with_name(f"startup-{root.name}.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"written {results}")


if __name__ == "__main__":
    main()
