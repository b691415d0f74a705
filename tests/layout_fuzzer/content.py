"""Content sampler: realistic 自评表 text recombined from the bundled truths.

Project names, departments, goal texts, indicator rows (一级/二级/三级指标, targets, actuals,
weights, scores, deviation reasons) are pooled from ``tests/fixtures/corpus/*.truth.json`` and
``tests/fixtures/variants/*.truth.json`` and recombined at random; numeric targets are re-printed
in the document's sampled notation, amounts in its money unit with or without thousands
separators. The fuzzer measures extraction only, so the arithmetic is plausible, not checked.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

LEVEL1_ORDER = ("产出指标", "效益指标", "满意度指标")
SOURCES = ("年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金")
#: Sichuan funding rows (under 年度预算数(万元)), sampled in its alternate wording
SC_SOURCES = ("总额", "其中：财政资金", "财政专户管理资金", "单位资金", "其他资金")

#: numeric target as printed in the corpus: operator, number, unit in brackets
_NUMERIC = re.compile(r"^([≥≤=＜＞<>]?)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\(([^()]+)\)$")

NOTATIONS = ("mof", "ascii", "worded", "suffix", "symbol", "bare", "mixed")


@dataclass
class Indicator:
    level1: str
    level2: str
    level3: str
    target: str  # as printed in the 年度指标值 / 指标值 column
    actual: str
    weight: str
    score: str
    deviation_reason: str = ""
    target_operator: str | None = None  # Sichuan 指标性质 column
    target_unit: str | None = None  # 度量单位 column


@dataclass
class Report:
    project_name: str
    supervising_department: str
    implementing_unit: str
    funding: list[dict[str, str | None]]  # printed values; "-" for a dash cell
    goal_expected: str
    goal_actual: str
    indicators: list[Indicator]
    total_weight: str
    total_score: str
    grade: str | None  # None: no 评分等级 row (Sichuan)
    fiscal_year: int = 2023
    extra: dict = field(default_factory=dict)


@dataclass
class Pools:
    projects: list[str]
    departments: list[str]
    units: list[str]
    goals: list[str]
    indicators: list[dict]
    reasons: list[str]


@lru_cache(maxsize=1)
def pools() -> Pools:
    projects, departments, units, goals, inds, reasons = set(), set(), set(), set(), [], set()
    seen = set()
    for f in sorted(FIXTURES.glob("*/*.truth.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        for r in d.get("reports") or ():
            projects.add(r["project_name"])
            departments.add(r["supervising_department"])
            units.add(r["implementing_unit"])
            for g in (r["goal_expected"], r["goal_actual"]):
                if g and len(g) >= 20:
                    goals.add(g)
            for i in r["indicators"]:
                if not (i.get("level1") and i.get("level2") and i.get("level3")):
                    continue
                if i["level1"] not in LEVEL1_ORDER:
                    continue
                key = (i["level1"], i["level2"], i["level3"], i["target"], i["actual"])
                if key in seen or "target_unit" in i:
                    continue
                seen.add(key)
                inds.append({k: (v or "") for k, v in i.items()})
                if i.get("deviation_reason"):
                    reasons.add(i["deviation_reason"])
    clean = lambda xs: sorted(x for x in xs if x and not any(ch.isspace() for ch in x))  # noqa: E731
    inds = [i for i in inds if not any(ch.isspace() for v in i.values() for ch in v)]
    return Pools(clean(projects), clean(departments), clean(units), clean(goals), inds,
                 clean(reasons))


def _plain(num: str) -> str:
    """85.00 → 85, 4500.00 → 4500, 96.5 → 96.5"""
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    return num


_OP_WORD = {"≥": ("不低于", "以上"), "≤": ("不高于", "以下"), ">": ("大于", "以上"),
            "<": ("小于", "以下"), "＞": ("大于", "以上"), "＜": ("小于", "以下"),
            "=": ("", ""), "": ("", "")}
_OP_ASCII = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "=": "", "": "", ">": ">", "<": "<"}


def print_target(op: str, num: str, unit: str, notation: str) -> str:
    if notation == "mof":
        return f"{op}{num}({unit})"
    n = _plain(num)
    if notation == "ascii":
        return f"{_OP_ASCII.get(op, op)}{n}{unit}"
    if notation == "worded":
        w = _OP_WORD.get(op, ("", ""))[0]
        return f"{w}{n}{unit}"
    if notation == "suffix":
        s = _OP_WORD.get(op, ("", ""))[1]
        return f"{n}{unit}{s}"
    if notation == "symbol":
        return f"{'' if op == '=' else op}{n}{unit}"
    return f"{n}{unit}"  # bare


def print_actual(num: str, unit: str, notation: str) -> str:
    return f"{num}({unit})" if notation == "mof" else f"{_plain(num)}{unit}"


def amount(rng: random.Random, value: float, unit: str, sep: bool) -> str:
    v = value * (10000 if unit == "元" else 1)
    return f"{v:,.2f}" if sep else f"{v:.2f}"


def sample_indicators(rng: random.Random, n: int, family: str, notation: str) -> list[Indicator]:
    p = pools()
    picked = rng.sample(p.indicators, min(n, len(p.indicators)))
    # keep merges meaningful: grouped by 一级 then 二级 (stable, order of first appearance)
    l2_order: dict[str, int] = {}
    for i in picked:
        l2_order.setdefault(i["level2"], len(l2_order))
    picked.sort(key=lambda i: (LEVEL1_ORDER.index(i["level1"]), l2_order[i["level2"]]))
    out = []
    for i in picked:
        target, actual = i["target"], i["actual"]
        op_col = unit_col = None
        m = _NUMERIC.match(target)
        style = rng.choice(NOTATIONS[:-1]) if notation == "mixed" else notation
        if family == "sichuan":
            if m:
                op, num, unit = m.groups()
                op_col = {"mof": op or "=", "ascii": _OP_ASCII.get(op, op) or "=",
                          "worded": _OP_WORD.get(op, ("",))[0] or "等于"}.get(style, op or "=")
                target, unit_col = _plain(num) if style != "mof" else num, unit
                ma = _NUMERIC.match(actual) or re.match(r"^()([0-9.]+)\(([^()]+)\)$", actual)
                actual = (_plain(ma.group(2)) if style != "mof" else ma.group(2)) if ma else actual
            else:
                op_col, unit_col = "定性", ""
        elif m:
            op, num, unit = m.groups()
            target = print_target(op, num, unit, style)
            ma = re.match(r"^([0-9.]+)\(([^()]+)\)$", actual)
            if ma:
                actual = print_actual(ma.group(1), ma.group(2), style)
        reason = i["deviation_reason"]
        if not reason and rng.random() < 0.12 and p.reasons:
            reason = rng.choice(p.reasons)
        out.append(Indicator(i["level1"], i["level2"], i["level3"], target, actual,
                             i["weight"] or "5.00", i["score"] or "5.00", reason,
                             op_col, unit_col))
    return out


def sample_report(rng: random.Random, family: str, notation: str, money_unit: str,
                  thousands: bool, n_ind: int, year: int, sources: tuple[str, ...] = SOURCES
                  ) -> Report:
    p = pools()
    inds = sample_indicators(rng, n_ind, family, notation)
    budget = round(rng.uniform(0.5, 3200), 2)
    full = round(budget * rng.choice((1, 1, 0.9, 0.96, 1.1)), 2)
    executed = round(full * rng.uniform(0.85, 1.0), 2)
    rate = executed / full * 100 if full else 0.0
    fscore = rate / 10
    sub = [full] + [0.0] * (len(sources) - 2)
    if rng.random() < 0.4:
        part = round(full * rng.uniform(0.5, 0.9), 2)
        sub[0], sub[1] = part, round(full - part, 2)
    fund = []
    wname = "10.00" if rng.random() < 0.8 else "10"
    for k, src in enumerate(sources):
        if k == 0:
            vals = (budget, full, executed)
        else:
            share = sub[k - 1] / full if full else 0
            vals = (round(budget * share, 2), sub[k - 1], round(executed * share, 2))
        r = {"source": src,
             "budget_initial": amount(rng, vals[0], money_unit, thousands),
             "budget_full_year": amount(rng, vals[1], money_unit, thousands),
             "executed": amount(rng, vals[2], money_unit, thousands),
             "weight": wname if k == 0 else "-",
             "execution_rate": f"{(vals[2] / vals[1] * 100 if vals[1] else 0):.2f}",
             "score": f"{fscore:.2f}" if k == 0 else "-"}
        if family == "sichuan":
            r["reason"] = (rng.choice(p.reasons) if (k == 0 and rate < 99 and p.reasons
                                                       and rng.random() < 0.6) else "")
        fund.append(r)
    total = fscore + sum(float(i.score.replace(",", "") or 0) for i in inds)
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    ge = rng.choice(p.goals)
    ga = ge if rng.random() < 0.4 else rng.choice(p.goals)
    return Report(
        project_name=rng.choice(p.projects), supervising_department=rng.choice(p.departments),
        implementing_unit=rng.choice(p.units), funding=fund, goal_expected=ge, goal_actual=ga,
        indicators=inds, total_weight=rng.choice(("100", "100.00")),
        total_score=f"{total:.2f}".rstrip("0").rstrip(".") if rng.random() < 0.5 else f"{total:.2f}",
        grade=None if family == "sichuan" else grade, fiscal_year=year)
