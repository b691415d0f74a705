"""Which files a command or a run works on (kept free of Prefect, so ``jixiao extract`` starts fast).

An inbox holds what people put there: besides PDFs, folders named ``x.pdf``, named pipes, broken
links and links that point at themselves. None of them may hang a night or end it in a
traceback: :func:`scan` returns the regular files to read and, apart, every entry it passed
over with a one-line reason (English for the operator, Chinese for the bureau).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry that is not a file to read, and why."""

    path: Path
    reason: str
    reason_zh: str


@dataclass
class Inbox:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _kind(p: Path) -> tuple[str, str] | None:
    """None for a regular file (through links), else why it is not one (en, zh)."""
    try:
        mode = p.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop", "符号链接循环"
        if p.is_symlink():
            return "a broken symbolic link", "符号链接指向的文件不存在"
        return f"cannot be read ({exc.strerror})", f"无法读取（{exc.strerror}）"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder named like a PDF", "是一个以 .pdf 结尾的文件夹，不是文件"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file", "是命名管道（FIFO），不是文件"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file", "是套接字，不是文件"
    return "not a regular file", "不是普通文件"


def scan(paths: Iterable[str | Path]) -> Inbox:
    """Files given (a missing one is the caller's to report) and every ``*.pdf`` below folders
    given, at any depth, links to folders not followed (no loop); in a stable order, each file
    once. Entries that are not regular files are passed over with their reason."""
    inbox = Inbox()
    seen: set[Path] = set()

    def take(q: Path) -> None:
        why = _kind(q)
        if why is not None:
            inbox.skipped.append(Skipped(q, *why))
            return
        key = q.resolve()
        if key not in seen:
            seen.add(key)
            inbox.files.append(q)

    for p in map(Path, paths):
        if not p.is_dir():
            if p.exists() or p.is_symlink():
                take(p)
            else:
                inbox.files.append(p)  # missing: the caller reports it
            continue
        for root, dirs, names in os.walk(p):
            dirs.sort()
            here = Path(root)
            for d in dirs:
                if d.lower().endswith(".pdf"):
                    take(here / d)
            for name in sorted(names):
                if name.lower().endswith(".pdf"):
                    take(here / name)
    return inbox


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """The files :func:`scan` finds (entries passed over are left out)."""
    return scan(paths).files
