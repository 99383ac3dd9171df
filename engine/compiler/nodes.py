"""Tiny helpers that build sqlglot nodes from validated parts (never from SQL text).

Identifiers are always quoted; values always become literals in the tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlglot import exp


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table(name: str, alias: str | None = None) -> exp.Table:
    t = exp.Table(this=ident(name))
    if alias:
        t.set("alias", exp.TableAlias(this=ident(alias)))
    return t


def lit(value: Any) -> exp.Expression:
    """A literal node for a rule value (bool, int, float, str, date)."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float)):
        return exp.Literal.number(repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, dt.date):
        return date_lit(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"unsupported literal {value!r}")


def date_lit(d: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(d.isoformat()), exp.DataType.Type.DATE)


def alias(e: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=e, alias=ident(name))


def _balanced(parts: list[exp.Expression], node: type[exp.Binary]) -> exp.Expression:
    """``parts`` joined by ``node`` as a balanced tree of parenthesized nodes (depth log2 n: DuckDB
    limits expression depth, and a flat print "a AND b AND c" would be parsed back left-deep)."""

    def tree(lo: int, hi: int) -> exp.Expression:
        if hi - lo == 1:
            return parts[lo]
        mid = (lo + hi) // 2
        return exp.Paren(this=node(this=tree(lo, mid), expression=tree(mid, hi)))

    return tree(0, len(parts))


def and_(parts: Sequence[exp.Expression]) -> exp.Expression:
    parts = [exp.Paren(this=p) for p in parts]
    if not parts:
        return exp.Boolean(this=True)
    return _balanced(parts, exp.And)


def or_(parts: Sequence[exp.Expression]) -> exp.Expression:
    parts = [exp.Paren(this=p) for p in parts]
    if not parts:
        return exp.Boolean(this=False)
    return _balanced(parts, exp.Or)


def not_(e: exp.Expression) -> exp.Expression:
    return exp.Not(this=exp.Paren(this=e))


def coalesce(*args: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=args[0], expressions=list(args[1:]))


def case(whens: Sequence[tuple[exp.Expression, exp.Expression]], default: exp.Expression) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def if_points(cond: exp.Expression, points: int) -> exp.Expression:
    return case([(cond, lit(points))], lit(0))


def add(parts: Sequence[exp.Expression]) -> exp.Expression:
    """The sum of ``parts`` as a balanced tree (see ``_balanced``)."""
    parts = list(parts)
    if not parts:
        return lit(0)
    out = _balanced(parts, exp.Add)
    return out if isinstance(out, exp.Paren) else exp.Paren(this=out)


def least(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """DuckDB's ``LEAST`` (NULLs ignored). Our callers pass non-NULL scores; sqlglot's ``exp.Least``
    would be wrapped in NULL-propagating CASEs for other dialects' semantics, bloating the plan."""
    return func("least", a, b)


def greatest(*args: exp.Expression) -> exp.Expression:
    """DuckDB's ``GREATEST`` (NULLs ignored); see ``least``."""
    return func("greatest", *args)


def func(name: str, *args: exp.Expression) -> exp.Anonymous:
    """A DuckDB function call by constant name (our code's names only)."""
    return exp.Anonymous(this=name, expressions=list(args))


def ordered(e: exp.Expression, desc: bool) -> exp.Ordered:
    return exp.Ordered(this=e, desc=desc, nulls_first=False)


def row_number(order: Sequence[exp.Ordered], partition: Sequence[exp.Expression] = ()) -> exp.Window:
    return exp.Window(
        this=exp.RowNumber(),
        partition_by=list(partition) or None,
        order=exp.Order(expressions=list(order)),
    )


def filtered(agg: exp.Expression, cond: exp.Expression) -> exp.Filter:
    return exp.Filter(this=agg, expression=exp.Where(this=cond))


def cte(name: str, query: exp.Expression, *, inline: bool = False, materialize: bool = False) -> exp.CTE:
    """A CTE; ``inline`` asks DuckDB not to materialize it (for CTEs read once), ``materialize``
    to compute it once for all its readers (otherwise DuckDB decides)."""
    c = exp.CTE(this=query, alias=exp.TableAlias(this=ident(name)))
    if inline:
        c.set("materialized", False)
    elif materialize:
        c.set("materialized", True)
    return c


def left_join(t: exp.Expression, on: exp.Expression) -> exp.Join:
    return exp.Join(this=t, on=on, side="LEFT")


def select(exprs: Sequence[exp.Expression], from_: exp.Expression, joins: Sequence[exp.Join] = (), where: exp.Expression | None = None, group_by: Sequence[exp.Expression] = ()) -> exp.Select:
    s = exp.Select(expressions=list(exprs))
    s.set("from_" if "from_" in exp.Select.arg_types else "from", exp.From(this=from_))
    if joins:
        s.set("joins", list(joins))
    if where is not None:
        s.set("where", exp.Where(this=where))
    if group_by:
        s.set("group", exp.Group(expressions=list(group_by)))
    return s
