"""Table checksums of a mart: per table, the row count and an order-independent content checksum.

The checksum of a table is the sum, modulo 2**64, of DuckDB's ``hash`` of every row (the whole row
as one struct), so it does not depend on row order or on how the table was written.

Ingestion records the checksums of every data table in ``_meta`` when it writes the mart
(``checksum:<table>`` = ``<rows>:<16 hex digits>``), so that a run does not have to read every
table again to describe the data it ran on; ``_meta`` itself holds those values and is checksummed
live at run time. ``verify`` recomputes everything and compares (``tsunagu mart-verify``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlglot import exp

from engine.mart.connection import Connection
from engine.mart.layout import META_TABLE

KEY_PREFIX = "checksum:"

Checksums = dict[str, dict[str, Any]]  # table -> {"rows": int, "checksum": "16 hex"}


def _q(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True), alias=exp.TableAlias(this=exp.to_identifier("tt", quoted=True)))


def _per_table(tables: Iterable[str], columns: Callable[[], list[exp.Expr]]) -> exp.Expression | None:
    """``SELECT '<t>' AS t, <columns(...)> FROM "<t>" AS tt`` for each table, UNION ALL; None without tables."""
    query: exp.Expression | None = None
    for t in sorted(set(tables)):
        s = exp.Select(expressions=[exp.alias_(exp.Literal.string(t), "t"), *columns()])
        s.set("from_" if "from_" in exp.Select.arg_types else "from", exp.From(this=_q(t)))
        query = s if query is None else exp.Union(this=query, expression=s, distinct=False)
    return query


def compute(con: Connection, tables: Iterable[str]) -> Checksums:
    """Row count and content checksum of each table, in one SQL query (a full read of each)."""

    def columns() -> list[exp.Expr]:
        row_hash = exp.Anonymous(this="hash", expressions=[exp.column("tt", quoted=True)])
        total = exp.Coalesce(this=exp.Sum(this=row_hash), expressions=[exp.Literal.number(0)])
        checksum = exp.Cast(this=exp.Mod(this=total, expression=exp.Literal.number(2**64)), to=exp.DataType(this=exp.DataType.Type.UBIGINT))
        return [exp.alias_(exp.Count(this=exp.Star()), "n"), exp.alias_(checksum, "h")]

    query = _per_table(tables, columns)
    if query is None:
        return {}
    out: Checksums = {}
    for t, rows, checksum in con.execute(query.sql(dialect="duckdb")).fetchall():
        out[t] = {"rows": int(rows), "checksum": f"{int(checksum):016x}"}
    return dict(sorted(out.items()))


def row_counts(con: Connection, tables: Iterable[str]) -> dict[str, int]:
    """``count(*)`` of each table (DuckDB answers these from table metadata, without a scan)."""
    query = _per_table(tables, lambda: [exp.alias_(exp.Count(this=exp.Star()), "n")])
    if query is None:
        return {}
    return {t: int(n) for t, n in con.execute(query.sql(dialect="duckdb")).fetchall()}


def meta_entries(checksums: Checksums) -> dict[str, str]:
    """The ``_meta`` rows (key -> value) that record ``checksums``."""
    return {f"{KEY_PREFIX}{t}": f"{c['rows']}:{c['checksum']}" for t, c in sorted(checksums.items())}


def recorded(meta: Mapping[str, str]) -> Checksums | None:
    """The checksums recorded in ``_meta`` (its key/value rows), or None when it records none."""
    out: Checksums = {}
    for key, value in meta.items():
        if not key.startswith(KEY_PREFIX):
            continue
        rows, _, checksum = str(value).partition(":")
        if not rows.isdigit() or len(checksum) != 16:
            return None  # malformed: treat as not recorded (the runner then computes them)
        out[key[len(KEY_PREFIX):]] = {"rows": int(rows), "checksum": checksum}
    return dict(sorted(out.items())) or None


def data_tables(con: Connection) -> list[str]:
    """The mart's tables other than ``_meta``."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() AND schema_name = 'main' ORDER BY 1"
    ).fetchall()
    return [t for (t,) in rows if t != META_TABLE]


def record(con: Connection) -> Checksums:
    """Compute the checksums of every data table and store them in the (existing) ``_meta`` table."""
    sums = compute(con, data_tables(con))
    meta_table = exp.to_identifier(META_TABLE, quoted=True).sql(dialect="duckdb")
    con.executemany(f"INSERT INTO {meta_table} VALUES (?, ?)", sorted(meta_entries(sums).items()))
    return sums


def read_meta(con: Connection) -> dict[str, str]:
    """``_meta`` as a dict (empty when the mart has no ``_meta`` table)."""
    has = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ?",
        [META_TABLE],
    ).fetchall()[0][0]  # count(*): one row
    if not has:
        return {}
    meta_table = exp.to_identifier(META_TABLE, quoted=True).sql(dialect="duckdb")
    return {str(k): str(v) for k, v in con.execute(f"SELECT key, value FROM {meta_table}").fetchall()}


def verify(con: Connection) -> list[str]:
    """Recompute every data table's checksum and compare with ``_meta``; problems in Japanese (empty: all match)."""
    rec = recorded(read_meta(con))
    if rec is None:
        return ["取込時のチェックサムが記録されていません (tsunagu ingest で作り直すと記録されます)"]
    live = compute(con, data_tables(con))
    problems = []
    for t in sorted(set(rec) | set(live)):
        if t not in live:
            problems.append(f"表「{t}」は記録にありますが、データマートにありません")
        elif t not in rec:
            problems.append(f"表「{t}」は取込時の記録にありません (取込後に追加されています)")
        elif rec[t] != live[t]:
            problems.append(
                f"表「{t}」の内容が取込時と異なります (記録 {rec[t]['rows']:,}行 {rec[t]['checksum']}、現在 {live[t]['rows']:,}行 {live[t]['checksum']})"
            )
    return problems
