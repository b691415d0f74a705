"""transform.identity: project and indicator ids across years, overrides, the identity report."""

from __future__ import annotations

import itertools
import re

import pytest
from corpus_helpers import GOOD, corpus_doc

from transform.build import transform_document, transform_documents
from transform.identity import (
    OVERRIDE_COLUMNS,
    OVERRIDES_PATH,
    IndicatorSeen,
    Override,
    ProjectSeen,
    core_name,
    department_id,
    load_overrides,
    normalize_name,
    parse_overrides,
    resolve_documents,
    resolve_identity,
)

DEPT = "上海市闵行区总工会(汇总)"


def seen(year, name, dept=DEPT, indicators=()):
    return ProjectSeen(year, dept, name, tuple(IndicatorSeen("产出指标", "数量指标", i)
                                              for i in indicators))


# ---- normalization

def test_normalize_and_core():
    assert normalize_name(" 劳动保护 (2023年度) ") == "劳动保护"
    assert normalize_name("兼、挂职副主席") == "兼挂职副主席"
    assert normalize_name("９０岁以上") == "90岁以上"
    assert core_name("劳动保护项目") == "劳动保护"
    assert core_name("职业化、社会化工会工作者保障经费项目") == "职业化社会化工会工作者保障"
    assert core_name("项目") == "项目"  # never stripped to nothing


def test_department_id_ignores_summary_suffix():
    assert department_id("上海市闵行区总工会(汇总)") == department_id("上海市闵行区总工会")
    assert department_id("上海市闵行区总工会（汇总）") == department_id(" 上海市闵行区总工会 ")
    assert re.fullmatch(r"dep_[0-9a-f]{12}", department_id("x"))


# ---- corpus: 劳动保护 (2022, 2023) and 劳动保护项目 (2024) are one project

def _ids_by_name(docs_out):
    out = {}
    for t in docs_out:
        for a in t.aliases:
            out.setdefault(a.reported_name, set()).add(a.project_id)
    return out


def test_renamed_project_keeps_its_id(good_docs):
    out, report = transform_documents(good_docs)
    ids = _ids_by_name(out)
    assert ids["劳动保护"] == ids["劳动保护项目"]
    assert len(ids["劳动保护"]) == 1
    renamed = {p.latest_name for p in report.renamed_projects}
    assert renamed == {"劳动保护项目"}
    proj = next(p for p in report.projects if p.latest_name == "劳动保护项目")
    assert proj.years == (2022, 2023, 2024)
    assert proj.canonical_name == "劳动保护"
    assert [n for _, n in proj.aliases] == ["劳动保护", "劳动保护", "劳动保护项目"]


def test_every_project_has_one_id_per_name_and_thirteen_projects(good_docs):
    out, report = transform_documents(good_docs)
    assert len(report.projects) == 13
    assert all(len(v) == 1 for v in _ids_by_name(out).values())
    for t in out:
        for p in t.projects:
            assert re.fullmatch(r"prj_[0-9a-f]{12}", p.project_id)


def _all_ids(out):
    return sorted((r.project_id, r.indicator_id, r.fiscal_year, r.position)
                  for t in out for r in t.results)


def test_ids_do_not_depend_on_arrival_order(good_docs):
    base = _all_ids(transform_documents(good_docs)[0])
    for perm in itertools.permutations(good_docs):
        assert _all_ids(transform_documents(perm)[0]) == base
    # even one document at a time, without the others
    assert _all_ids([transform_document(d) for d in reversed(good_docs)]) == base


def test_same_indicator_same_id_every_year(good_docs):
    out, _ = transform_documents(good_docs)
    by_id: dict[str, set] = {}
    for t in out:
        for d in t.indicators:
            by_id.setdefault(d.indicator_id, set()).add((t.fiscal_year, d.name))
    # 退休市劳模体检人数 is one indicator over three years
    hits = [v for v in by_id.values() if any(n == "退休市劳模体检人数" for _, n in v)]
    assert len(hits) == 1 and {y for y, _ in hits[0]} == {2022, 2023, 2024}
    # an indicator never has two rows in one year
    for t in out:
        ids = [r.indicator_id for r in t.results]
        per_project = {}
        for r in t.results:
            per_project.setdefault(r.project_id, []).append(r.indicator_id)
        for v in per_project.values():
            assert len(v) == len(set(v)), ids


