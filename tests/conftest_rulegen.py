"""Helpers shared by the offline drafter's pin tests (tests/test_rulegen_offline*.py).

The dated parser itself is the ``parser`` fixture in tests/conftest.py (today = 2026-11-01, the date
every development set is written against)."""

from __future__ import annotations

from typing import Any

from rulegen.offline.parser import OfflineParser

TODAY_OF_THE_SETS = (2026, 11, 1)


def drafted(parser: OfflineParser, text: str, *, no_questions: bool = False) -> dict[str, Any]:
    """The rule the parser drafts from ``text``; fails the test (showing the questions) when there is none."""
    r = parser.parse(text)
    assert r.rule is not None, (text, r.questions, r.problems)
    if no_questions:
        assert not r.questions, (text, r.questions)
    return r.rule


def condition(parser: OfflineParser, text: str) -> dict[str, Any]:
    """The condition of the drafted rule."""
    cond: dict[str, Any] = drafted(parser, text)["condition"]
    return cond


def asks(parser: OfflineParser, text: str) -> None:
    """The parser drafts no rule and asks or refuses instead."""
    r = parser.parse(text)
    assert r.rule is None and (r.questions or r.problems), (text, r.rule)


def leaves(cond: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item condition in ``cond``, through all / any / at-least (of) / not."""
    if "item" in cond:
        return [cond]
    if "not" in cond:
        return leaves(cond["not"])
    for key in ("all", "any", "of"):
        if key in cond:
            return [leaf for sub in cond[key] for leaf in leaves(sub)]
    return []


def leaf_of(parser: OfflineParser, text: str, item: str) -> dict[str, Any]:
    """The drafted rule's condition on ``item``."""
    return next(c for c in leaves(condition(parser, text)) if c["item"] == item)


def item_ids(rule: dict[str, Any]) -> list[str]:
    """The items a drafted rule reads, sorted."""
    return sorted(c["item"] for c in leaves(rule["condition"]))


def top_items(cond: dict[str, Any]) -> list[tuple[str, bool]]:
    """(item, negated) of each part of one all/any branch."""
    parts = cond.get("all") or cond.get("any") or [cond]
    return [(p["not"]["item"], True) if "not" in p else (p["item"], False) for p in parts]
