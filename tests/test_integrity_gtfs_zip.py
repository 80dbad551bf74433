"""A GTFS zip bomb is refused before it is decompressed; real feeds still pass (issue 12, item 6).

A 2.5 MB zip holding a 1 GB ``stop_times.txt`` was decompressed and parsed in full (136 s, 7.5 GB
of memory). The bombs here are built on the fly in tmp, small, and the bound is asserted on the
bytes the reader decompressed, not on time.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import pytest
from transit_helpers import HANDMADE

from maillage.network.gtfs import MAX_COMPRESSION_RATIO, FeedReader, GtfsError, read_service_day

TUESDAY = dt.date(2024, 3, 5)
LINE = b"L1_0800,08:00:00,08:00:00,A,1\n"


def _zip(path: Path, stop_times: bytes | None = None, repeat: int = 1) -> Path:
    """The hand-made feed as a zip; ``stop_times.txt`` replaced by its header + ``stop_times`` × ``repeat``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(HANDMADE.glob("*.txt")):
            if file.name == "stop_times.txt" and stop_times is not None:
                with archive.open(file.name, "w", force_zip64=True) as member:
                    member.write(file.read_bytes().split(b"\n", 1)[0] + b"\n")
                    for _ in range(repeat):
                        member.write(stop_times)
            else:
                archive.write(file, file.name)
    return path


def test_a_zip_bomb_is_refused_before_any_byte_of_it_is_decompressed(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", LINE * 100_000, repeat=20)  # 60 MB of stop times, about 130 kB zipped
    info = zipfile.ZipFile(bomb).getinfo("stop_times.txt")
    assert info.file_size / info.compress_size > 4 * MAX_COMPRESSION_RATIO  # a real bomb's ratio
    reader = FeedReader(bomb)
    with pytest.raises(GtfsError) as caught:
        reader.read("stop_times.txt")
    message = str(caught.value)
    assert message.startswith("stop_times.txt: archive refusée") and "zip bomb" in message
    assert "\n" not in message
    assert reader.bytes_decompressed == 0
    with pytest.raises(GtfsError, match="archive refusée"):  # the way `audit --gtfs` reads a feed
        read_service_day(bomb, TUESDAY)


def test_the_ratio_bound_is_configurable_and_an_ordinary_feed_passes(tmp_path: Path) -> None:
    # 2 MB of varied stop times deflate about 10x, like real feeds: accepted by default…
    lines = b"".join(b"T%06d,08:%02d:00,08:%02d:00,S%04d,%d\n" % (i, i % 60, i % 60, i % 977, i) for i in range(60_000))
    path = _zip(tmp_path / "feed.zip", lines)
    info = zipfile.ZipFile(path).getinfo("stop_times.txt")
    ratio = info.file_size / info.compress_size
    assert 2 < ratio < MAX_COMPRESSION_RATIO / 4
    assert len(FeedReader(path).read("stop_times.txt")) == 60_000
    # …and refused, untouched, below its ratio
    strict = FeedReader(path, max_ratio=ratio / 2)
    with pytest.raises(GtfsError, match="archive refusée"):
        strict.read("stop_times.txt")
    assert strict.bytes_decompressed == 0


def test_a_lying_size_in_the_zip_header_stops_reading_at_the_declared_size(tmp_path: Path) -> None:
    path = _zip(tmp_path / "liar.zip", LINE * 100_000)  # 3 MB of stop times, ratio under the bound
    info = zipfile.ZipFile(path).getinfo("stop_times.txt")
    declared = info.compress_size * 2  # far less than the 3 MB inside, ratio 2: passes the declared check
    data = bytearray(path.read_bytes())
    for offset in _central_entries(bytes(data)):
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == b"stop_times.txt":
            _set_uncompressed_size(data, offset, declared)
    path.write_bytes(bytes(data))
    reader = FeedReader(path)
    assert reader._zip.getinfo("stop_times.txt").file_size == declared  # type: ignore[union-attr]
    with pytest.raises(GtfsError, match=r"stop_times\.txt: archive corrompue \(Bad CRC-32"):
        reader.read("stop_times.txt")
    assert reader.bytes_decompressed <= declared + 1


def _central_entries(data: bytes) -> list[int]:
    entries, offset = [], data.find(b"PK\x01\x02")
    while offset >= 0:
        entries.append(offset)
        offset = data.find(b"PK\x01\x02", offset + 4)
    return entries


def _set_uncompressed_size(data: bytearray, offset: int, size: int) -> None:
    """Write ``size`` as the uncompressed size of the central entry at ``offset`` (zip64 extra if any)."""
    if struct.unpack_from("<I", data, offset + 24)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, offset + 24, size)
        return
    name_length, extra_length = struct.unpack_from("<HH", data, offset + 28)
    extra = offset + 46 + name_length
    end = extra + extra_length
    while extra < end:
        tag, length = struct.unpack_from("<HH", data, extra)
        if tag == 0x0001:  # zip64: the uncompressed size comes first
            struct.pack_into("<Q", data, extra + 4, size)
            return
        extra += 4 + length
    raise AssertionError("no zip64 extra field")
