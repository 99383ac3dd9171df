"""Long AND/OR lists and sums stay within DuckDB's expression depth limit (balanced trees)."""

from __future__ import annotations

import datetime as dt

from martbuilder import build_mart

from engine.rules.model import Ruleset
from engine.runner import run_ruleset


def test_a_rule_with_1500_alternatives_compiles_and_runs(tmp_path, catalog):
    alternatives = [{"item": "resident.siblings", "op": "=", "value": i} for i in range(1500)]
    rule = {
        "id": "many", "title": "多数の条件", "difficulties": ["貧困"], "side": "welfare", "when_missing": "not_met",
        "points": 2, "explanation": "きょうだい {resident.siblings} 人", "condition": {"any": alternatives},
    }
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "rules": [rule]})
    children = [
        {"child_id": "c1", "household_id": "h1", "birth_month": dt.date(2015, 5, 1), "resident.siblings": 1499},
        {"child_id": "c2", "household_id": "h1", "birth_month": dt.date(2015, 5, 1), "resident.siblings": 1500},
    ]
    mart = build_mart(tmp_path / "m.duckdb", catalog, children=children, households=[{"household_id": "h1"}], guardians=[], events=[])
    res = run_ruleset(mart, rs, catalog, dt.date(2025, 11, 1))
    assert [(c.pseudonym, c.total) for c in res.children] == [("c1", 2)]
    assert res.children[0].fired[0].values["resident.siblings"] == 1499


def test_school_stage_ranges_merge_and_agree_with_the_semantics(catalog):
    """Every set of stages, every birth month of 22 school years: the merged grade-index ranges say
    exactly what ``school_stage_at`` says."""
    from itertools import combinations

    import duckdb
    from sqlglot import exp

    from engine.compiler import nodes as n
    from engine.compiler.query import _Builder
    from engine.rules.semantics import add_months, school_stage_at

    stages = ["preschool", "elementary", "junior_high", "high_school", "other"]
    ref = dt.date(2025, 11, 1)
    months = [add_months(ref, -k) for k in range(0, 22 * 12)]
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "rules": [{
        "id": "r", "title": "t", "difficulties": ["貧困"], "side": "welfare", "when_missing": "not_met", "points": 1,
        "explanation": "e", "condition": {"item": "school.school_aid", "op": "=", "value": True}}]})
    b = _Builder(rs, catalog, ref)
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT unnest(?::DATE[]) AS birth_month", [months])
    for k in range(1, len(stages) + 1):
        for subset in combinations(stages, k):
            cond = b.stage_in(list(subset))
            q = exp.select(n.col("birth_month", "c"), exp.alias_(cond, "hit")).from_(n.table("c", "c")).sql(dialect="duckdb")
            for bm, hit in con.execute(q).fetchall():
                assert hit == (school_stage_at(bm, ref) in subset), (subset, bm)
