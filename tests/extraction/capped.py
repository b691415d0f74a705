"""Run a Python command in a process of its own, under an address-space cap and a timeout, and
measure its peak resident memory (for the hostile-input tests and ``benchmarks/hostile.py``).

The peak is the process's own ``VmHWM`` (``/proc/self/status``), written when it exits: the
``ru_maxrss`` that ``wait4`` reports for a child is at least its parent's peak (Linux copies
the peak of the memory it replaces at ``exec``, and after ``vfork`` that is the parent's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: python -c LAUNCH CAP_MIB PEAK_FILE (-m MODULE | -c CODE) ARGS…
LAUNCH = """
import atexit, resource, runpy, sys
cap = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
peak_file = sys.argv[2]

def peak():
    with open("/proc/self/status") as f:
        kib = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(peak_file, "w") as f:
        f.write(kib)

atexit.register(peak)
if sys.argv[3] == "-m":
    sys.argv = [sys.argv[4], *sys.argv[5:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    code, sys.argv = sys.argv[4], ["-c", *sys.argv[5:]]
    exec(compile(code, "<child>", "exec"), {"__name__": "__main__"})
"""


def run(args: list[str], *, cap_mb: int = 4096, timeout: float = 300.0,
        env: dict[str, str] | None = None) -> dict:
    """``python ARGS…`` (``["-m", module, …]`` or ``["-c", code, …]``) from the repository root.

    Returns ``code`` (exit status), ``killed`` (past ``timeout``), ``stdout``, ``stderr``,
    ``peak_mib`` (None if it died before writing it) and ``seconds``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out, err, peak = (Path(tmp) / n for n in ("out", "err", "peak"))
        t = time.monotonic()
        with out.open("wb") as fo, err.open("wb") as fe:
            proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(cap_mb), str(peak), *args],
                                    cwd=ROOT, stdout=fo, stderr=fe,
                                    env={**os.environ, **(env or {})})
            killed = False
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed = True
        return {"code": proc.returncode, "killed": killed, "seconds": time.monotonic() - t,
                "stdout": out.read_text("utf-8", "replace"),
                "stderr": err.read_text("utf-8", "replace"),
                "peak_mib": int(peak.read_text()) / 1024 if peak.exists() and peak.read_text()
                else None}
