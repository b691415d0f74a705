"""`jixiao check`: extract + transform from the command line, rule set by configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import CORPUS, MALFORMED, ROOT


def _check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "check", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **(env or {})})


def test_findings_name_file_page_project_and_both_numbers():
    r = _check(str(MALFORMED / "total-not-sum.pdf"))
    assert r.returncode == 0, r.stderr
    assert "total-not-sum.pdf, 第 4 页, 项目 法律顾问费" in r.stdout
    assert "[total_not_sum]" in r.stdout and "98.50" in r.stdout and "100.00" in r.stdout


def test_rule_set_from_environment_and_json_lines():
    r = _check("--json", str(MALFORMED / "score-above-weight.pdf"), env={"JIXIAO_RULES": "shanghai"})
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert "score_above_weight" in {row["check_code"] for row in rows}
    bad = _check(str(CORPUS / "minhang-zonggonghui-2023.pdf"), env={"JIXIAO_RULES": "atlantis"})
    assert bad.returncode == 1
    assert bad.stderr == "jixiao check: JIXIAO_RULES='atlantis' is not one of shanghai, hubei, jiangxi, sichuan\n"


def test_identity_across_years_is_listed():
    r = _check(*(str(p) for p in sorted(CORPUS.glob("minhang-*.pdf"))))
    assert r.returncode == 0, r.stderr
    assert "劳动保护 (2022) → 劳动保护 (2023) → 劳动保护项目 (2024)" in r.stdout
    assert "职工心理健康服务 (2024)" in r.stdout and "职工疗休养补贴 (2022)" in r.stdout
    assert "0 finding(s) in 34 report(s)" in r.stdout
