"""A plain-Python reference evaluator: the rule semantics stated record at a time.

It exists to check the SQL engine (the tests compare both on random rules and random marts), so it
favours obviousness over speed. Semantics (see also ``engine.rules.model`` and
``engine.rules.semantics``):

- screened: children with a birth month no later than the reference month, in the ruleset's population;
- a leaf reads the child's value, its household's value, every guardian of its household (ANY, or ALL with ``guardians: "all"``), or
  an aggregate of the child's / household's events in ``[window start, reference date)``;
- a missing value makes the comparison take its ``when_missing`` (the leaf's, else the rule's or
  the exclusion's); ``is_null`` / ``not_null`` test missingness; a household without guardians is
  one virtual guardian whose value is missing;
- a rule fires when the child is in its population and its condition holds;
- side scores are summed, capped per side, summed into the total, capped;
- excluded children and children with total 0 are not ranked; rank order is total desc, max side
  score desc, number of fired rules desc, pseudonym asc;
- extraction: the first ``top_n`` by rank with ``total >= min_score``, then each one-side extra in
  order: the not-yet-extracted children with that side's score ``>= min_side_score``, by that
  side's score desc then the rank order, first ``top_n`` of them.
- reported values: per fired rule, per leaf (``item`` or ``item#k`` for the k-th leaf on the same
  item), the compared value: attribute value, aggregate value, age / stage, or for guardian items
  the sorted distinct non-missing values of the household's guardians, then ``None`` when a guardian's
  value is missing (None without guardians).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.catalog.model import Catalog
from engine.mart.layout import (
    BIRTH_MONTH_COLUMN,
    CHILD_TABLE,
    GUARDIAN_TABLE,
    HOUSEHOLD_TABLE,
    attribute_column,
    event_table,
)
from engine.rules.model import AGE_ITEM, STAGE_ITEM, All, AnyOf, AtLeast, Comparison, Condition, Not, Population, Ruleset
from engine.rules.semantics import age_at, event_bounds, is_screened, school_stage_at
from engine.rules.walk import leaf_keys, leaves, walk

SIDES = ("welfare", "education", "both")


@dataclass
class MartData:
    """The whole mart in memory: rows as dicts keyed by column name."""

    children: list[dict[str, Any]]
    households: dict[str, dict[str, Any]]
    guardians: dict[str, list[dict[str, Any]]]  # household_id -> guardian rows
    events: dict[str, dict[str, list[tuple[dt.date, Any]]]]  # event table -> entity key -> (date, value)


def load_mart(path: Path) -> MartData:
    """Read every row of a mart (small marts only: tests)."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:

        def rows(table: str) -> list[dict[str, Any]]:
            cur = con.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema='main'").fetchall()}
        children = rows(CHILD_TABLE)
        households = {h["household_id"]: h for h in rows(HOUSEHOLD_TABLE)} if HOUSEHOLD_TABLE in tables else {}
        guardians: dict[str, list[dict[str, Any]]] = {}
        if GUARDIAN_TABLE in tables:
            for g in rows(GUARDIAN_TABLE):
                if g["household_id"] is not None:
                    guardians.setdefault(g["household_id"], []).append(g)
        events: dict[str, dict[str, list[tuple[dt.date, Any]]]] = {}
        for t in sorted(x for x in tables if x.startswith("ev_")):
            by_key: dict[str, list[tuple[dt.date, Any]]] = {}
            for r in rows(t):
                key: str = r["child_id"] if "child_id" in r else r["household_id"]  # whose event
                by_key.setdefault(key, []).append((r["event_date"], r["value"]))
            events[t] = by_key
    finally:
        con.close()
    return MartData(children, households, guardians, events)


@dataclass
class ChildEval:
    pseudonym: str
    excluded: bool
    scores: dict[str, int]
    total: int
    fired: list[tuple[str, int, dict[str, Any]]]  # (rule id, points, values), in ruleset order
    max_side: int = 0


@dataclass
class ReferenceResult:
    evaluations: dict[str, ChildEval]  # every screened child
    extracted: list[tuple[str, int, str]] = field(default_factory=list)  # (pseudonym, rank, reason)
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        ev = self.evaluations.values()
        return {
            "screened": len(self.evaluations),
            "excluded": sum(1 for e in ev if e.excluded),
            "scored": sum(1 for e in ev if not e.excluded and e.total > 0),
        }


def _typed(v: Any, item_type: str) -> Any:
    if item_type == "date" and isinstance(v, str):
        return dt.date.fromisoformat(v)
    return v


def compare(v: Any, op: str, value: Any, item_type: str) -> bool:
    if op == "in":
        return v in [_typed(x, item_type) for x in value]
    if op == "not_in":
        return v not in [_typed(x, item_type) for x in value]
    if op == "between":
        return _typed(value[0], item_type) <= v <= _typed(value[1], item_type)
    w = _typed(value, item_type)
    return {
        "=": lambda: v == w,
        "!=": lambda: v != w,
        "<": lambda: v < w,
        "<=": lambda: v <= w,
        ">": lambda: v > w,
        ">=": lambda: v >= w,
    }[op]()


