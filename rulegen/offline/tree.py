"""Walking a rule condition as a plain JSON document (the offline drafter's parts share this)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def leaves(node: Any) -> Iterator[dict[str, Any]]:
    """Every comparison leaf (a dict with ``item``) of a condition document, depth first."""
    if not isinstance(node, dict):
        return
    if "item" in node:
        yield node
    for key in ("all", "any"):
        for child in node.get(key, []):
            yield from leaves(child)
    if "not" in node:
        yield from leaves(node["not"])
