"""Aggregate-only queries over the scoring CTEs (previews): counts per age band, never per child."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from engine.catalog.model import Catalog
from engine.compiler import nodes as n
from engine.compiler.query import SIDES, scoring_ctes
from engine.rules.model import Ruleset


@dataclass(frozen=True)
class AgeBand:
    id: str
    label: str
    min_age: int
    max_age: int


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0-5", "0〜5歳", 0, 5),
    AgeBand("6-11", "6〜11歳", 6, 11),
    AgeBand("12-14", "12〜14歳", 12, 14),
    AgeBand("15-19", "15歳以上", 15, 200),
)


@dataclass
class CountsQuery:
    sql: str
    required: dict[str, set[str]]
    rule_columns: list[str]  # one count column per rule
    side_columns: dict[str, str]


def compile_counts(ruleset: Ruleset, catalog: Catalog, as_of: dt.date) -> CountsQuery:
    """Per age band: screened, excluded, non-excluded children each rule fires for, and per side with points."""
    sc = scoring_ctes(ruleset, catalog, as_of, include_age=True)
    band = n.case(
        [(exp.Between(this=n.col("age"), low=n.lit(b.min_age), high=n.lit(b.max_age)), n.lit(b.id)) for b in AGE_BANDS],
        n.lit(AGE_BANDS[-1].id),
    )
    kept = n.not_(n.col("x"))
    cols: list[exp.Expression] = [
        n.alias(band, "band"),
        n.alias(exp.Count(this=exp.Star()), "n_screened"),
        n.alias(n.filtered(exp.Count(this=exp.Star()), n.col("x")), "n_excluded"),
        n.alias(n.filtered(exp.Count(this=exp.Star()), n.and_([kept, exp.GT(this=n.col("total"), expression=n.lit(0))])), "n_scored"),
    ]
    rule_cols = []
    for i, f in enumerate(sc.fire_columns):
        name = f"r_{i}"
        rule_cols.append(name)
        cols.append(n.alias(n.filtered(exp.Count(this=exp.Star()), n.and_([kept.copy(), n.col(f)])), name))
    side_cols = {}
    for sd in SIDES:
        name = f"side_{sd}"
        side_cols[sd] = name
        cols.append(n.alias(n.filtered(exp.Count(this=exp.Star()), n.and_([kept.copy(), exp.GT(this=n.col(f"s_{sd}"), expression=n.lit(0))])), name))
    q = n.select(cols, n.table("t"), group_by=[n.lit(1)])
    q.set("group", exp.Group(expressions=[n.col("band")]))
    q.set("with_", exp.With(expressions=sc.ctes))
    return CountsQuery(q.sql(dialect="duckdb"), sc.required, rule_cols, side_cols)
