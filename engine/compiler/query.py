"""Compile a ruleset into ONE DuckDB query, built as a sqlglot AST.

Shape of the query (CTE names are fixed, columns internal)::

    g          guardian leaves pre-aggregated per household (ANY, or ALL with guardians: "all")
    e<k>       one per event table: every (fn, time scope, value_filter) aggregate the
               ruleset needs, each computed once, grouped by the entity key
    s          one row per screened child: exclusion flag, per-side raw sums and the
               fired count (the rules' flags folded in), and the source columns the
               rules' leaves read, carried along as ``<table>__<column>``
    t          per-side scores (caps applied), total, max side score, fired count
    elig       eligible children (not excluded, total > 0)
    mainx      the main list: the first top_n by the stable key total DESC, max side
               score DESC, fired count DESC, pseudonym ASC, with its rank
    x<k>...    per one-side extra: its candidates beyond the main list and their overall rank
    cnt        counts: screened, excluded, scored
    sel        the extracted children with their carried columns
    selh, vg   the guardians' value lists, for the selected households only
    vals       the values pass: the rules' fire flags and leaf values recomputed from
               the carried columns (a projection over the selected rows)
    final      cnt LEFT JOIN vals (so counts come back even when nobody is extracted)

Rule values only ever enter the tree as literals; identifiers are quoted.
Semantics: see ``engine.rules.model`` and ``engine.rules.semantics``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from engine.catalog.model import Catalog, CatalogItem, EntityLevel
from engine.compiler import nodes as n
from engine.errors import Category, TsunaguError
from engine.mart.layout import (
    BIRTH_MONTH_COLUMN,
    CHILD_TABLE,
    ENTITY_KEY,
    EVENT_DATE_COLUMN,
    EVENT_VALUE_COLUMN,
    GUARDIAN_TABLE,
    HOUSEHOLD_TABLE,
    attribute_column,
    event_table,
)
from engine.rules.model import (
    AGE_ITEM,
    STAGE_ITEM,
    All,
    AnyOf,
    AtLeast,
    Comparison,
    Condition,
    Not,
    Population,
    Ruleset,
)
from engine.rules.semantics import add_months, event_bounds, fiscal_year, month_index
from engine.rules.stages import STAGES
from engine.rules.walk import leaf_keys

SIDES = ("welfare", "education", "both")

# one aggregate over an event table: its column, (the aggregate, its filters: [lower bound or None, ...]), the lower bound
EventAggregate = tuple[str, tuple[exp.Expression, list[exp.Expression | None]], dt.date | None]


class CompileError(TsunaguError, ValueError):
    """A ruleset that cannot be compiled (it should have been rejected by validation)."""

    category = Category.REFUSED


@dataclass(frozen=True)
class LeafOutput:
    key: str  # item id, or "item#2" for a second leaf on the same item in one rule
    column: str


@dataclass(frozen=True)
class ExtraPlan:
    side: str
    top_n: int
    limit: int  # candidates fetched: this extra's top_n plus those of the extras before it
    eligible_column: str
    rank_column: str


@dataclass
class CompiledRuleset:
    ast: exp.Expression
    rule_ids: list[str]
    fire_columns: list[str]
    leaf_outputs: list[list[LeafOutput]]
    extras: list[ExtraPlan]
    top_n: int | None
    min_score: int | None
    required: dict[str, set[str]] = field(default_factory=dict)  # mart table -> columns the query reads

    @property
    def sql(self) -> str:
        """The query for people (pretty-printed)."""
        return self.ast.sql(dialect="duckdb", pretty=True)

    @property
    def sql_compact(self) -> str:
        """The same query on one line (what the runner executes)."""
        return self.ast.sql(dialect="duckdb")


def _typed(value: Any, item_type: str) -> Any:
    if item_type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if item_type == "decimal" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def compare(v: exp.Expression, op: str, value: Any, vtype: str) -> exp.Expression:
    """``v <op> value`` (v is never NULL where the result is used without COALESCE)."""
    if op in ("in", "not_in"):
        e = exp.In(this=v, expressions=[n.lit(_typed(x, vtype)) for x in value])
        return n.not_(e) if op == "not_in" else e
    if op == "between":
        return exp.Between(this=v, low=n.lit(_typed(value[0], vtype)), high=n.lit(_typed(value[1], vtype)))
    right = n.lit(_typed(value, vtype))
    classes: dict[str, type[exp.Expression]] = {"=": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}
    return classes[op](this=v, expression=right)


def leaf_bool(v: exp.Expression, c: Comparison, vtype: str, missing_met: bool, nullable: bool) -> exp.Expression:
    if c.op == "is_null":
        return exp.Is(this=v, expression=exp.Null())
    if c.op == "not_null":
        return n.not_(exp.Is(this=v, expression=exp.Null()))
    cmp = compare(v, c.op, c.value, vtype)
    if not nullable:
        return cmp
    return n.coalesce(exp.Paren(this=cmp), n.lit(missing_met))


class _Builder:
    """Builds leaf expressions and the CTEs they read.

    ``prefix`` names this builder's CTEs (``g``, ``e<k>``); ``restrict`` (a CTE with a
    ``household_id`` column) limits the guardian read to those households, for the values pass.
    ``with_values`` adds the guardian value lists (only the values pass needs them).
    ``shared_events`` (the scoring pass's builder) makes the values pass refer to the scoring
    pass's per-child event aggregates (same CTE and column names, carried down to the selected rows).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        catalog: Catalog,
        as_of: dt.date,
        *,
        prefix: str = "",
        restrict: str | None = None,
        with_values: bool = True,
        shared_events: _Builder | None = None,
    ):
        self.rs = ruleset
        self.catalog = catalog
        self.as_of = as_of
        self.prefix = prefix
        self.restrict = restrict
        self.with_values = with_values
        self.need_household = False
        self.guardian_cols: list[exp.Expression] = []
        self.guardian_keys: dict[str, tuple[str, str]] = {}
        # event table -> (entity, {agg key: its aggregate})
        self.events: dict[str, tuple[EntityLevel, dict[str, EventAggregate]]] = {}
        self.event_alias: dict[str, str] = {}
        # values pass: read the scoring pass's per-child event aggregates (same CTEs, no re-scan)
        self.shared_events = shared_events is not None
        if shared_events is not None:
            self.events = shared_events.events
            self.event_alias = shared_events.event_alias
        self.required: dict[str, set[str]] = {CHILD_TABLE: {"child_id", "household_id", BIRTH_MONTH_COLUMN}}

    # -- derived items -------------------------------------------------------
    def birth(self) -> exp.Expression:
        return n.col(BIRTH_MONTH_COLUMN, "c")

    def age_expr(self) -> exp.Expression:
        bm = self.birth()
        months = n.add([exp.Mul(this=exp.Year(this=bm), expression=n.lit(12)), exp.Month(this=bm.copy())])
        return exp.Paren(this=exp.IntDiv(this=exp.Paren(this=exp.Sub(this=n.lit(month_index(self.as_of)), expression=months)), expression=n.lit(12)))

    def grade_index(self) -> exp.Expression:
        """0 = first year of elementary school in the reference date's school year (see semantics)."""
        bm = self.birth()
        cohort = exp.Sub(this=exp.Year(this=bm), expression=n.case([(exp.LT(this=exp.Month(this=bm.copy()), expression=n.lit(4)), n.lit(1))], n.lit(0)))
        return exp.Paren(this=exp.Sub(this=n.lit(fiscal_year(self.as_of) - 7), expression=exp.Paren(this=cohort)))

    def stage_in(self, stages: list[str]) -> exp.Expression:
        """``school_stage IN stages`` as integer ranges of the grade index (no string CASE per row);
        adjacent stages merge into one range (elementary + junior_high: grade index 0..8), so each
        range reads the grade index once."""
        inf = float("inf")
        ranges: dict[str, tuple[float, float]] = {
            s.id: (-inf if s.first_grade is None else s.first_grade, inf if s.last_grade is None else s.last_grade)
            for s in STAGES
        }
        spans: list[list[float]] = []
        for lo, hi in sorted(ranges[st] for st in set(stages)):
            if spans and lo <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        parts: list[exp.Expression] = []
        for lo, hi in spans:
            if lo == -inf and hi == inf:
                parts.append(exp.Boolean(this=True))
            elif lo == -inf:
                parts.append(exp.LTE(this=self.grade_index(), expression=n.lit(int(hi))))
            elif hi == inf:
                parts.append(exp.GTE(this=self.grade_index(), expression=n.lit(int(lo))))
            else:
                parts.append(exp.Between(this=self.grade_index(), low=n.lit(int(lo)), high=n.lit(int(hi))))
        return n.or_(parts)

    def stage_expr(self) -> exp.Expression:
        g = self.grade_index()
        first, *middle, last = STAGES
        assert first.last_grade is not None and last.last_grade is None
        cases: list[tuple[exp.Expression, exp.Expression]] = [
            (exp.LT(this=g, expression=n.lit(first.last_grade + 1)), n.lit(first.id))]
        cases += [(exp.LTE(this=g.copy(), expression=n.lit(s.last_grade)), n.lit(s.id)) for s in middle]
        return n.case(cases, n.lit(last.id))

    def population(self, pop: Population | None) -> list[exp.Expression]:
        if pop is None:
            return []
        out: list[exp.Expression] = []
        if pop.age_min is not None:
            out.append(exp.GTE(this=self.age_expr(), expression=n.lit(pop.age_min)))
        if pop.age_max is not None:
            out.append(exp.LTE(this=self.age_expr(), expression=n.lit(pop.age_max)))
        if pop.school_stages:
            out.append(self.stage_in(list(pop.school_stages)))
        return out

    # -- leaves --------------------------------------------------------------
    def item(self, item_id: str) -> CatalogItem:
        item = self.catalog.get(item_id)
        if item is None:
            raise CompileError(f"データ項目「{item_id}」はカタログにありません")
        return item

    def leaf(self, c: Comparison, default_missing: str) -> tuple[exp.Expression, exp.Expression]:
        """(two-valued condition, reported value) of one comparison."""
        item = self.item(c.item)
        missing_met = (c.when_missing or default_missing) == "met"
        if c.item == AGE_ITEM:
            v = self.age_expr()
            return leaf_bool(v, c, "integer", missing_met, nullable=False), v.copy()
        if c.item == STAGE_ITEM:
            v = self.stage_expr()
            return leaf_bool(v, c, "category", missing_met, nullable=False), v.copy()
        if item.kind == "event":
            return self.event_leaf(c, item, missing_met)
        column = attribute_column(item.id)
        if item.entity == "child":
            self.required[CHILD_TABLE].add(column)
            v = n.col(column, "c")
            return leaf_bool(v, c, item.type, missing_met, nullable=True), v.copy()
        if item.entity == "household":
            self.need_household = True
            self.required.setdefault(HOUSEHOLD_TABLE, {"household_id"}).add(column)
            v = n.col(column, "h")
            return leaf_bool(v, c, item.type, missing_met, nullable=True), v.copy()
        return self.guardian_leaf(c, item, missing_met)

    def guardian_leaf(self, c: Comparison, item: CatalogItem, missing_met: bool) -> tuple[exp.Expression, exp.Expression]:
        column = attribute_column(item.id)
        self.required.setdefault(GUARDIAN_TABLE, {"household_id"}).add(column)
        every = c.guardians == "all"
        key = json.dumps([c.item, c.op, c.value, missing_met] + (["all"] if every else []), sort_keys=True, default=str)
        if key not in self.guardian_keys:
            k = len(self.guardian_keys)
            hit, vals = f"g_hit_{k}", f"g_vals_{k}"
            v = n.col(column, "gu")
            per_guardian = leaf_bool(v, c, item.type, missing_met, nullable=True)
            combined = exp.LogicalAnd(this=per_guardian) if every else exp.LogicalOr(this=per_guardian)
            self.guardian_cols.append(n.alias(combined, hit))
            if self.with_values:
                # the distinct values, sorted, then one NULL when a guardian's value is missing: what the leaf
                # was decided on (a missing value may be what met or failed it), read back by the explanation
                known = n.func("list_sort", n.func("list_distinct", exp.ArrayAgg(this=v.copy())))
                some_missing = exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Count(this=v.copy()))
                self.guardian_cols.append(
                    n.alias(n.case([(some_missing, n.func("list_append", known.copy(), exp.Null()))], known), vals)
                )
            self.guardian_keys[key] = (hit, vals)
        hit, vals = self.guardian_keys[key]
        # a household without any guardian row: one virtual guardian whose value is missing
        if c.op == "is_null":
            none_result = True
        elif c.op == "not_null":
            none_result = False
        else:
            none_result = missing_met
        g = self.prefix + "g"
        value = n.col(vals, g) if self.with_values else exp.Null()
        return n.coalesce(n.col(hit, g), n.lit(none_result)), value

    def event_leaf(self, c: Comparison, item: CatalogItem, missing_met: bool) -> tuple[exp.Expression, exp.Expression]:
        if c.aggregate is None:
            raise CompileError(f"「{item.name}」には集計方法 (aggregate) が必要です")
        if item.entity == "guardian":
            raise CompileError(f"保護者単位の記録「{item.name}」は条件に使えません")
        tname = event_table(item.id)
        entity_key = ENTITY_KEY[item.entity]
        self.required.setdefault(tname, set()).update({entity_key, EVENT_DATE_COLUMN, EVENT_VALUE_COLUMN})
        if tname not in self.events:
            self.events[tname] = (item.entity, {})
            self.event_alias[tname] = f"{self.prefix}e{len(self.event_alias)}"
        _, aggs = self.events[tname]
        agg = c.aggregate
        fn = "count" if agg.fn == "exists" else agg.fn
        vf = agg.value_filter
        start, end = event_bounds(agg, self.as_of)
        akey = json.dumps([fn, start, end, vf.model_dump() if vf else None], sort_keys=True, default=str)
        if akey not in aggs:
            if self.shared_events:
                raise CompileError(f"internal: aggregate {akey} of {tname} missing from the scoring pass")
            colname = f"a_{len(aggs)}"
            # conds[0] is the lower bound (None: the whole record); the CTE's WHERE holds the earliest one
            conds: list[exp.Expression | None] = [
                None if start is None else exp.GTE(this=n.col(EVENT_DATE_COLUMN), expression=n.date_lit(start))
            ]
            if end < self.as_of:
                conds.append(exp.LT(this=n.col(EVENT_DATE_COLUMN), expression=n.date_lit(end)))
            if vf is not None:
                conds.append(compare(n.col(EVENT_VALUE_COLUMN), vf.op, vf.value, item.type))
            base: exp.Expression
            if fn == "count":
                base = exp.Count(this=exp.Star())
            elif fn == "sum":
                base = exp.Sum(this=n.col(EVENT_VALUE_COLUMN))
            elif fn == "min":
                base = exp.Min(this=n.col(EVENT_VALUE_COLUMN))
            else:
                base = exp.Max(this=n.col(EVENT_VALUE_COLUMN))
            aggs[akey] = (colname, (base, conds), start)
        colname = aggs[akey][0]
        ref = n.col(colname, self.event_alias[tname])
        if agg.fn == "exists":
            v: exp.Expression = exp.GT(this=n.coalesce(ref, n.lit(0)), expression=n.lit(0))
            return leaf_bool(exp.Paren(this=v), c, "bool", missing_met, nullable=False), exp.Paren(this=v.copy())
        if agg.fn in ("count", "sum"):
            v = n.coalesce(ref, n.lit(0))
            vtype = "integer" if agg.fn == "count" else item.type
            return leaf_bool(v, c, vtype, missing_met, nullable=False), v.copy()
        return leaf_bool(ref, c, item.type, missing_met, nullable=True), ref.copy()

    def condition(self, cond: Condition, default_missing: str, values: list[exp.Expression] | None) -> exp.Expression:
        if isinstance(cond, Comparison):
            b, v = self.leaf(cond, default_missing)
            if values is not None:
                values.append(v)
            return b
        if isinstance(cond, All):
            return n.and_([self.condition(x, default_missing, values) for x in cond.all])
        if isinstance(cond, AnyOf):
            return n.or_([self.condition(x, default_missing, values) for x in cond.any])
        if isinstance(cond, AtLeast):
            # (CASE WHEN a THEN 1 ELSE 0 END + CASE WHEN b THEN 1 ELSE 0 END + ...) >= k
            met = [n.if_points(exp.Paren(this=self.condition(x, default_missing, values)), 1) for x in cond.of]
            return exp.GTE(this=n.add(met), expression=n.lit(cond.at_least))
        if isinstance(cond, Not):
            return n.not_(self.condition(cond.not_, default_missing, values))
        raise CompileError(f"unknown condition node {type(cond).__name__}")

    # -- CTEs ----------------------------------------------------------------
    def event_ctes(self) -> tuple[list[exp.CTE], list[exp.Join]]:
        ctes, joins = [], []
        for tname, (entity, aggs) in self.events.items():
            a = self.event_alias[tname]
            key = ENTITY_KEY[entity]
            starts = [st for (_, _, st) in aggs.values()]
            bounded = [st for st in starts if st is not None]
            # the earliest lower bound (None when some aggregate reads the whole record) goes into WHERE
            earliest = min(bounded) if len(bounded) == len(starts) else None
            where_conds: list[exp.Expression] = []
            if earliest is not None:
                where_conds.append(exp.GTE(this=n.col(EVENT_DATE_COLUMN), expression=n.date_lit(earliest)))
            where_conds.append(exp.LT(this=n.col(EVENT_DATE_COLUMN), expression=n.date_lit(self.as_of)))
            where = n.and_(where_conds)
            agg_cols = []
            for colname, (base, conds), st in aggs.values():
                # the earliest start is already in WHERE: filter only what remains
                extra = [x for x in (conds[1:] if st == earliest else conds) if x is not None]
                agg_cols.append(n.alias(n.filtered(base, n.and_(extra)) if extra else base, colname))
            q = n.select([n.col(key), *agg_cols], n.table(tname), where=where, group_by=[n.col(key)])
            ctes.append(n.cte(a, q, inline=True))
            child_key = n.col("child_id" if entity == "child" else "household_id", "c")
            joins.append(n.left_join(n.table(a), exp.EQ(this=n.col(key, a), expression=child_key)))
        return ctes, joins

    def restricted(self, column: exp.Expression, key: str) -> exp.Expression:
        """``column IN (SELECT key FROM <restrict>)``."""
        assert self.restrict is not None
        return exp.In(this=column, query=exp.Subquery(this=n.select([n.col(key)], n.table(self.restrict))))

    def guardian_cte(self) -> tuple[exp.CTE, exp.Join] | None:
        """The per-household guardian CTE (``<prefix>g``) and its join to ``c``; None without guardian leaves."""
        if not self.guardian_cols:
            return None
        g = self.prefix + "g"
        gq = n.select(
            [n.col("household_id", "gu")] + self.guardian_cols,
            n.table(GUARDIAN_TABLE, "gu"),
            where=self.restricted(n.col("household_id", "gu"), "household_id") if self.restrict else None,
            group_by=[n.col("household_id", "gu")],
        )
        join = n.left_join(n.table(g), exp.EQ(this=n.col("household_id", g), expression=n.col("household_id", "c")))
        return n.cte(g, gq, inline=True), join

    def source(self, where: exp.Expression | None) -> tuple[list[exp.CTE], exp.Expression, list[exp.Join], exp.Expression | None]:
        """CTEs, FROM, joins and WHERE that give one row per child with every column the leaves read."""
        joins: list[exp.Join] = []
        ctes: list[exp.CTE] = []
        if self.need_household:
            joins.append(n.left_join(n.table(HOUSEHOLD_TABLE, "h"), exp.EQ(this=n.col("household_id", "h"), expression=n.col("household_id", "c"))))
        guardians = self.guardian_cte()
        if guardians is not None:
            ctes.append(guardians[0])
            joins.append(guardians[1])
        ev_ctes, ev_joins = self.event_ctes()
        if self.shared_events:
            ev_ctes = []  # defined once, by the scoring pass
        from_ = n.table(CHILD_TABLE, "c")
        return ctes + ev_ctes, from_, joins + ev_joins, where


