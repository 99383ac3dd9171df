"""What the list led to: the funnel, per-rule figures and the score histogram of a run.

screened -> excluded -> scored -> extracted (from the run's manifest) -> reviewed -> supported (from the
review outcomes recorded on the run; 'supported' = categories marked ``supported`` in
outcome_categories.yaml). 新規 = extracted children not extracted by the previous run (the run's diff).
Per rule: how many extracted children and how many supported children it fired for.

Counts from 1 to 9 are suppressed (「10未満」) when the viewer has no access to the child list
(``child_access=False``), so that nobody learns about small groups of children from the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.db.models import Run
from api.services import outcomes

SUPPRESS_BELOW = 10
FUNNEL_STEPS: tuple[tuple[str, str], ...] = (
    ("screened", "対象のこども"),
    ("excluded", "除外（要対協登録中など）"),
    ("scored", "点数が付いたこども"),
    ("extracted", "抽出（確認候補）"),
    ("reviewed", "確認済み"),
    ("supported", "支援につながった"),
)


@dataclass(frozen=True)
class Cell:
    value: int | None  # None when suppressed
    suppressed: bool

    @property
    def display(self) -> str:
        return "10未満" if self.suppressed else f"{self.value:,}"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed, "display": self.display}


def cell(n: int, child_access: bool) -> Cell:
    if not child_access and 0 < n < SUPPRESS_BELOW:
        return Cell(None, True)
    return Cell(n, False)


def histogram(totals: list[int], width: int = 5) -> list[tuple[int, int, int]]:
    """(lower, upper inclusive, count) bins of ``width`` points covering the totals."""
    if not totals:
        return []
    lo = (min(totals) // width) * width
    hi = (max(totals) // width) * width
    counts = {b: 0 for b in range(lo, hi + 1, width)}
    for t in totals:
        counts[(t // width) * width] += 1
    return [(b, b + width - 1, n) for b, n in sorted(counts.items())]


def run_stats(db: Session, run: Run, children: list[Any], *, child_access: bool,
              rule_titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The funnel and the per-rule figures of one successful run (children = its ChildResult list)."""
    counts = dict((run.manifest or {}).get("counts") or {})
    extracted = {c.pseudonym for c in children}
    current = outcomes.current_by_pseudonym(db, run.id, extracted)
    supported_ids = outcomes.supported_ids()
    supported = {p for p, o in current.items() if o.category in supported_ids}
    raw = {
        "screened": int(counts.get("screened", 0)),
        "excluded": int(counts.get("excluded", 0)),
        "scored": int(counts.get("scored", 0)),
        "extracted": len(children),
        "reviewed": len(current),
        "supported": len(supported),
    }
    newly = set((run.diff or {}).get("newly_extracted", [])) & extracted
    by_category: dict[str, int] = {c.id: 0 for c in outcomes.categories()}
    for o in current.values():
        by_category[o.category] = by_category.get(o.category, 0) + 1
    fired_extracted: dict[str, int] = {}
    fired_supported: dict[str, int] = {}
    for c in children:
        for f in {f.rule_id for f in c.fired}:
            fired_extracted[f] = fired_extracted.get(f, 0) + 1
            if c.pseudonym in supported:
                fired_supported[f] = fired_supported.get(f, 0) + 1
    titles = rule_titles or {}
    rules = [
        {"rule_id": r, "title": titles.get(r, r), "extracted": cell(n, child_access).to_dict(),
         "supported": cell(fired_supported.get(r, 0), child_access).to_dict()}
        for r, n in sorted(fired_extracted.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    share = None
    if raw["reviewed"] and (child_access or raw["reviewed"] >= SUPPRESS_BELOW):
        share = round(raw["supported"] / raw["reviewed"], 4)
    hist = [{"from": a, "to": b, "count": cell(n, child_access).to_dict()}
            for a, b, n in histogram([c.total for c in children])]
    suppressed_any = not child_access and any(0 < v < SUPPRESS_BELOW for v in raw.values())
    return {
        "run_id": run.id,
        "ruleset_id": run.ruleset_key,
        "ruleset_version_id": run.ruleset_version_id,
        "reference_date": run.reference_date.isoformat(),
        "funnel": [{"step": k, "label": label, **cell(raw[k], child_access).to_dict()} for k, label in FUNNEL_STEPS],
        "supported_share": share,
        "supported_share_text": (f"{raw['supported']:,} / {raw['reviewed']:,}" if share is not None else "—"),
        "newly_extracted": cell(len(newly), child_access).to_dict(),
        "by_category": [{"category": c.id, "label": c.label, "supported": c.supported,
                         **cell(by_category.get(c.id, 0), child_access).to_dict()} for c in outcomes.categories()],
        "rules": rules,
        "histogram": hist,
        "suppressed": suppressed_any,
        "notice": "件数が10未満のところは「10未満」と表示しています。" if not child_access else "",
    }
