"""Compare an extraction with a corpus ``*.truth.json`` cell by cell (white space aside)."""

from __future__ import annotations

import re
from typing import Any

_WS = re.compile(r"\s+")

REPORT_KEYS = ("pages", "project_name", "supervising_department", "implementing_unit",
               "goal_expected", "goal_actual", "total_weight", "total_score", "grade")


def squash(v: Any) -> Any:
    return _WS.sub("", v) if isinstance(v, str) else v


def diff_document(got: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """Every difference as one readable line; [] when every cell equals its truth."""
    out: list[str] = []
    if got.get("fiscal_year") != truth.get("fiscal_year"):
        out.append(f"fiscal_year: {got.get('fiscal_year')!r} != {truth.get('fiscal_year')!r}")
    g_reps, t_reps = got.get("reports", []), truth.get("reports", [])
    if len(g_reps) != len(t_reps):
        out.append(f"reports: {len(g_reps)} extracted, {len(t_reps)} in truth: "
                   f"{[r.get('project_name') for r in g_reps]}")
    for i, (g, t) in enumerate(zip(g_reps, t_reps)):
        name = t.get("project_name")
        for k in REPORT_KEYS:
            if squash(g.get(k)) != squash(t.get(k)):
                out.append(f"[{i} {name}] {k}: {g.get(k)!r} != {t.get(k)!r}")
        for block in ("funding", "indicators"):
            gb, tb = g.get(block) or [], t.get(block) or []
            if len(gb) != len(tb):
                out.append(f"[{i} {name}] {block}: {len(gb)} rows != {len(tb)}")
            for j, (gr, tr) in enumerate(zip(gb, tb)):
                for k in sorted(set(gr) | set(tr)):
                    if squash(gr.get(k)) != squash(tr.get(k)):
                        out.append(f"[{i} {name}] {block}[{j}].{k}: {gr.get(k)!r} != {tr.get(k)!r}")
    return out


def count_cells(truth: dict[str, Any]) -> int:
    n = 1
    for r in truth.get("reports", []):
        n += len(REPORT_KEYS)
        n += sum(len(x) for x in r.get("funding") or [])
        n += sum(len(x) for x in r.get("indicators") or [])
    return n
