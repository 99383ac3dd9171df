"""Which catalog items a stored rule or ruleset document reads (the one entry point for documents).

``engine.rules.model.items_used`` computes it for a parsed rule or ruleset; :func:`items_read` does the
same for a stored JSON document, and still answers for a document that no longer parses (an old rule
whose schema moved on): every ``item`` named in its condition trees counts, so that an approval check
never skips a document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import ValidationError

from engine.rules.model import Rule, Ruleset, items_used

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


def items_read(document: Any, kind: DocumentKind) -> set[str]:
    """Items the stored ``document`` (a rule or a ruleset) reads; a document that does not parse counts
    every item it names."""
    if not isinstance(document, Mapping):
        return set()
    try:
        parsed: Rule | Ruleset = (Rule if kind == "rule" else Ruleset).model_validate(document)
    except (ValidationError, ValueError, TypeError):
        return set(_named_items(document))
    return items_used(parsed)
