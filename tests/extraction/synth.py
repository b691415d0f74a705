"""A tiny renderer of a 自评表 to page geometry (characters and edges), for property tests.

It lays out a report on a grid of columns of given widths, wraps text inside cells, centres
merged labels vertically over their span, and emits the characters and the cell borders
(all four sides, or the horizontal ones only). The output has the shapes the extractor reads
from a real page (:func:`extract.fastparse.parse_page`), so the whole geometry → record path
runs on it without a PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CJK_W = 1.0  # advance of a CJK character, in em
ASCII_W = 0.5
PAD = 2.0


@dataclass
class Layout:
    widths: list[float]  # 8 grid columns
    size: float = 9.0
    ruled: bool = True
    x0: float = 30.0
    top: float = 60.0


@dataclass
class Placed:
    text: str
    c0: int  # first grid column
    c1: int  # last grid column
    r0: int  # first row
    r1: int  # last row
    align: str = "left"


@dataclass
class Rendered:
    chars: list[tuple] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)


def _adv(ch: str, size: float) -> float:
    return size * (ASCII_W if ch.isascii() else CJK_W)


def wrap(text: str, width: float, size: float) -> list[str]:
    lines, cur, w = [], "", 0.0
    for ch in text:
        a = _adv(ch, size)
        if cur and w + a > width:
            lines.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += a
    if cur:
        lines.append(cur)
    return lines


def cells_of(report: dict, labels: dict[str, str] | None = None) -> list[Placed]:
    """The report dict (truth shape) → cells on an 8-column grid, row by row; ``labels``
    prints other spellings of the form's labels and headers (``{"项目名称": "项目名称："}``)."""
    out: list[Placed] = []
    r = 0
    labels = labels or {}

    def L(text: str) -> str:
        return labels.get(text, text)

    def put(text, c0, c1, rows=1, align="left"):
        out.append(Placed(text or "", c0, c1, r, r + rows - 1, align))

    put(L("项目名称"), 0, 0)
    put(report["project_name"], 1, 7)
    r += 1
    put(L("主管部门"), 0, 0)
    put(report["supervising_department"], 1, 3)
    put(L("实施单位"), 4, 4)
    put(report["implementing_unit"], 5, 7)
    r += 1
    put(L("项目资金(万元)"), 0, 0, rows=1 + len(report["funding"]))
    put("", 1, 1)
    for i, h in enumerate(["年初预算数", "全年预算数", "全年执行数", "分数", "执行率(%)", "得分"]):
        put(L(h), 2 + i, 2 + i)
    r += 1
    for f in report["funding"]:
        put(f["source"], 1, 1)
        for i, k in enumerate(["budget_initial", "budget_full_year", "executed", "weight",
                               "execution_rate", "score"]):
            put(f[k] if f[k] is not None else "-", 2 + i, 2 + i, align="right")
        r += 1
    put(L("年度总体目标"), 0, 0, rows=2)
    put(L("预期目标"), 1, 3)
    put(L("实际完成情况"), 4, 7)
    r += 1
    put(report["goal_expected"], 1, 3)
    put(report["goal_actual"], 4, 7)
    r += 1
    for i, h in enumerate(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                           "得分", "偏差原因分析及改进措施"]):
        put(L(h), i, i)
    r += 1
    inds = report["indicators"]
    i = 0
    while i < len(inds):  # merged 一级 / 二级 labels over their groups
        j = i
        while j < len(inds) and inds[j]["level1"] == inds[i]["level1"]:
            j += 1
        put(inds[i]["level1"], 0, 0, rows=j - i)
        k = i
        while k < j:
            m = k
            while m < j and inds[m]["level2"] == inds[k]["level2"]:
                m += 1
            out.append(Placed(inds[k]["level2"], 1, 1, r + (k - i), r + (m - i) - 1))
            k = m
        for n in range(i, j):
            row = r + (n - i)
            for c, key in enumerate(["level3", "target", "actual", "weight", "score",
                                     "deviation_reason"], start=2):
                out.append(Placed(inds[n][key] or "", c, c, row, row,
                                  "right" if key in ("weight", "score") else "left"))
        r += j - i
        i = j
    put(L("总分"), 0, 4)
    put(report["total_weight"], 5, 5, align="right")
    put(report["total_score"], 6, 6, align="right")
    put("", 7, 7)
    r += 1
    put(L("评分等级"), 0, 1)
    put(report["grade"], 2, 7)
    return out


def render(report: dict, layout: Layout, labels: dict[str, str] | None = None) -> Rendered:
    cells = cells_of(report, labels)
    size = layout.size
    line_h = size * 1.3
    xs = [layout.x0]
    for w in layout.widths:
        xs.append(xs[-1] + w)
    n_rows = max(c.r1 for c in cells) + 1
    # row heights: enough for the wrapped text of the one-row cells
    heights = [line_h + 2 * PAD] * n_rows
    wrapped = {}
    for idx, c in enumerate(cells):
        width = xs[c.c1 + 1] - xs[c.c0] - 2 * PAD
        lines = wrap(c.text, width, size)
        wrapped[idx] = lines
        if c.r0 == c.r1:
            heights[c.r0] = max(heights[c.r0], len(lines) * line_h + 2 * PAD)
    ys = [layout.top]
    for h in heights:
        ys.append(ys[-1] + h)
    out = Rendered()
    for idx, c in enumerate(cells):
        left, right = xs[c.c0], xs[c.c1 + 1]
        top, bottom = ys[c.r0], ys[c.r1 + 1]
        lines = wrapped[idx]
        y = (top + bottom) / 2 - len(lines) * line_h / 2
        for ln in lines:
            width = sum(_adv(ch, size) for ch in ln)
            x = right - PAD - width if c.align == "right" else left + PAD
            for ch in ln:
                a = _adv(ch, size)
                cy = y + line_h / 2
                out.chars.append((ch, x, x + a, cy - size / 2, cy + size / 2, size, True, 0))
                x += a
            y += line_h
        for yy in (top, bottom):
            out.edges.append({"object_type": "line", "orientation": "h", "x0": left, "x1": right,
                              "top": yy, "bottom": yy, "width": right - left, "height": 0,
                              "stroke": True, "stroking_color": (0,)})
        if layout.ruled:
            for xx in (left, right):
                out.edges.append({"object_type": "line", "orientation": "v", "x0": xx, "x1": xx,
                                  "top": top, "bottom": bottom, "width": 0, "height": bottom - top,
                                  "stroke": True, "stroking_color": (0,)})
    return out