@dataclass
class ScoringCtes:
    """The CTEs up to ``t`` (one row per screened child: cid, x, f_i, v_i_j, s_<side>, total, maxside, nf[, age])."""

    ctes: list[exp.CTE]
    fire_columns: list[str]
    leaf_outputs: list[list[LeafOutput]]
    required: dict[str, set[str]]
    builder: _Builder | None = None
    values: ValuesPlan | None = None


VALUES_ROW = "sv"  # the values pass reads one selected child's row (scores and carried columns) as `sv`
VALUES_GUARDIANS = "vg"  # and its household's guardians (value lists) as `vg`
VALUES_HOUSEHOLDS = "selh"  # the selected children's households (restricts the guardian read)


@dataclass
class ValuesPlan:
    """The values pass over carried columns.

    ``s`` carries every source column the rules' leaves read (``c``, ``h``, ``e<k>`` columns, named
    ``<table>__<column>``) down to the extracted rows, so the values pass is a projection over those
    few rows: the same rule expressions, with columns renamed to ``sv.<table>__<column>``. Only the
    guardians' value lists (per household, for the explanation) are read again, for the selected
    households only.
    """

    columns: list[exp.Expression]  # f_i and v_i_j, over `sv` (and `vg`)
    carried: dict[tuple[str, str], str]  # (source table alias, column) -> carried column name
    guardians: tuple[exp.CTE, exp.Join] | None  # `vg` restricted to `selh`, joined to `sv`
    required: dict[str, set[str]]


