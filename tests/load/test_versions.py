"""Which version of a report wins is decided by the documents (PDF date, then the night the file
was first seen), never by names or the order files arrive in; a tie of one night is kept and
flagged."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from load.engine import writer
from load.runs import start_run
from tests.load.helpers import ingest, rows, snapshot

NIGHT = datetime(2026, 11, 1, 18, 0, tzinfo=UTC)
PROJECT = "残疾人就业保障金"  # the one report of the revised 2023 file (全年预算数 8.02 → 8.50)


def _build(path, nights: list[list]):
    """Load ``nights`` (each a list of documents, in arrival order), one run per night."""
    results = {}
    with writer(path) as engine:
        for n, docs in enumerate(nights):
            run = f"night-{n}"
            with engine.begin() as conn:
                start_run(conn, run, started_at=NIGHT + timedelta(days=n))
            for d in docs:
                results[d.file] = ingest(engine, run, d)
        with engine.connect() as conn:
            facts = snapshot(conn, exclude=("ingest_run", "dq_issue", "source_document"))
            docs = {r.file_name: r.status for r in rows(
                conn, "SELECT file_name, status FROM source_document")}
            budget = rows(conn, "SELECT f.budget_full_year, s.file_name FROM "
                                "fact_project_funding f JOIN source_document s ON "
                                "s.document_id = f.document_id JOIN project_alias a ON "
                                "a.project_id = f.project_id AND a.fiscal_year = f.fiscal_year "
                                "WHERE f.funding_source = 'total' AND f.fiscal_year = 2023 "
                                "AND a.reported_name = :p", p=PROJECT)
            issues = rows(conn, "SELECT file_name, check_code, message FROM dq_issue "
                                "WHERE check_code IN ('older_version', 'version_undecided')")
    return facts, docs, budget, issues, results


def _orders(a, b):
    """Every way two documents can arrive: on two nights (both orders), on one night (both)."""
    return {"a-then-b": [[a], [b]], "b-then-a": [[b], [a]], "one-night-ab": [[a, b]],
            "one-night-ba": [[b, a]]}


def test_the_later_pdf_date_wins_in_every_arrival_order(tmp_path, raw):
    original, revised = raw["2023"], raw["revised"]
    assert revised.pdf_date > original.pdf_date  # the corpus' revision was exported later
    got = {name: _build(tmp_path / f"{name}.duckdb", nights)
           for name, nights in _orders(original, revised).items()}
    facts = [g[0] for g in got.values()]
    assert all(f == facts[0] for f in facts)  # the same warehouse whatever the order
    for name, (_, docs, budget, issues, _) in got.items():
        # the original keeps its ten other reports; its 残疾人就业保障金 gave way
        assert docs == {original.file: "loaded", revised.file: "loaded"}, name
        assert [(b[0], b[1]) for b in budget] == [(Decimal("8.50"), revised.file)], name
        if name in ("b-then-a", "one-night-ba"):  # the earlier version came second
            assert [i.check_code for i in issues] == ["older_version"]
            assert "按文件日期判断" in issues[0].message and issues[0].file_name == original.file
        else:
            assert issues == []


def test_without_dates_the_later_night_wins(tmp_path, raw):
    original, revised = (replace(raw[k], pdf_date=None) for k in ("2023", "revised"))
    _, docs, budget, _, _ = _build(tmp_path / "w.duckdb", [[revised], [original]])
    assert docs == {original.file: "loaded", revised.file: "superseded"}
    assert [b[1] for b in budget] == [original.file]
    _, docs, budget, _, _ = _build(tmp_path / "w2.duckdb", [[original], [revised]])
    assert [b[1] for b in budget] == [revised.file]


@pytest.mark.parametrize("order", list(itertools.permutations((0, 1))))
def test_one_night_with_nothing_to_tell_them_apart_keeps_both_and_asks(tmp_path, raw, order):
    pair = [replace(raw[k], pdf_date=None) for k in ("2023", "revised")]
    a, b = (pair[i] for i in order)
    facts, docs, budget, issues, _ = _build(tmp_path / "w.duckdb", [[a, b]])
    winner = max(pair, key=lambda d: d.sha256)
    loser = min(pair, key=lambda d: d.sha256)
    assert set(docs) == {winner.file, loser.file}  # both kept, on record
    assert [r[1] for r in budget] == [winner.file]
    assert [i.check_code for i in issues] == ["version_undecided"]
    msg = issues[0].message
    assert winner.file in msg and loser.file in msg and "请财政局" in msg
    reference = _build(tmp_path / "ref.duckdb", [[pair[0], pair[1]]])[0]
    assert facts == reference  # the same facts in both orders


def test_an_earlier_version_alone_is_recorded_superseded(tmp_path, raw):
    """A file whose every report has a later version loaded is ``superseded`` on arrival; the
    finding names both files and both dates."""
    early = replace(raw["revised"], pdf_date=raw["2023"].pdf_date - timedelta(days=1))
    _, docs, budget, issues, results = _build(tmp_path / "w.duckdb", [[raw["2023"]], [early]])
    assert results[early.file].status == "superseded" and docs[early.file] == "superseded"
    assert [b[1] for b in budget] == [raw["2023"].file]
    assert f"文件日期 {early.pdf_date:%Y-%m-%d %H:%M}" in issues[0].message


def _waves(tdocs):
    """The documents in order, cut into waves that share no project-year (as the night does)."""
    waves, taken = [[]], set()
    for td in tdocs:
        pairs = {(r.project_id, r.fiscal_year) for r in td.reports}
        if pairs & taken:
            waves.append([])
            taken = set()
        waves[-1].append(td)
        taken |= pairs
    return waves


def test_versions_loaded_in_waves_leave_the_rows_of_one_by_one(tmp_path, raw):
    """:func:`load.load_versions` (a wave's versions decided and written at once) leaves the
    warehouse :func:`load.load_document` leaves, file after file: newer and older versions,
    a warning version against a clean one, an error, and an earlier document whose two
    project-years go to two files of one wave (retired by the later of them)."""
    from load import NewDocument, load_document, load_versions, refresh_dimensions
    from load.engine import writer
    from tests.load.helpers import as_new_file, source_of
    from transform import transform_document
    from transform.identity import observations, resolve_identity

    base23 = raw["2023"]
    day = timedelta(days=1)

    def part(name, reports, shift):
        return replace(as_new_file(base23, name), reports=reports,
                       pdf_date=base23.pdf_date + shift)

    base = part("base.pdf", base23.reports[:2], -2 * day)
    night = [part("v1.pdf", base23.reports[:1], day), part("v2.pdf", base23.reports[1:2], day),
             part("old.pdf", base23.reports[:1], -3 * day), raw["rate-not-executed"],
             raw["revised"], raw["missing-grade"], raw["total-not-sum"],
             part("v3.pdf", base23.reports[:1], 2 * day)]
    identity = resolve_identity(observations([base, *night]), ())
    tdocs = [transform_document(d, identity=identity) for d in night]
    waves = _waves(tdocs)
    assert max(len(w) for w in waves) >= 3 and len(waves) >= 3
    by_id = {d.sha256: d for d in night}
    built = {}
    for way in ("one-by-one", "waves"):
        with writer(tmp_path / f"{way}.duckdb") as engine:
            for run, docs in (("night-0", [base]), ("night-1", night)):
                with engine.begin() as conn:
                    start_run(conn, run, started_at=NIGHT + (day if docs is night else 0 * day))
                if docs is not night:
                    ingest(engine, run, base)
            results = {}
            with engine.begin() as conn:
                if way == "one-by-one":
                    for td in tdocs:
                        d = by_id[td.document_id]
                        results[d.file] = load_document(conn, "night-1", source_of(d), td, (),
                                                        d.page_count, refresh=False)
                else:
                    for wave in waves:
                        got = load_versions(conn, "night-1", [
                            NewDocument(source_of(by_id[td.document_id]), td, (),
                                        by_id[td.document_id].page_count) for td in wave])
                        results.update((by_id[td.document_id].file, r)
                                       for td, r in zip(wave, got, strict=True))
                refresh_dimensions(conn)
            with engine.connect() as conn:
                built[way] = (snapshot(conn), results, rows(
                    conn, "SELECT file_name, status, superseded_by FROM source_document "
                          "ORDER BY file_name"), rows(
                    conn, "SELECT document_id, file_name, check_code, message FROM dq_issue "
                          "ORDER BY issue_id"))
    one, waved = built["one-by-one"], built["waves"]
    assert waved[0] == one[0]  # every table, row for row
    assert waved[3] == one[3]  # the findings, in the same order
    assert {k: (r.status, r.reports_loaded, r.indicators_loaded, r.issues, r.findings,
                r.superseded, r.superseded_documents, r.compared)
            for k, r in waved[1].items()} == {
        k: (r.status, r.reports_loaded, r.indicators_loaded, r.issues, r.findings,
            r.superseded, r.superseded_documents, r.compared) for k, r in one[1].items()}
    statuses = {name: (status, by) for name, status, by in waved[2]}
    v2 = by_id[next(td.document_id for td in tdocs if td.file == "v2.pdf")]
    assert statuses["base.pdf"] == ("superseded", v2.sha256)  # its last facts went to v2
    assert statuses["old.pdf"][0] == "superseded"  # an earlier version than v1's
    assert statuses["v1.pdf"][0] == "superseded" and statuses["v3.pdf"][0] == "loaded"
    assert waved[1]["v2.pdf"].superseded_documents == (base.sha256,)


def test_a_wave_of_versions_refuses_two_files_of_one_project_year(tmp_path, raw):
    from load import LoadError, NewDocument, load_versions
    from load.engine import writer
    from tests.load.helpers import as_new_file, source_of
    from transform import transform_document
    from transform.identity import observations, resolve_identity

    a, b = raw["2023"], as_new_file(raw["revised"], "again.pdf")
    identity = resolve_identity(observations([a, b]), ())
    with writer(tmp_path / "w.duckdb") as engine, engine.begin() as conn:
        start_run(conn, "night", started_at=NIGHT)
        with pytest.raises(LoadError, match="two documents hold one project-year"):
            load_versions(conn, "night", [
                NewDocument(source_of(d), transform_document(d, identity=identity), (),
                            d.page_count) for d in (a, b)])
        assert rows(conn, "SELECT count(*) FROM source_document")[0][0] == 0
