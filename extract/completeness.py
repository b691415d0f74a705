"""How many reports a document starts, counted apart from the form reader.

The form reader (:mod:`extract.form`) can fail on a layout it has never seen and drop a report
without an error. So every page is also read for a second, simpler signal, straight from its
printed characters: each ``项目名称`` label starts a report, and a title line
(``…项目支出绩效自评表``) or the indicator header (一级指标 … 三级指标 …) marks a page of the
form. :func:`missing_reports` compares that count with the reports the reader produced; a
report started but not read, or a page of the form that yields no report, is a
:class:`~extract.records.MissingReport`, never merely a skipped page. Two signals that disagree
are a finding, never a silent pick: the count only ever adds findings, it never invents a
report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from extract import headers as H
from extract.grid import Char, printed_lines
from extract.records import MissingReport, RawReport

#: the label that starts a report
START_LABEL = "项目名称"
#: a title line of the form: a short prefix (财政 / 部门预算 / 2023年 …), the title, a year
TITLE_LINE = re.compile(r"^[\u4e00-\u9fff\d]{0,10}项目支出绩效自评表(\(\d{4}年度?\))?$")
#: the indicator header: all of these on one printed line
HEADER_WORDS = ("一级指标", "二级指标", "三级指标")
#: labels that end the project name legible after 项目名称 on the same line
_NAME_STOPS = (*(k for k in H.LABELS if k != START_LABEL), "(", ":")


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What one page's printed characters say, whatever the reader made of them."""

    page: int
    #: one entry per 项目名称 label: the project name legible after it on its line, or None
    starts: tuple[str | None, ...] = ()
    title: bool = False
    header: bool = False


def page_signals(page: int, chars: Iterable[Char]) -> PageSignals:
    """Count the report starts, the title and the indicator header of one page."""
    starts: list[str | None] = []
    title = header = False
    for line in printed_lines(chars):
        text = H.norm("".join(c.text for c in line))
        if TITLE_LINE.match(text):
            title = True
        if all(w in text for w in HEADER_WORDS):
            header = True
        pos = text.find(START_LABEL)
        while pos >= 0:
            starts.append(_name_after(text[pos + len(START_LABEL):]))
            pos = text.find(START_LABEL, pos + len(START_LABEL))
    return PageSignals(page, tuple(starts), title, header)


def _name_after(rest: str) -> str | None:
    rest = rest.lstrip(":")
    cut = min((i for i in (rest.find(s) for s in _NAME_STOPS) if i >= 0), default=len(rest))
    return rest[:cut][:40] or None


def missing_reports(signals: Iterable[PageSignals], reports: Sequence[RawReport],
                    notes: Mapping[int, str]) -> tuple[MissingReport, ...]:
    """Reports the pages start but the reader did not produce, and pages of the form that
    yield no report. ``notes``: pages the reader set aside on purpose (sibling forms)."""
    read_starts = Counter(r.pages[0] for r in reports if r.pages)
    read_names = {(r.pages[0], H.norm(r.project_name)) for r in reports if r.pages}
    used = {p for r in reports for p in r.pages}
    out: list[MissingReport] = []
    for s in signals:
        if s.page in notes:
            continue
        unread = len(s.starts) - read_starts.get(s.page, 0)
        if unread > 0:
            names = [n for n in s.starts if (s.page, H.norm(n)) not in read_names]
            names += [None] * (unread - len(names))
            out.extend(MissingReport(s.page, n, "start_not_read") for n in names[:unread])
        elif not s.starts and (s.title or s.header) and s.page not in used:
            out.append(MissingReport(s.page, None, "form_page_not_read"))
    return tuple(out)
