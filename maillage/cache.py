"""The disk cache folder and content hashes of input files, remembered between runs.

Every derived cache (street graphs, buildings, census cells, timetables, addresses) is named after
the sha256 of the file it comes from. Hashing the 22 MB département PBF twice per audit cost more
than loading the graph it names, so a file's hash is remembered in ``sha256-memo.json`` of the
cache folder under its (device, inode, size, modification and change times in ns). Any write to
the file changes its change time (ctime), which no user tool can set back, so a remembered hash is
never reused for other content.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from maillage.atomic import write_atomic

MEMO_NAME = "sha256-memo.json"
MEMO_MAX_FILES = 256  # a few data folders' worth; the oldest entries go first


def cache_dir_default() -> Path:
    """``$MAILLAGE_CACHE``, else ``~/.cache/maillage``: the one rule for every cache."""
    return Path(os.environ.get("MAILLAGE_CACHE") or Path.home() / ".cache" / "maillage")


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def file_sha256(path: Path | str, *, memo_dir: Path | None = None) -> str:
    """sha256 of the file's bytes, from the memo when the file has not changed since it was hashed."""
    path = Path(path).resolve()
    memo_file = (memo_dir or cache_dir_default()) / MEMO_NAME
    key, stamp = str(path), _stamp(path)
    memo: dict[str, list] = {}
    with contextlib.suppress(OSError, ValueError):
        memo = json.loads(memo_file.read_text(encoding="utf-8"))
    known = memo.get(key) if isinstance(memo, dict) else None
    if isinstance(known, list) and known[:-1] == stamp:
        return str(known[-1])
    sha = _hash(path)
    if _stamp(path) == stamp:  # not written while we read it
        memo = {k: v for k, v in memo.items() if k != key} if isinstance(memo, dict) else {}
        memo[key] = [*stamp, sha]
        with contextlib.suppress(OSError):  # a read-only cache folder: hash again next time
            write_atomic(memo_file, json.dumps(dict(list(memo.items())[-MEMO_MAX_FILES:])))
    return sha

