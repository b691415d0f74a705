"""transform: RawDocument → typed warehouse rows and data-quality findings (pure, no I/O).

Public API::

    from transform import transform_document, transform_documents, load_overrides
    from transform.targets import parse_target, parse_actual        # the target grammar
    from transform.scoring import RULE_SETS, get_rule_set           # scoring rules as data
    from transform.identity import resolve_identity                 # ids across years
    from transform.rows import CHECKS, Finding                      # row types, check codes

Modules: ``numbers`` (Decimal parsing, 元 → 万元), ``targets`` (grammar), ``scoring`` (rule sets),
``identity`` (project / indicator ids, overrides), ``rows`` (row types), ``build`` (entry point).
"""

from transform.build import transform_document, transform_documents
from transform.identity import load_overrides, resolve_documents, resolve_identity
from transform.rows import CHECKS, Finding, TransformedDocument, TransformedReport

__all__ = [
    "CHECKS",
    "Finding",
    "TransformedDocument",
    "TransformedReport",
    "load_overrides",
    "resolve_documents",
    "resolve_identity",
    "transform_document",
    "transform_documents",
]
