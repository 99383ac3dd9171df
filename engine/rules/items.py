"""Which catalog items a stored rule or ruleset document reads (the one entry point for documents).

``engine.rules.model.items_by_rule`` / ``items_used`` compute it for a parsed rule or ruleset;
:func:`items_read` does the same for a stored JSON document, and still answers for a document that no
longer parses (an old rule whose schema moved on): every ``item`` named anywhere in it counts, so that an
approval check never skips a document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import ValidationError

from engine.rules.model import Rule, Ruleset, items_by_rule, items_used

__all__ = ["DocumentKind", "items_by_rule", "items_read", "items_used", "parse_document"]

DocumentKind = Literal["rule", "ruleset"]


def _named_items(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        item = node.get("item")
        if isinstance(item, str):
            yield item
        for value in node.values():
            yield from _named_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _named_items(value)


def parse_document(document: Any, kind: DocumentKind) -> Rule | Ruleset | None:
    """The stored document parsed as a rule or a ruleset; None when it no longer parses."""
    if not isinstance(document, Mapping):
        return None
    try:
        return (Rule if kind == "rule" else Ruleset).model_validate(document)
    except (ValidationError, ValueError, TypeError):
        return None


def items_read(document: Any, kind: DocumentKind) -> set[str]:
    """Items the stored ``document`` (a rule or a ruleset) reads; a document that does not parse counts
    every item it names."""
    if not isinstance(document, Mapping):
        return set()
    parsed = parse_document(document, kind)
    if parsed is None:
        return set(_named_items(document))
    return items_used(parsed)
