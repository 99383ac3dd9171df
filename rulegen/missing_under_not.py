"""A negated comparison and missing records: the draft says which children it includes (issue 14).

「生活保護を受けていない」 can be drafted two ways that differ only for children with no record of the
item (a household not in the welfare extract, a child not yet linked):

- ``not(welfare.public_assistance = true)``: the comparison of a missing value is "not met", so its
  negation holds: children with no record are included;
- ``welfare.public_assistance = false``: only children recorded as not receiving it.

Neither is wrong, and staff rarely say which they mean, so the draft keeps the first reading, states that
children without a record are included, and offers the second as a one-click alternative
(``DraftOutcome.alternatives``, picked by the conversation without reading the text again). Only
attribute comparisons (no aggregate) are concerned: counts and ``exists`` over no rows are never missing.

This is a property of every drafter's outcome, not of one drafter: :func:`state_missing_under_not` is
called once on the outcome the staff get, by the offline drafter, the LLM drafter and the cross-checked
drafter alike (the cross-checked one combines its two drafters' outcomes before they are stated, so the
note and the choice appear once).
"""

from __future__ import annotations

from typing import Any

from engine.catalog import Catalog
from engine.rules.walk import replaced_at, walk
from rulegen.outcome import DraftOutcome

# The comparison that holds exactly when the negated one does not, for a known value.
OPPOSITE_OP = {"=": "!=", "!=": "=", "in": "not_in", "not_in": "in", ">=": "<", "<": ">=", ">": "<=", "<=": ">"}
LABEL = "記録で確認できるこどもだけにする"


def _known_only_leaf(leaf: dict[str, Any], catalog: Catalog) -> dict[str, Any] | None:
    """The leaf that holds for a known value exactly when ``not(leaf)`` does; None when missing data cannot arise."""
    if leaf.get("aggregate") or leaf.get("op") not in OPPOSITE_OP or leaf.get("when_missing") == "met":
        return None
    item = catalog.get(str(leaf.get("item")))
    if item is None:
        return None
    out = dict(leaf)
    if item.type == "bool" and leaf.get("op") in ("=", "!=") and isinstance(leaf.get("value"), bool):
        out["op"], out["value"] = "=", (not leaf["value"]) if leaf["op"] == "=" else leaf["value"]
    else:
        out["op"] = OPPOSITE_OP[leaf["op"]]
    return out


def known_only(condition: dict[str, Any], catalog: Catalog) -> tuple[dict[str, Any], list[str]]:
    """The condition with every ``not(attribute comparison)`` replaced by the opposite comparison, and the
    item ids concerned (empty when nothing changes). Only under the rule's default "not met" for missing values."""
    changed: list[str] = []
    out = condition
    steps = [s for s in walk(condition) if s.kind == "not" and isinstance(s.node.get("not"), dict) and "item" in s.node["not"]]
    for step in reversed(steps):  # deepest and rightmost first: earlier trails stay valid
        leaf = step.node["not"]
        new = _known_only_leaf(leaf, catalog)
        if new is not None:
            out = replaced_at(out, step.trail, new)
            changed.append(str(leaf["item"]))
    return out, sorted(set(changed))


def missing_note(items: list[str], catalog: Catalog) -> str:
    names = "、".join(f"「{catalog[i].name}」" for i in items)
    return (f"{names}の記録がないこども（抽出データに無い・未把握）も、「〜ではない」に含めています。"
            f"記録で「ない」と確認できるこどもだけにするには「{LABEL}」を選んでください。")


def state_missing_under_not(outcome: DraftOutcome, catalog: Catalog) -> DraftOutcome:
    """A valid draft whose negated attribute comparisons include children with no record says so, and offers
    the known-only reading as a one-click alternative (with the outcome's own provenance: the same drafter,
    model and prompt version made it). Call it once per outcome: a second call would repeat the note."""
    from rulegen.reading import rule_reading_ja
    from rulegen.validation import validate

    doc = outcome.rule_json() if outcome.ok else None
    if doc is None or doc.get("when_missing") != "not_met":
        return outcome
    condition, items = known_only(doc["condition"], catalog)
    if not items:
        return outcome
    report = validate({**doc, "condition": condition}, catalog)
    if not report.ok or report.rule is None:
        return outcome
    alt = DraftOutcome(True, report.rule, rule_reading_ja(report.rule, catalog))
    outcome.reading_ja += "\n※ " + missing_note(items, catalog)
    outcome.alternatives = [*outcome.alternatives, {
        "label": LABEL, "rule": alt.rule_json(), "reading_ja": alt.reading_ja, "drafter": outcome.drafter,
        "model": outcome.model, "prompt_version": outcome.prompt_version}]
    outcome.choices = [*outcome.choices, {"question_index": -1, "label": LABEL, "reply": LABEL,
                                          "alternative": len(outcome.alternatives) - 1}]
    return outcome
