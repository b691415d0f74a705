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
from tests.load.helpers import MALFORMED, YEARS, corpus_pdf, ingest

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