def test_new_discontinued_and_unmatched_projects_listed(good_docs):
    report = resolve_documents(good_docs)
    assert (report.report.first_year, report.report.last_year) == (2022, 2024)
    new = {p.latest_name: p.years for p in report.report.new_projects}
    assert new == {"职工心理健康服务": (2024,), "群团改革专项": (2023, 2024)}
    assert [p.latest_name for p in report.report.discontinued_projects] == ["职工疗休养补贴"]
    assert {p.latest_name for p in report.report.unmatched_projects} == {
        "职工心理健康服务", "职工疗休养补贴"}


# ---- fuzzy matching (rapidfuzz), inline

def test_fuzzy_rename_merged_and_reported():
    ident = resolve_identity([seen(2022, "劳模慰问和管理"), seen(2023, "劳模慰问与管理")])
    assert ident.project_id(DEPT, "劳模慰问和管理") == ident.project_id(DEPT, "劳模慰问与管理")
    (m,) = ident.report.fuzzy_matches
    assert m.kind == "project" and m.score >= 85
    assert {m.name_a, m.name_b} == {"劳模慰问和管理", "劳模慰问与管理"}


def test_two_names_of_one_year_never_merge():
    ident = resolve_identity([seen(2023, "劳模慰问和管理"), seen(2023, "劳模慰问与管理")])
    assert ident.project_id(DEPT, "劳模慰问和管理") != ident.project_id(DEPT, "劳模慰问与管理")
    assert ident.report.fuzzy_matches == ()


def test_same_core_printed_in_one_year_stays_apart():
    ident = resolve_identity([seen(2023, "党建经费"), seen(2023, "党建")])
    assert ident.project_id(DEPT, "党建经费") != ident.project_id(DEPT, "党建")


def test_different_departments_never_merge():
    ident = resolve_identity([seen(2022, "劳动保护", "甲单位"), seen(2023, "劳动保护", "乙单位")])
    assert ident.project_id("甲单位", "劳动保护") != ident.project_id("乙单位", "劳动保护")


def test_dissimilar_names_stay_apart():
    ident = resolve_identity([seen(2022, "职工书屋建设"), seen(2023, "职工阅读阵地建设")])
    assert ident.project_id(DEPT, "职工书屋建设") != ident.project_id(DEPT, "职工阅读阵地建设")


def test_fuzzy_result_independent_of_input_order():
    items = [seen(2021, "劳模慰问和管理"), seen(2022, "劳模慰问与管理"),
             seen(2023, "劳模慰问及管理工作"), seen(2022, "劳动保护"), seen(2023, "劳动保护项目")]
    ids = None
    for perm in itertools.permutations(items):
        ident = resolve_identity(perm)
        got = sorted(ident.project_ids.items())
        assert ids is None or got == ids
        ids = got


def test_indicator_fuzzy_rename_within_project():
    ident = resolve_identity([
        seen(2023, "劳动保护", indicators=["慰问金发放准确性", "慰问企业数"]),
        seen(2024, "劳动保护项目", indicators=["慰问资金发放准确性", "慰问企业数"]),
    ])
    pid = ident.project_id(DEPT, "劳动保护")
    a = ident.indicator_id(pid, "产出指标", "慰问金发放准确性")
    b = ident.indicator_id(pid, "产出指标", "慰问资金发放准确性")
    c = ident.indicator_id(pid, "产出指标", "慰问企业数")
    assert a == b != c
    assert any(m.kind == "indicator" for m in ident.report.fuzzy_matches)


# ---- overrides

