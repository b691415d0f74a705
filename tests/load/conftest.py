"""Fixtures of the load tests: the real corpus PDFs extracted once per session, and a
warehouse built from the three years once per session (tests that write work on copies)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extract import extract_file
from extract.records import RawDocument
from load.engine import make_engine, writer
from load.runs import RunCounts, finish_run, start_run
from tests.load.helpers import MALFORMED, YEARS, as_new_file, corpus_pdf, ingest

RUN = "run-corpus"


@pytest.fixture(scope="session")
def raw() -> dict[str, RawDocument]:
    """Extractions by short name: '2022', '2023', '2024', 'revised', 'copy', 'missing-grade',
    'rate-not-executed', 'total-not-sum'."""
    files = {str(y): corpus_pdf(y) for y in YEARS}
    files.update({
        "revised": MALFORMED / "minhang-zonggonghui-2023-revised.pdf",
        "copy": MALFORMED / "zonggonghui-2023-copy.pdf",
        "missing-grade": MALFORMED / "missing-grade.pdf",
        "rate-not-executed": MALFORMED / "rate-not-executed.pdf",
        "total-not-sum": MALFORMED / "total-not-sum.pdf",
    })
    return {k: extract_file(p) for k, p in files.items()}


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory, raw) -> tuple[Path, dict]:
    """The warehouse of 2022, 2023 and 2024 (one run) and the LoadResults by year."""
    db = tmp_path_factory.mktemp("wh") / "corpus.duckdb"
    results = {}
    with writer(db) as engine:
        with engine.begin() as conn:
            start_run(conn, RUN)
        for y in YEARS:
            results[y] = ingest(engine, RUN, raw[str(y)])
        with engine.begin() as conn:
            finish_run(conn, RUN, RunCounts(
                files_seen=3, files_new=3, loaded=3,
                reports_loaded=sum(r.reports_loaded for r in results.values()),
                indicators_loaded=sum(r.indicators_loaded for r in results.values())))
    return db, results


@pytest.fixture(scope="session")
def corpus_db(corpus_build) -> Path:
    return corpus_build[0]


@pytest.fixture(scope="session")
def ro_engine(corpus_db):
    """A read-only engine on the corpus warehouse (never written after the build)."""
    engine = make_engine(corpus_db, read_only=True)
    yield engine
    engine.dispose()


@pytest.fixture
def db_copy(corpus_db, tmp_path) -> Path:
    """A private copy of the corpus warehouse, for tests that write."""
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(corpus_db, target)
    return target


#: the second unit of :func:`two_units` (an implementing unit with a name longer than a sheet
#: name may be, under another supervising department)
UNIT_B = ("上海市闵行区教育局", "上海市闵行区教育局直属上海市闵行区青少年科技活动中心")


def as_unit(doc: RawDocument, unit: tuple[str, str], name: str, *,
            year: int | None = None) -> RawDocument:
    """The same reports printed by another unit (主管部门, 实施单位), as a new file ``name``."""
    from dataclasses import replace


    reports = tuple(replace(r, supervising_department=unit[0], implementing_unit=unit[1],
                            fiscal_year=year or r.fiscal_year) for r in doc.reports)
    return as_new_file(replace(doc, reports=reports, fiscal_year=year or doc.fiscal_year), name)


@pytest.fixture(scope="session")
def two_units(tmp_path_factory, corpus_db, raw) -> Path:
    """The corpus warehouse plus a second unit (:data:`UNIT_B`) that printed the same 2024
    projects under its own names (so 政府雇员 2024 exists in both units), then sent a new
    version of its 退管会工作 with a total that is not the sum (kept out: version_not_applied),
    then a 退管会工作 2024 report without a grade (quarantined: its unit cannot be told from
    the warehouse, the name being both units'). Never written after the build."""
    from dataclasses import replace

    db = tmp_path_factory.mktemp("two") / "two-units.duckdb"
    shutil.copyfile(corpus_db, db)
    b2024 = as_unit(raw["2024"], UNIT_B, "jiaoyuju-2024.pdf")
    retire = next(r for r in b2024.reports if r.project_name == "退管会工作")
    wrong_total = as_new_file(replace(b2024, reports=(replace(retire, total_score="90.00"),)),
                              "jiaoyuju-2024-tuiguanhui-v2.pdf")
    no_grade = as_unit(raw["missing-grade"], UNIT_B, "jiaoyuju-2024-no-grade.pdf", year=2024)
    with writer(db) as engine:
        with engine.begin() as conn:
            start_run(conn, "run-b")
        for doc in (b2024, wrong_total, no_grade):
            ingest(engine, "run-b", doc)
        with engine.begin() as conn:
            finish_run(conn, "run-b", RunCounts(files_seen=3, files_new=3, loaded=1,
                                                quarantined=2))
    return db