def _rule_columns(b: _Builder, ruleset: Ruleset, *, with_values: bool) -> tuple[list[exp.Expression], list[str], list[list[LeafOutput]]]:
    """Per rule a fire flag ``f_i`` (population AND condition) and, if asked, its leaf values ``v_i_j``."""
    cols: list[exp.Expression] = []
    fire_cols: list[str] = []
    leaf_outputs: list[list[LeafOutput]] = []
    for i, rule in enumerate(ruleset.rules):
        values: list[exp.Expression] = []
        cond = b.condition(rule.condition, rule.when_missing, values)
        fire = n.and_(b.population(rule.population) + [cond])
        fname = f"f_{i}"
        fire_cols.append(fname)
        cols.append(n.alias(fire, fname))
        outs: list[LeafOutput] = []
        for j, (key, v) in enumerate(zip(leaf_keys(rule.condition), values, strict=True)):
            cname = f"v_{i}_{j}"
            outs.append(LeafOutput(key, cname))
            if with_values:
                cols.append(n.alias(v, cname))
        leaf_outputs.append(outs)
    return cols, fire_cols, leaf_outputs


def _screened(b: _Builder, ruleset: Ruleset, as_of: dt.date) -> list[exp.Expression]:
    """Screened population: born by the reference month, plus the ruleset's population filter."""
    next_month = add_months(as_of.replace(day=1), 1)
    return [
        n.not_(exp.Is(this=n.col(BIRTH_MONTH_COLUMN, "c"), expression=exp.Null())),
        exp.LT(this=n.col(BIRTH_MONTH_COLUMN, "c"), expression=n.date_lit(next_month)),
    ] + b.population(ruleset.population)


