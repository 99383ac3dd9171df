"""Ingestion: department exports -> validated, pseudonymized, typed DuckDB mart (engine/mart/layout.py).

Steps, all set-based (Arrow + DuckDB SQL; Python only touches distinct values):

1. read each export (encoding detected, only the columns ingestion uses), normalize values (NFKC),
   parse dates (西暦/和暦) per distinct value, replace identifiers by keyed pseudonyms (the injected
   ``Pseudonymizer``; raw identifiers never enter DuckDB);
2. the resident registry defines children, guardians and households; school records are linked to
   children through the student-number correspondence table;
3. every value is checked against the catalog (type, range, codes) in one SQL pass per item; every
   failing row goes to the rejects report (file, line, column, reason in Japanese; written on the ingest
   side, never next to the mart, with the values of personal columns masked: engine/ingest/rejects.py);
4. typed tables are built into a temp file next to the mart, the optional pre-publish check runs on
   it, and ``os.replace`` publishes it. A failure anywhere leaves the previous mart untouched.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from engine.catalog import Catalog, default_catalog
from engine.catalog.model import ENTITY_LABELS_JA
from engine.ingest import rejects as rejects_report
from engine.ingest.reader import IngestError, map_distinct, normalize_text, parse_dates, read_export
from engine.ingest.spec import ID_LABELS_JA, ExportSpec, IngestSpec, ItemRule, KeySpec, build_spec
from engine.mart import checksums as mart_checksums
from engine.mart import layout

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

INGEST_VERSION = "1"
log = logging.getLogger("tsunagu.ingest")
REJECT_COLUMNS = rejects_report.REJECT_COLUMNS
INTEGER_PATTERN = r"[+-]?[0-9]+"
DECIMAL_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
NOT_INTEGER_JA = "整数ではありません（小数・指数・16進数の表記は丸めずに不採用にします）"
NOT_DECIMAL_JA = "数値ではありません（指数・16進数の表記は使えません）"


class Pseudonymizer(Protocol):
    """Keyed pseudonyms; ``None`` for a value that is not a valid identifier of that type."""

    key_id: str

    def pseudonymize(self, id_type: str, values: Sequence[str | None]) -> list[str | None]: ...


@dataclass(frozen=True)
class SourceFile:
    """What ingestion records of one export it read (for ``_meta``); the data itself is not kept."""

    sha256: str
    encoding: str
    rows: int


@dataclass(frozen=True)
class IngestSummary:
    mart_path: Path
    rejects_path: Path
    as_of: date
    key_id: str
    seconds: float
    rows_read: dict[str, int] = field(default_factory=dict)  # export -> data rows
    rejected_rows: dict[str, int] = field(default_factory=dict)  # export -> rows with at least one reject
    reject_records: int = 0
    filtered_rows: dict[str, int] = field(default_factory=dict)  # export -> rows outside the item (e.g. くもり)
    tables: dict[str, int] = field(default_factory=dict)  # mart table -> rows
    missing_exports: tuple[str, ...] = ()

    @property
    def total_rows(self) -> int:
        return sum(self.rows_read.values())


def q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def _shown(values: Sequence[str]) -> str:
    return "、".join(values)


class _Build:
    def __init__(self, con: DuckDBPyConnection, spec: IngestSpec, catalog: Catalog, pseudonymizer: Pseudonymizer, as_of: date,
                 exports_dir: Path, step: Callable[[str], None], allow_missing: bool):
        self.con = con
        self.spec = spec
        self.catalog = catalog
        self.ps = pseudonymizer
        self.as_of = as_of
        self.dir = exports_dir
        self.step = step
        self.allow_missing = allow_missing
        self.sources: dict[str, SourceFile] = {}  # what was read (not the data: released once loaded)
        self.filtered: dict[str, int] = {}
        self.missing: list[str] = []
        con.execute("CREATE TEMP TABLE rejects (file VARCHAR, line BIGINT, col VARCHAR, val VARCHAR, reason VARCHAR, export VARCHAR)")

    # ----------------------------------------------------------------- loading
    def _pseudo(self, column: pa.ChunkedArray, id_type: str) -> tuple[pa.Array, pa.Array]:
        label = ID_LABELS_JA[id_type]
        arr = column.combine_chunks()
        if len(arr) == 0:
            return pa.array([], pa.string()), pa.array([], pa.string())
        enc = pc.dictionary_encode(arr)
        distinct = enc.dictionary.to_pylist()
        pseudo = self.ps.pseudonymize(id_type, distinct)
        if len(pseudo) != len(distinct):
            raise IngestError("pseudonymizer returned a wrong number of values")
        errs = [None if p is not None else (f"{label}が空です" if not (v or "").strip()
                                            else f"{label}の形式が正しくありません (数字のみ)") for v, p in zip(distinct, pseudo, strict=True)]
        keys = pc.take(pa.array(pseudo, pa.string()), enc.indices)
        err = pc.take(pa.array(errs, pa.string()), enc.indices)
        err = pc.if_else(pc.is_null(arr), pa.scalar(f"{label}が空です"), err)
        return keys, err

    def load(self, es: ExportSpec, extra: dict[str, KeySpec] | None = None, date_cols: dict[str, bool] | None = None,
             text_cols: Sequence[str] = ()) -> bool:
        """Create TEMP TABLE raw_<export>; False when the file is missing and that is allowed."""
        path = self.dir / es.file_name
        if not path.is_file() and self.allow_missing and es.name != self.spec.registry:
            self.missing.append(es.name)
            return False
        keys = {"_key": es.key, **({"_gkey": es.guardian_key} if es.guardian_key else {}), **(extra or {})}
        date_cols = dict(date_cols or {})
        for r in es.rules:
            if r.item.source and r.item.source.date_column and not r.computed:
                date_cols[r.item.source.date_column] = True
        values = [c for c in list(text_cols) + es.value_columns() if c not in date_cols]
        columns = [k.column for k in keys.values()] + values + list(date_cols)
        raw = read_export(es.name, path, list(dict.fromkeys(columns)))
        self.sources[es.name] = SourceFile(raw.sha256, raw.encoding, raw.table.num_rows)
        t = raw.table
        out: dict[str, pa.Array] = {"_line": t.column("_line").combine_chunks()}
        for name, k in keys.items():
            out[name], out[name + "_err"] = self._pseudo(t.column(k.column), k.id_type)
        for c in dict.fromkeys(values):
            out[c] = map_distinct(t.column(c), normalize_text, pa.string())
        for c, allow_month in date_cols.items():
            out["_d_" + c], out["_de_" + c] = parse_dates(t.column(c), allow_month=allow_month)
            out["_dv_" + c] = map_distinct(t.column(c), normalize_text, pa.string())
        table = pa.table(out)
        self.con.register("_arrow_in", table)
        try:
            self.con.execute(f"CREATE TEMP TABLE {q('raw_' + es.name)} AS SELECT * FROM _arrow_in")
        finally:
            self.con.unregister("_arrow_in")
        return True

    def reject(self, export: str, sql_from: str, line: str, col: str, val: str, reason: str) -> None:
        file = self.spec.exports[export].file_name
        self.con.execute(
            f"INSERT INTO rejects SELECT {lit(file)}, {line}, {col}, {val}, {reason}, {lit(export)} FROM {sql_from}")

    # ----------------------------------------------------------------- registry and student map
    def registry(self) -> None:
        es = self.spec.exports[self.spec.registry]
        cfg = es.raw
        rel = cfg["relation"]
        bcol = cfg["birth_date"]
        hh = KeySpec(cfg["household"]["column"], cfg["household"]["id_type"])
        self.load(es, extra={"_hkey": hh}, date_cols={bcol: False}, text_cols=[rel])
        child_rel, guard_rel, other_rel = (cfg["relations"][k] for k in ("child", "guardian", "other"))
        known = list(child_rel) + list(guard_rel) + list(other_rel)
        r = q("raw_" + es.name)
        d, de = q("_d_" + bcol), q("_de_" + bcol)
        self.con.execute(f"""
            CREATE TEMP TABLE reg_chk AS SELECT *,
              CASE WHEN {de} IS NOT NULL THEN {de}
                   WHEN {d} IS NULL THEN '生年月日が空です'
                   WHEN {d} > {lit(self.as_of)} THEN '生年月日が基準日 ({self.as_of.isoformat()}) より後です' END AS e_birth,
              CASE WHEN {q(rel)} IS NULL THEN '続柄が空です'
                   WHEN {q(rel)} NOT IN {_in_list(known)} THEN '想定外の続柄です (使える値: {_shown(known)})' END AS e_rel
            FROM {r}""")
        self.reject(es.name, "reg_chk WHERE _key_err IS NOT NULL", "_line", lit(es.key.column), "NULL", "_key_err")
        self.reject(es.name, "reg_chk WHERE _key_err IS NULL AND _hkey_err IS NOT NULL", "_line", lit(hh.column), "NULL", "_hkey_err")
        # a birth date is personal: the report names the line and the problem, never the value
        self.reject(es.name, "reg_chk WHERE e_birth IS NOT NULL", "_line", lit(bcol), "NULL",
                    "regexp_replace(e_birth, '「[^」]*」', '生年月日', 'g')")
        self.reject(es.name, "reg_chk WHERE e_rel IS NOT NULL", "_line", lit(rel), q(rel), "e_rel")
        self.con.execute("""CREATE TEMP TABLE reg_ok AS SELECT *, row_number() OVER (PARTITION BY _key ORDER BY _line) AS rn
                            FROM reg_chk WHERE _key_err IS NULL AND _hkey_err IS NULL AND e_birth IS NULL AND e_rel IS NULL""")
        self.reject(es.name, "reg_ok WHERE rn > 1", "_line", lit(es.key.column), "NULL",
                    "'同じ宛名番号の行が重複しています (先の行を採用)'")
        self.con.execute(f"""
            CREATE TEMP TABLE persons AS SELECT _key AS pid, _hkey AS hid, {d} AS birth, _line,
              CASE WHEN {q(rel)} IN {_in_list(child_rel)} AND date_sub('year', {d}, {lit(self.as_of)}) <= 19 THEN 'child'
                   WHEN {q(rel)} IN {_in_list(guard_rel)} THEN 'guardian' ELSE 'other' END AS role
            FROM reg_ok WHERE rn = 1""")
        self.con.execute("""
            CREATE TEMP TABLE hh AS SELECT hid, count(*) AS size,
              count(*) FILTER (WHERE role = 'guardian') AS n_guard, count(*) FILTER (WHERE role = 'child') AS n_child
            FROM persons GROUP BY hid HAVING count(*) FILTER (WHERE role = 'child') > 0""")
        # a guardian is a guardian of children: adults of households without children are other members
        self.con.execute("UPDATE persons SET role = 'other' WHERE role = 'guardian' AND hid NOT IN (SELECT hid FROM hh)")

    def student_map(self) -> None:
        es = self.spec.exports[self.spec.student_map]
        res = KeySpec(es.raw["resident"]["column"], es.raw["resident"]["id_type"])
        if not self.load(es, extra={"_rkey": res}):
            self.con.execute("CREATE TEMP TABLE links (sid VARCHAR, child_id VARCHAR)")
            return
        r = q("raw_" + es.name)
        self.reject(es.name, f"{r} WHERE _key_err IS NOT NULL", "_line", lit(es.key.column), "NULL", "_key_err")
        self.reject(es.name, f"{r} WHERE _key_err IS NULL AND _rkey_err IS NOT NULL", "_line", lit(res.column), "NULL", "_rkey_err")
        self.con.execute(f"""
            CREATE TEMP TABLE map_chk AS SELECT m._line, m._key AS sid, p.pid AS child_id,
              row_number() OVER (PARTITION BY m._key ORDER BY m._line) AS rn
            FROM {r} m LEFT JOIN persons p ON p.pid = m._rkey AND p.role = 'child'
            WHERE m._key_err IS NULL AND m._rkey_err IS NULL""")
        self.reject(es.name, "map_chk WHERE child_id IS NULL", "_line", lit(res.column), "NULL",
                    "'宛名番号が住民基本台帳のこどもに該当しません'")
        self.reject(es.name, "map_chk WHERE child_id IS NOT NULL AND rn > 1", "_line", lit(es.key.column), "NULL",
                    "'同じ学籍番号の行が重複しています (先の行を採用)'")
        self.con.execute("CREATE TEMP TABLE links AS SELECT sid, child_id FROM map_chk WHERE child_id IS NOT NULL AND rn = 1")

    # ----------------------------------------------------------------- one export
    def resolve(self, es: ExportSpec, report: bool = True) -> str:
        """TEMP TABLE res_<export>: raw rows + entity keys (_ek_child/_ek_guardian/_ek_household) + row_err."""
        r, name = q("raw_" + es.name), q("res_" + es.name)
        key_entities = {rule.item.entity for rule in es.rules if not (rule.item.entity == "guardian" and es.guardian_key)}
        g_join, g_cols = "", "NULL::VARCHAR AS _ek_g2, NULL::VARCHAR AS _g2_err"
        if es.guardian_key:
            g_join = "LEFT JOIN persons pg ON pg.pid = r._gkey AND pg.role = 'guardian'"
            g_cols = ("pg.pid AS _ek_g2, CASE WHEN r._gkey_err IS NOT NULL THEN r._gkey_err "
                      "WHEN r._gkey IS NOT NULL AND pg.pid IS NULL THEN '保護者の宛名番号が住民基本台帳にありません' END AS _g2_err")
        if es.key.id_type == "resident":
            allowed = sorted(key_entities & {"child", "guardian"})
            who = "・".join(ENTITY_LABELS_JA[e] for e in allowed) or "こども"
            join = "LEFT JOIN persons p ON p.pid = r._key"
            ek = ("CASE WHEN p.role = 'child' THEN p.pid END AS _ek_child, "
                  "CASE WHEN p.role = 'guardian' THEN p.pid END AS _ek_guardian, "
                  "p.hid AS _ek_household")
            ok_roles = _in_list(allowed or ["child"])
            unresolved = (f"CASE WHEN p.pid IS NULL THEN '宛名番号が住民基本台帳にありません' "
                          f"WHEN p.role NOT IN {ok_roles} THEN '宛名番号が基準日 ({self.as_of.isoformat()}) 時点の{who}に該当しません "
                          f"(住民基本台帳の続柄・年齢による)' END")
        elif es.key.id_type == "student":
            join = "LEFT JOIN links l ON l.sid = r._key LEFT JOIN persons p ON p.pid = l.child_id"
            ek = "l.child_id AS _ek_child, NULL::VARCHAR AS _ek_guardian, p.hid AS _ek_household"
            unresolved = ("CASE WHEN l.child_id IS NULL THEN "
                          "'学籍番号が対応表 (学籍番号と宛名番号) になく、こどもと結び付けられません' END")
        else:
            join = "LEFT JOIN hh h ON h.hid = r._key"
            ek = "NULL::VARCHAR AS _ek_child, NULL::VARCHAR AS _ek_guardian, h.hid AS _ek_household"
            unresolved = "CASE WHEN h.hid IS NULL THEN '世帯番号が住民基本台帳 (こどものいる世帯) にありません' END"
        self.con.execute(f"""
            CREATE TEMP TABLE {name} AS SELECT r.*, {ek}, {g_cols},
              COALESCE(r._key_err, {unresolved}) AS row_err
            FROM {r} r {join} {g_join}""")
        if report:
            self.reject(es.name, f"{name} WHERE row_err IS NOT NULL", "_line", lit(es.key.column), "NULL", "row_err")
        return name

    def _value_sql(self, rule: ItemRule, raw: str) -> tuple[str, str]:
        """(typed value expression, Japanese error expression) for a normalized text expression."""
        item = rule.item
        if item.type == "bool":
            if rule.threshold:
                op, v = rule.threshold
                num = f"TRY_CAST({raw} AS DOUBLE)"
                return f"({num} {op} {v!r})", f"CASE WHEN {num} IS NULL THEN '数値ではありません' END"
            if rule.true_unless:
                return f"({raw} NOT IN {_in_list(rule.true_unless)})", "NULL"
            if rule.keep:
                allowed = list(rule.keep) + list(rule.skip)
                return "TRUE", f"CASE WHEN {raw} NOT IN {_in_list(allowed)} THEN '想定外の値です (使える値: {_shown(allowed)})' END"
            allowed = list(rule.true) + list(rule.false)
            false_case = f" WHEN {raw} IN {_in_list(rule.false)} THEN FALSE" if rule.false else ""
            return (f"CASE WHEN {raw} IN {_in_list(rule.true)} THEN TRUE{false_case} END",
                    f"CASE WHEN {raw} NOT IN {_in_list(allowed)} THEN '想定外の値です (使える値: {_shown(allowed)})' END")
        if item.type in ("integer", "decimal"):
            typ = "BIGINT" if item.type == "integer" else "DOUBLE"
            # only plain notation: DuckDB would round 3.5 to 4 and read 0x10 as 16 and 1e2 as 100
            pattern = INTEGER_PATTERN if item.type == "integer" else DECIMAL_PATTERN
            num = f"(CASE WHEN regexp_full_match({raw}, {lit(pattern)}) THEN TRY_CAST({raw} AS {typ}) END)"
            checks = [f"WHEN {num} IS NULL THEN '{NOT_INTEGER_JA if item.type == 'integer' else NOT_DECIMAL_JA}'"]
            lo, hi = item.range.bounds_as(item.type) if item.range else (None, None)
            if lo is not None or hi is not None:
                cond = " OR ".join(c for c in ((f"{num} < {lo!r}" if lo is not None else ""),
                                               (f"{num} > {hi!r}" if hi is not None else "")) if c)
                checks.append(f"WHEN {cond} THEN '範囲外の値です ({'' if lo is None else lo}〜{'' if hi is None else hi}{item.unit or ''})'")
            return num, "CASE " + " ".join(checks) + " END"
        if item.type == "category":
            mapped = raw
            if rule.map:
                mapped = "CASE " + " ".join(f"WHEN {raw} = {lit(k)} THEN {lit(v)}" for k, v in rule.map.items()) + f" ELSE {raw} END"
            codes = [c.code for c in item.codes or ()]
            shown = "、".join(f"{c.code}={c.label}" for c in item.codes or ())
            return mapped, f"CASE WHEN {mapped} NOT IN {_in_list(codes)} THEN 'コード表にない値です (使える値: {shown})' END"
        if item.type == "date":
            assert item.source is not None  # a date read from an export
            col = item.source.column
            return q("_d_" + col), q("_de_" + col)
        raise IngestError(f"unsupported type {item.type}")

    def export_items(self, es: ExportSpec, registry: bool = False) -> None:
        """Check and type every item of one export. The registry is already loaded and checked:
        its rows that are not children (guardians, grandparents) are not rejects."""
        rules = [r for r in es.rules if not r.computed]
        if not registry and not self.load(es):
            return
        res = self.resolve(es, report=not registry)
        if registry:
            self.con.execute(f"UPDATE {res} SET row_err = NULL WHERE row_err IS NOT NULL AND _ek_child IS NULL AND _key IN (SELECT pid FROM persons)")
        filtered = 0
        for rule in rules:
            item = rule.item
            src = item.source
            assert src is not None
            g2_key = es.guardian_key if item.entity == "guardian" else None  # the second guardian's id column
            use_g2 = g2_key is not None
            ek = {"child": "_ek_child", "guardian": "_ek_g2" if use_g2 else "_ek_guardian", "household": "_ek_household"}[item.entity]
            raw = q(src.column) if item.type != "date" else q("_dv_" + src.column)
            value, err = self._value_sql(rule, raw)
            base = f"{res} WHERE row_err IS NULL"
            if g2_key is not None:
                self.reject(es.name, f"{base} AND _g2_err IS NOT NULL AND {raw} IS NOT NULL", "_line",
                            lit(g2_key.column), "NULL", "_g2_err")
            if item.kind == "event":
                dc = src.date_column
                assert dc is not None
                d, de, dv = q("_d_" + dc), q("_de_" + dc), q("_dv_" + dc)
                self.con.execute(f"""CREATE TEMP TABLE {q('chk_' + item.id)} AS SELECT _line, {ek} AS ek, {raw} AS raw,
                    {d} AS d, {dv} AS dv,
                    CASE WHEN {de} IS NOT NULL THEN {de} WHEN {d} IS NULL THEN '日付が空です'
                         WHEN {d} >= {lit(self.as_of)} THEN '日付が基準日 ({self.as_of.isoformat()}) 以降です' END AS date_err,
                    CASE WHEN {raw} IS NULL THEN '値が空です' ELSE {err} END AS err,
                    {value} AS value
                    FROM {base} AND {ek} IS NOT NULL""")
                chk = q("chk_" + item.id)
                self.reject(es.name, f"{chk} WHERE date_err IS NOT NULL", "_line", lit(dc), "dv", "date_err")
                self.reject(es.name, f"{chk} WHERE err IS NOT NULL", "_line", lit(src.column), "raw", "err")
                keep = ""
                if rule.skip:
                    keep = f" AND raw NOT IN {_in_list(rule.skip)}"
                    filtered += self.con.execute(
                        f"SELECT count(*) FROM {chk} WHERE date_err IS NULL AND err IS NULL AND raw IN {_in_list(rule.skip)}").fetchall()[0][0]
                typ = layout.DUCKDB_TYPE[item.type]
                self.con.execute(f"""CREATE TEMP TABLE {q('v_' + item.id)} AS SELECT ek, d AS event_date, CAST(value AS {typ}) AS value
                    FROM {chk} WHERE date_err IS NULL AND err IS NULL{keep}""")
            else:
                self.con.execute(f"""CREATE TEMP TABLE {q('chk_' + item.id)} AS SELECT _line, {ek} AS ek, {raw} AS raw,
                    {err} AS err, {value} AS value FROM {base} AND {ek} IS NOT NULL AND {raw} IS NOT NULL""")
                chk = q("chk_" + item.id)
                self.reject(es.name, f"{chk} WHERE err IS NOT NULL", "_line", lit(src.column), "raw", "err")
                typ = layout.DUCKDB_TYPE[item.type]
                if rule.combine == "any":
                    self.con.execute(f"""CREATE TEMP TABLE {q('v_' + item.id)} AS
                        SELECT ek, CAST(bool_or(value) AS {typ}) AS value FROM {chk} WHERE err IS NULL GROUP BY ek""")
                else:
                    self.con.execute(f"""CREATE TEMP TABLE {q('dup_' + item.id)} AS SELECT *,
                        row_number() OVER (PARTITION BY ek ORDER BY _line) AS rn FROM {chk} WHERE err IS NULL""")
                    who = ENTITY_LABELS_JA[item.entity]
                    self.reject(es.name, f"{q('dup_' + item.id)} WHERE rn > 1", "_line", lit(src.column), "raw",
                                lit(f"同じ{who}の行が重複しています (先の行を採用)"))
                    self.con.execute(f"""CREATE TEMP TABLE {q('v_' + item.id)} AS
                        SELECT ek, CAST(value AS {typ}) AS value FROM {q('dup_' + item.id)} WHERE rn = 1""")
                self.con.execute(f"CREATE TEMP TABLE {q('p_' + item.id)} AS SELECT DISTINCT {ek} AS ek FROM {base} AND {ek} IS NOT NULL")
        self.filtered[es.name] = filtered
        # keep only what the mart tables need (v_*, p_*): staging tables hold every row of the export
        for rule in rules:
            for prefix in ("chk_", "dup_"):
                self.con.execute(f"DROP TABLE IF EXISTS {q(prefix + rule.item.id)}")
        if not registry:
            self.con.execute(f"DROP TABLE IF EXISTS {q('res_' + es.name)}")
            self.con.execute(f"DROP TABLE IF EXISTS {q('raw_' + es.name)}")

    # ----------------------------------------------------------------- mart tables
    def _attr_select(self, entity: str, alias: str) -> tuple[list[str], list[str]]:
        cols: list[str] = []
        joins: list[str] = []
        for es in self.spec.exports.values():
            for rule in es.rules:
                item = rule.item
                if item.entity != entity or item.kind != "attribute" or not layout.is_stored(item):
                    continue
                col = q(layout.attribute_column(item.id))
                typ = layout.DUCKDB_TYPE[item.type]
                if rule.computed:
                    cols.append(f"CAST({self._computed(rule.computed, alias)} AS {typ}) AS {col}")
                    continue
                if es.name in self.missing:
                    cols.append(f"CAST(NULL AS {typ}) AS {col}")
                    continue
                v, p = q("v_" + item.id), q("p_" + item.id)
                va, pa_ = "v" + str(len(joins)), "p" + str(len(joins))
                joins.append(f"LEFT JOIN {v} {va} ON {va}.ek = {alias}.id")
                joins.append(f"LEFT JOIN {p} {pa_} ON {pa_}.ek = {alias}.id")
                if rule.absent is not None:
                    pop = "TRUE" if rule.population == "residents" else f"{alias}.id IN (SELECT child_id FROM links)"
                    expr = (f"CASE WHEN {va}.ek IS NOT NULL THEN {va}.value WHEN {pa_}.ek IS NOT NULL THEN NULL "
                            f"WHEN {pop} THEN CAST({lit(rule.absent)} AS {typ}) END")
                else:
                    expr = f"{va}.value"
                cols.append(f"{expr} AS {col}")
        return cols, joins

    def _computed(self, name: str, alias: str) -> str:
        if name == "household_size":
            return f"(SELECT size FROM hh WHERE hh.hid = {alias}.id)"
        if name == "single_parent":
            return f"(SELECT CASE WHEN n_guard = 0 THEN NULL ELSE n_guard = 1 END FROM hh WHERE hh.hid = {alias}.id)"
        if name == "siblings":
            return f"(SELECT n_child - 1 FROM hh WHERE hh.hid = {alias}.hid)"
        if name == "guardian_age":
            return f"date_sub('year', {alias}.birth, {lit(self.as_of)})"
        raise IngestError(f"unknown computed item {name}")

    def build_tables(self) -> None:
        # child
        cols, joins = self._attr_select("child", "c")
        extra = "".join(", " + c for c in cols)
        self.con.execute(f"""CREATE TABLE {layout.CHILD_TABLE} AS
            SELECT c.id AS child_id, c.hid AS household_id, CAST(date_trunc('month', c.birth) AS DATE) AS {layout.BIRTH_MONTH_COLUMN}{extra}
            FROM (SELECT pid AS id, hid, birth FROM persons WHERE role = 'child') c {' '.join(joins)}
            ORDER BY child_id""")
        cols, joins = self._attr_select("household", "h")
        extra = "".join(", " + c for c in cols)
        self.con.execute(f"""CREATE TABLE {layout.HOUSEHOLD_TABLE} AS SELECT h.id AS household_id{extra}
            FROM (SELECT hid AS id FROM hh) h {' '.join(joins)} ORDER BY household_id""")
        cols, joins = self._attr_select("guardian", "g")
        extra = "".join(", " + c for c in cols)
        self.con.execute(f"""CREATE TABLE {layout.GUARDIAN_TABLE} AS SELECT g.id AS guardian_id, g.hid AS household_id{extra}
            FROM (SELECT pid AS id, hid, birth FROM persons WHERE role = 'guardian') g
            {' '.join(joins)} ORDER BY guardian_id""")
        for item in self.catalog.items:
            if item.kind != "event" or not layout.is_stored(item):
                continue
            table = q(layout.event_table(item.id))
            key = layout.ENTITY_KEY[item.entity]
            typ = layout.DUCKDB_TYPE[item.type]
            have = item.source is not None and item.source.export not in self.missing and item.source.export in self.spec.exports
            src = (f"SELECT ek AS {key}, event_date AS {layout.EVENT_DATE_COLUMN}, value AS {layout.EVENT_VALUE_COLUMN} FROM {q('v_' + item.id)}"
                   if have else
                   f"SELECT NULL::VARCHAR AS {key}, NULL::DATE AS {layout.EVENT_DATE_COLUMN}, NULL::{typ} AS {layout.EVENT_VALUE_COLUMN} WHERE FALSE")
            self.con.execute(f"CREATE TABLE {table} AS {src} ORDER BY ALL")


def _write_rejects(con: DuckDBPyConnection, path: Path, spec: IngestSpec) -> int:
    rows = con.execute("""SELECT DISTINCT file, line, col, val, reason FROM rejects ORDER BY file, line, col, reason""").fetchall()
    shown = rejects_report.report_rows(rows, rejects_report.personal_columns(spec))
    rejects_report.write_report(path, shown)
    return len(shown)


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_files(mart_path: Path, rejects_path: Path) -> list[Path]:
    """Temporary files of ingests that were killed before publishing (their process is gone): removed,
    and returned so that the caller can say so. A running ingest's files are left alone."""
    removed: list[Path] = []
    for target in (mart_path, rejects_path):
        for p in sorted(target.parent.glob(f".{target.name}.*.tmp*")):
            parts = p.name[len(target.name) + 2:].split(".")
            if not parts or not parts[0].isdigit() or not (p.name.endswith(".tmp") or p.name.endswith(".tmp.wal")):
                continue
            pid = int(parts[0])
            if pid != os.getpid() and _pid_alive(pid):
                continue
            p.unlink(missing_ok=True)
            log.warning("removed a stale temporary file of an interrupted ingest: %s", p)
            removed.append(p)
    return removed


