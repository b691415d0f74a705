"""Score an extraction against a fuzzer truth: leaf cells exact, reports lost and invented."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"\s+")
SCALARS = ("pages", "project_name", "supervising_department", "implementing_unit",
           "goal_expected", "goal_actual", "total_weight", "total_score", "grade")


def _squash(v: Any) -> Any:
    """White space aside (as ``tests/truth.py``): the renderer never prints any inside a value."""
    return _WS.sub("", v) if isinstance(v, str) else v


def leaves(report: dict[str, Any]) -> dict[str, Any]:
    """Every leaf value of a report dict, by path (``pages`` is one leaf)."""
    out: dict[str, Any] = {k: report.get(k) for k in SCALARS}
    for block in ("funding", "indicators"):
        for j, row in enumerate(report.get(block) or ()):
            for k, v in row.items():
                out[f"{block}[{j}].{k}"] = v
    return out


@dataclass
class Score:
    cells: int = 0  # leaf values in the truth (plus the document's fiscal_year)
    exact: int = 0  # of them equal to the extracted value
    extra_cells: int = 0  # leaves extracted that the truth has not (extra rows or keys)
    reports: int = 0
    lost: int = 0  # reports in the truth and not extracted
    invented: int = 0  # reports extracted beyond the truth
    failed: str | None = None  # the ExtractError, when the file could not be read
    diffs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.exact == self.cells and not self.extra_cells and not self.lost
                and not self.invented and self.failed is None)


def compare(truth: dict[str, Any], extracted: dict[str, Any] | None,
            failed: str | None = None, max_diffs: int = 12) -> Score:
    """Reports matched in order; a leaf is exact when it equals the truth (white space aside).
    ``extracted`` None (the file failed): every report lost."""
    t_reps = truth.get("reports") or []
    sc = Score(reports=len(t_reps), failed=failed)
    sc.cells = 1 + sum(len(leaves(r)) for r in t_reps)
    if extracted is None:
        sc.lost = len(t_reps)
        sc.diffs.append(f"file failed: {failed}")
        return sc
    if extracted.get("fiscal_year") == truth.get("fiscal_year"):
        sc.exact += 1
    else:
        sc.diffs.append(f"fiscal_year: {extracted.get('fiscal_year')!r} != "
                        f"{truth.get('fiscal_year')!r}")
    g_reps = extracted.get("reports") or []
    sc.lost = max(0, len(t_reps) - len(g_reps))
    sc.invented = max(0, len(g_reps) - len(t_reps))
    if sc.lost or sc.invented:
        sc.diffs.append(f"reports: {len(g_reps)} extracted, {len(t_reps)} in truth: "
                        f"{[r.get('project_name') for r in g_reps]}")
    for i, t in enumerate(t_reps):
        tl = leaves(t)
        gl = leaves(g_reps[i]) if i < len(g_reps) else {}
        for k, v in tl.items():
            if k in gl and _squash(gl[k]) == _squash(v):
                sc.exact += 1
            elif len(sc.diffs) < max_diffs:
                sc.diffs.append(f"[{i}] {k}: {gl.get(k, '<missing>')!r} != {v!r}")
        extra = [k for k in gl if k not in tl]
        sc.extra_cells += len(extra)
        if extra and len(sc.diffs) < max_diffs:
            sc.diffs.append(f"[{i}] extra: {extra[:4]}{'…' if len(extra) > 4 else ''}")
    return sc
