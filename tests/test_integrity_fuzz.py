"""Fuzzing every importer with malformed files: only the house error, one line per problem, naming the file.

Each reader gets the real file mutated (cut, bytes inserted, a slice overwritten, NUL or binary
spliced in) or raw bytes. Whatever comes in, it either reads the file or raises its own error
type (``ImportRejected``, ``SteeringImportError``, ``ScenarioError``, ``GtfsError``) whose every
line names the file: never another exception (that would be a traceback at the command line).
Bounded examples keep the whole file well under 30 s; the counts are in the report.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transit_helpers import HANDMADE

from maillage.network.gtfs import FeedReader, GtfsError, read_service_day
from maillage.planning.changes import ScenarioError
from maillage.planning.store import export_csv, export_json, parse_import
from maillage.registry.communes import read_communes
from maillage.registry.errors import ImportRejected
from maillage.registry.geocode import BanIndex
from maillage.registry.sectors import read_sectors
from maillage.registry.sites import Territory, read_site_files
from maillage.steering.importer import SteeringImportError, load_folder

EXAMPLES = int(os.environ.get("MAILLAGE_FUZZ_EXAMPLES", "40"))  # per test; raise it for a longer hunt
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` cut, with bytes inserted or overwritten, or replaced by raw bytes."""
    kind = draw(st.sampled_from(["cut", "insert", "overwrite", "raw", "nul"]))
    if kind == "raw":
        return draw(st.binary(max_size=2000))
    at = draw(st.integers(0, len(original)))
    if kind == "cut":
        return original[:at]
    if kind == "nul":
        return original[:at] + b"\x00" + original[at:]
    noise = draw(st.binary(min_size=1, max_size=40) | st.sampled_from([b'"', b",", b";", b"\n", b"\r", b"{", b"["]))
    if kind == "insert":
        return original[:at] + noise + original[at:]
    return original[:at] + noise + original[at + len(noise) :]


def _names_the_file(message: str, name: str) -> None:
    lines = message.splitlines()
    assert lines, "an empty error message"
    problem_lines = lines[1:] if len(lines) > 1 else lines
    for line in problem_lines:
        assert name in line, f"{line!r} does not name {name}"


@pytest.fixture(scope="module")
def territory(shared_data: Path) -> Territory:
    return Territory(read_communes(shared_data / "communes" / "communes-92.geojson"))


COMMUNES = "communes-92.geojson"


@FUZZ
@given(data=st.data())
def test_fuzz_communes_geojson(shared_data: Path, tmp_path: Path, data: st.DataObject) -> None:
    original = (shared_data / "communes" / COMMUNES).read_bytes()[:6000]  # the first communes, cut anywhere
    path = tmp_path / COMMUNES
    path.write_bytes(data.draw(mutated(original)))
    try:
        read_communes(path)
    except ImportRejected as exc:
        _names_the_file(str(exc), COMMUNES)


@FUZZ
@given(data=st.data())
def test_fuzz_site_and_sector_csv(shared_data: Path, territory: Territory, tmp_path: Path, data: st.DataObject) -> None:
    original = (shared_data / "sites" / "france_services_92.csv").read_bytes()[:4000]
    sites = tmp_path / "sites.csv"
    sites.write_bytes(data.draw(mutated(original)))
    try:
        read_site_files([sites], territory)
    except ImportRejected as exc:
        _names_the_file(str(exc), "sites.csv")
    sectors = tmp_path / "sectors.csv"
    sectors.write_bytes(data.draw(mutated(b"sector_id,name,insee_code,source\ns1,Sud,92002,x\ns1,Sud,92007,x\n")))
    try:
        read_sectors(sectors, set(territory.polygons_l93))
    except ImportRejected as exc:
        _names_the_file(str(exc), "sectors.csv")


BAN = (
    b"id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat\n"
    b"92002_0001_00001;;1;;Rue de Paris;92160;92002;Antony;2.30;48.75\n"
    b"92002_0001_00003;;3;bis;Rue de Paris;92160;92002;Antony;2.301;48.751\n"
)


