"""Fixtures of the transform tests."""

from __future__ import annotations

import pytest
from corpus_helpers import GOOD, corpus_doc

from extract.records import RawDocument


@pytest.fixture(scope="session")
def good_docs() -> tuple[RawDocument, ...]:
    return tuple(corpus_doc(n) for n in GOOD)
