"""Check codes the load layer adds to the transform's (:data:`transform.rows.CHECKS`).

Same shape as the transform's: a stable code, a severity and a Chinese title. ``error`` rows
quarantine a document (kept in ``source_document`` and ``dq_issue``, no facts); ``warning`` rows
are recorded beside loaded facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from transform.rows import CheckSpec

_LOAD_CHECKS = (
    # the document as a whole
    CheckSpec("duplicate_file", "warning", "重复文件：内容与已收文件相同（sha256 相同），未再次载入"),
    CheckSpec("no_reports", "error", "文件中没有可载入的自评表"),
    CheckSpec("duplicate_report", "error", "同一文件中同一项目同一年度出现多次"),
    CheckSpec("duplicate_indicator", "error", "同一自评表中两行指标被识别为同一指标"),
    # history
    CheckSpec("superseded_report", "warning", "报告已被新版本替代"),
    CheckSpec("superseded_numbers_differ", "warning", "新版本与被替代版本的数字不同"),
    CheckSpec("version_not_applied", "warning",
              "新版本有数据质量问题，未替换已入库的无问题版本（请更正后重新报送）"),
    CheckSpec("older_version", "warning",
              "此版本早于已入库的版本（按文件日期，其次按收到时间），未替换"),
    CheckSpec("version_undecided", "warning",
              "同一晚收到同一项目同一年度的两个版本，无法从文件判断先后：请财政局选定"),
    # failures recorded by the caller (record_failed); the caller may use its own codes
    CheckSpec("extract_failed", "error", "文件无法读取"),
    CheckSpec("extract_crashed", "error", "读取文件时程序崩溃，文件未载入"),
    CheckSpec("too_slow", "error", "读取超过时间上限，已终止，文件未载入（下次运行重试）"),
    CheckSpec("out_of_memory", "error", "读取所需内存超过上限，文件未载入（下次运行重试）"),
    CheckSpec("worker_died", "error", "读取文件的工作进程意外终止，文件未载入（下次运行重试）"),
    # ... on a Dask cluster (flows/dask_extract.py); the next run reads the file again
    CheckSpec("not_on_worker", "error", "Dask 集群的工作进程读不到此文件，文件未载入（下次运行重试）"),
    CheckSpec("changed_on_worker", "error",
              "Dask 集群的工作进程读到的文件内容与登记的不同，文件未载入（下次运行重试）"),
    CheckSpec("cluster_unavailable", "error", "无法使用 Dask 集群，文件未读取（下次运行重试）"),
    CheckSpec("cluster_failed", "error", "在 Dask 集群上读取时出错，文件未载入（下次运行重试）"),
    CheckSpec("transform_failed", "error", "转换时发生程序错误，文件未载入"),
    CheckSpec("validation_failed", "warning", "数据质量校验未能运行，已按转换结果载入"),
    CheckSpec("load_failed", "error", "载入时发生程序错误，文件未载入"),
)

#: errors about the content of one report (its structure is sound): that report is kept out
#: of the facts, its findings recorded, and the document's other reports are loaded
REPORT_ERRORS = frozenset({"blank_results", "ocr_uncertain"})
#: error codes about one report of a document (not its structure as a whole): recorded, and
#: the document's other reports are loaded all the same (a report the reader could not read,
#: or one kept out by REPORT_ERRORS)
KEEPS_OTHER_REPORTS = frozenset({"report_missing"}) | REPORT_ERRORS

#: check code → spec, for the checks of the load layer
LOAD_CHECKS: Mapping[str, CheckSpec] = MappingProxyType({c.code: c for c in _LOAD_CHECKS})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def error_code_of(exc: BaseException) -> str:
    """A stable check code for an exception: its class name in snake case
    (``EncryptedPDF`` → ``encrypted_pdf``, ``NoTextLayer`` → ``no_text_layer``)."""
    return _CAMEL.sub("_", type(exc).__name__).lower()
