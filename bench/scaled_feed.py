"""A GTFS feed K times the size of New York's, for the transit benchmark at Île-de-France scale.

Each of the K copies is the converted MTA feeds (``tools/mta_to_gtfs.py``: subway and the six bus
feeds) moved ``shift_km`` further east (copy ``k`` by ``k × shift_km``: New York spans about 50 km
east-west, so 60 km leaves the copies far beyond any walk between them) with every id prefixed
``c<k>.<feed>:`` (stops, parent stations, routes, agencies, trips, services, blocks, shapes, the
ids of ``transfers.txt`` and ``frequencies.txt``), so nothing of one copy can match another's.

Layouts: ``per-feed`` (default) writes one feed per New York feed, each holding its K copies (the
city bench's seven feeds, each K times larger: Brooklyn's buses × 4 is a 620 MB ``stop_times.txt``);
``merged`` writes everything as one feed, as IDFM publishes one (× 4: a 2.1 GB ``stop_times.txt``).
The timetable of a date is then exactly K shifted copies of New York's (the benchmark checks the
counts). Tables are streamed through pyarrow one source feed at a time: memory stays that of the
largest source table.

Usage: ``python bench/scaled_feed.py [/tmp/mta/gtfs] [/tmp/mta/gtfs-x4] [--copies 4] [--layout merged]``.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CITY_FEEDS = ("subway", "bus_m", "bus_bx", "bus_bk", "bus_qns", "bus_si", "bus_busco")
NYC_LATITUDE = 40.7
# Columns holding ids, per table: prefixed per copy (a blank stays blank: "no parent station").
ID_COLUMNS = {
    "agency.txt": ("agency_id",),
    "stops.txt": ("stop_id", "parent_station"),
    "routes.txt": ("route_id", "agency_id"),
    "trips.txt": ("route_id", "service_id", "trip_id", "block_id", "shape_id"),
    "stop_times.txt": ("trip_id", "stop_id"),
    "calendar.txt": ("service_id",),
    "calendar_dates.txt": ("service_id",),
    "transfers.txt": ("from_stop_id", "to_stop_id", "from_route_id", "to_route_id", "from_trip_id", "to_trip_id"),
    "frequencies.txt": ("trip_id",),
    "shapes.txt": ("shape_id",),
}
LONGITUDE = {"stops.txt": "stop_lon", "shapes.txt": "shape_pt_lon"}


def degrees_east(km: float, latitude: float = NYC_LATITUDE) -> float:
    """Longitude difference of ``km`` kilometres eastwards at ``latitude``."""
    return km / (111.32 * math.cos(math.radians(latitude)))


def _read(path: Path) -> pa.Table:
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8-sig").strip().split(",")
    return pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding="utf-8"),
                          convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                               strings_can_be_null=False))  # fmt: skip


def copy_table(table: pa.Table, name: str, prefix: str, shift_deg: float) -> pa.Table:
    """One copy of ``table`` (all strings): ids prefixed, longitudes moved east by ``shift_deg``."""
    columns = {}
    for column in table.column_names:
        values = table[column]
        if column in ID_COLUMNS.get(name, ()):
            values = pc.if_else(pc.equal(values, ""), values, pc.binary_join_element_wise(prefix, values, ""))
        elif column == LONGITUDE.get(name):
            moved = pc.add(pc.cast(pc.utf8_trim_whitespace(values), pa.float64()), shift_deg)
            values = pc.cast(pc.round(moved, 6), pa.string())
        columns[column] = values
    return pa.table(columns)


def _header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        return handle.readline().decode("utf-8-sig").strip().split(",")


def write_copies(sources: list[Path], target: Path, copies: int, shift_km: float) -> dict[str, int]:
    """Write ``copies`` shifted copies of every feed in ``sources`` as one feed in ``target``; rows per table."""
    target.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name in ID_COLUMNS | {"feed_info.txt": ()}:
        present = [s for s in sources if (s / name).exists()]
        if not present:
            continue
        if name == "feed_info.txt":  # one row describes the feed: the first source's, renamed
            shutil.copyfile(present[0] / name, target / name)
            continue
        union: list[str] = []
        for source in present:
            union += [c for c in _header(source / name) if c not in union]
        schema = pa.schema([(c, pa.string()) for c in union])
        part = target / f"{name}.part"
        # pyarrow quotes every string when quoting is "needed": the big table is written bare (its ids and
        # times hold no comma; pyarrow refuses a value that would need quotes), as feeds usually are.
        options = pacsv.WriteOptions(quoting_style="none" if name == "stop_times.txt" else "needed")
        with pacsv.CSVWriter(part, schema, write_options=options) as writer:
            for source in present:
                table = _read(source / name)
                blank = pa.array([""] * len(table), pa.string())
                table = pa.table({c: table[c] if c in table.column_names else blank for c in union})
                for k in range(copies):
                    prefix = f"c{k + 1}.{source.name}:"
                    writer.write_table(copy_table(table, name, prefix, degrees_east(k * shift_km)))
                rows[name] = rows.get(name, 0) + copies * len(table)
        part.replace(target / name)
    return rows


def build(source: Path, out: Path, copies: int = 4, shift_km: float = 60.0, layout: str = "per-feed",
          feeds: tuple[str, ...] = CITY_FEEDS) -> list[Path]:
    """Build (once: a finished folder is reused) the scaled feeds; returns their folders."""
    sources = [source / f for f in feeds if (source / f / "stop_times.txt").exists()]
    if not sources:
        raise SystemExit(f"no converted MTA feeds in {source}: run tools/mta_to_gtfs.py first")
    groups = {"ny": sources} if layout == "merged" else {s.name: [s] for s in sources}
    built = []
    for name, group in groups.items():
        folder = out / f"{layout}-x{copies}" / name
        if not (folder / "stop_times.txt").exists():
            counts = write_copies(group, folder, copies, shift_km)
            print(f"{folder}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
        built.append(folder)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="?", default=Path("/tmp/mta/gtfs"))
    parser.add_argument("out", type=Path, nargs="?", default=Path("/tmp/mta/gtfs-scaled"))
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--shift-km", type=float, default=60.0)
    parser.add_argument("--layout", choices=("per-feed", "merged"), default="per-feed")
    args = parser.parse_args(argv)
    for folder in build(args.source, args.out, args.copies, args.shift_km, args.layout):
        print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
