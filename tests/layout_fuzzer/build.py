"""Sample a document's dimensions, lay its reports out as tables, draw it, write its truth."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4, landscape

from tests.layout_fuzzer.content import NOTATIONS, SC_SOURCES, SOURCES, Report, sample_report
from tests.layout_fuzzer.draw import (
    EMBEDDED,
    STSONG,
    Breaks,
    Cell,
    Row,
    Style,
    Table,
    cell_lines,
    draw,
    register,
)

#: every dimension and its values, each sampled independently per document
DIMENSIONS: dict[str, tuple[Any, ...]] = {
    "family": ("mof2020", "sichuan"),
    "orientation": ("portrait", "landscape"),
    "label_cols": (1, 2),
    "funding_label": ("side-merged", "header-span"),
    "level_merge": ("merged-center", "merged-top", "repeated"),
    "header_wrap": (False, True),
    "header_shading": (False, True),
    "rulings": ("lines", "rect", "filled", "hlines", "shade"),
    "between_reports": ("new-page", "flow"),
    "forced_break": ("none", "funding", "goal", "indicators", "row"),
    "repeat_header": (False, True),
    "split_label": ("reprint", "first-only", "last-only"),
    "cjk_font": ("STSong-Light-cid-serif", "embedded-sans"),
    "ascii_font": ("cjk", "Helvetica", "Times-Roman", "Courier"),
    "money_unit": ("万元", "元"),
    "thousands": (False, True),
    "notation": NOTATIONS,
    "wording": ("standard", "alternate"),
    "year_line": ("separate", "fullwidth", "in-title"),
    "reports": (1, 2, 3),
}

#: header wordings (all listed in extract/headers.py): standard, alternate
MOF_IND = {
    "level1": ("一级指标", "一级指标"), "level2": ("二级指标", "二级指标"),
    "level3": ("三级指标", "三级指标"), "target": ("年度指标值", "指标值"),
    "actual": ("实际完成值", "全年实际值"), "weight": ("分值", "分数"), "score": ("得分", "得分"),
    "deviation_reason": ("偏差原因分析及改进措施", "偏差原因分析"),
}
SC_IND = {
    "level1": ("一级指标", "一级指标"), "level2": ("二级指标", "二级指标"),
    "level3": ("三级指标", "指标名称"), "target_operator": ("指标性质", "指标性质"),
    "target": ("指标值", "年度指标值"), "target_unit": ("度量单位", "计量单位"),
    "actual": ("完成值", "全年完成值"), "weight": ("权重", "权重"), "score": ("得分", "得分"),
    "deviation_reason": ("未完成原因分析", "未完成原因分析及改进措施"),
}
MOF_FUND = {
    "budget_initial": ("年初预算数", "年初预算数"), "budget_full_year": ("全年预算数", "全年预算数"),
    "executed": ("全年执行数", "全年执行数"), "weight": ("分数", "分值"),
    "execution_rate": ("执行率(%)", "执行率（%）"), "score": ("得分", "得分"),
}
SC_FUND = {
    "budget_initial": ("年初预算数", "年初预算"),
    "budget_full_year": ("调整后预算数", "调整后预算数"), "executed": ("预算执行数", "预算执行数"),
    "weight": ("权重", "权重"), "execution_rate": ("预算执行率", "执行率(%)"),
    "score": ("得分", "得分"), "reason": ("未完成原因", "原因"),
}
COL_WEIGHT = {"level1": 1.0, "level2": 1.15, "level3": 1.7, "target_operator": 0.75,
              "target": 1.3, "target_unit": 0.7, "actual": 1.2, "weight": 0.8, "score": 0.8,
              "deviation_reason": 1.6}
FUND_KEYS = ("budget_initial", "budget_full_year", "executed", "weight", "execution_rate",
             "score")


#: /Rotate of every page of a document: nine in ten upright, the rest turned each way
ROTATIONS = (0,) * 27 + (90, 180, 270)


def sample_dimensions(rng: random.Random) -> dict[str, Any]:
    return {k: rng.choice(v) for k, v in DIMENSIONS.items()}


def _hwrap(text: str, on: bool) -> str:
    """Header text wrapped over two lines inside its cell."""
    if not on or len(text) < 3 or "\n" in text:
        return text
    k = len(text) // 2
    while k < len(text) and text[k] in "(（%）)":
        k += 1
    return text[:k] + "\n" + text[k:] if 0 < k < len(text) else text


def report_table(rep: Report, dims: dict[str, Any], st: Style, width: float,
                 rng: random.Random, idx: int) -> Table:
    fam = dims["family"]
    L = dims["label_cols"]
    alt = 1 if dims["wording"] == "alternate" else 0
    hw = dims["header_wrap"]
    unit = dims["money_unit"]
    ind_vocab = SC_IND if fam == "sichuan" else MOF_IND
    fields = list(ind_vocab)
    # grid: indicator columns, 偏差原因 two grid columns wide where labels are
    widths: list[float] = []
    spans: dict[str, tuple[int, int]] = {}
    for f in fields:
        w = COL_WEIGHT[f] * rng.uniform(0.8, 1.25)
        if f == "deviation_reason" and L == 2:
            spans[f] = (len(widths), len(widths) + 2)
            widths += [w / 2, w / 2]
        else:
            spans[f] = (len(widths), len(widths) + 1)
            widths.append(w)
    scale = width / sum(widths)
    widths = [round(w * scale, 2) for w in widths]
    n = len(widths)
    fund_vocab = SC_FUND if fam == "sichuan" else MOF_FUND
    nf = len(fund_vocab)
    s = n - nf  # first numeric column of the funding block
    d = spans["actual"][0]
    # goal split: about half the width right of the labels
    half = sum(widths[L:]) / 2
    acc, g = 0.0, L + 1
    for k in range(L, n):
        acc += widths[k]
        if acc >= half:
            g = max(L + 1, min(n - 1, k + 1))
            break
    rows: list[Row] = []
    lab = lambda span, text, **kw: Cell(span, text, "c", kind="label", **kw)  # noqa: E731
    head = lambda span, text, **kw: Cell(span, _hwrap(text, hw), "c", kind="head", **kw)  # noqa: E731
    sc_alt = fam == "sichuan" and alt
    rows.append(Row([lab((0, L), "项目名称"), Cell((L, n), rep.project_name, "l")], "name"))
    rows.append(Row([lab((0, L), "主管部门"), Cell((L, d), rep.supervising_department, "l"),
                     lab((d, d + 1), "实施单位（盖章）" if sc_alt else "实施单位"), Cell((d + 1, n), rep.implementing_unit, "l")],
                    "dept"))
    block = ("项目资金" if fam == "mof2020" else rng.choice(("资金情况", "预算执行情况", "项目资金")))
    blabel = block + rng.choice(("({})", "（{}）")).format(unit)
    # Sichuan: 年度预算数(万元) heads the funding rows' own labels (总额 / 其中：财政资金 …)
    src_head = f"年度预算数（{unit}）" if sc_alt else ""
    if sc_alt and dims["funding_label"] == "header-span":
        blabel = src_head
    fheads = [head((s + k, s + k + 1), fund_vocab[f][alt].format(u=unit))
              for k, f in enumerate(fund_vocab)]
    side = dims["funding_label"] == "side-merged"
    if side:
        rows.append(Row([Cell((0, 1), _hwrap(blabel, hw), kind="head", merge="fund"),
                         Cell((1, s), _hwrap(src_head, hw), kind="head"), *fheads], "fundhead"))
    else:
        rows.append(Row([head((0, s), blabel), *fheads], "fundhead"))
    nums = "r" if rng.random() < 0.3 else "c"
    for j, fr in enumerate(rep.funding):
        left = (Cell((0, 1), _hwrap(blabel, hw), kind="head", merge="fund") if side
                else Cell((0, 1), "", kind="label", merge="fundblank"))
        vals = [Cell((s + k, s + k + 1), fr.get(f) if fr.get(f) is not None else "-",
                     "l" if f == "reason" else nums)
                for k, f in enumerate(fund_vocab)]
        rows.append(Row([left, lab((1, s), fr["source"]), *vals], "fund", band=j % 2 == 1))
    glabel = "年度总体目标"
    rows.append(Row([lab((0, L), glabel, merge="goal"),
                     head((L, g), "项目年度目标" if sc_alt else "预期目标"),
                     head((g, n), "年度目标完成情况" if sc_alt else "实际完成情况")], "goalhead"))
    rows.append(Row([lab((0, L), glabel, merge="goal"), Cell((L, g), rep.goal_expected, "l"),
                     Cell((g, n), rep.goal_actual, "l")], "goal"))
    header = Row([head(spans[f], ind_vocab[f][alt]) for f in fields], "head")
    rows.append(header)
    merge = dims["level_merge"]
    va = "t" if merge == "merged-top" else "c"
    l1i = l2i = -1
    prev: tuple[str | None, str | None] = (None, None)
    for k, ind in enumerate(rep.indicators):
        if ind.level1 != prev[0]:
            l1i += 1
        if (ind.level1, ind.level2) != prev:
            l2i += 1
        prev = (ind.level1, ind.level2)
        cells = []
        for f in fields:
            v = getattr(ind, f)
            if f in ("level1", "level2"):
                key = None if merge == "repeated" else (f, l1i if f == "level1" else l2i)
                cells.append(Cell(spans[f], v, "c", key, "label", va))
            elif f in ("level3", "deviation_reason"):
                cells.append(Cell(spans[f], v or "", "l" if f == "deviation_reason" else "c"))
            else:
                cells.append(Cell(spans[f], v if v is not None else "", nums))
        rows.append(Row(cells, "ind", band=k % 2 == 1))
    ws, ss = spans["weight"], spans["score"]
    rest = [Cell((a, b), "") for f, (a, b) in spans.items() if a >= ss[1]]
    total_label = "合计" if fam == "sichuan" else "总分"
    rows.append(Row([lab((0, ws[0]), total_label), Cell(ws, rep.total_weight, nums),
                     Cell(ss, rep.total_score, nums), *rest], "total"))
    if rep.grade is not None:
        rows.append(Row([lab((0, L), "评分等级"), Cell((L, n), rep.grade, "l")], "grade"))
    title = "部门预算项目支出绩效自评表" if fam == "sichuan" else "财政项目支出绩效自评表"
    yl = dims["year_line"]
    tsize = round(st.size * 1.6, 1)
    if yl == "in-title":
        tl = [(f"{title}（{rep.fiscal_year}年度）", tsize)]
    else:
        y = f"（{rep.fiscal_year}年度）" if yl == "fullwidth" else f"({rep.fiscal_year}年度)"
        tl = [(title, tsize), (y, st.size + 1)]
    return Table(widths, rows, st, tl, header, idx)


def _v(x: str | None) -> str | None:
    if x is None:
        return None
    x = x.replace("\n", "")
    return None if x.strip() in ("-", "—", "－", "–") else x


def report_truth(rep: Report, family: str, pages: list[int]) -> dict[str, Any]:
    """The report in exactly the shape of ``RawReport.to_truth()``."""
    funding = []
    for fr in rep.funding:
        d = {"source": _v(fr["source"]), **{k: _v(fr[k]) for k in FUND_KEYS}}
        if family == "sichuan":
            d["reason"] = _v(fr["reason"])
        funding.append(d)
    inds = []
    for i in rep.indicators:
        d = {"level1": _v(i.level1), "level2": _v(i.level2), "level3": _v(i.level3),
             "target": _v(i.target), "actual": _v(i.actual), "weight": _v(i.weight),
             "score": _v(i.score), "deviation_reason": _v(i.deviation_reason)}
        if family == "sichuan":
            d["target_operator"] = _v(i.target_operator)
            d["target_unit"] = _v(i.target_unit)
        inds.append(d)
    return {
        "pages": pages,
        "project_name": _v(rep.project_name),
        "supervising_department": _v(rep.supervising_department),
        "implementing_unit": _v(rep.implementing_unit),
        "funding": funding,
        "goal_expected": _v(rep.goal_expected),
        "goal_actual": _v(rep.goal_actual),
        "indicators": inds,
        "total_weight": _v(rep.total_weight),
        "total_score": _v(rep.total_score),
        "grade": _v(rep.grade),
    }


def render(seed: int, out_dir: Path, *, reports: int | None = None
           ) -> tuple[Path, dict[str, Any]]:
    """Draw document ``seed`` into ``out_dir``: the PDF and its truth. ``reports``: that many
    自评表 instead of the drawn 1–3 (a unit's whole report has about a dozen: the bundled
    samples hold 11–12); every other dimension is drawn as without it."""
    rng = random.Random(seed)
    dims = sample_dimensions(rng)
    if reports is not None:
        dims["reports"] = reports
    fam = dims["family"]
    pagesize = landscape(A4) if dims["orientation"] == "landscape" else A4
    margin = rng.uniform(28, 45)
    cjk = STSONG if dims["cjk_font"].startswith("STSong") else EMBEDDED
    register(cjk)
    latin = None if dims["ascii_font"] == "cjk" else dims["ascii_font"]
    size = rng.choice((7.5, 8.0, 8.5, 9.0, 9.5)) + (1.0 if dims["orientation"] == "landscape"
                                                      else 0.0)
    st = Style(cjk=cjk, latin=latin, size=size, leading=rng.uniform(1.2, 1.45),
               pad_x=rng.uniform(2.0, 3.5), pad_y=rng.uniform(2.0, 3.5),
               line_width=rng.choice((0.5, 0.6, 0.8)), border=dims["rulings"],
               shade_header=dims["header_shading"])
    year = rng.choice((2021, 2022, 2023, 2024))
    width = pagesize[0] - 2 * margin
    reps: list[Report] = []
    tables: list[Table] = []
    for k in range(dims["reports"]):
        sources = SC_SOURCES if fam == "sichuan" and dims["wording"] == "alternate" else SOURCES
        rep = sample_report(rng, fam, dims["notation"], dims["money_unit"], dims["thousands"],
                            rng.randint(6, 20), year, sources)
        reps.append(rep)
        tables.append(report_table(rep, dims, st, width, rng, k))
    br = Breaks(between=dims["between_reports"], forced=dims["forced_break"],
                repeat_header=dims["repeat_header"], split_label=dims["split_label"])
    if br.forced != "none":
        ti = rng.randrange(len(tables))
        t, rep = tables[ti], reps[ti]
        secs = [r.section for r in t.rows]
        br.forced_table = ti
        if br.forced == "funding":
            br.forced_at = secs.index("fund") + rng.randint(1, len(rep.funding) - 1)
        elif br.forced == "goal":
            br.forced_at = secs.index("goal")
        elif br.forced == "indicators":
            br.forced_at = secs.index("ind") + rng.randint(1, len(rep.indicators) - 1)
        else:
            gi = secs.index("goal")
            br.forced_at = gi
            br.row_lines = rng.randint(1, 2)
            # the goal texts must run over more lines than stay on the first page
            while max(len(cell_lines(t, c)) for c in t.rows[gi].cells[1:]) <= br.row_lines + 1:
                rep.goal_expected += rep.goal_actual
                t.rows[gi].cells[1].text = rep.goal_expected
    # a file saved turned by /Rotate (a scanner or a driver that saves pages sideways or upside
    # down), one in ten; drawn from a generator of its own, so the other dimensions of every
    # seed stay what they were
    dims["page_rotation"] = random.Random(f"rotate-{seed}").choice(ROTATIONS)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"fuzz-{seed}.pdf"
    pages = draw(str(pdf), tables, pagesize, margin, br, rotation=dims["page_rotation"])
    truth = {
        "file": pdf.name,
        "fiscal_year": year,
        "seed": seed,
        "synthetic": True,
        "dimensions": dims,
        "reports": [report_truth(r, fam, sorted(pages.get(k, ()))) for k, r in enumerate(reps)],
    }
    return pdf, truth
