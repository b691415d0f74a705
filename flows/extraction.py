"""Extraction of the run's new files in worker processes (see :mod:`flows.pool`).

A light module on purpose: each worker imports it (and :mod:`extract`), not Prefect or Great
Expectations, so a worker starts in a fraction of a second and holds little memory.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from extract import ExtractError, Limits, RawDocument, extract_file
from extract.errors import NoTextLayer, safe_name
from flows.pool import Ended, run_all
from load.checks import error_code_of
from load.records import SourceFile


@dataclass(frozen=True)
class Extracted:
    """One file after extraction: a document, or why it could not be read."""

    src: SourceFile
    doc: RawDocument | None = None
    error_code: str | None = None
    reason: str | None = None
    page: int | None = None
    #: pages without a text layer, left for OCR in the pool (see :func:`extract_one`)
    needs_ocr: tuple[int, ...] = ()


@dataclass(frozen=True)
class OcrJob:
    """One page of one file to read by OCR in a worker."""

    src: SourceFile
    page: int


def ocr_one(job: OcrJob) -> Any:
    """OCR of one page (in a worker process): an :class:`extract.ocr.OcrPage`, or None when
    the page cannot be rendered (the file's own extraction then says why)."""
    from extract.ocr import read_page

    try:
        with open(job.src.path, "rb") as fh:
            data = fh.read()
        return read_page(data, job.page)
    except MemoryError:
        raise
    except Exception:
        return None


def extract_one(src: SourceFile, limits: Limits | None = None, *, ocr: bool | None = None,
                ocr_pages: Mapping[int, Any] | None = None) -> Extracted:
    """Extract one file (in a worker process) under ``limits``; a file that cannot be read is
    a value, not a raise.

    ``ocr`` None (the pool's first pass): pages without a text layer are not read but listed
    (:attr:`Extracted.needs_ocr`), for :func:`extract_all` to send them to the pool one page
    each; True: read them here (``ocr_pages``: those read already); False: not at all (the
    file fails with ``no_text_layer`` as before OCR)."""
    try:
        doc = extract_file(src.path, limits=limits, ocr=bool(ocr), ocr_pages=ocr_pages)
        return Extracted(src, doc=doc, needs_ocr=doc.needs_ocr if ocr is None else ())
    except NoTextLayer as exc:
        return Extracted(src, error_code=exc.code, reason=exc.zh(), page=exc.page,
                         needs_ocr=exc.pages if ocr is None else ())
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


def extract_each(sources: Sequence[SourceFile], *, workers: int, limits: Limits,
                 fn: Callable[..., Extracted] = extract_one, ocr: bool = True
                 ) -> Iterator[tuple[int, Extracted]]:
    """``(index, extracted)`` of every source as each is done, extracted in worker processes
    under ``limits`` (see :func:`flows.pool.run_all`): the extractor stops a file at
    ``limits.seconds`` itself; its worker is killed :data:`flows.pool.GRACE` seconds later if
    it has not, and each worker's address space is capped at its start-up size plus
    ``limits.memory_mb``.

    Pages without a text layer (scans) are read by OCR in the same pool once the text pass is
    done, one page per task (each under ``limits.ocr_page_seconds``), so that the pages of
    one scan are read on every worker at once; the file is then read again with its pages'
    OCR (``ocr`` False: not at all, such a file fails with ``no_text_layer``)."""
    scans: list[tuple[int, Extracted]] = []
    for i, answer in run_all(partial(fn, limits=limits), sources, workers=workers,
                             seconds=limits.seconds, memory_mb=int(limits.memory_mb)):
        got = ended(sources[i], answer) if isinstance(answer, Ended) else answer
        if ocr and got.needs_ocr:
            scans.append((i, got))
        else:
            yield i, got
    if not scans:
        return
    jobs = [OcrJob(sources[i], page) for i, e in scans for page in e.needs_ocr]
    pages: dict[str, dict[int, Any]] = {}
    for k, got in run_all(ocr_one, jobs, workers=workers, seconds=limits.ocr_page_seconds,
                          memory_mb=int(limits.memory_mb)):
        if got is not None and not isinstance(got, Ended):
            pages.setdefault(jobs[k].src.path, {})[jobs[k].page] = got
    again = [(sources[i], pages.get(sources[i].path, {})) for i, _ in scans]
    # the file read again with its pages' OCR; a page whose OCR failed is read here (its time
    # added to the file's limit), so the limit of the whole is the file's plus each page's
    budget = limits.seconds + limits.ocr_page_seconds * max(len(e.needs_ocr) for _, e in scans)
    for k, got in run_all(partial(_with_ocr, limits=limits), again, workers=workers,
                          seconds=budget, memory_mb=int(limits.memory_mb)):
        yield scans[k][0], (ended(again[k][0], got) if isinstance(got, Ended) else got)


def _with_ocr(item: tuple[SourceFile, dict[int, Any]], limits: Limits) -> Extracted:
    src, pages = item
    return extract_one(src, limits, ocr=True, ocr_pages=pages)


def extract_all(sources: Sequence[SourceFile], *, workers: int, limits: Limits,
                fn: Callable[..., Extracted] = extract_one, ocr: bool = True
                ) -> list[Extracted]:
    """Every source extracted (see :func:`extract_each`), in the order given."""
    out: list[Extracted | None] = [None] * len(sources)
    for i, got in extract_each(sources, workers=workers, limits=limits, fn=fn, ocr=ocr):
        out[i] = got
    return out  # type: ignore[return-value]


class ExtractionStream:
    """The extraction of ``sources`` (:func:`extract_each`) running in a thread of its own (the
    pool keeps every worker busy whatever the caller is doing), its results handed over in
    batches (:meth:`batches`) so the caller can load some while the rest are read."""

    #: a batch smaller than this waits up to :data:`LINGER` seconds for more files
    MIN_BATCH = 8
    LINGER = 0.25

    def __init__(self, sources: Sequence[SourceFile], *, workers: int, limits: Limits,
                 fn: Callable[..., Extracted] = extract_one, ocr: bool = True) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._left = len(sources)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run,
                                        args=(sources, workers, limits, fn, ocr),
                                        name="jixiao-extraction", daemon=True)
        self._thread.start()

    def _run(self, sources, workers, limits, fn, ocr) -> None:
        try:
            for _, got in extract_each(sources, workers=workers, limits=limits, fn=fn, ocr=ocr):
                self._queue.put(got)
                if self._stop.is_set():
                    break
        except BaseException as exc:  # handed to the caller, which raises it
            self._queue.put(exc)

    def batches(self) -> Iterator[list[Extracted]]:
        """Lists of extracted files, in the order they were done, until every file is."""
        try:
            while self._left:
                batch = [self._take(None)]
                deadline = time.monotonic() + self.LINGER
                while self._left:
                    wait = 0.0 if len(batch) >= self.MIN_BATCH else deadline - time.monotonic()
                    try:
                        batch.append(self._take(max(wait, 0.0)))
                    except queue.Empty:
                        break
                yield batch
        finally:
            self._stop.set()

    def _take(self, timeout: float | None) -> Extracted:
        got = (self._queue.get_nowait() if timeout is not None and timeout <= 0
               else self._queue.get(timeout=timeout))
        if isinstance(got, BaseException):
            self._left = 0
            raise got
        self._left -= 1
        return got
