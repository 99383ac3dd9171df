"""The one walk over a condition tree (``all`` / ``any`` / ``at_least`` / ``not`` branches, comparison leaves).

It serves both forms a condition takes: the parsed models of ``engine.rules.model`` (``All.all``,
``AnyOf.any``, ``AtLeast.of``, ``Not.not_``, ``Comparison``) and the plain JSON document (``{"all": [...]}``,
``{"at_least": 2, "of": [...]}``, ``{"not": {...}}``, ``{"item": ...}``) that the drafters edit and the UI
shows. Nodes are visited depth first, left to right, a branch before its children. A node's place is given
as its ``trail`` from the root: ``("all", 0, "not")`` is the ``not`` of the first child of the root ``all``;
the children of an ``at_least`` node are at ``("of", i)`` (the key they have in the document);
:func:`json_path` and :func:`dotted_path` spell it the two ways the project writes paths.

Folds that compute something per branch (the compiler's SQL, the reference evaluator, the Japanese
reading) recurse themselves; everything that only visits nodes or leaves uses this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

NodeKind = Literal["all", "any", "at_least", "not", "comparison", "other"]
Trail = tuple[str | int, ...]

BRANCH_KEYS: tuple[Literal["all", "any"], ...] = ("all", "any")
AT_LEAST_KEY = "at_least"  # {"at_least": k, "of": [...]}: its children are listed under LIST_KEYS["at_least"]
LIST_KEYS: dict[str, str] = {"all": "all", "any": "any", "at_least": "of"}  # branch kind -> key of its children


def kind_of(node: Any) -> NodeKind:
    """``all`` / ``any`` / ``at_least`` / ``not`` for a branch, ``comparison`` for a leaf, ``other`` for anything else."""
    if isinstance(node, Mapping):
        for key in BRANCH_KEYS:
            if isinstance(node.get(key), list):
                return key
        if AT_LEAST_KEY in node and isinstance(node.get("of"), list):
            return "at_least"
        if "not" in node:
            return "not"
        return "comparison" if "item" in node else "other"
    for key in BRANCH_KEYS:
        if isinstance(getattr(node, key, None), list):
            return key
    if hasattr(node, AT_LEAST_KEY) and isinstance(getattr(node, "of", None), list):
        return "at_least"
    if hasattr(node, "not_"):
        return "not"
    return "comparison" if isinstance(getattr(node, "item", None), str) else "other"


def children(node: Any) -> list[tuple[Trail, Any]]:
    """The direct sub-conditions of a branch, each with its trail step (``("all", 0)``, ``("of", 1)``, ``("not",)``)."""
    kind = kind_of(node)
    doc = isinstance(node, Mapping)
    if kind in LIST_KEYS:
        key = LIST_KEYS[kind]
        subs = node[key] if doc else getattr(node, key)
        return [((key, i), sub) for i, sub in enumerate(subs)]
    if kind == "not":
        return [(("not",), node["not"] if doc else node.not_)]
    return []


@dataclass(frozen=True)
class Step:
    node: Any
    kind: NodeKind
    trail: Trail
    depth: int


def walk(node: Any, trail: Trail = (), depth: int = 0, *, postorder: bool = False) -> Iterator[Step]:
    """Every node of a condition tree, depth first, left to right: a branch before its children, or
    after them with ``postorder`` (checks that report on a branch once its parts are reported)."""
    here = Step(node, kind_of(node), trail, depth)
    if not postorder:
        yield here
    for step, sub in children(node):
        yield from walk(sub, trail + step, depth + 1, postorder=postorder)
    if postorder:
        yield here


def leaves(node: Any) -> Iterator[Any]:
    """Every comparison leaf (a ``Comparison``, or a dict with ``item``), depth first, left to right."""
    for step in walk(node):
        if step.kind == "comparison":
            yield step.node


def leaves_with_trails(node: Any) -> Iterator[tuple[Any, Trail]]:
    for step in walk(node):
        if step.kind == "comparison":
            yield step.node, step.trail


def leaf_keys(node: Any) -> list[str]:
    """The key each leaf's reported value has (a run's ``values``): the item id, ``item#k`` for the k-th
    leaf on the same item; in leaf order."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for leaf in leaves(node):
        item = str(leaf.get("item") if isinstance(leaf, Mapping) else leaf.item)
        seen[item] = seen.get(item, 0) + 1
        out.append(item if seen[item] == 1 else f"{item}#{seen[item]}")
    return out


def leaf_items(node: Any) -> list[str]:
    """The item ids of the leaves, in order, repeats kept (only string ids of a document count)."""
    out: list[str] = []
    for leaf in leaves(node):
        item = leaf.get("item") if isinstance(leaf, Mapping) else leaf.item
        if isinstance(item, str):
            out.append(item)
    return out


def json_path(base: str, trail: Trail) -> str:
    """``$.rules[0].condition`` + ``("all", 0, "not")`` -> ``$.rules[0].condition.all[0].not``."""
    out = base
    for part in trail:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def dotted_path(base: str, trail: Trail) -> str:
    """``condition`` + ``("all", 0, "not")`` -> ``condition.all.0.not`` (the UI's form)."""
    return ".".join([base, *map(str, trail)]) if trail else base


def replaced_at(doc: Any, trail: Trail, new: Any) -> Any:
    """A copy of the JSON condition ``doc`` with the node at ``trail`` (as :func:`walk` gives it) replaced by
    ``new``; the other nodes are shared, ``doc`` is not changed."""
    if not trail:
        return new
    head, rest = trail[0], trail[1:]
    if head == "not":
        return {**doc, "not": replaced_at(doc["not"], rest, new)}
    if head not in LIST_KEYS.values() or not rest or not isinstance(rest[0], int):
        raise ValueError(f"not a condition trail: {trail!r}")
    subs = list(doc[head])
    subs[rest[0]] = replaced_at(subs[rest[0]], rest[1:], new)
    return {**doc, head: subs}
