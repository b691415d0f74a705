"""The suite JSON files: shape, meta, codes, severities, templates, vocabularies."""

from __future__ import annotations

import json
import re

import pytest

from expectations.frames import COLUMNS, GRAINS
from expectations.runner import (
    GX_SEVERITY,
    SUITE_NAMES,
    SUITES_DIR,
    SuiteError,
    all_checks,
    grain_suites,
    load_suite_spec,
    load_suites,
    suite_paths,
)
from transform.rows import CHECKS

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _expectations():
    for path in suite_paths():
        spec = json.loads(path.read_text(encoding="utf-8"))
        for exp in spec["expectations"]:
            yield spec["name"], exp


def test_four_suites_as_gx_json_files():
    assert {p.stem for p in SUITES_DIR.glob("*.json")} == set(SUITE_NAMES)
    for path in suite_paths():
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert spec["name"] == path.stem
        assert spec["meta"]["description"]
        assert spec["expectations"]
        for exp in spec["expectations"]:
            assert set(exp) <= {"type", "kwargs", "meta", "severity", "id", "notes",
                                "description", "rendered_content"}
            assert exp["type"].startswith("expect_")


@pytest.mark.parametrize(("suite", "exp"), list(_expectations()),
                         ids=lambda v: v if isinstance(v, str) else v["meta"]["check_code"])
def test_every_expectation_declares_code_severity_message(suite, exp):
    meta = exp["meta"]
    assert SNAKE.match(meta["check_code"]), meta["check_code"]
    assert meta["severity"] in ("error", "warning")
    assert exp["severity"] == GX_SEVERITY[meta["severity"]]
    assert meta["frame"] in GRAINS
    assert meta["message"] and re.search(r"[\u4e00-\u9fff]", meta["message"])
    columns = set(COLUMNS[meta["frame"]])
    # the checked columns, the template's placeholders and the located columns exist
    for key in ("column", "column_A", "column_B"):
        if key in exp["kwargs"]:
            assert exp["kwargs"][key] in columns
    placeholders = set(re.findall(r"\{(\w+)\}", meta["message"]))
    assert placeholders <= columns, placeholders - columns
    for key in ("printed", "expected", "page_column"):
        if key in meta:
            assert meta[key] in columns
    cond = exp["kwargs"].get("row_condition")
    if cond:
        assert cond["column"]["name"] in columns


def test_reused_codes_keep_the_transform_severity():
    for c in all_checks():
        if c.check_code in CHECKS:
            assert c.severity == CHECKS[c.check_code].severity, c.check_code


def test_codes_the_brief_names_are_declared():
    codes = {c.check_code for c in all_checks()}
    assert {"total_not_sum", "score_above_weight", "weights_not_100", "grade_mismatch",
            "execution_rate_mismatch", "missing_grade", "missing_total", "missing_funding",
            "unreadable_grade", "unparsed_target", "indicator_score_mismatch"} <= codes


def test_structure_is_error_rules_are_warning():
    by_suite = {}
    for c in all_checks():
        by_suite.setdefault(c.suite, set()).add(c.severity)
    assert by_suite["structure"] == {"error"}
    assert by_suite["arithmetic"] == {"warning"}
    assert by_suite["scoring"] == {"warning"}
    # domain: an unreadable grade cannot be trusted; vocabularies are warnings
    assert {c.check_code for c in all_checks() if c.suite == "domain"
            and c.severity == "error"} == {"unreadable_grade"}


def test_covered_by_names_known_codes_without_cycles():
    codes = {c.check_code for c in all_checks()} | set(CHECKS)
    covers = {}
    for c in all_checks():
        assert set(c.covered_by) <= codes, c.covered_by
        assert set(c.covered_by_report) <= codes, c.covered_by_report
        covers.setdefault(c.check_code, set()).update(c.covered_by, c.covered_by_report)

    def reach(code, seen):
        for nxt in covers.get(code, ()):
            assert nxt not in seen, f"covered_by cycle through {code}"
            reach(nxt, seen | {nxt})

    for code in covers:
        reach(code, {code})


def test_unknown_unit_asks_the_transform():
    """No unit list in the suite: it checks the frame's ``*_unit_known`` flags, which
    ``transform.targets.is_known_unit`` sets (the unit table and its compounds)."""
    checks = [e for _, e in _expectations() if e["meta"]["check_code"] == "unknown_unit"]
    assert [(e["type"], e["kwargs"]) for e in checks] == [
        ("expect_column_values_to_be_in_set",
         {"column": "target_unit_known", "value_set": [True]}),
        ("expect_column_values_to_be_in_set",
         {"column": "actual_unit_known", "value_set": [True]}),
    ]
    for e in checks:
        assert re.search(r"[\u4e00-\u9fff]", e["meta"]["message"])


def test_blank_results_covers_the_missing_scores_and_total():
    by_frame = {(c.check_code, c.frame): c for c in all_checks()}
    for key in (("missing_total", "report"), ("missing_score", "funding"),
                ("missing_score", "indicator")):
        assert by_frame[key].covered_by_report == ("blank_results",), key
    assert CHECKS["blank_results"].severity == "error"


def test_missing_grade_only_where_the_form_prints_a_grade():
    (exp,) = [e for _, e in _expectations() if e["meta"]["check_code"] == "missing_grade"]
    assert exp["kwargs"]["row_condition"] == {
        "type": "comparison", "column": {"name": "grade_printed"}, "operator": "==",
        "parameter": True}


def test_gx_builds_every_expectation_into_one_suite_per_frame():
    suites = load_suites()
    assert [s.name for s in suites] == list(SUITE_NAMES)
    built = grain_suites()
    assert sum(len(g.suite.expectations) for g in built.values()) == sum(
        len(s.spec["expectations"]) for s in suites) == len(all_checks())
    for frame, g in built.items():
        assert g.suite.name == frame
        # in the order of the suite files and of the expectations in each, named by file
        assert [(e.meta["suite"], e.meta["check_code"]) for e in g.suite.expectations] == [
            (c.suite, c.check_code) for c in all_checks() if c.frame == frame]
        assert all(e.meta["frame"] == frame for e in g.suite.expectations)


def test_each_frame_is_validated_on_the_columns_its_expectations_read():
    for frame, g in grain_suites().items():
        kept = [c for c in COLUMNS[frame] if c in g.columns]
        assert "row_id" in kept
        for s in load_suites():
            for exp, c in zip(s.spec["expectations"], s.checks, strict=True):
                if c.frame != frame:
                    continue
                kw = exp["kwargs"]
                for col in (kw.get("column"), kw.get("column_A"), kw.get("column_B"),
                            *(kw.get("column_list") or ())):
                    assert col is None or col in kept, (c.check_code, col)
                if "row_condition" in kw:  # the columns its condition names
                    named = [col for col in COLUMNS[frame]
                             if re.search(rf"\b{col}\b", str(kw["row_condition"]))]
                    assert named and set(named) <= set(kept), (c.check_code, named)
        # columns only a message shows are left out of what GX hashes and filters
        assert len(kept) < len(COLUMNS[frame])


def test_a_malformed_meta_is_refused(tmp_path):
    bad = {"name": "bad", "meta": {}, "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "grade"},
         "meta": {"check_code": "missing_grade", "frame": "report"}}]}
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(SuiteError, match="severity"):
        load_suite_spec(p)


def test_readme_lists_every_check_code():
    readme = (SUITES_DIR.parent / "README.md").read_text(encoding="utf-8")
    for c in all_checks():
        assert f"`{c.check_code}`" in readme, c.check_code
