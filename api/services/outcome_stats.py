"""What the list led to: the funnel, per-rule figures and the score histogram, per run and per ruleset version.

screened -> excluded -> scored -> extracted (from the run's manifest) -> reviewed -> supported (from the
review outcomes recorded on the run; 'supported' = categories marked ``supported`` in
outcome_categories.yaml). 新規 = extracted children not extracted by the previous run (the run's diff).
Per rule: how many extracted children and how many supported children it fired for.

A ruleset version's figures add up its successful runs: each run's list is reviewed on its own, so the
counts are child-run pairs (延べ人数); ``distinct`` gives the number of different children (実人数)
extracted and supported over those runs.

Counts from 1 to 9 are suppressed (「10未満」) when the viewer has no access to the child list
(``child_access=False``: the web UI and the API decide by role: reviewers and supervisors open the
child list, an auditor does not), so that nobody learns about small groups of children from the figures.
Where a group of cells adds up to a total that is shown (the outcome categories to 確認済み, the
histogram bins to 抽出), one suppressed cell would follow from the others: then the next smallest
cell is suppressed too. The share supported among reviewed is withheld when either of its parts
(supported, reviewed but not supported) is under 10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.context import ServiceContext
from api.db.models import RulesetVersion, Run
from api.errors import NotFound
from api.services import outcomes
from engine.errors import TsunaguError

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


def cell(n: int, child_access: bool) -> Cell:
    if not child_access and 0 < n < SUPPRESS_BELOW:
        return Cell(None, True)
    return Cell(n, False)


def group_cells(values: list[int], child_access: bool) -> list[Cell]:
    """Cells of a group whose sum is shown elsewhere: a lone suppressed cell takes the next smallest with it."""
    cells = [cell(n, child_access) for n in values]
    hidden = [i for i, c in enumerate(cells) if c.suppressed]
    if len(hidden) == 1:
        others = sorted((n, i) for i, n in enumerate(values) if i != hidden[0] and n > 0)
        if others:
            cells[others[0][1]] = Cell(None, True)
    return cells


@dataclass
class Figures:
    """Raw counts of one run or of several runs added up (never shown as such: see ``present``)."""

    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k, _ in FUNNEL_STEPS})
    newly: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    fired_extracted: dict[str, int] = field(default_factory=dict)
    fired_supported: dict[str, int] = field(default_factory=dict)
    totals: list[int] = field(default_factory=list)
    extracted_ids: set[str] = field(default_factory=set)
    supported_ids: set[str] = field(default_factory=set)

    def add(self, other: Figures) -> None:
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v
        self.newly += other.newly
        for mine, theirs in ((self.by_category, other.by_category), (self.fired_extracted, other.fired_extracted),
                             (self.fired_supported, other.fired_supported)):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
        self.totals.extend(other.totals)
        self.extracted_ids |= other.extracted_ids
        self.supported_ids |= other.supported_ids


def figures(db: Session, run: Run, children: list[Any]) -> Figures:
    """The raw counts of one successful run (children = its ChildResult list)."""
    counts = dict((run.manifest or {}).get("counts") or {})
    extracted = {c.pseudonym for c in children}
    current = outcomes.current_by_pseudonym(db, run.id, extracted)
    supported_ids = outcomes.supported_ids()
    supported = {p for p, o in current.items() if o.category in supported_ids}
    fig = Figures(counts={
        "screened": int(counts.get("screened", 0)),
        "excluded": int(counts.get("excluded", 0)),
        "scored": int(counts.get("scored", 0)),
        "extracted": len(children),
        "reviewed": len(current),
        "supported": len(supported),
    }, newly=len(set((run.diff or {}).get("newly_extracted", [])) & extracted),
        totals=[c.total for c in children], extracted_ids=extracted, supported_ids=supported)
    for o in current.values():
        fig.by_category[o.category] = fig.by_category.get(o.category, 0) + 1
    for c in children:
        for rid in {f.rule_id for f in c.fired}:
            fig.fired_extracted[rid] = fig.fired_extracted.get(rid, 0) + 1
            if c.pseudonym in supported:
                fig.fired_supported[rid] = fig.fired_supported.get(rid, 0) + 1
    return fig


def present(fig: Figures, *, child_access: bool, rule_titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The figures as shown: cells with suppression applied for viewers without access to the child list."""
    raw = fig.counts
    titles = rule_titles or {}
    rules = [
        {"rule_id": r, "title": titles.get(r, r), "extracted": cell(n, child_access).to_dict(),
         "supported": cell(fig.fired_supported.get(r, 0), child_access).to_dict()}
        for r, n in sorted(fig.fired_extracted.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    unsupported = raw["reviewed"] - raw["supported"]
    share = None
    if raw["reviewed"] and (child_access or all(n == 0 or n >= SUPPRESS_BELOW for n in (raw["supported"], unsupported))):
        share = round(raw["supported"] / raw["reviewed"], 4)
    bins = histogram(fig.totals)
    bin_cells = group_cells([n for _, _, n in bins], child_access)
    hist = [{"from": lo, "to": hi, "count": c.to_dict()} for (lo, hi, _), c in zip(bins, bin_cells, strict=True)]
    cats = outcomes.categories()
    cat_cells = group_cells([fig.by_category.get(c.id, 0) for c in cats], child_access)
    rule_cells = [cell(n, child_access) for n in fig.fired_extracted.values()] + [
        cell(n, child_access) for n in fig.fired_supported.values()]
    shown = [cell(v, child_access) for v in raw.values()] + cat_cells + bin_cells + rule_cells
    suppressed_any = any(c.suppressed for c in shown)
    return {
        "funnel": [{"step": k, "label": label, **cell(raw[k], child_access).to_dict()} for k, label in FUNNEL_STEPS],
        "supported_share": share,
        "supported_share_text": (f"{raw['supported']:,} / {raw['reviewed']:,}" if share is not None else "—"),
        "newly_extracted": cell(fig.newly, child_access).to_dict(),
        "by_category": [{"category": c.id, "label": c.label, "supported": c.supported, **cc.to_dict()}
                        for c, cc in zip(cats, cat_cells, strict=True)],
        "rules": rules,
        "histogram": hist,
        "suppressed": bool(suppressed_any),
        "notice": "" if child_access else
        "件数が10未満のところは「10未満」と表示しています（合計から逆算できるところは、もう一つの欄も伏せています）。",
    }


def run_stats(db: Session, run: Run, children: list[Any], *, child_access: bool,
              rule_titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The funnel and the per-rule figures of one successful run (children = its ChildResult list)."""
    return {
        "run_id": run.id,
        "ruleset_id": run.ruleset_key,
        "ruleset_version_id": run.ruleset_version_id,
        "reference_date": run.reference_date.isoformat(),
        **present(figures(db, run, children), child_access=child_access, rule_titles=rule_titles),
    }


def version_stats(db: Session, version_id: int, run_children: list[tuple[Run, list[Any]]], *, child_access: bool,
                  rule_titles: dict[str, str] | None = None) -> dict[str, Any]:
    """The figures of a ruleset version: its successful runs added up (延べ), with one line per run and the
    numbers of different children extracted and supported (実人数)."""
    total = Figures()
    per_run = []
    for run, children in run_children:
        fig = figures(db, run, children)
        total.add(fig)
        per_run.append({"run_id": run.id, "reference_date": run.reference_date.isoformat(),
                        **{k: cell(fig.counts[k], child_access).to_dict() for k in ("extracted", "reviewed", "supported")},
                        "newly_extracted": cell(fig.newly, child_access).to_dict()})
    return {
        "ruleset_version_id": version_id,
        "runs": per_run,
        "distinct": {"extracted": cell(len(total.extracted_ids), child_access).to_dict(),
                     "supported": cell(len(total.supported_ids), child_access).to_dict()},
        **present(total, child_access=child_access, rule_titles=rule_titles),
    }


VERSION_RUNS_MAX = 60


def version_runs(ctx: ServiceContext, db: Session, version_id: int) -> tuple[RulesetVersion, list[tuple[Run, list[Any]]]]:
    """A ruleset version and its latest successful runs (at most ``VERSION_RUNS_MAX``, oldest first) with their
    children; a run whose results file is gone or fails its hash check is left out (its own page says why)."""
    from api.services import runs

    rv = db.get(RulesetVersion, version_id)
    if rv is None:
        raise NotFound(f"ルールセットの版 {version_id} はありません")
    found = list(db.execute(sa.select(Run).where(Run.ruleset_version_id == version_id, Run.status == "succeeded")
                            .order_by(Run.id.desc()).limit(VERSION_RUNS_MAX)).scalars())
    out = []
    for r in reversed(found):
        try:
            out.append((r, runs.load_children(ctx, r).children))
        except TsunaguError:
            continue
    return rv, out


def version_figures(ctx: ServiceContext, db: Session, version_id: int, *, child_access: bool) -> dict[str, Any]:
    """``version_stats`` of a ruleset version's runs, with the ruleset's id, version number and rule titles."""
    rv, run_children = version_runs(ctx, db, version_id)
    titles = {x["id"]: x.get("title", x["id"]) for x in (rv.document or {}).get("rules", []) if isinstance(x, dict)}
    stats = version_stats(db, version_id, run_children, child_access=child_access, rule_titles=titles)
    return {"ruleset_id": rv.ruleset_key, "version": rv.version, "runs_max": VERSION_RUNS_MAX, **stats}


def version_figures_logged(ctx: ServiceContext, db: Session, actor: Any, version_id: int, *,
                           child_access: bool) -> dict[str, Any]:
    """``version_figures``, the viewing written to the operation log in ``db``'s transaction (the API's)."""
    from api import audit_store

    stats = version_figures(ctx, db, version_id, child_access=child_access)
    audit_store.append(db, actor, "outcome_stats_viewed", "ruleset_version", version_id,
                       details={"ruleset_version_id": version_id, "runs": [r["run_id"] for r in stats["runs"]],
                                "suppressed": stats["suppressed"]})
    return stats
