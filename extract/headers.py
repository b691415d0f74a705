"""Printed header and label vocabulary of the 自评表 family, as data.

A new header variant is an edit of these tables, never a code change. Matching is done on the
*normalized* text (:func:`norm`): white space removed, full-width brackets and colons folded to
ASCII. A header that is not listed here is reported (:class:`extract.errors.UnknownHeader`),
never guessed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: full-width → ASCII for matching (one character to one, so positions are kept)
FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "％": "%"})
_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=16384)
def norm(text: str | None) -> str:
    """Normalize cell text for matching only (the printed text is kept elsewhere): white space
    removed, full-width brackets and colons folded, a trailing colon and a points annotation
    dropped (``项目名称：`` → ``项目名称``, ``绩效指标（90分）`` → ``绩效指标``)."""
    if not text:
        return ""
    return _POINTS.sub("", _SPACE.sub("", text.translate(FOLD))).rstrip(":")


#: "(10分)" after a block label or header: the points the block is worth
_POINTS = re.compile(r"\(\d+(?:\.\d+)?分\)$")


@dataclass(frozen=True)
class ColumnVocabulary:
    """Canonical column → printed header forms (normalized), for one block of the form."""

    name: str
    columns: dict[str, tuple[str, ...]]
    #: columns at least one of which must be present for a row to be this block's header
    anchors: frozenset[str]
    #: columns without which the block cannot be read
    required: frozenset[str]

    def lookup(self, text: str) -> str | None:
        """Canonical column for a printed header, or None."""
        key = norm(text)
        if not key:
            return None
        bare = _UNIT_SUFFIX.sub("", key)
        for column, forms in self.columns.items():
            if key in forms or bare in forms:
                return column
        return None


#: a unit printed after a header: 年初预算数(万元), 执行率(%), 分值(分)
_UNIT_SUFFIX = re.compile(r"\((万元|元|%|分)\)$")

#: funding block 项目资金: MOF-2020 template and its provincial variants (Sichuan 预算执行情况)
FUNDING = ColumnVocabulary(
    name="funding",
    columns={
        "budget_initial": ("年初预算数", "年初预算", "年初预算金额"),
        "budget_full_year": ("全年预算数", "调整后预算数", "全年预算", "调整后预算"),
        "executed": ("全年执行数", "预算执行数", "全年执行", "执行数", "实际支出数"),
        "weight": ("分数", "分值", "权重"),
        "execution_rate": ("执行率(%)", "执行率", "预算执行率", "预算执行率(%)"),
        "score": ("得分",),
        "reason": ("原因", "偏差原因", "未完成原因"),
    },
    anchors=frozenset({"budget_initial", "budget_full_year", "executed"}),
    required=frozenset({"budget_full_year", "executed"}),
)

#: indicator block 绩效指标
INDICATORS = ColumnVocabulary(
    name="indicators",
    columns={
        "level1": ("一级指标",),
        "level2": ("二级指标",),
        "level3": ("三级指标", "指标名称"),
        "target": ("年度指标值", "指标值", "年度目标值", "目标值"),
        "target_operator": ("指标性质",),
        "target_unit": ("度量单位", "计量单位"),
        "actual": ("实际完成值", "完成值", "全年实际值", "实际值", "全年完成值"),
        "weight": ("分值", "分数", "权重"),
        "score": ("得分",),
        "deviation_reason": (
            "偏差原因分析及改进措施",
            "偏差原因分析及改进",
            "偏差原因分析",
            "偏差原因",
            "未完成原因分析",
            "未完成原因分析及改进措施",
        ),
    },
    anchors=frozenset({"level1", "level2", "level3", "target", "actual"}),
    required=frozenset({"level3", "target", "weight", "score"}),
)

#: row labels (first cell of a row) → field, normalized
LABELS: dict[str, str] = {
    "项目名称": "project_name",
    "主管部门": "supervising_department",
    "主管单位": "supervising_department",
    "主管部门及代码": "supervising_department",
    "实施单位": "implementing_unit",
    "实施单位(盖章)": "implementing_unit",  # Sichuan 部门预算项目支出绩效自评表
    "项目实施单位": "implementing_unit",
    "执行单位": "implementing_unit",
    "年度总体目标": "goal_block",
    "总体目标": "goal_block",
    "项目基本情况": "goal_block",  # Sichuan: 项目基本情况 | 1.项目年度目标完成情况 | …
    "预期目标": "goal_expected",
    "项目年度目标": "goal_expected",  # Sichuan
    "实际完成情况": "goal_actual",
    "年度目标完成情况": "goal_actual",  # Sichuan
    "总分": "total",
    "合计": "total",
    "评分等级": "grade",
    "自评等级": "grade",
    "绩效评价等级": "grade",
    "等级": "grade",
}

#: labels of the funding block, printed in its header row: the block's own label, merged down
#: over its rows (项目资金(万元), 预算执行情况), or, in Sichuan's form, the header of the column
#: of the rows' own labels (总额 / 其中:财政资金 / 财政专户管理资金 / 单位资金 / 其他资金), naming
#: the money unit: ``年度预算数(万元)`` (published 2023 tables of 青神县 and 大英县 print
#: ``预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 |
#: 得分 | 原因`` over ``总额 | 238.93 | 251.89 | …``): it is NOT the 年初预算 column
FUNDING_BLOCK_LABELS = ("项目资金", "预算执行情况", "资金情况", "年度预算数")

#: sub-sections of the goal block, numbered in Sichuan's form (``项目基本情况 |
#: 1.项目年度目标完成情况``, then ``项目年度目标 | 年度目标完成情况``, then
#: ``2.项目实施内容及过程概述 | text``): a banner without data, and a section whose text is no goal
GOAL_BANNERS = ("项目年度目标完成情况",)
GOAL_OTHER_SECTIONS = ("项目实施内容及过程概述",)
_NUMBERED = re.compile(r"^\d+[.、．]")


def section(text: str | None) -> str:
    """Normalized text without a leading section number (``1.项目年度目标完成情况``)."""
    return _NUMBERED.sub("", norm(text))


#: labels printed above or below the table that carry no field of the report (Sichuan prints
#: ``报表编号:510000_0013zp`` above the title, and 评价结论 / 存在问题 / 改进措施 / 项目负责人 /
#: 财务负责人 rows under 合计): never read as data
NOTE_LABELS = ("报表编号",)
TRAILER_LABELS = ("评价结论", "存在问题", "改进措施", "项目负责人", "财务负责人")

#: the funding block's own label, merged over its rows; gives the money unit of the block
FUNDING_BLOCK_LABEL = re.compile(
    rf"^(?:{'|'.join(FUNDING_BLOCK_LABELS)})(?:\(?(万元|元)\)?|\()?$"  # a bracket may be cut off
    r"|^\(?(万元|元)\)$|^\((万元|元)$")
#: a bracket alone in a header cell: the end of a label wrapped past its cell, no column
STRAY_BRACKETS = frozenset({"(", ")"})

def funding_label_unit(text: str | None) -> str | None:
    """If ``text`` is the funding block's label, the money unit it names (``""`` when it names
    none: ``项目资金``); None when it is not that label."""
    m = FUNDING_BLOCK_LABEL.match(norm(text))
    return (m.group(1) or m.group(2) or m.group(3) or "") if m else None


#: labels of the indicator block spanning the whole first column in some layouts
INDICATOR_BLOCK_LABELS = ("绩效指标", "年度绩效指标")

#: the form's title; pages of the sibling forms are recognised and skipped with a note
TITLE = "项目支出绩效自评表"
SIBLING_TITLES: dict[str, str] = {
    "部门整体支出绩效自评表": "部门整体支出绩效自评表 (a whole department, not a project): skipped",
    "整体支出绩效自评表": "整体支出绩效自评表 (a whole department, not a project): skipped",
}

#: "(2023年度)" printed above the table, sometimes as its first row
YEAR_LINE = re.compile(r"^[(（]?\s*(\d{4})\s*年度?\s*[)）]?$")
#: the year inside a title line: "财政项目支出绩效自评表（2023年度）"
YEAR_IN_TITLE = re.compile(r"(\d{4})\s*年度")

#: layout families, recognised from the header cells a table uses (first match wins);
#: (family, headers any of which marks it, description)
FAMILIES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("sichuan", frozenset({"指标性质", "调整后预算数", "预算执行数", "未完成原因分析"}),
     "Sichuan 部门预算项目支出绩效自评表: operator, value and unit in columns of their own"),
    ("mof2020", frozenset(), "Ministry of Finance 2020 template (财预〔2020〕10号)"),
)

#: rows holding only these block labels carry no data (a 绩效指标 banner above the header)
BANNERS = frozenset({"绩效指标", "年度绩效指标", "项目资金", "项目资金(万元)", "项目资金(元)",
                     "预算执行情况", "资金情况"})

#: text that marks a page as a candidate 自评表 page (cheap test before building tables)
PAGE_MARKERS = ("项目名称", "一级指标", "三级指标", "评分等级", "年度指标值", "自评表")

#: printed dash for "not applicable"
NULL_CELLS = frozenset({"-", "—", "－", "–"})


def known_strings() -> tuple[str, ...]:
    """Every printed label and header, longest first (to cut run-together cells apart)."""
    forms: set[str] = set(LABELS) | set(BANNERS)
    for vocab in (FUNDING, INDICATORS):
        for names in vocab.columns.values():
            forms.update(names)
    return tuple(sorted(forms, key=len, reverse=True))


KNOWN = known_strings()
