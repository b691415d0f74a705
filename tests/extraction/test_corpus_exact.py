"""End to end: every cell of every bundled report equals its truth (white space aside)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import ExtractError, extract_file
from tests.conftest import CORPUS, MALFORMED, VARIANTS, readable_pdfs, truth_of
from tests.truth import count_cells, diff_document

READABLE = readable_pdfs()


def _id(p: Path) -> str:
    return p.relative_to(p.parents[1]).as_posix()


def test_every_good_corpus_file_is_covered():
    good = {p.name for p in CORPUS.glob("*.pdf")}
    assert good and good <= {p.name for p in READABLE}
    assert len(list(VARIANTS.glob("*.pdf"))) >= 8, "variant fixtures missing: run make fixtures"


@pytest.mark.parametrize("pdf", READABLE, ids=_id)
def test_every_cell_equals_truth(pdf: Path):
    truth = truth_of(pdf)
    doc = extract_file(pdf)
    diffs = diff_document(doc.to_truth(), truth)
    assert diffs == [], f"{pdf.name}: {len(diffs)} of {count_cells(truth)} cells differ:\n" + "\n".join(diffs[:20])
    for rep in doc.reports:
        assert rep.pages and all(1 <= p <= doc.page_count for p in rep.pages)


@pytest.mark.parametrize("pdf", [p for p in sorted(VARIANTS.glob("*.pdf")) if truth_of(p).get("skipped")],
                         ids=_id)
def test_sibling_forms_are_skipped_with_a_note(pdf: Path):
    doc = extract_file(pdf)
    skipped = {s.page: s.reason for s in doc.skipped_pages}
    for want in truth_of(pdf)["skipped"]:
        assert want["page"] in skipped
        assert want["reason_contains"] in skipped[want["page"]]


@pytest.mark.parametrize("pdf", [p for p in sorted(VARIANTS.glob("*.pdf")) if truth_of(p).get("expected_error")],
                         ids=_id)
def test_unknown_headers_fail_naming_page_and_header(pdf: Path):
    want = truth_of(pdf)["expected_error"]
    with pytest.raises(ExtractError) as info:
        extract_file(pdf)
    err = info.value
    assert type(err).__name__ == want["type"]
    assert err.page == want["page"]
    if want.get("header"):
        assert want["header"] in str(err)


def test_form_pages_found_among_others():
    doc = extract_file(CORPUS / "minhang-zonggonghui-2023.pdf")
    assert [s.page for s in doc.skipped_pages] == [1, 2, 3]
    assert "收入支出决算总表" in doc.skipped_pages[2].reason
    assert doc.reports[7].pages == (11, 12)  # the table continued on the next page
    assert {r.family for r in doc.reports} == {"mof2020"}


def test_copy_and_revision_read_like_their_originals():
    a = extract_file(CORPUS / "minhang-zonggonghui-2023.pdf")
    b = extract_file(MALFORMED / "zonggonghui-2023-copy.pdf")
    assert a.sha256 == b.sha256 and a.to_truth()["reports"] == b.to_truth()["reports"]
