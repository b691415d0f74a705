"""The two ways :func:`load.rows._insert_rows` writes rows (``executemany`` for a few,
an Arrow table cast in SQL for more) store the same values: decimals exact, NULLs, booleans,
times with their zone, any text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import load.rows as load_rows
from load.engine import writer
from warehouse.schema import dq_issue, fact_indicator_result

_text = st.one_of(st.none(), st.text(max_size=40))
_amount = st.one_of(st.none(), st.decimals(min_value=Decimal("-99999999999999"),
                                           max_value=Decimal("99999999999999"),
                                           places=4, allow_nan=False, allow_infinity=False))
_weight = st.one_of(st.none(), st.decimals(min_value=Decimal("-9999999"),
                                           max_value=Decimal("9999999"), places=2,
                                           allow_nan=False, allow_infinity=False))


@st.composite
def indicator_rows(draw, n: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        rows.append(dict(
            project_id=f"prj-{i}", fiscal_year=draw(st.integers(1990, 2100)),
            indicator_id=f"ind-{i}", position=i, reported_level1=draw(_text),
            reported_name=draw(st.text(min_size=1, max_size=30)), target_text=draw(_text),
            target_kind=draw(st.sampled_from(["number", "text", "blank"])), actual_kind="number",
            scoring_formula=draw(st.text(min_size=1, max_size=12)),
            target_low=draw(_amount), actual_value=draw(_amount),
            achieved=draw(st.one_of(st.none(), st.booleans())), weight=draw(_weight),
            score=draw(_weight), document_id="doc", page=draw(st.one_of(st.none(),
                                                                       st.integers(1, 5000))),
            ocr=draw(st.booleans()),
            ocr_confidence=draw(st.one_of(st.none(), st.decimals(
                min_value=0, max_value=1, places=4, allow_nan=False))),
        ))
    return rows


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with writer(tmp_path_factory.mktemp("rows") / "w.duckdb") as engine:
        yield engine


def _stored(engine, table, bulk_rows: int, rows) -> list[tuple]:
    """The rows as stored when written with ``BULK_ROWS = bulk_rows`` (rolled back after)."""
    was = load_rows.BULK_ROWS
    load_rows.BULK_ROWS = bulk_rows
    try:
        with engine.connect() as conn, conn.begin() as tx:
            load_rows._insert_rows(conn, table, rows)
            keys = ", ".join(c.name for c in table.primary_key)  # read as DuckDB gives them
            raw = conn.connection.driver_connection
            stored = raw.execute(f"SELECT * FROM {table.name} ORDER BY {keys}").fetchall()
            tx.rollback()
            return stored
    finally:
        load_rows.BULK_ROWS = was


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=indicator_rows(9))
def test_bulk_rows_equal_row_by_row(engine, rows):
    one_by_one = _stored(engine, fact_indicator_result, len(rows) + 1, rows)
    assert one_by_one == _stored(engine, fact_indicator_result, 1, rows)


def test_bulk_decimals_stay_exact(engine):
    """Amounts of 18 digits (no float on the way: a float keeps ~16) and the smallest step."""
    rows = [dict(project_id=f"p{i}", fiscal_year=2023, indicator_id=f"i{i}", position=i,
                 reported_name="完成率", target_kind="number", actual_kind="number",
                 scoring_formula="f", document_id="d", target_low=v, actual_value=-v)
            for i, v in enumerate([Decimal("98765432109876.5432"), Decimal("0.0001"),
                                   Decimal("12345678901234.5678"), Decimal("1E+3"),
                                   Decimal("0"), Decimal("-0.5"), Decimal("7.1")])]
    bulk = _stored(engine, fact_indicator_result, 1, rows)
    assert bulk == _stored(engine, fact_indicator_result, 100, rows)
    low = {r[fact_indicator_result.columns.keys().index("target_low")] for r in bulk}
    assert {Decimal("98765432109876.5432"), Decimal("12345678901234.5678")} <= low


def test_bulk_times_keep_their_instant(engine):
    """Times of any zone (findings' ``detected_at``) are the same instant either way."""
    at = [datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
          datetime(2024, 3, 1, 16, 30, 15, 250000, tzinfo=timezone(timedelta(hours=8)))]
    rows = [dict(issue_id=i, run_id="r", document_id="d", file_name="报告.pdf",
                 fiscal_year=2023, check_code="x", severity="warning",
                 message="含'引号'与\n换行", detected_at=at[i % 2]) for i in range(10)]
    assert _stored(engine, dq_issue, 100, rows) == _stored(engine, dq_issue, 1, rows)


def test_few_rows_go_row_by_row_and_many_in_one_statement(engine, monkeypatch):
    """The threshold is what decides the way (so the bulk way is what a night really uses)."""
    ways = []
    real_execute = load_rows.Connection.execute

    def execute(self, statement, *args, **kwargs):
        if getattr(statement, "is_insert", False):
            ways.append("executemany")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(load_rows.Connection, "execute", execute)
    row = dict(issue_id=0, run_id="r", document_id="d", file_name="f.pdf", fiscal_year=2023,
               check_code="x", severity="warning", message="m", detected_at=datetime.now(UTC))
    with engine.connect() as conn, conn.begin() as tx:
        load_rows._insert_rows(conn, dq_issue, [row])
        assert ways == ["executemany"]
        many = [dict(row, issue_id=i) for i in range(1, load_rows.BULK_ROWS + 1)]
        load_rows._insert_rows(conn, dq_issue, many)
        assert ways == ["executemany"]  # no SQLAlchemy insert: one statement from Arrow
        assert sorted(conn.execute(select(dq_issue.c.issue_id)).scalars()) == list(
            range(load_rows.BULK_ROWS + 1))
        tx.rollback()


def test_bulk_after_a_result_left_unread(engine):
    """A query read only in part (``.first()``) before a bulk write: the write still goes in
    (DuckDB refuses to register the rows while a result is open)."""
    rows = [dict(issue_id=i, run_id="r", document_id="d", file_name="f.pdf", fiscal_year=2023,
                 check_code="x", severity="warning", message="m", detected_at=datetime.now(UTC))
            for i in range(load_rows.BULK_ROWS * 3)]
    with engine.connect() as conn, conn.begin() as tx:
        load_rows._insert_rows(conn, dq_issue, rows[:load_rows.BULK_ROWS])
        assert conn.execute(select(dq_issue.c.issue_id)).first() is not None  # left open
        load_rows._insert_rows(conn, dq_issue, rows[load_rows.BULK_ROWS:])
        assert conn.execute(select(func.count()).select_from(dq_issue)).scalar() == len(rows)
        tx.rollback()
