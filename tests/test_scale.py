"""Many territories on Dask: the same figures as the in-process audit, per territory, gathered as Parquet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from maillage import api
from maillage.scale import audit_many, gather_communes, write_parquet


def test_dask_audit_of_two_folders_equals_the_in_process_audit(shared_data: Path, tmp_path: Path) -> None:
    twin = tmp_path / "hauts-de-seine-bis"  # the same real data under another territory name
    shutil.copytree(shared_data, twin, ignore=shutil.ignore_patterns("transit"))
    url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    api.init_registry(shared_data, url)
    reference = api.audit(data=shared_data, url=url).by_commune

    seen: list[str] = []
    results = audit_many([shared_data, twin], n_workers=2, processes=False, on_done=lambda r: seen.append(r.territory))
    assert sorted(seen) == sorted([shared_data.name, twin.name])
    assert [r.territory for r in results] == [shared_data.name, twin.name]  # order of the folders
    for result in results:
        assert len(result.communes) == 36
        pd.testing.assert_frame_equal(result.communes.drop(columns="territory"), reference, check_exact=False)
        assert result.total["population"] == pytest.approx(1_654_712, abs=0.5)

    table = gather_communes(results)
    out = tmp_path / "france" / "communes.parquet"
    write_parquet(table, out)
    back = pd.read_parquet(out)
    assert len(back) == 72 and set(back["territory"]) == {shared_data.name, twin.name}


def test_duplicate_territory_names_are_refused(shared_data: Path) -> None:
    with pytest.raises(ValueError, match="distinct names"):
        audit_many([shared_data, shared_data], n_workers=1, processes=False)
