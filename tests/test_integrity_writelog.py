"""The write log says who, when, what and from where for every write (issue 12, item 10).

``sites import`` once wrote nothing in it, ``init`` had no actor, failed logins no address (the web
side is in test_integrity_sessions.py).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from maillage import api
from maillage.registry.loader import add_sites
from maillage.registry.models import WriteLog
from maillage.registry.writelog import local_actor, writes_from

FS = "france_services_92.csv"


def _log(url: str) -> list[WriteLog]:
    with Session(api.open_registry(url)) as session:
        return list(session.scalars(select(WriteLog).order_by(WriteLog.id)))


def test_init_and_sites_import_are_logged_with_actor_and_origin(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(shared_data, data, ignore=shutil.ignore_patterns("transit", "osm"))
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    api.init_registry(data, url)
    extra = tmp_path / "extra.csv"
    text = (data / "sites" / FS).read_text(encoding="utf-8").split("\n")
    extra.write_text("\n".join([text[0], text[1].replace("fs-", "extra-fs-", 1), ""]), encoding="utf-8")
    with writes_from("ip 192.0.2.7"):
        records = add_sites(api.open_registry(url), [extra], actor="cli:alice")
    init, imported = _log(url)
    assert (init.actor, init.action, init.detail["sites"]) == (local_actor(), "registry_init", 120)
    assert init.actor.startswith("cli") and init.at is not None
    assert init.detail["origin"].startswith(f"poste {socket.gethostname()} ")
    assert (imported.actor, imported.action, imported.target) == ("cli:alice", "sites_import", "extra.csv")
    assert imported.detail == {"origin": "ip 192.0.2.7", "sites": 1, "ids": [records[0].id]}