class Evaluator:
    def __init__(self, mart: MartData, ruleset: Ruleset, catalog: Catalog, as_of: dt.date):
        self.mart, self.rs, self.catalog, self.as_of = mart, ruleset, catalog, as_of

    def in_population(self, child: dict[str, Any], pop: Population | None) -> bool:
        if pop is None:
            return True
        age = age_at(child[BIRTH_MONTH_COLUMN], self.as_of)
        if pop.age_min is not None and age < pop.age_min:
            return False
        if pop.age_max is not None and age > pop.age_max:
            return False
        if pop.school_stages and school_stage_at(child[BIRTH_MONTH_COLUMN], self.as_of) not in pop.school_stages:
            return False
        return True

    def single(self, v: Any, c: Comparison, item_type: str, missing_met: bool) -> bool:
        if c.op == "is_null":
            return v is None
        if c.op == "not_null":
            return v is not None
        if v is None:
            return missing_met
        return compare(v, c.op, c.value, item_type)

    def leaf(self, c: Comparison, child: dict[str, Any], default_missing: str) -> tuple[bool, Any]:
        item = self.catalog[c.item]
        missing_met = (c.when_missing or default_missing) == "met"
        v: Any  # the leaf value: its type follows the item and the aggregate
        if c.item == AGE_ITEM:
            v = age_at(child[BIRTH_MONTH_COLUMN], self.as_of)
            return self.single(v, c, "integer", missing_met), v
        if c.item == STAGE_ITEM:
            v = school_stage_at(child[BIRTH_MONTH_COLUMN], self.as_of)
            return self.single(v, c, "category", missing_met), v
        hh = child.get("household_id")
        if item.kind == "event":
            agg = c.aggregate
            assert agg is not None
            key = child["child_id"] if item.entity == "child" else hh
            start, end = event_bounds(agg, self.as_of)
            rows = [
                val
                for (d, val) in (self.mart.events.get(event_table(item.id), {}).get(key, []) if key is not None else [])
                if d is not None and (start is None or start <= d) and d < end
            ]
            vf = agg.value_filter
            if vf is not None:
                rows = [val for val in rows if val is not None and compare(val, vf.op, vf.value, item.type)]
            present = [val for val in rows if val is not None]
            if agg.fn == "count":
                v = len(rows)
                vtype = "integer"
            elif agg.fn == "exists":
                v, vtype = len(rows) > 0, "bool"
            elif agg.fn == "sum":
                v, vtype = sum(present), item.type
            elif agg.fn == "min":
                v, vtype = (min(present) if present else None), item.type
            else:
                v, vtype = (max(present) if present else None), item.type
            return self.single(v, c, vtype, missing_met), v
        column = attribute_column(item.id)
        if item.entity == "child":
            v = child.get(column)
            return self.single(v, c, item.type, missing_met), v
        if item.entity == "household":
            v = self.mart.households.get(hh, {}).get(column) if hh is not None else None
            return self.single(v, c, item.type, missing_met), v
        guardians = self.mart.guardians.get(hh, []) if hh is not None else []
        if not guardians:
            return self.single(None, c, item.type, missing_met), None
        values = [g.get(column) for g in guardians]
        each = (self.single(v, c, item.type, missing_met) for v in values)
        held = all(each) if c.guardians == "all" else any(each)
        return held, sorted({v for v in values if v is not None}) + ([None] if None in values else [])

    def condition(self, cond: Condition, child: dict[str, Any], default_missing: str, out: list[Any]) -> bool:
        # every leaf is evaluated (no short-circuit) so that the reported values are complete
        if isinstance(cond, Comparison):
            b, v = self.leaf(cond, child, default_missing)
            out.append((cond.item, v))
            return b
        if isinstance(cond, All):
            results = [self.condition(x, child, default_missing, out) for x in cond.all]
            return all(results)
        if isinstance(cond, AnyOf):
            results = [self.condition(x, child, default_missing, out) for x in cond.any]
            return any(results)
        if isinstance(cond, AtLeast):  # each part counted with the result it would have inside `any`
            results = [self.condition(x, child, default_missing, out) for x in cond.of]
            return sum(results) >= cond.at_least
        if isinstance(cond, Not):
            return not self.condition(cond.not_, child, default_missing, out)
        raise TypeError(type(cond))

    def child(self, child: dict[str, Any]) -> ChildEval:
        excluded = any(self.condition(ex.condition, child, ex.when_missing, []) for ex in self.rs.exclusions)
        raw = {s: 0 for s in SIDES}
        fired = []
        for rule in self.rs.rules:
            reported: list[Any] = []
            holds = self.condition(rule.condition, child, rule.when_missing, reported)
            if holds and self.in_population(child, rule.population):
                values = {key: v for key, (_, v) in zip(leaf_keys(rule.condition), reported, strict=True)}
                fired.append((rule.id, rule.points, values))
                raw[rule.side] += rule.points
        scores = {}
        for s in SIDES:
            cap = getattr(self.rs.scoring, s).cap
            scores[s] = min(raw[s], cap) if cap is not None else raw[s]
        total = sum(scores.values())
        if self.rs.scoring.total_cap is not None:
            total = min(total, self.rs.scoring.total_cap)
        return ChildEval(child["child_id"], excluded, scores, total, fired, max(scores.values()))