def _child_table_counts(ruleset: Ruleset, catalog: Catalog, as_of: dt.date) -> exp.Select | None:
    """Screened and excluded counts straight from the child table, when the population and the
    exclusions read only child-table columns (the usual case: ``child.yotaikyo_registered``).

    Same expressions as in ``s``, so the same counts; it spares the query a second reader of the
    per-child scoring rows (which would make DuckDB materialize them). None otherwise.
    """
    cb = _Builder(ruleset, catalog, as_of, with_values=False)
    x = n.or_([cb.condition(ex.condition, ex.when_missing, None) for ex in ruleset.exclusions])
    screened = _screened(cb, ruleset, as_of)
    if cb.events or cb.guardian_cols or cb.need_household:
        return None
    return n.select(
        [
            n.alias(exp.Count(this=exp.Star()), "n_screened"),
            n.alias(n.filtered(exp.Count(this=exp.Star()), x), "n_excluded"),
        ],
        n.table(CHILD_TABLE, "c"),
        where=n.and_(screened),
    )


def _pack_base(ruleset: Ruleset) -> int:
    """K for the packed side sums: a power of two greater than the number of rules."""
    return 1 << len(ruleset.rules).bit_length()


def _packed(points: int, k: int, ruleset: Ruleset) -> exp.Expression:
    """``points * K + 1`` as a literal; BIGINT when a side's packed sum could overflow INTEGER."""
    bound = sum(r.points for r in ruleset.rules) * k + len(ruleset.rules)
    value = n.lit(points * k + 1)
    if bound < 2**31:
        return value
    return exp.Cast(this=value, to=exp.DataType(this=exp.DataType.Type.BIGINT))