def test_override_forces_a_merge():
    ov = (Override("project", "", "", "职工阅读阵地建设", "职工书屋建设", "checked by hand"),)
    ident = resolve_identity([seen(2022, "职工书屋建设"), seen(2023, "职工阅读阵地建设")], ov)
    assert ident.project_id(DEPT, "职工书屋建设") == ident.project_id(DEPT, "职工阅读阵地建设")
    assert ident.report.overrides_applied == ov
    assert ident.report.overrides_unused == ()


def test_override_keeps_apart():
    ov = (Override("project", "上海市闵行区总工会", "", "劳模慰问与管理", "劳模慰问与管理"),)
    ident = resolve_identity([seen(2022, "劳模慰问和管理"), seen(2023, "劳模慰问与管理")], ov)
    assert ident.project_id(DEPT, "劳模慰问和管理") != ident.project_id(DEPT, "劳模慰问与管理")


def test_override_scoped_to_department_and_unused_listed():
    ov = (Override("project", "别的单位", "", "职工阅读阵地建设", "职工书屋建设"),)
    ident = resolve_identity([seen(2022, "职工书屋建设"), seen(2023, "职工阅读阵地建设")], ov)
    assert ident.project_id(DEPT, "职工书屋建设") != ident.project_id(DEPT, "职工阅读阵地建设")
    assert ident.report.overrides_unused == ov


def test_indicator_override():
    ov = (Override("indicator", "", "劳动保护", "高温慰问覆盖面", "慰问企业数"),)
    ident = resolve_identity([
        seen(2023, "劳动保护", indicators=["慰问企业数"]),
        seen(2024, "劳动保护项目", indicators=["高温慰问覆盖面"]),
    ], ov)
    pid = ident.project_id(DEPT, "劳动保护项目")
    assert ident.indicator_id(pid, "产出指标", "慰问企业数") == \
        ident.indicator_id(pid, "产出指标", "高温慰问覆盖面")
    assert ident.report.overrides_applied == ov


def test_overrides_applied_in_transform():
    docs = [corpus_doc(GOOD[0]), corpus_doc(GOOD[2])]
    ov = (Override("project", "", "", "职工心理健康服务", "职工疗休养补贴", "test only"),)
    out, report = transform_documents(docs, overrides=ov)
    ids = _ids_by_name(out)
    assert ids["职工心理健康服务"] == ids["职工疗休养补贴"]
    # only 群团改革专项 (2024, absent in 2022) is left unmatched
    assert [p.latest_name for p in report.unmatched_projects] == ["群团改革专项"]


# ---- the override file

def test_parse_overrides_skips_comments():
    text = ("# a comment\n# another\n" + ",".join(OVERRIDE_COLUMNS) + "\n"
            "project,,,劳动保护项目,劳动保护,renamed 2024\n\n"
            "indicator,,劳动保护,慰问资金发放准确性,慰问金发放准确性,\n")
    rows = parse_overrides(text)
    assert [r.kind for r in rows] == ["project", "indicator"]
    assert rows[0].note == "renamed 2024"
    assert rows[1].project == "劳动保护"


@pytest.mark.parametrize("text", [
    "kind,reported_name\nproject,x\n",
    ",".join(OVERRIDE_COLUMNS) + "\nperson,,,a,b,\n",
    ",".join(OVERRIDE_COLUMNS) + "\nproject,,,a,,\n",
])
def test_parse_overrides_rejects_bad_rows(text):
    with pytest.raises(ValueError):
        parse_overrides(text)


def test_committed_override_file_loads():
    assert OVERRIDES_PATH.name == "identity_overrides.csv"
    text = OVERRIDES_PATH.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#")
    assert ",".join(OVERRIDE_COLUMNS) in text
    assert isinstance(load_overrides(), tuple)


def test_load_overrides_from_path(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text(",".join(OVERRIDE_COLUMNS) + "\nproject,,,A项目,A,\n", encoding="utf-8")
    (row,) = load_overrides(p)
    assert (row.reported_name, row.canonical_name) == ("A项目", "A")
