"""Ids are resolved over every year loaded, so the warehouse does not depend on the order the
documents arrive in: an older year arriving later re-keys the rows already loaded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from load import apply_identity, known_projects
from load.engine import writer
from tests.load.helpers import ingest, rows, snapshot
from transform.identity import resolve_identity

TRAINING = "使用地方教育附加专项资金开展职工职业培训工作"
TRAINING_2024 = "使用地方教育附加专项资金开展职工职业技能培训工作"
AUDIT = "完成企业培训补贴申报审核工作"
AUDIT_2024 = "完成企业培训补贴的申报审核工作"


def _docs(raw, renamed: bool):
    from tests.load.helpers import as_new_file, rename

    docs = {y: raw[str(y)] for y in (2022, 2023, 2024)}
    if renamed:  # a fuzzy rename (cores differ): project and one indicator
        docs[2024] = as_new_file(
            rename(docs[2024], TRAINING, TRAINING_2024, indicator=(AUDIT, AUDIT_2024)),
            "minhang-zonggonghui-2024-renamed.pdf")
    return docs


def _build(path, docs, order):
    results = []
    with writer(path) as engine:
        for y in order:
            results.append(ingest(engine, f"run-{y}", docs[y]))
        with engine.connect() as conn:
            return snapshot(conn), results


@pytest.mark.parametrize("renamed", [False, True], ids=["corpus", "fuzzy-rename"])
def test_load_order_does_not_matter(tmp_path, raw, renamed):
    docs = _docs(raw, renamed)
    forward, _ = _build(tmp_path / "forward.duckdb", docs, (2022, 2023, 2024))
    backward, results = _build(tmp_path / "backward.duckdb", docs, (2024, 2023, 2022))
    assert backward == forward
    assert [r.status for r in results] == ["loaded"] * 3
    if renamed:
        # 2024 alone keyed the project on its own name; 2023 arrived with the earlier name
        rekeyed = results[1].rekeyed
        assert len(rekeyed) == 1 and rekeyed[0].fiscal_year == 2024
        assert rekeyed[0].indicators_rekeyed == 18  # every indicator id includes the project's
        assert results[2].rekeyed == ()  # 2022 prints the 2023 names: nothing moves


def test_fuzzy_rename_is_one_project_with_the_latest_name(tmp_path, raw):
    _build(tmp_path / "w.duckdb", _docs(raw, True), (2024, 2022, 2023))
    with writer(tmp_path / "w.duckdb") as engine, engine.connect() as conn:
        projects = rows(conn, "SELECT p.project_id, p.project_name, p.first_year, p.last_year "
                              "FROM dim_project p JOIN project_alias a USING (project_id) "
                              "WHERE a.reported_name IN (:a, :b) GROUP BY ALL",
                        a=TRAINING, b=TRAINING_2024)
        audit = rows(conn, "SELECT r.fiscal_year, r.reported_name, r.indicator_id "
                           "FROM fact_indicator_result r WHERE r.reported_name IN (:a, :b) "
                           "ORDER BY 1", a=AUDIT, b=AUDIT_2024)
        changes = rows(conn, "SELECT fiscal_year, change FROM v_indicator_target_changes "
                             "WHERE indicator_name = :b", b=AUDIT_2024)
    assert [(p.project_name, p.first_year, p.last_year) for p in projects] == [
        (TRAINING_2024, 2022, 2024)]
    assert [(a.fiscal_year, a.reported_name) for a in audit] == [
        (2022, AUDIT), (2023, AUDIT), (2024, AUDIT_2024)]
    assert len({a.indicator_id for a in audit}) == 1
    assert [tuple(c) for c in changes] == [(2024, "lowered")]  # comparable across the rename


def test_apply_identity_ignores_names_the_map_does_not_know(tmp_path, raw):
    """Names (and indicators) a map did not resolve keep their ids: a map over other projects,
    or over the renamed project without its indicators, leaves the fuzzy-merged indicator
    alone; the full map re-keys nothing either. (A map must be resolved over
    known_projects() and the new document: a map over one year alone is a caller's error.)"""
    db = tmp_path / "w.duckdb"
    _build(db, _docs(raw, True), (2022, 2023, 2024))
    with writer(db) as engine:
        with engine.connect() as conn:
            before = snapshot(conn)
        with engine.begin() as conn:
            seen = known_projects(conn)
            training_without_indicators = [replace(s, indicators=()) for s in seen
                                           if s.name in (TRAINING, TRAINING_2024)]
            for subset in ([s for s in seen if s.name == "党建经费"],
                           [s for s in seen if s.name not in (TRAINING, TRAINING_2024)],
                           training_without_indicators,
                           seen):
                assert apply_identity(conn, resolve_identity(subset)) == ()
        with engine.connect() as conn:
            assert snapshot(conn) == before
            assert conn.execute(text("SELECT count(*) FROM dim_project")).scalar() == 13
