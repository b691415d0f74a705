"""A randomized layout fuzzer for whole 自评表 documents (see ``build.DIMENSIONS``).

    from tests.layout_fuzzer import render, compare
    pdf, truth = render(seed, out_dir)          # one document, reproducible from its seed
    score = compare(truth, extract_file(pdf).to_truth())

Each document samples every dimension independently from ``random.Random(seed)``: form family
(mof2020 / sichuan), orientation, label spans, funding block label, 一级/二级 merges, header
wrapping and shading, rulings, page breaks (between reports, inside a block, inside a row, with
or without a repeated header, a merged label cut by a break printed again, on the first part only
or on the second part only), fonts (CID STSong-Light or an
embedded CJK TrueType subset; ASCII runs in Helvetica / Times / Courier), money unit and
thousands separators, target notation and header wording; one file in ten is saved with its
pages turned by ``/Rotate`` 90, 180 or 270 (drawn apart, so the rest of a seed is unchanged). Content is recombined from the
bundled truths. The truth has exactly the shape of ``RawDocument.to_truth()`` (without
``skipped_pages``) plus ``"seed"`` and ``"dimensions"``.
"""

from tests.layout_fuzzer.build import DIMENSIONS, render, sample_dimensions
from tests.layout_fuzzer.compare import Score, compare

__all__ = ["DIMENSIONS", "Score", "compare", "render", "sample_dimensions"]
