"""File hashes remembered between runs: reused while the file is unchanged, never after a write."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from maillage import cache


def test_hash_remembered_until_the_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, memo = tmp_path / "extract.osm.pbf", tmp_path / "cache"
    data.write_bytes(b"first content")
    hashed: list[Path] = []
    real = cache._hash
    monkeypatch.setattr(cache, "_hash", lambda p: hashed.append(p) or real(p))

    assert cache.file_sha256(data, memo_dir=memo) == hashlib.sha256(b"first content").hexdigest()
    assert cache.file_sha256(data, memo_dir=memo) == hashlib.sha256(b"first content").hexdigest()
    assert len(hashed) == 1  # the second answer came from the memo
    assert str(data.resolve()) in json.loads((memo / cache.MEMO_NAME).read_text())

    # same size, modification time set back: the change time still tells the file was written
    stat = data.stat()
    data.write_bytes(b"other content")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.file_sha256(data, memo_dir=memo) == hashlib.sha256(b"other content").hexdigest()
    assert len(hashed) == 2


def test_unreadable_memo_and_read_only_folder_still_hash(tmp_path: Path) -> None:
    data = tmp_path / "f.bin"
    data.write_bytes(b"x")
    memo = tmp_path / "memo"
    memo.mkdir()
    (memo / cache.MEMO_NAME).write_text("{not json")
    assert cache.file_sha256(data, memo_dir=memo) == hashlib.sha256(b"x").hexdigest()
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert cache.file_sha256(data, memo_dir=blocked) == hashlib.sha256(b"x").hexdigest()
