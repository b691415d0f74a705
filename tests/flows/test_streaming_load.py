"""Loading while the rest is read (flows.loading.StreamingLoad) leaves the rows the serial way
leaves, whatever order the files are extracted in; when it cannot (an id that a later file
changes, a finding only validation sees), it says so and the night loads the serial way."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from extract import extract_file
from flows.extraction import Extracted
from flows.loading import StreamingLoad, Unsettled, load_serial
from load.engine import writer
from load.runs import start_run
from tests.load.helpers import CORPUS, MALFORMED, as_new_file, rename, snapshot, source_of

RULES = "shanghai"
STARTED = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def ready_files(monkeypatch):
    """Each batch handed over is loaded at once (the night gathers a dozen files first: these
    tests hand over a few, and test the batches' identities and re-keys)."""
    import flows.loading

    monkeypatch.setattr(flows.loading, "READY_FILES", 1)


@pytest.fixture(scope="module")
def docs():
    """Three years of one unit, a revised 2023, two malformed copies of 2023 reports, and a
    2024 whose 法律援助办案补贴 is printed 法律援助办案补贴资助 (one project, renamed)."""
    files = {"2022": CORPUS / "minhang-zonggonghui-2022.pdf",
             "2023": CORPUS / "minhang-zonggonghui-2023.pdf",
             "2024": CORPUS / "minhang-zonggonghui-2024.pdf",
             "revised": MALFORMED / "minhang-zonggonghui-2023-revised.pdf",
             "total-not-sum": MALFORMED / "total-not-sum.pdf",
             "missing-grade": MALFORMED / "missing-grade.pdf"}
    out = {k: extract_file(p) for k, p in files.items()}
    out["2024-renamed"] = as_new_file(
        rename(out["2024"], "法律援助办案补贴", "法律援助办案补贴资助"), "renamed-2024.pdf")
    return out


def _warehouse(path):
    engine_cm = writer(path)
    engine = engine_cm.__enter__()
    with engine.begin() as conn:
        start_run(conn, "run", started_at=STARTED)
    return engine_cm, engine


def _serial(path, found):
    cm, engine = _warehouse(path)
    try:
        new = [source_of(d) for d in found]
        load_serial(engine, "run", new, {d.sha256: Extracted(source_of(d), d) for d in found},
                    RULES)
        with engine.connect() as conn:
            return snapshot(conn)
    finally:
        cm.__exit__(None, None, None)


def _streaming(path, found, arrival, batch=2):
    """``found``: the files in the order the inbox lists them; ``arrival``: the order the
    workers finish them, handed over ``batch`` at a time."""
    cm, engine = _warehouse(path)
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            load = StreamingLoad(conn, "run", [source_of(d) for d in found], RULES)
            try:
                for i in range(0, len(arrival), batch):
                    load.add([Extracted(source_of(d), d) for d in arrival[i:i + batch]])
                results = load.finish()
            except Unsettled:
                tx.rollback()
                raise
            tx.commit()
            return snapshot(conn), results
    finally:
        cm.__exit__(None, None, None)


@pytest.mark.parametrize(("ready", "pending"), [(1, 1), (1, 3), (1, 50), (4, 1), (12, 50)])
def test_streaming_leaves_the_serial_rows_in_every_arrival_order(tmp_path, docs, monkeypatch,
                                                                 ready, pending):
    """(``ready``: files are transformed and loaded once this many have come in; ``pending``:
    new files meeting no version are written once this many wait: after every batch, across
    batches, or all at the end.)"""
    import flows.loading

    monkeypatch.setattr(flows.loading, "READY_FILES", ready)
    monkeypatch.setattr(flows.loading, "PENDING_FILES", pending)
    found = [docs[k] for k in ("2022", "2023", "2024", "revised", "total-not-sum",
                               "missing-grade")]
    serial = _serial(tmp_path / "serial.duckdb", found)
    # versions of one 2023 report (a revision, a copy with a rule broken, one kept out): the
    # version that stays depends on the order the files were found in, not extracted in
    orders = [found, found[::-1], [found[i] for i in (3, 5, 1, 0, 4, 2)]]
    for n, arrival in enumerate(orders):
        got, results = _streaming(tmp_path / f"s{n}.duckdb", found, arrival)
        assert got == serial, n
        assert [r.file_name for r in results] == [d.file for d in found]  # as found
    assert len(serial["source_document"]) == len(found) and serial["fact_project_evaluation"]


def test_a_rename_that_a_later_file_resolves_is_re_keyed_as_the_serial_way(tmp_path, docs):
    """The renamed 2024 found before 2023: loaded alone, its project's id comes from its own
    name; once 2023 is in, the earliest year's name gives the id, and the rows loaded first
    are re-keyed at the end: the serial way's rows, whatever the batches. With a second
    version of that 2023 (a copy under another name) the versions meet under the final ids."""
    again = as_new_file(docs["2023"], "2023-again.pdf")
    for found in ([docs["2024-renamed"], docs["2023"]],
                  [docs["2024-renamed"], docs["2023"], again],
                  [docs["2024-renamed"], again, docs["2022"], docs["2023"]]):
        serial = _serial(tmp_path / "serial.duckdb", found)
        for batch in (1, 2):
            got, _ = _streaming(tmp_path / f"s{batch}.duckdb", found, found, batch=batch)
            assert got == serial, ([d.file for d in found], batch)
        for p in tmp_path.glob("*.duckdb*"):
            p.unlink()


def test_ids_that_moved_under_a_version_met_are_unsettled():
    from flows.loading import _unsettled
    from transform.identity import IdentityMap, IdentityReport

    def ident(pid, name="甲"):
        return IdentityMap({("d", "甲"): pid}, {}, {pid: name},
                           IdentityReport(None, None, (), (), (), (), (), (), (), ()))

    assert _unsettled(ident("p1"), ident("p1"), {"p1"}) is None
    assert _unsettled(ident("p1"), ident("p2"), set()) is None  # re-keyed at the end
    assert "met another version" in _unsettled(ident("p1"), ident("p2"), {"p1"})
    assert "met another version" in _unsettled(ident("p1"), ident("p1", "乙"), {"p1"})


def test_a_finding_only_validation_sees_is_unsettled_and_keeps_the_validation(
        tmp_path, docs, monkeypatch):
    import expectations.runner as runner
    from transform import Finding

    real = runner.run_suites_many

    def one_more(tdocs):
        runs = real(tdocs)
        extra = Finding(check_code="gx_only", severity="warning", file=tdocs[0].file,
                        document_id=tdocs[0].document_id, project_name=None, page=None,
                        message="只有校验发现的问题")
        return [r if i else replace(r, new_findings=(extra,)) for i, r in enumerate(runs)]

    monkeypatch.setattr(runner, "run_suites_many", one_more)
    found = [docs["2022"], docs["2023"]]
    cm, engine = _warehouse(tmp_path / "s.duckdb")
    try:
        with engine.connect() as conn:
            conn.begin()
            load = StreamingLoad(conn, "run", [source_of(d) for d in found], RULES)
            load.add([Extracted(source_of(d), d) for d in found])
            with pytest.raises(Unsettled, match="validation found more"):
                load.finish()
            assert load.checks is not None and set(load.checks) == {d.sha256 for d in found}
    finally:
        cm.__exit__(None, None, None)


@pytest.mark.parametrize("arrival", list(itertools.permutations(range(3))))
def test_files_are_loaded_in_the_order_found(tmp_path, docs, arrival):
    """Files finished out of order wait for the ones found before them."""
    found = [docs["2023"], docs["revised"], docs["total-not-sum"]]
    cm, engine = _warehouse(tmp_path / "w.duckdb")
    try:
        with engine.connect() as conn:
            conn.begin()
            load = StreamingLoad(conn, "run", [source_of(d) for d in found], RULES)
            loaded = []
            for i in arrival:
                load.add([Extracted(source_of(found[i]), found[i])])
                loaded.append(load.files_taken)
            assert loaded[-1] == 3
            # nothing of a file is loaded before every file found earlier is
            # (the files found before every file arrived so far, and none after a gap)
            expected = [next((k for k in range(3) if k not in arrival[:n + 1]), 3)
                        for n in range(3)]
            assert loaded == expected
    finally:
        cm.__exit__(None, None, None)