@FUZZ
@given(data=st.data(), zipped=st.booleans())
def test_fuzz_ban_file(tmp_path: Path, data: st.DataObject, zipped: bool) -> None:
    content = data.draw(mutated(gzip.compress(BAN) if zipped else BAN))
    path = tmp_path / ("adresses-92.csv.gz" if zipped else "adresses-92.csv")
    path.write_bytes(content)
    try:
        BanIndex.from_csv(path)
    except ImportRejected as exc:
        _names_the_file(str(exc), path.name)


@FUZZ
@given(data=st.data())
def test_fuzz_steering_conventions(tmp_path: Path, data: st.DataObject) -> None:
    shipped = resources.files("maillage.data.steering").joinpath("conventions.csv").read_bytes()[:3000]
    folder = tmp_path / "steering"
    folder.mkdir(exist_ok=True)
    folder.joinpath("conventions.csv").write_bytes(data.draw(mutated(shipped)))
    try:
        load_folder(folder)
    except SteeringImportError as exc:
        for line in exc.errors:
            assert line.startswith("conventions.csv:"), line


SCENARIO = {
    "name": "fuzz",
    "description": None,
    "changes": [
        {"seq": 1, "op": "close_site", "site_id": "fs-544", "payload": {}},
        {"seq": 2, "op": "add_site", "site_id": None,
         "payload": {"name": "Antenne", "kind": "antenne", "lon": 2.3, "lat": 48.8, "services": ["pmi"]}},
    ],
}  # fmt: skip


@FUZZ
@given(data=st.data(), as_json=st.booleans())
def test_fuzz_scenario_import(data: st.DataObject, as_json: bool) -> None:
    original = (export_json(SCENARIO) if as_json else export_csv(SCENARIO)).encode()
    raw = data.draw(mutated(original))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # refused before parsing, by the command (tested in test_integrity_inputs.py)
    try:
        parse_import(text, "s.json" if as_json else "s.csv")
    except ScenarioError as exc:
        assert "\n" not in str(exc) and ("s.json" in str(exc) or "s.csv" in str(exc)), str(exc)


@FUZZ
@given(data=st.data(), member=st.sampled_from(["stop_times.txt", "trips.txt", "stops.txt", "calendar.txt"]))
def test_fuzz_gtfs_zip(tmp_path: Path, data: st.DataObject, member: str) -> None:
    feed = tmp_path / "feed.zip"
    with zipfile.ZipFile(feed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(HANDMADE.glob("*.txt")):
            content = file.read_bytes()
            archive.writestr(file.name, data.draw(mutated(content)) if file.name == member else content)
    if data.draw(st.booleans()):  # or the zip itself damaged
        feed.write_bytes(data.draw(mutated(feed.read_bytes())))
    try:
        read_service_day(feed, dt.date(2024, 3, 5))
    except GtfsError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("content", [b"\x00\r\x00", b"trip_id\rt1", b"a,b\r"])
def test_a_gtfs_table_with_lone_carriage_returns_is_a_gtfs_error(tmp_path: Path, content: bytes) -> None:
    """Found by test_fuzz_gtfs_zip: a lone \r broke the header-only shortcut with the csv module's own error."""
    feed = tmp_path / "feed.zip"
    with zipfile.ZipFile(feed, "w") as archive:
        for file in sorted(HANDMADE.glob("*.txt")):
            archive.writestr(file.name, content if file.name == "stop_times.txt" else file.read_bytes())
    with pytest.raises(GtfsError) as raised:
        read_service_day(feed, dt.date(2024, 3, 5))
    assert "\n" not in str(raised.value) and "stop_times.txt" in str(raised.value)


def test_a_pristine_copy_of_each_input_reads(shared_data: Path, territory: Territory, tmp_path: Path) -> None:
    """The fuzzers' originals are valid: a failure above is the mutation's, not the seed's."""
    read_communes(shared_data / "communes" / COMMUNES)
    shutil.copy(shared_data / "sites" / "france_services_92.csv", tmp_path / "s.csv")
    assert read_site_files([tmp_path / "s.csv"], territory)
    (tmp_path / "adresses-92.csv").write_bytes(BAN)
    BanIndex.from_csv(tmp_path / "adresses-92.csv")
    assert parse_import(export_json(SCENARIO), "s.json")[2] and parse_import(export_csv(SCENARIO), "s.csv")[2]
    assert FeedReader(HANDMADE).read("stop_times.txt") is not None