def _values_plan(ruleset: Ruleset, catalog: Catalog, as_of: dt.date, scoring: _Builder) -> ValuesPlan:
    """The values pass's expressions (see ``ValuesPlan``), built on the scoring builder's events."""
    vb = _Builder(ruleset, catalog, as_of, prefix="v", restrict=VALUES_HOUSEHOLDS, with_values=True, shared_events=scoring)
    cols, _, _ = _rule_columns(vb, ruleset, with_values=True)
    carried: dict[tuple[str, str], str] = {("c", "household_id"): "c__household_id"}
    for e in cols:
        for c in e.find_all(exp.Column):
            if c.table and c.table != VALUES_GUARDIANS:
                carried.setdefault((c.table, c.name), f"{c.table}__{c.name}")
    carried = dict(sorted(carried.items()))

    def to_row(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and (node.table, node.name) in carried:
            return n.col(carried[(node.table, node.name)], VALUES_ROW)
        return node

    guardians = vb.guardian_cte()
    if guardians is not None:
        join = guardians[1].transform(to_row)
        assert isinstance(join, exp.Join)  # to_row rewrites columns only: the root stays the JOIN
        guardians = (guardians[0], join)
    return ValuesPlan([e.transform(to_row) for e in cols], carried, guardians, vb.required)


def scoring_ctes(
    ruleset: Ruleset, catalog: Catalog, as_of: dt.date, *, include_age: bool = False, carry_values: bool = False
) -> ScoringCtes:
    """Scoring pass: CTEs up to ``t``, one narrow row per screened child.

    ``s`` holds the exclusion flag and the fire flags; ``t`` the capped side scores, total, max side
    score and number of fired rules (and the age when asked, for previews). Leaf values are not
    computed here; with ``carry_values`` the source columns they read ride along (``ValuesPlan``)
    and the values pass recomputes them for the extracted children only.
    """
    b = _Builder(ruleset, catalog, as_of, with_values=False)
    s_cols: list[exp.Expression] = [n.alias(n.col("child_id", "c"), "cid")]
    if include_age:
        s_cols.append(n.alias(b.age_expr(), "age"))
    ex_parts = [b.condition(ex.condition, ex.when_missing, None) for ex in ruleset.exclusions]
    s_cols.append(n.alias(n.or_(ex_parts), "x"))
    rule_cols, fire_cols, leaf_outputs = _rule_columns(b, ruleset, with_values=False)
    fires = {a.alias: a.this for a in rule_cols}  # each rule column is an Alias: its name -> its flag
    if include_age:
        s_cols += rule_cols  # previews count per rule: keep the flags
        fire_ref = {f: n.col(f) for f in fire_cols}
    else:
        # ranking needs only sums: fold each flag, once, into its side's packed sum
        # points * K + 1 (K a power of two above the number of rules), so one column per side
        # carries both the side's points (raw // K) and how many of its rules fired (raw % K)
        k = _pack_base(ruleset)
        for side in SIDES:
            parts = [n.case([(fires[f].copy(), _packed(r.points, k, ruleset))], n.lit(0)) for f, r in zip(fire_cols, ruleset.rules, strict=True) if r.side == side]
            s_cols.append(n.alias(n.add(parts), f"raw_{side}"))
        fire_ref = {}

    screened = _screened(b, ruleset, as_of)
    values = _values_plan(ruleset, catalog, as_of, b) if carry_values else None
    if values is not None:
        s_cols += [n.alias(n.col(column, table), name) for (table, column), name in values.carried.items()]
    ctes, from_, joins, _ = b.source(None)
    ctes.append(n.cte("s", n.select(s_cols, from_, joins=joins, where=n.and_(screened))))

    side_sum: dict[str, exp.Expression] = {}
    for side in SIDES:
        if include_age:
            e = n.add([n.if_points(fire_ref[f].copy(), r.points) for f, r in zip(fire_cols, ruleset.rules, strict=True) if r.side == side])
        else:
            e = exp.Paren(this=exp.IntDiv(this=n.col(f"raw_{side}"), expression=n.lit(_pack_base(ruleset))))
        cap = getattr(ruleset.scoring, side).cap
        side_sum[side] = n.least(e, n.lit(cap)) if cap is not None else e
    total = n.add([side_sum[sd].copy() for sd in SIDES])
    if ruleset.scoring.total_cap is not None:
        total = n.least(total, n.lit(ruleset.scoring.total_cap))
    if include_age:
        nfired = n.add([n.if_points(fire_ref[f].copy(), 1) for f in fire_cols])
    else:
        nfired = n.add([exp.Mod(this=n.col(f"raw_{sd}"), expression=n.lit(_pack_base(ruleset))) for sd in SIDES])
    t_cols: list[exp.Expression] = [n.col("cid"), n.col("x"), *([n.col("age")] if include_age else [])]
    if include_age:
        t_cols += [n.col(f) for f in fire_cols]
    t_cols += [n.alias(side_sum[sd], f"s_{sd}") for sd in SIDES]
    t_cols += [
        n.alias(total, "total"),
        n.alias(n.greatest(*[side_sum[sd].copy() for sd in SIDES]), "maxside"),
        n.alias(nfired, "nf"),
    ]
    if values is not None:
        t_cols += [n.col(name) for name in values.carried.values()]
    ctes.append(n.cte("t", n.select(t_cols, n.table("s"))))
    return ScoringCtes(ctes, fire_cols, leaf_outputs, b.required, b, values)


def compile_ruleset(ruleset: Ruleset, catalog: Catalog, as_of: dt.date, *, top_n: int | None = None) -> CompiledRuleset:
    """One query scoring every child of the mart with ``ruleset`` at reference date ``as_of``.

    Two passes inside the one query: the scoring pass ranks every screened child on narrow rows;
    the values pass re-evaluates the rules (same expressions) for the extracted children only,
    to report fired rules and the values of their leaves.
    """
    sc = scoring_ctes(ruleset, catalog, as_of, carry_values=True)
    assert sc.values is not None
    values = sc.values
    carried = list(values.carried.values())
    ctes = sc.ctes

    def key_order() -> list[exp.Ordered]:
        return [
            n.ordered(n.col("total"), True),
            n.ordered(n.col("maxside"), True),
            n.ordered(n.col("nf"), True),
            n.ordered(n.col("cid"), False),
        ]

    score_cols = ("cid", "s_welfare", "s_education", "s_both", "total", "maxside", "nf")
    r_where = n.and_([n.not_(n.col("x")), exp.GT(this=n.col("total"), expression=n.lit(0))])
    # the eligible rows are computed once (scores, caps, filter) and read by every step below;
    # `s` and `t` stream into them
    for c in ctes:
        if c.alias_or_name in ("s", "t"):
            c.set("materialized", False)
    ctes.append(n.cte("elig", n.select([n.col(c) for c in (*score_cols, *carried)], n.table("t"), where=r_where), materialize=True))

    def top(where: exp.Expression | None, order: list[exp.Ordered], limit: int | None) -> exp.Select:
        q = n.select([exp.Star()], n.table("elig"), where=where)
        q.set("order", exp.Order(expressions=order))
        if limit is not None:
            q.set("limit", exp.Limit(expression=n.lit(limit)))
        return q

    def ranked(inner: exp.Select, order: list[exp.Ordered], rank_name: str) -> exp.Select:
        return n.select(
            [exp.Star(), n.alias(n.row_number(order), rank_name)],
            exp.Subquery(this=inner, alias=exp.TableAlias(this=n.ident("z"))),
        )

    # main list: the first top_n by the stable key among children with total >= min_score.
    # The rank among all eligible children is the position in this prefix of the order.
    eff_top = top_n if top_n is not None else ruleset.extraction.top_n
    min_score = ruleset.extraction.min_score
    main_where = exp.GTE(this=n.col("total"), expression=n.lit(min_score)) if min_score is not None else None
    ctes.append(n.cte("mainx", ranked(top(main_where, key_order(), eff_top), key_order(), "rank")))

    # one-side extras: candidates beyond the main list, by that side's score then the key; enough of
    # them (this extra's top_n plus those before it) for the sequential pick done by the runner
    extras: list[ExtraPlan] = []
    before = 0
    for k, ex in enumerate(ruleset.extraction.one_side_extra):
        side_col = n.col(f"s_{ex.side}")
        before += ex.top_n
        where = n.and_(
            [
                exp.GTE(this=side_col, expression=n.lit(ex.min_side_score)),
                n.not_(exp.In(this=n.col("cid"), query=exp.Subquery(this=n.select([n.col("cid")], n.table("mainx"))))),
            ]
        )
        order = [n.ordered(side_col.copy(), True)] + key_order()
        name = f"x{k}"
        ctes.append(n.cte(name, ranked(top(where, order, before), order, f"xr_{k}")))
        # overall rank of a candidate: 1 + eligible children ahead of it in the stable key, counted
        # as (children in (total, maxside, nf) groups strictly ahead: a join with the few groups)
        # + (children in its own group with a smaller pseudonym: an equi-join on the group)
        if not any(c.alias_or_name == "eg" for c in ctes):
            eg_q = n.select(
                [n.col("total"), n.col("maxside"), n.col("nf"), n.alias(exp.Count(this=exp.Star()), "n")],
                n.table("elig"),
                group_by=[n.col("total"), n.col("maxside"), n.col("nf")],
            )
            ctes.append(n.cte("eg", eg_q))
        ahead = n.or_(
            [
                exp.GT(this=n.col("total", "g"), expression=n.col("total", name)),
                n.and_([exp.EQ(this=n.col("total", "g"), expression=n.col("total", name)), exp.GT(this=n.col("maxside", "g"), expression=n.col("maxside", name))]),
                n.and_(
                    [
                        exp.EQ(this=n.col("total", "g"), expression=n.col("total", name)),
                        exp.EQ(this=n.col("maxside", "g"), expression=n.col("maxside", name)),
                        exp.GT(this=n.col("nf", "g"), expression=n.col("nf", name)),
                    ]
                ),
            ]
        )
        groups_q = n.select(
            [n.col("cid", name), n.alias(n.coalesce(exp.Sum(this=n.col("n", "g")), n.lit(0)), "a")],
            n.table(name),
            joins=[n.left_join(n.table("eg", "g"), ahead)],
            group_by=[n.col("cid", name)],
        )
        same = n.and_(
            [
                exp.EQ(this=n.col("total", "e"), expression=n.col("total", name)),
                exp.EQ(this=n.col("maxside", "e"), expression=n.col("maxside", name)),
                exp.EQ(this=n.col("nf", "e"), expression=n.col("nf", name)),
                exp.LT(this=n.col("cid", "e"), expression=n.col("cid", name)),
            ]
        )
        ties_q = n.select(
            [n.col("cid", name), n.alias(exp.Count(this=exp.Star()), "b")],
            n.table(name),
            joins=[exp.Join(this=n.table("elig", "e"), on=same)],
            group_by=[n.col("cid", name)],
        )
        ctes.append(n.cte(f"{name}ga", groups_q))
        ctes.append(n.cte(f"{name}ti", ties_q))
        xrank = exp.Cast(
            this=n.add([n.lit(1), n.col("a", f"{name}ga"), n.coalesce(n.col("b", f"{name}ti"), n.lit(0))]),
            to=exp.DataType(this=exp.DataType.Type.BIGINT),
        )
        rank_q = n.select(
            [n.col("cid", f"{name}ga"), n.alias(xrank, "xrank")],
            n.table(f"{name}ga"),
            joins=[n.left_join(n.table(f"{name}ti"), exp.EQ(this=n.col("cid", f"{name}ti"), expression=n.col("cid", f"{name}ga")))],
        )
        ctes.append(n.cte(f"{name}rank", rank_q))
        extras.append(ExtraPlan(ex.side, ex.top_n, before, f"xe_{k}", f"xr_{k}"))

    child_counts = _child_table_counts(ruleset, catalog, as_of)
    if child_counts is not None:
        n_scored = exp.Subquery(this=n.select([exp.Count(this=exp.Star())], n.table("elig")))
        cnt = n.select(
            [n.col("n_screened", "cc"), n.col("n_excluded", "cc"), n.alias(n_scored, "n_scored")],
            exp.Subquery(this=child_counts, alias=exp.TableAlias(this=n.ident("cc"))),
        )
    else:
        cnt = n.select(
            [
                n.alias(exp.Count(this=exp.Star()), "n_screened"),
                n.alias(n.filtered(exp.Count(this=exp.Star()), n.col("x")), "n_excluded"),
                n.alias(n.filtered(exp.Count(this=exp.Star()), n.and_([n.not_(n.col("x")), exp.GT(this=n.col("total"), expression=n.lit(0))])), "n_scored"),
            ],
            n.table("t"),
        )
    ctes.append(n.cte("cnt", cnt))

    # the extracted children and the one-side candidates
    parts = ["mainx"] + [f"x{k}" for k in range(len(extras))]
    union: exp.Expression = n.select([n.col(c) for c in (*score_cols, *carried)], n.table(parts[0]))
    for p in parts[1:]:  # disjoint: each extra excludes the main list and the extras before it
        union = exp.Union(this=union, expression=n.select([n.col(c) for c in (*score_cols, *carried)], n.table(p)), distinct=False)
    sel_cols: list[exp.Expression] = [n.col(c, "u") for c in ("cid", "s_welfare", "s_education", "s_both", "total", *carried)]
    rank_sources = [n.col("rank", "mainx")] + [n.col("xrank", f"x{k}rank") for k in range(len(extras))]
    sel_cols.append(n.alias(n.coalesce(*rank_sources), "rank"))
    sel_cols.append(n.alias(n.not_(exp.Is(this=n.col("cid", "mainx"), expression=exp.Null())), "main"))
    sel_joins = [n.left_join(n.table("mainx"), exp.EQ(this=n.col("cid", "mainx"), expression=n.col("cid", "u")))]
    for k, e in enumerate(extras):
        sel_cols.append(n.alias(n.not_(exp.Is(this=n.col("cid", f"x{k}"), expression=exp.Null())), e.eligible_column))
        sel_cols.append(n.col(e.rank_column, f"x{k}"))
        sel_joins.append(n.left_join(n.table(f"x{k}"), exp.EQ(this=n.col("cid", f"x{k}"), expression=n.col("cid", "u"))))
        sel_joins.append(n.left_join(n.table(f"x{k}rank"), exp.EQ(this=n.col("cid", f"x{k}rank"), expression=n.col("cid", "u"))))
    ctes.append(n.cte("sel", n.select(sel_cols, exp.Subquery(this=union, alias=exp.TableAlias(this=n.ident("u"))), joins=sel_joins)))
    sel_names = ["cid", "s_welfare", "s_education", "s_both", "total", "rank", "main"]
    for e in extras:
        sel_names += [e.eligible_column, e.rank_column]
    # values pass: the same rule expressions over the selected rows' carried columns (a projection
    # over a few hundred rows); the guardians' value lists are read for the selected households only.
    # The rows come from `vals` alone: no inner join above its projection (DuckDB's projection
    # placement would try to lift each expression over such a join, a planning cost per expression).
    v_joins: list[exp.Join] = []
    if values.guardians is not None:
        households = n.select([n.alias(n.col(values.carried[("c", "household_id")]), "household_id")], n.table("sel"))
        households.set("distinct", exp.Distinct())
        ctes.append(n.cte(VALUES_HOUSEHOLDS, households))
        ctes.append(values.guardians[0])
        v_joins.append(values.guardians[1])
    ctes.append(n.cte("vals", n.select([n.col(c, VALUES_ROW) for c in sel_names] + values.columns, n.table("sel", VALUES_ROW), joins=v_joins)))

    fire_cols = sc.fire_columns
    leaf_outputs = sc.leaf_outputs
    out_cols: list[exp.Expression] = [n.col(c, "vals") for c in sel_names]
    out_cols += [n.col(f, "vals") for f in fire_cols]
    out_cols += [n.col(lo.column, "vals") for outs in leaf_outputs for lo in outs]
    picked_rows = n.select(out_cols, n.table("vals"))
    sel_alias = exp.Subquery(this=picked_rows, alias=exp.TableAlias(this=n.ident("out")))
    final = n.select(
        [exp.Column(this=exp.Star(), table=n.ident("cnt")), exp.Column(this=exp.Star(), table=n.ident("out"))],
        n.table("cnt"),
        joins=[n.left_join(sel_alias, exp.Boolean(this=True))],
    )
    final.set("order", exp.Order(expressions=[n.ordered(n.col("rank", "out"), False)]))
    final.set("with_" if "with_" in exp.Select.arg_types else "with", exp.With(expressions=ctes))
    required = {t: set(cols) for t, cols in sc.required.items()}
    for t, cols in values.required.items():
        required.setdefault(t, set()).update(cols)
    return CompiledRuleset(
        ast=final,
        rule_ids=[r.id for r in ruleset.rules],
        fire_columns=fire_cols,
        leaf_outputs=leaf_outputs,
        extras=extras,
        top_n=eff_top,
        min_score=min_score,
        required=required,
    )
