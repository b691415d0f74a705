"""The night's main process runs with the cycle collector tuned
(:func:`flows.ingest._fewer_collections`: start-up objects frozen, a young collection every ``NIGHT_GC_THRESHOLD`` allocations), and
the process gets its own settings back after the night, however it ends."""

from __future__ import annotations

import gc
import shutil

import pytest

from flows import ingest
from tests.conftest import SAMPLES

pytestmark = pytest.mark.xdist_group("flows")


def test_the_collector_is_tuned_inside_and_put_back_after():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with ingest._fewer_collections():
        assert gc.get_threshold() == (ingest.NIGHT_GC_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
    with pytest.raises(RuntimeError), ingest._fewer_collections():
        raise RuntimeError("a night that breaks")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_a_real_night_runs_tuned_and_leaves_the_process_as_it_found_it(
        prefect_harness, tmp_path, monkeypatch):
    seen = []
    real = ingest._counts

    def counts(results):  # called in the night's main process, after the load
        seen.append(gc.get_threshold()[0])
        return real(results)

    monkeypatch.setattr(ingest, "_counts", counts)
    shutil.copytree(SAMPLES, tmp_path / "inbox")
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    out = ingest.ingest_reports(paths=[str(tmp_path / "inbox")], db=str(tmp_path / "w.duckdb"),
                                alert_urls=[], report=False, workers=1)
    assert out.counts.loaded == 3
    assert seen == [ingest.NIGHT_GC_THRESHOLD]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen
