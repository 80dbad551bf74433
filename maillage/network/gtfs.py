"""GTFS feed reading: validation, service days, frequencies, transfers; one service day as arrays.

A feed is a ``.zip`` or a folder of ``.txt`` files. Every table is read as strings (pyarrow CSV,
then pandas, ``dtype=str``): gtfs-kit parses whole feeds into typed frames, which costs minutes on
the New York bus feeds, and we need only the service of one day. Errors name the file, the
1-based row number as it appears in the file (header = row 1) and the field, as
:class:`GtfsError`.

What one service *date* D contains (:func:`read_service_day`), times in **seconds after midnight of
D** (GTFS "noon minus 12 h", i.e. local midnight outside DST changes):

- trips whose ``service_id`` runs on D (``calendar.txt`` weekday flags within start/end dates, then
  ``calendar_dates.txt`` additions (1) and removals (2));
- trips of D − 1 that are still running after midnight (times ≥ 24:00:00 on D − 1), shifted by
  −24 h: a bus at "25:10:00" yesterday is at 01:10 today;
- ``frequencies.txt`` trips expanded to one trip per headway (``start_time`` ≤ departure <
  ``end_time``), the template's times giving the offsets; we treat headways as exact schedules.

Stop times with blank arrival and departure (non-timepoints) are interpolated linearly in stop order
between the surrounding timepoints; a blank at the first or last stop of a trip is an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from maillage.i18n import _
from maillage.network.gtfs_fields import GtfsError, data_row, parse_dates, parse_ints, parse_times_s
from maillage.network.gtfs_times import expand_frequencies, trip_times
from maillage.numbers import fr_int

__all__ = ["Calendars", "FeedReader", "GtfsError", "NoTimetableError", "ServiceDay", "data_row", "feed_info",
           "feed_summary", "parse_dates", "parse_ints", "parse_times_s", "read_service_day"]


class NoTimetableError(GtfsError):
    """The feed has stops and lines but no trips/stop_times: it cannot give travel times."""


REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id",),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                     "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
    "transfers.txt": ("from_stop_id", "to_stop_id", "transfer_type"),
}
# What routing reads of stop_times.txt (headsigns, distances, timepoints are left unread)
STOP_TIME_COLUMNS = (*REQUIRED_COLUMNS["stop_times.txt"], "pickup_type", "drop_off_type")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_S = 86_400


# A zip bomb (2.5 MB holding a 1 GB stop_times.txt) was decompressed and parsed in full: 136 s and
# 7.5 GB of memory. Real GTFS text deflates 3-12x (IDFM: stop_times.txt about 1 GB in a zip of
# about 100 MB; the IDFM stops files here: 2-6x), so the size is not capped, the ratio is: a member
# above MAX_COMPRESSION_RATIO times its compressed size is refused before a byte is decompressed,
# and reading stops at the smaller of the declared size and that bound whatever the header says.
MAX_COMPRESSION_RATIO = 100
RATIO_FREE_BYTES = 1 << 20  # members this small cannot hurt, whatever their ratio
_CHUNK_BYTES = 1 << 20


class FeedReader:
    """Reads the tables of one feed, from a zip or a folder, as string DataFrames."""

    def __init__(self, path: Path, *, max_ratio: float = MAX_COMPRESSION_RATIO) -> None:
        self.path = Path(path)
        self.max_ratio = max_ratio
        self.bytes_decompressed = 0  # from the zip, over every member read (the bound is tested on it)
        if not self.path.exists():
            raise GtfsError(_("flux GTFS introuvable : {path}").format(path=self.path))
        self._zip: zipfile.ZipFile | None = None
        if self.path.is_dir():
            self._names = {p.name: p for p in self.path.iterdir() if p.suffix == ".txt"}
        else:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile:
                raise GtfsError(_("{path} n'est ni un dossier ni un zip : un flux GTFS est un fichier .zip ou un "
                                  "dossier de fichiers .txt (vérifiez le chemin donné à --gtfs)").format(
                    path=self.path)) from None
            # Some producers nest the files in a folder inside the zip.
            self._names = {Path(n).name: n for n in self._zip.namelist() if n.endswith(".txt")}

    def has(self, name: str) -> bool:
        return name in self._names

    def raw(self, name: str) -> bytes:
        if self._zip is not None:
            return self._read_member(self._zip.getinfo(self._names[name]), name)
        return Path(self._names[name]).read_bytes()

    def _member_bound(self, info: zipfile.ZipInfo) -> int:
        """Bytes ``info`` may decompress to; raises GtfsError if its declared ratio is a bomb's."""
        bound = max(RATIO_FREE_BYTES, int(self.max_ratio * info.compress_size))
        if info.file_size > bound:
            ratio = info.file_size / max(info.compress_size, 1)
            raise GtfsError(
                _("archive refusée : {size} octets annoncés pour {compressed} compressés (taux {ratio}, {max} au plus) "
                  "— archive piégée (« zip bomb ») ?").format(
                    size=fr_int(info.file_size),
                    compressed=fr_int(info.compress_size), ratio=f"{ratio:.0f}",
                    max=f"{self.max_ratio:.0f}"),
                file=Path(info.filename).name,
            )
        return min(bound, info.file_size)

    def _read_member(self, info: zipfile.ZipInfo, name: str) -> bytes:
        """The member's bytes, decompressed chunk by chunk and never past :meth:`_member_bound`."""
        bound = self._member_bound(info)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as stream:  # type: ignore[union-attr]
                while chunk := stream.read(min(_CHUNK_BYTES, bound + 1 - size)):
                    size += len(chunk)
                    self.bytes_decompressed += len(chunk)
                    if size > bound:
                        raise GtfsError(
                            _("archive refusée : le contenu dépasse les {bound} octets annoncés (en-tête "
                              "falsifié ?)").format(bound=fr_int(bound)),
                            file=name,
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:  # bad CRC, truncated or unsupported data
            raise GtfsError(_("archive corrompue ({exc})").format(exc=exc), file=name) from None
        return b"".join(chunks)

    def read(self, name: str, *, required: bool = True, columns: tuple[str, ...] | None = None) -> pd.DataFrame | None:
        """The table as strings (blank = ""), column names stripped; None if absent and optional.

        ``columns``: keep only these (those present). Memory counts at scale (a 780 MB stop_times.txt):
        no copy of the whole text is made here, the text is dropped once parsed, and strings are read as
        ``large_string``, the type pandas keeps them in, so that the table is not copied again.
        """
        if not self.has(name):
            if required:
                raise GtfsError(_("fichier obligatoire absent de {path}").format(path=self.path), file=name)
            return None
        data = self.raw(name)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if not data or data.isspace():
            raise GtfsError(_("fichier vide (pas d'en-tête)"), file=name, row=1)
        end = len(data)
        while data[end - 1] in b"\r\n":
            end -= 1
        # header only (valid GTFS, e.g. an empty feed_info.txt); a lone \r ends a line too (found by the fuzz test)
        if data.find(b"\n", 0, end) < 0 and data.find(b"\r", 0, end) < 0:
            names = next(csv.reader([data.decode("utf-8", errors="replace").strip()]))
            return self._checked(name, pd.DataFrame({c.strip(): pd.Series(dtype=object) for c in names
                                                     if columns is None or c.strip() in columns}))
        try:  # the header from the first block only
            header = pacsv.open_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
            table = pacsv.read_csv(
                io.BytesIO(data),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.large_string() for c in header}, strings_can_be_null=False,
                    include_columns=[c for c in header if columns is None or c.strip() in columns]),
            )
        except pa.ArrowInvalid as exc:
            raise GtfsError(_("CSV illisible : {exc}").format(exc=exc), file=name) from None
        except UnicodeDecodeError as exc:  # a column name that is not UTF-8 (found by the fuzz test)
            raise GtfsError(_("pas du texte UTF-8 (octet {byte} de l'en-tête)").format(byte=exc.start), file=name,
                            row=1) from None
        del data
        return self._checked(name, table.to_pandas())

    @staticmethod
    def _checked(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        frame.columns = [str(c).strip() for c in frame.columns]
        for column in REQUIRED_COLUMNS.get(name, ()):
            if column not in frame.columns:
                raise GtfsError(_("colonne obligatoire absente"), file=name, row=1, field=column)
        return frame

    def sha256(self) -> str:
        """Hash of the feed's content (zip bytes, or every .txt of the folder by name)."""
        digest = hashlib.sha256()
        if self._zip is not None:
            with open(self.path, "rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        for name in sorted(self._names):
            digest.update(name.encode())
            with open(self._names[name], "rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        return digest.hexdigest()


@dataclass(frozen=True)
class Calendars:
    """Service calendars of a feed: which ``service_id`` runs on which date."""

    calendar: pd.DataFrame | None
    calendar_dates: pd.DataFrame | None

    @classmethod
    def read(cls, reader: FeedReader) -> Calendars:
        calendar = reader.read("calendar.txt", required=False)
        calendar_dates = reader.read("calendar_dates.txt", required=False)
        if calendar is None and calendar_dates is None:
            raise GtfsError(_("un flux GTFS a besoin de calendar.txt ou de calendar_dates.txt"), file="calendar.txt")
        if calendar is not None:
            for day in WEEKDAYS:
                flags = parse_ints(calendar[day], file="calendar.txt", field=day)
                if not np.isin(flags, (0, 1)).all():
                    bad = int(np.flatnonzero(~np.isin(flags, (0, 1)))[0])
                    raise GtfsError(_("le jour de la semaine vaut 0 ou 1"), file="calendar.txt", row=data_row(bad),
                                    field=day)
                calendar[day] = flags
            calendar["start"] = parse_dates(calendar["start_date"], file="calendar.txt", field="start_date")
            calendar["end"] = parse_dates(calendar["end_date"], file="calendar.txt", field="end_date")
        if calendar_dates is not None:
            calendar_dates["day"] = parse_dates(calendar_dates["date"], file="calendar_dates.txt", field="date")
            kinds = parse_ints(calendar_dates["exception_type"], file="calendar_dates.txt", field="exception_type")
            if not np.isin(kinds, (1, 2)).all():
                bad = int(np.flatnonzero(~np.isin(kinds, (1, 2)))[0])
                raise GtfsError(_("exception_type vaut 1 (ajouté) ou 2 (retiré)"), file="calendar_dates.txt",
                                row=data_row(bad), field="exception_type")
            calendar_dates["kind"] = kinds
        return cls(calendar, calendar_dates)

    def services_on(self, date: dt.date) -> set[str]:
        """``service_id`` values running on ``date``."""
        day = np.datetime64(date, "D")
        active: set[str] = set()
        if self.calendar is not None:
            c = self.calendar
            running = (c[WEEKDAYS[date.weekday()]] == 1) & (c["start"] <= day) & (c["end"] >= day)
            active |= set(c.loc[running, "service_id"])
        if self.calendar_dates is not None:
            d = self.calendar_dates[self.calendar_dates["day"] == day]
            active |= set(d.loc[d["kind"] == 1, "service_id"])
            active -= set(d.loc[d["kind"] == 2, "service_id"])
        return active

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        """First and last date on which any service may run (None without dates)."""
        days: list[np.ndarray] = []
        if self.calendar is not None and len(self.calendar):
            days += [self.calendar["start"].to_numpy(), self.calendar["end"].to_numpy()]
        if self.calendar_dates is not None and len(self.calendar_dates):
            added = self.calendar_dates[self.calendar_dates["kind"] == 1]
            days.append(added["day"].to_numpy())
        if not days or not sum(len(d) for d in days):
            return None
        every = np.concatenate(days).astype("datetime64[D]")
        return every.min().astype(dt.date), every.max().astype(dt.date)


@dataclass
class ServiceDay:
    """The stop times of one feed on one date, as flat arrays sorted by (trip, stop order)."""

    stops: pd.DataFrame            # stop_id, stop_name, lon, lat, location_type, parent_station
    routes: pd.DataFrame           # route_id, route_name, route_type, agency_id
    trip_ids: np.ndarray           # per trip (object str)
    trip_route: np.ndarray         # per trip: row in ``routes``
    st_trip: np.ndarray            # per stop time: trip index
    st_stop: np.ndarray            # per stop time: row in ``stops``
    arrival_s: np.ndarray          # seconds after midnight of the date
    departure_s: np.ndarray
    pickup_ok: np.ndarray          # bool: boarding allowed (pickup_type != 1)
    dropoff_ok: np.ndarray         # bool: alighting allowed (drop_off_type != 1)
    transfers: pd.DataFrame | None
    info: dict[str, Any] = field(default_factory=dict)


def _rows_in(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Row of each value among the (distinct) ``keys``, -1 if absent, hashed by pyarrow: pandas' map or
    get_indexer first make a Python string of each of the millions of values (1 GB and 18 s at 4× New York)."""
    found = pc.index_in(pa.array(values, type=pa.large_string()), value_set=pa.array(keys, type=pa.large_string()))
    return found.fill_null(-1).to_numpy().astype(np.int64)


def _kept(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]`` (string columns) by pyarrow's filter, chunk by chunk: pandas' take first joins every
    chunk of every column (6 s and +0.6 GB for a 780 MB stop_times.txt)."""
    mask = pa.array(keep)
    table = pa.table({c: pa.array(frame[c], type=pa.large_string()).filter(mask) for c in frame.columns})
    return table.to_pandas().set_axis(frame.index[keep])


def read_service_day(path: Path, date: dt.date) -> ServiceDay:
    """Read and validate one feed, keeping the trips that run on ``date`` (see module docstring)."""
    reader = FeedReader(path)
    if not (reader.has("trips.txt") and reader.has("stop_times.txt")) and reader.has("stops.txt"):
        raise NoTimetableError(
            f"no timetable: {path} has stops and lines but no trips.txt/stop_times.txt, so no travel "
            "time can be computed (none is ever invented); supply the full IDFM GTFS "
            "(https://data.iledefrance-mobilites.fr/explore/dataset/offre-horaires-tc-gtfs-idfm)"
        )
    stops = reader.read("stops.txt")
    routes = reader.read("routes.txt")
    trips = reader.read("trips.txt")
    calendars = Calendars.read(reader)
    info = feed_info(reader, calendars)
    stop_row = pd.Series(np.arange(len(stops)), index=stops["stop_id"])
    if stop_row.index.duplicated().any():
        bad = int(np.flatnonzero(stop_row.index.duplicated())[0])
        raise GtfsError(_("stop_id en double"), file="stops.txt", row=data_row(bad), field="stop_id")
    route_row = pd.Series(np.arange(len(routes)), index=routes["route_id"])
    trip_route = trips["route_id"].map(route_row)
    if trip_route.isna().any():
        bad = int(np.flatnonzero(trip_route.isna().to_numpy())[0])
        raise GtfsError(_("route_id inconnu « {value} »").format(value=trips["route_id"].iloc[bad]), file="trips.txt",
                        row=data_row(bad), field="route_id")
    # Trips of D, then the previous day's trips, shifted by -24 h, for their after-midnight part.
    today, yesterday = calendars.services_on(date), calendars.services_on(date - dt.timedelta(days=1))
    run_today = trips["service_id"].isin(today).to_numpy()
    run_yesterday = trips["service_id"].isin(yesterday).to_numpy()
    stop_times = reader.read("stop_times.txt", columns=STOP_TIME_COLUMNS)
    trip_row = pd.Series(np.arange(len(trips)), index=trips["trip_id"])
    if trip_row.index.duplicated().any():  # the lookups below need one row per trip_id
        bad = int(np.flatnonzero(trip_row.index.duplicated())[0])
        raise GtfsError(_("trip_id en double"), file="trips.txt", row=data_row(bad), field="trip_id")
    st_trip_row = _rows_in(stop_times["trip_id"], trips["trip_id"])
    if (st_trip_row < 0).any():
        bad = int(np.flatnonzero(st_trip_row < 0)[0])
        raise GtfsError(_("trip_id inconnu « {value} »").format(value=stop_times["trip_id"].iloc[bad]),
                        file="stop_times.txt",
                        row=data_row(bad), field="trip_id")
    st_stop_row = _rows_in(stop_times["stop_id"], stops["stop_id"])
    if (st_stop_row < 0).any():
        bad = int(np.flatnonzero(st_stop_row < 0)[0])
        raise GtfsError(_("stop_id inconnu « {value} »").format(value=stop_times["stop_id"].iloc[bad]),
                        file="stop_times.txt",
                        row=data_row(bad), field="stop_id")
    st_trip_row = st_trip_row.astype(np.int64)
    keep = run_today[st_trip_row] | run_yesterday[st_trip_row]
    rows = np.flatnonzero(keep)
    st = _kept(stop_times, keep)
    del stop_times  # the whole table (every day of the feed): only the kept rows are needed now
    times = trip_times(st, rows, st_trip_row[rows], st_stop_row.astype(np.int64)[rows])
    frequencies = reader.read("frequencies.txt", required=False)
    times = expand_frequencies(times, frequencies, trip_row)
    # Assemble D's trips (offset 0) and D-1's after-midnight trips (offset -24 h).
    parts = []
    for running, offset in ((run_today, 0), (run_yesterday, -DAY_S)):
        selected = running[times.trip_row_of_trip[times.trip]]
        if offset:
            last = np.zeros(len(times.trip_ids), dtype=np.int64)
            np.maximum.at(last, times.trip[selected], times.arrival_s[selected])
            selected &= last[times.trip] >= DAY_S
        parts.append((np.flatnonzero(selected), offset))
    chunks: dict[str, list[np.ndarray]] = {k: [] for k in ("trip", "stop", "arr", "dep", "pick", "drop")}
    trip_ids: list[np.ndarray] = []
    trip_route_out: list[np.ndarray] = []
    n_trips = 0
    for index, offset in parts:
        local_trips, new_trip = np.unique(times.trip[index], return_inverse=True)
        chunks["trip"].append(new_trip + n_trips)
        chunks["stop"].append(times.stop[index])
        chunks["arr"].append(times.arrival_s[index] + offset)
        chunks["dep"].append(times.departure_s[index] + offset)
        chunks["pick"].append(times.pickup_ok[index])
        chunks["drop"].append(times.dropoff_ok[index])
        suffix = "" if not offset else "@-1d"
        trip_ids.append(np.array([times.trip_ids[t] + suffix for t in local_trips], dtype=object))
        trip_route_out.append(trip_route.to_numpy(dtype=np.int64)[times.trip_row_of_trip[local_trips]])
        n_trips += len(local_trips)
    cat = {k: np.concatenate(v) if v else np.zeros(0) for k, v in chunks.items()}
    lon = pd.to_numeric(stops.get("stop_lon", pd.Series("", index=stops.index)), errors="coerce")
    lat = pd.to_numeric(stops.get("stop_lat", pd.Series("", index=stops.index)), errors="coerce")
    stop_frame = pd.DataFrame({
        "stop_id": stops["stop_id"], "stop_name": stops.get("stop_name", ""), "lon": lon, "lat": lat,
        "location_type": stops.get("location_type", ""), "parent_station": stops.get("parent_station", ""),
    })
    used = np.unique(cat["stop"].astype(np.int64))
    missing_xy = used[stop_frame["lon"].to_numpy()[used] != stop_frame["lon"].to_numpy()[used]]
    if len(missing_xy):
        raise GtfsError(_("un arrêt desservi n'a pas de stop_lat/stop_lon"), file="stops.txt",
                        row=data_row(missing_xy[0]), field="stop_lat")
    route_name = routes.get("route_short_name", pd.Series("", index=routes.index)).where(
        lambda s: s != "", routes.get("route_long_name", pd.Series("", index=routes.index)))
    route_frame = pd.DataFrame({
        "route_id": routes["route_id"], "route_name": route_name,
        "route_type": routes.get("route_type", ""), "agency_id": routes.get("agency_id", ""),
    })
    return ServiceDay(
        stops=stop_frame, routes=route_frame,
        trip_ids=np.concatenate(trip_ids) if trip_ids else np.zeros(0, dtype=object),
        trip_route=np.concatenate(trip_route_out) if trip_route_out else np.zeros(0, dtype=np.int64),
        st_trip=cat["trip"].astype(np.int64), st_stop=cat["stop"].astype(np.int64),
        arrival_s=cat["arr"].astype(np.int64), departure_s=cat["dep"].astype(np.int64),
        pickup_ok=cat["pick"].astype(bool), dropoff_ok=cat["drop"].astype(bool),
        transfers=reader.read("transfers.txt", required=False), info=info,
    )


def feed_info(reader: FeedReader, calendars: Calendars | None = None) -> dict[str, Any]:
    """Publisher, version, agencies (networks) and calendar dates of a feed, for reports."""
    info: dict[str, Any] = {"path": str(reader.path)}
    fi = reader.read("feed_info.txt", required=False)
    if fi is not None and len(fi):
        row = fi.iloc[0]
        info.update({k: row.get(k, "") for k in ("feed_publisher_name", "feed_version",
                                                 "feed_start_date", "feed_end_date")})
    agency = reader.read("agency.txt", required=False)
    info["agencies"] = sorted(set(agency["agency_name"])) if agency is not None and "agency_name" in agency else []
    if calendars is not None:
        span = calendars.date_range()
        info["service_dates"] = [span[0].isoformat(), span[1].isoformat()] if span else None
    return info


def has_timetable(reader: FeedReader | Path) -> bool:
    """Whether the feed has trips and stop times (file names only: nothing is read)."""
    reader = reader if isinstance(reader, FeedReader) else FeedReader(Path(reader))
    return reader.has("trips.txt") and reader.has("stop_times.txt")


def feed_summary(path: Path) -> dict[str, Any]:
    """What a feed holds, even a partial one without trips (e.g. the IDFM stops/lines export)."""
    reader = FeedReader(Path(path))
    calendars: Calendars | None
    try:
        calendars = Calendars.read(reader)
    except GtfsError:
        calendars = None
    summary = feed_info(reader, calendars)
    routes = reader.read("routes.txt", required=False)
    if routes is not None:
        types = routes.get("route_type", pd.Series("", index=routes.index))
        summary["routes_by_type"] = {str(k): int(v) for k, v in types.value_counts().sort_index().items()}
        summary["route_count"] = len(routes)
    stops = reader.read("stops.txt", required=False)
    summary["stop_count"] = 0 if stops is None else len(stops)
    summary["has_timetable"] = has_timetable(reader)
    summary["sha256"] = reader.sha256()
    return summary