def _cleanup(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def ingest_exports(
    exports_dir: str | Path,
    mart_path: str | Path,
    pseudonymizer: Pseudonymizer,
    *,
    catalog: Catalog | None = None,
    as_of: date | None = None,
    pre_publish_check: Callable[[Path], None] | None = None,
    rejects_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    allow_missing: bool = False,
) -> IngestSummary:
    """Build the mart from a folder of exports (<export>.csv); atomic: the old mart survives any failure.

    `as_of` is the reference date for ages and the registry (default: today). The rejects report
    (personal data: engine/ingest/rejects.py) is written into the exports folder (``<mart stem>.rejects.csv``)
    unless `rejects_path` names another place; never into the mart's folder. A report an earlier version
    left next to the mart is removed once the new one is published.
    """
    import duckdb

    t0 = time.perf_counter()
    catalog = catalog or default_catalog()
    spec = build_spec(catalog)
    as_of = as_of or date.today()
    exports_dir, mart_path = Path(exports_dir), Path(mart_path)
    if not exports_dir.is_dir():
        raise IngestError(f"エクスポートのフォルダ {exports_dir} が見つかりません")
    if not mart_path.parent.is_dir():
        raise IngestError(f"データマートの保存先フォルダ {mart_path.parent} がありません")
    rejects_path = Path(rejects_path) if rejects_path else rejects_report.default_path(exports_dir, mart_path)
    if _same_folder(rejects_path.parent, mart_path.parent):
        raise IngestError(f"不採用の記録 {rejects_path.name} は個人情報を含むため、データマートと同じフォルダ ({mart_path.parent}) "
                          "には置けません。エクスポートのフォルダか別のフォルダを指定してください")
    if not rejects_path.parent.is_dir():
        raise IngestError(f"不採用の記録の保存先フォルダ {rejects_path.parent} がありません")
    if not allow_missing:
        missing = [es.file_name for es in spec.exports.values() if not (exports_dir / es.file_name).is_file()]
        if missing:
            raise IngestError(f"{exports_dir} にエクスポートファイルがありません: {', '.join(missing)}")
    step = progress or (lambda _msg: None)
    tmp = mart_path.with_name(f".{mart_path.name}.{os.getpid()}.tmp")
    tmp_rejects = rejects_path.with_name(f".{rejects_path.name}.{os.getpid()}.tmp")
    for stale in remove_stale_temp_files(mart_path, rejects_path):
        step(f"前回中断した取込みの一時ファイルを削除しました: {stale.name}")
    _cleanup(tmp)
    con = duckdb.connect(str(tmp))
    try:
        b = _Build(con, spec, catalog, pseudonymizer, as_of, exports_dir, step, allow_missing)
        step("住民基本台帳")
        b.registry()
        b.export_items(spec.exports[spec.registry], registry=True)
        step("学籍番号と宛名番号の対応表")
        b.student_map()
        for name, es in spec.exports.items():
            if name in (spec.registry, spec.student_map):
                continue
            step(name)
            b.export_items(es)
        step("データマートの作成")
        b.build_tables()
        rejected_rows = dict(con.execute("SELECT export, count(DISTINCT line) FROM rejects GROUP BY export ORDER BY export").fetchall())
        tables = {t: con.execute(f"SELECT count(*) FROM {q(t)}").fetchall()[0][0]  # one row
                  for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database() ORDER BY table_name").fetchall()}
        meta = {
            "ingest_version": INGEST_VERSION,
            "catalog_hash": catalog.content_hash,
            "key_id": getattr(pseudonymizer, "key_id", ""),
            "as_of": as_of.isoformat(),
            "loaded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            **{f"source_sha256:{n}": r.sha256 for n, r in sorted(b.sources.items())},
            **{f"source_encoding:{n}": r.encoding for n, r in sorted(b.sources.items())},
            **{f"source_rows:{n}": str(r.rows) for n, r in sorted(b.sources.items())},
            **{f"rejected_rows:{n}": str(c) for n, c in rejected_rows.items()},
        }
        step("チェックサムの記録")
        # per data table: row count and content checksum, read back by every run's manifest
        meta.update(mart_checksums.meta_entries(mart_checksums.compute(con, mart_checksums.data_tables(con))))
        con.execute(f"CREATE TABLE {layout.META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany(f"INSERT INTO {layout.META_TABLE} VALUES (?, ?)", sorted(meta.items()))
        step("不採用の記録")
        n_rejects = _write_rejects(con, tmp_rejects, spec)
        rows_read = {n: r.rows for n, r in b.sources.items()}
        con.execute("CHECKPOINT")
        con.close()
        if pre_publish_check is not None:
            step("公開前の個人情報チェック")
            pre_publish_check(tmp)
        os.replace(tmp, mart_path)
        os.replace(tmp_rejects, rejects_path)
    except BaseException:
        try:
            con.close()
        except Exception:  # noqa: BLE001 - already closed
            pass
        _cleanup(tmp)
        if tmp_rejects.exists():
            tmp_rejects.unlink()
        raise
    legacy = rejects_report.legacy_path(mart_path)
    if legacy.is_file():
        legacy.unlink(missing_ok=True)
        log.warning("removed the rejects report next to the mart (personal data; now at %s): %s", rejects_path, legacy)
        step(f"データマートの隣にあった以前の不採用の記録を削除しました（今後の保存先: {rejects_path}）")
    tables[layout.META_TABLE] = len(meta)
    return IngestSummary(
        mart_path=mart_path, rejects_path=rejects_path, as_of=as_of, key_id=meta["key_id"],
        seconds=time.perf_counter() - t0, rows_read=rows_read, rejected_rows=rejected_rows,
        reject_records=n_rejects, filtered_rows={k: v for k, v in b.filtered.items() if v},
        tables=tables, missing_exports=tuple(b.missing),
    )
