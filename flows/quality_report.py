"""The run's data-quality report: one self-contained HTML page in Chinese, readable offline.

It replaces Great Expectations' Data Docs as the page people read: those load their styles and
scripts from public CDNs and show an empty page on an intranet without internet. This page has
its style inline, no script, and no link to anything outside itself. It lists every file of the
run with its unit and outcome, then every finding with the file, the page, the project, the rule
(code and meaning) and both numbers (as printed, and as the rule gives).

Written to ``<warehouse folder>/reports/run-<time>-<id>.html`` and copied to ``latest.html``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from flows.alerts import STATUS_LABELS
from flows.schedule import TZ, shanghai
from transform.rows import Finding

STATE_LABELS = {"completed": "完成（无问题）", "completed_with_problems": "完成（有问题文件）",
                "running": "运行中",
                "interrupted": "中断（进程被终止；本报告由下次运行按已入库记录补写）"}
SEVERITY_LABELS = {"error": "错误", "warning": "警告"}

_STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","WenQuanYi Micro Hei",
SimSun,sans-serif;margin:24px;color:#222;font-size:14px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef2f7}td.num{text-align:right;white-space:nowrap}
td.nowrap{white-space:nowrap}td.name{min-width:13em}
.error{color:#b00020;font-weight:bold;white-space:nowrap}.warning{color:#8a5a00;white-space:nowrap}
.state-completed{color:#1b7f3b}.state-completed_with_problems,.state-interrupted{color:#b00020}
.muted{color:#666}
"""


@dataclass(frozen=True, slots=True)
class FileLine:
    """One file of the run as the report shows it."""

    file: str
    status: str
    unit: str | None = None
    reason: str | None = None


def check_title(code: str) -> str:
    """The Chinese meaning of a check code (transform's and load's registries), else ''."""
    from load.checks import LOAD_CHECKS
    from transform.rows import CHECKS

    spec = CHECKS.get(code) or LOAD_CHECKS.get(code)
    return spec.title if spec else ""


def render(run_id: str, state: str, counts: Mapping[str, int], files: Sequence[FileLine],
           findings: Sequence[Finding], *, started_at: datetime | None = None,
           finished_at: datetime | None = None) -> str:
    """The report as one HTML document (no external reference)."""
    e = escape
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f"<title>jixiao 数据质量报告 {e(run_id)}</title>", f"<style>{_STYLE}</style>",
           "</head><body>", "<h1>jixiao 数据质量报告（财政项目支出绩效自评表入库）</h1>",
           f'<p>运行 <code>{e(run_id)}</code>，开始 {e(shanghai(started_at))}，'
           f'结束 {e(shanghai(finished_at))}（北京时间）。状态：'
           f'<span class="state-{e(state)}">{e(STATE_LABELS.get(state, state))}</span></p>']
    out.append("<h2>统计</h2><table><tr>" + "".join(
        f"<th>{e(k)}</th>" for k in counts) + "</tr><tr>" + "".join(
        f'<td class="num">{v}</td>' for v in counts.values()) + "</tr></table>")

    out.append(f"<h2>文件（{len(files)} 个）</h2>")
    if files:
        out.append("<table><tr><th>文件</th><th>单位</th><th>状态</th><th>原因</th></tr>")
        order = ("failed", "quarantined", "duplicate", "loaded", "superseded")
        for f in sorted(files, key=lambda f: order.index(f.status) if f.status in order else 9):
            cls = "nowrap error" if f.status in ("failed", "quarantined") else "nowrap"
            out.append(f'<tr><td class="name">{e(f.file)}</td><td class="name">{e(f.unit or "")}'
                       f'</td><td class="{cls}">{e(STATUS_LABELS.get(f.status, f.status))}</td>'
                       f"<td>{e(f.reason or '')}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="muted">本次运行没有新文件。</p>')

    ranked = sorted(findings, key=lambda f: (f.severity != "error", f.file, f.page or 0))
    out.append(f"<h2>问题（{len(ranked)} 条）</h2>")
    if ranked:
        out.append("<table><tr><th>严重程度</th><th>文件</th><th>页码</th><th>项目</th>"
                   "<th>规则</th><th>填报值</th><th>应为</th><th>说明</th></tr>")
        for f in ranked:
            title = check_title(f.check_code)
            rule = f"<code>{e(f.check_code)}</code>" + (f"<br>{e(title)}" if title else "")
            out.append(
                f'<tr><td class="{e(f.severity)}">{e(SEVERITY_LABELS.get(f.severity, f.severity))}'
                f"</td><td>{e(f.file)}</td><td class=\"num\">{f.page or ''}</td>"
                f"<td>{e(f.project_name or '')}</td><td>{rule}</td>"
                f"<td>{e(f.printed or '')}</td><td>{e(f.expected or '')}</td>"
                f"<td>{e(f.message)}</td></tr>")
        out.append("</table>")
    else:
        out.append('<p class="muted">没有新问题。</p>')
    out.append(f'<p class="muted">生成于 {datetime.now(TZ):%Y-%m-%d %H:%M:%S}（北京时间）；'
               "查询全部问题：<code>jixiao issues</code>。</p></body></html>")
    return "\n".join(out) + "\n"


def write(folder: Path, run_id: str, html: str, *, at: datetime | None = None) -> Path:
    """Write the run's report and ``latest.html``; returns the run's file."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (at or datetime.now(TZ)).astimezone(TZ).strftime("%Y%m%d-%H%M%S")
    path = folder / f"run-{stamp}-{run_id[:8]}.html"
    path.write_text(html, encoding="utf-8")
    shutil.copyfile(path, folder / "latest.html")
    return path