class ReportedValues(Evaluator):
    """The same semantics over the leaf values a run reported for a fired rule (``item`` / ``item#k``
    keys, as in a run's results), not over the mart: which parts of a rule held, for its explanation.

    The reported values determine every leaf's result: a guardian leaf reports the distinct values of its
    household's guardians with ``None`` last when a guardian's value is missing, so a part that holds only
    through a missing guardian value (``when_missing: met``, ``is_null``) or fails only through one
    (``guardians: "all"``) reads as it was decided. (An empty list, written by runs before the ``None``
    was reported, still reads as every guardian's value missing.)
    """

    def __init__(self, condition: Condition, values: dict[str, Any], catalog: Catalog):
        self.catalog = catalog
        self.values = {id(leaf): values.get(key) for leaf, key in zip(leaves(condition), leaf_keys(condition), strict=True)}

    def leaf(self, c: Comparison, child: dict[str, Any], default_missing: str) -> tuple[bool, Any]:
        missing_met = (c.when_missing or default_missing) == "met"
        v = self.values.get(id(c))
        item = self.catalog.get(c.item)
        vtype: str = "integer" if c.item == AGE_ITEM else "category" if c.item == STAGE_ITEM else item.type if item else "category"
        if c.aggregate is not None:
            vtype = {"count": "integer", "exists": "bool"}.get(c.aggregate.fn, vtype)

        def typed(x: Any) -> Any:
            return dt.date.fromisoformat(x) if vtype == "date" and isinstance(x, str) else x

        if item is not None and item.entity == "guardian" and c.aggregate is None and isinstance(v, list):
            each = [self.single(typed(x), c, vtype, missing_met) for x in (v or [None])]
            return (all(each) if c.guardians == "all" else any(each)), v
        return self.single(typed(v), c, vtype, missing_met), v


def at_least_parts_met(condition: Condition, values: dict[str, Any], catalog: Catalog, default_missing: str) -> list[tuple[AtLeast, list[bool]]]:
    """Per ``at_least`` branch of a rule's ``condition`` (walk order), which of its parts held, read from
    the leaf ``values`` a run reported for the rule (see :class:`ReportedValues`)."""
    ev = ReportedValues(condition, values, catalog)
    return [(step.node, [ev.condition(sub, {}, default_missing, []) for sub in step.node.of])
            for step in walk(condition) if step.kind == "at_least"]


def evaluate(mart: MartData, ruleset: Ruleset, catalog: Catalog, as_of: dt.date, *, top_n: int | None = None) -> ReferenceResult:
    ev = Evaluator(mart, ruleset, catalog, as_of)
    evaluations: dict[str, ChildEval] = {}
    for child in mart.children:
        if not is_screened(child.get(BIRTH_MONTH_COLUMN), as_of):
            continue
        if not ev.in_population(child, ruleset.population):
            continue
        evaluations[child["child_id"]] = ev.child(child)

    def key(e: ChildEval) -> tuple:
        return (-e.total, -e.max_side, -len(e.fired), e.pseudonym)

    ranked = sorted((e for e in evaluations.values() if not e.excluded and e.total > 0), key=key)
    ranks = {e.pseudonym: i + 1 for i, e in enumerate(ranked)}
    limit = top_n if top_n is not None else ruleset.extraction.top_n
    min_score = ruleset.extraction.min_score
    if limit is not None and min_score is not None:
        reason = "top_n_and_min_score"
    elif limit is not None:
        reason = "top_n"
    else:
        reason = "min_score"
    extracted = [
        (e.pseudonym, ranks[e.pseudonym], reason)
        for e in ranked
        if (limit is None or ranks[e.pseudonym] <= limit) and (min_score is None or e.total >= min_score)
    ]
    taken = {p for p, _, _ in extracted}
    for extra in ruleset.extraction.one_side_extra:
        pool = sorted(
            (e for e in ranked if e.pseudonym not in taken and e.scores[extra.side] >= extra.min_side_score),
            key=lambda e: (-e.scores[extra.side],) + key(e),
        )
        for e in pool[: extra.top_n]:
            extracted.append((e.pseudonym, ranks[e.pseudonym], f"one_side_extra:{extra.side}"))
            taken.add(e.pseudonym)
    return ReferenceResult(evaluations, extracted, ranks)
