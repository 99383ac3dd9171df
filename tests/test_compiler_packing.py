"""The scoring pass folds each rule's flag into its side's packed sum (points * K + 1)."""

from __future__ import annotations

import duckdb
from sqlglot import exp

from engine.compiler import nodes as n
from engine.compiler.query import _pack_base, _packed
from engine.rules.model import Ruleset


def _ruleset(n_rules: int, points: int) -> Ruleset:
    rule = {
        "title": "t", "difficulties": ["虐待"], "side": "welfare", "when_missing": "not_met", "points": points,
        "explanation": "e", "condition": {"item": "school.school_aid", "op": "=", "value": True},
    }
    return Ruleset.model_validate({"id": "rs", "title": "t", "rules": [{**rule, "id": f"r{i}"} for i in range(n_rules)]})


def test_base_is_a_power_of_two_above_the_rule_count():
    for count in (1, 2, 3, 30, 31, 32, 63, 64):
        k = _pack_base(_ruleset(count, 1))
        assert k > count and k & (k - 1) == 0


def test_packed_sum_gives_points_and_fired_count_back_and_widens_before_overflow():
    small = _ruleset(30, 100)
    k = _pack_base(small)
    assert isinstance(_packed(100, k, small), exp.Literal)
    big = _ruleset(5000, 100)  # 5000 * 100 * 8192 > 2**31: INTEGER would overflow
    kb = _pack_base(big)
    lit = _packed(100, kb, big)
    assert isinstance(lit, exp.Cast)
    total = n.add([lit.copy() for _ in range(5000)])
    sql = exp.select(
        exp.IntDiv(this=exp.Paren(this=total.copy()), expression=n.lit(kb)), exp.Mod(this=exp.Paren(this=total), expression=n.lit(kb))
    ).sql(dialect="duckdb")
    ((points, fired),) = duckdb.sql(sql).fetchall()
    assert (points, fired) == (500000, 5000)
