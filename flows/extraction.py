"""Extraction of the run's new files in worker processes (see :mod:`flows.pool`).

A light module on purpose: each worker imports it (and :mod:`extract`), not Prefect or Great
Expectations, so a worker starts in a fraction of a second and holds little memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from extract import ExtractError, Limits, RawDocument, extract_file
from extract.errors import safe_name
from flows.pool import Ended, run_all
from load.checks import error_code_of
from load.documents import SourceFile


@dataclass(frozen=True)
class Extracted:
    """One file after extraction: a document, or why it could not be read."""

    src: SourceFile
    doc: RawDocument | None = None
    error_code: str | None = None
    reason: str | None = None
    page: int | None = None


def extract_one(src: SourceFile, limits: Limits | None = None) -> Extracted:
    """Extract one file (in a worker process) under ``limits``; a file that cannot be read is
    a value, not a raise."""
    try:
        return Extracted(src, doc=extract_file(src.path, limits=limits))
    except ExtractError as exc:
        return Extracted(src, error_code=exc.code, reason=exc.zh(), page=exc.page)
    except MemoryError:
        raise  # the pool records it (out_of_memory)
    except Exception as exc:  # a bug or a file no rule foresaw: recorded, never fatal
        return Extracted(src, error_code=error_code_of(exc),
                         reason=f"{safe_name(src.file_name)}：读取时发生意外错误（"
                                f"{type(exc).__name__}: {exc}），文件未载入；请附上文件报告此问题")


#: what the run says of a file whose worker gave no answer, by :class:`flows.pool.Ended` code
_ENDED = {
    "too_slow": "读取超过时间上限（{detail}），已终止，文件未载入；今晚不再重试，下次运行将重新读取。"
                "若文件确实很大，可调高 JIXIAO_LIMIT_SECONDS",
    "out_of_memory": "读取所需内存超过上限（{detail}），文件未载入；今晚不再重试，下次运行将重新"
                     "读取。请检查文件是否异常，或调高 JIXIAO_LIMIT_MEMORY_MB",
    "worker_died": "读取文件的工作进程意外终止（{detail}），文件未载入；今晚不再重试，"
                   "下次运行将重新读取。请检查文件，或附上文件报告此问题",
}


def ended(src: SourceFile, end: Ended) -> Extracted:
    """The record of a file whose worker was ended or died (see :data:`_ENDED`)."""
    return Extracted(src, error_code=end.code,
                     reason=f"{safe_name(src.file_name)}：" + _ENDED[end.code].format(
                         detail=end.detail))


def extract_all(sources: Sequence[SourceFile], *, workers: int, limits: Limits,
                fn: Callable[..., Extracted] = extract_one) -> list[Extracted]:
    """Every source extracted in worker processes under ``limits``, in the order given (see
    :func:`flows.pool.run_all`): the extractor stops a file at ``limits.seconds`` itself; its
    worker is killed :data:`flows.pool.GRACE` seconds later if it has not, and each worker's
    address space is capped at its start-up size plus ``limits.memory_mb``."""
    out: list[Extracted | None] = [None] * len(sources)
    for i, got in run_all(partial(fn, limits=limits), sources, workers=workers,
                          seconds=limits.seconds, memory_mb=int(limits.memory_mb)):
        out[i] = ended(sources[i], got) if isinstance(got, Ended) else got
    return out  # type: ignore[return-value]
