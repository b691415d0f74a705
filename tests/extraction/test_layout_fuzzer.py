"""Layout fuzzer (tests/layout_fuzzer): a fixed slice of random whole documents must read back
cell for cell: 100 % cells exact, no report lost, none invented.

Each seed renders one small document (1-3 reports, 6-20 indicators) whose layout dimensions
are sampled independently (family, label spans, funding label, merges, rulings, page breaks,
fonts, units, notation …); a failure names the seed and its dimensions. Reproduce one with
``render(seed, Path("/tmp/x"))``; ``benchmarks/fuzz.py`` runs thousands and breaks the
failures down per dimension value.
"""

from __future__ import annotations

import pytest

from extract import ExtractError, extract_file
from tests.layout_fuzzer import compare, render

SEEDS = range(120)

pytestmark = pytest.mark.xdist_group("fuzz")


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzzed_document_reads_back(seed, tmp_path):
    pdf, truth = render(seed, tmp_path)
    try:
        got, err = extract_file(pdf).to_truth(), None
    except ExtractError as e:
        got, err = None, f"{type(e).__name__}: {e}"
    score = compare(truth, got, err)
    dims = ", ".join(f"{k}={v}" for k, v in truth["dimensions"].items())
    assert score.ok, (
        f"seed {seed}: {score.exact}/{score.cells} cells exact, {score.lost} report(s) lost, "
        f"{score.invented} invented, {score.extra_cells} extra cell(s)\n  dimensions: {dims}\n  "
        + "\n  ".join(score.diffs))


@pytest.mark.parametrize("seed", [3, 41])
def test_a_unit_sized_document_reads_back(seed, tmp_path):
    """``reports=12``: a unit's whole report (the benchmarks' night of report-sized files), its
    other dimensions drawn as for the small one."""
    pdf, truth = render(seed, tmp_path, reports=12)
    small = render(seed, tmp_path / "small")[1]
    assert len(truth["reports"]) == 12
    assert truth["dimensions"] == {**small["dimensions"], "reports": 12}
    score = compare(truth, extract_file(pdf).to_truth(), None)
    assert score.ok, f"seed {seed}: {score.exact}/{score.cells} cells exact\n  " + "\n  ".join(
        score.diffs)
