"""Which data items carry nearly the same information on the current mart?

和泉市 removed 「性質が類似するデータ」 from its linkage: if two items move
together for almost every child, linking both adds privacy risk without adding
signal. This module measures that on the mart, in SQL.

Per child and per stored item, one feature (``build_features``):

- child attribute: the child's value; household attribute: the household's
  value broadcast to its children; guardian attribute: over the household's
  guardians, ``bool_or`` for bool (the rules' ANY-guardian reading), ``max``
  for numbers and dates, ``min`` for categories;
- event item: the number of events in the last ``window_months`` months
  before the reference date, ``[reference_date - window, reference_date)``,
  0 when none (household/guardian events broadcast to the children);
- ``resident.age`` (derived): full years at the reference date from
  ``birth_month``; other run-time derived items (``resident.school_stage``)
  are skipped: they are a function of age.
- dates become the number of days before the reference date.

Pairwise measures, over the children where both features are known:

- bool x bool: phi coefficient (Pearson on 0/1);
- numeric x numeric or numeric x bool: Pearson correlation;
- category x category or category x bool: Cramér's V;
- category x numeric: correlation ratio (eta).

Pairs with ``|value| >= threshold`` are returned, strongest first, then by
item ids: the order is deterministic. Values are rounded to 6 decimals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, SupportsFloat

from engine.catalog.model import Catalog, CatalogItem
from engine.errors import Category, TsunaguError
from engine.mart.connection import Connection
from engine.mart.layout import (
    BIRTH_MONTH_COLUMN,
    CHILD_TABLE,
    ENTITY_KEY,
    ENTITY_TABLE,
    EVENT_DATE_COLUMN,
    GUARDIAN_TABLE,
    HOUSEHOLD_TABLE,
    is_stored,
    item_location,
)
from engine.rules.model import AGE_ITEM

Measure = Literal["phi", "pearson", "cramers_v", "correlation_ratio"]
FeatureKind = Literal["bool", "numeric", "category"]

MEASURE_LABELS_JA: dict[str, str] = {
    "phi": "ファイ係数",
    "pearson": "ピアソンの相関係数",
    "cramers_v": "クラメールの連関係数 (V)",
    "correlation_ratio": "相関比 (η)",
}
FEATURE_TABLE = "_item_features"
_PAIRS_PER_QUERY = 150


class SimilarityError(TsunaguError, ValueError):
    """The mart cannot be analysed (Japanese message)."""

    category = Category.UNAVAILABLE


@dataclass(frozen=True)
class Feature:
    item_id: str
    column: str  # column name in the feature table
    kind: FeatureKind
    source: str  # how it was built, e.g. "count of events in 12 months"


@dataclass(frozen=True)
class SimilarPair:
    item_a: str
    item_b: str
    measure: Measure
    value: float
    n: int  # children with both features known

    @property
    def measure_ja(self) -> str:
        return MEASURE_LABELS_JA[self.measure]


@dataclass(frozen=True)
class SimilarityReport:
    reference_date: dt.date
    window_months: int
    threshold: float
    n_children: int
    features: list[Feature]
    pairs: list[SimilarPair]
    skipped: dict[str, str] = field(default_factory=dict)  # item id -> Japanese reason


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit_date(d: dt.date) -> str:
    return f"DATE '{d.isoformat()}'"


def _existing_columns(con: Connection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for t, c in rows:
        out.setdefault(t, set()).add(c)
    return out


def _kind(item: CatalogItem) -> FeatureKind:
    if item.kind == "event":
        return "numeric"
    if item.type == "bool":
        return "bool"
    if item.type == "category":
        return "category"
    return "numeric"


def build_features(
    con: Connection,
    catalog: Catalog,
    *,
    reference_date: dt.date,
    items: Iterable[str] | None = None,
    window_months: int = 12,
    table: str = FEATURE_TABLE,
) -> tuple[list[Feature], dict[str, str]]:
    """Create (replace) a temp table ``table`` with ``child_id`` and one feature column per item.

    Returns the features built and the items skipped with the reason.
    """
    if not 1 <= window_months <= 120:
        raise SimilarityError(f"集計期間は1〜120か月で指定してください（{window_months}）")
    cols = _existing_columns(con)
    if CHILD_TABLE not in cols:
        raise SimilarityError("データマートに child テーブルがありません（データを取り込んでから実行してください）")
    wanted = list(items) if items is not None else catalog.ids()
    unknown = [i for i in wanted if i not in catalog]
    if unknown:
        raise SimilarityError("カタログにない項目が指定されています: " + "、".join(sorted(unknown)))
    ref = _lit_date(reference_date)
    start = f"({ref} - INTERVAL {int(window_months)} MONTH)"

    selects: list[str] = [f"c.{_q('child_id')} AS child_id"]
    joins: list[str] = []
    features: list[Feature] = []
    skipped: dict[str, str] = {}
    guardian_aggs: list[str] = []
    for n, item_id in enumerate(sorted(set(wanted))):
        item = catalog[item_id]
        fcol = f"f{n}"
        if item_id == AGE_ITEM:
            if BIRTH_MONTH_COLUMN not in cols[CHILD_TABLE]:
                skipped[item_id] = "child テーブルに birth_month がありません"
                continue
            selects.append(f"datesub('year', c.{_q(BIRTH_MONTH_COLUMN)}, {ref})::DOUBLE AS {fcol}")
            features.append(Feature(item_id, fcol, "numeric", "基準日時点の満年齢"))
            continue
        if not is_stored(item):
            skipped[item_id] = "実行時に導出される項目（年齢から決まるため対象外）"
            continue
        table_name, column = item_location(item)
        if item.kind == "event":
            if table_name not in cols:
                skipped[item_id] = f"データマートに {table_name} がありません"
                continue
            key = ENTITY_KEY[item.entity]
            counts = (
                f"(SELECT {_q(key)} AS k, count(*) AS n FROM {_q(table_name)} "
                f"WHERE {_q(EVENT_DATE_COLUMN)} >= {start} AND {_q(EVENT_DATE_COLUMN)} < {ref} GROUP BY 1)"
            )
            alias = f"e{n}"
            if item.entity == "child":
                joins.append(f"LEFT JOIN {counts} {alias} ON {alias}.k = c.child_id")
            elif item.entity == "household":
                joins.append(f"LEFT JOIN {counts} {alias} ON {alias}.k = c.household_id")
            else:  # guardian events: summed over the household's guardians
                joins.append(
                    f"LEFT JOIN (SELECT g.household_id AS k, sum(x.n) AS n FROM {_q(GUARDIAN_TABLE)} g "
                    f"JOIN {counts} x ON x.k = g.guardian_id GROUP BY 1) {alias} ON {alias}.k = c.household_id"
                )
            selects.append(f"coalesce({alias}.n, 0)::DOUBLE AS {fcol}")
            features.append(Feature(item_id, fcol, "numeric", f"直近{window_months}か月の件数"))
            continue
        assert column is not None
        if table_name not in cols or column not in cols[table_name]:
            skipped[item_id] = f"データマートに {table_name}.{column} がありません"
            continue
        kind = _kind(item)
        src = {CHILD_TABLE: "c", HOUSEHOLD_TABLE: "h", GUARDIAN_TABLE: "ga"}[table_name]
        if table_name == GUARDIAN_TABLE:
            agg = {"bool": "bool_or", "numeric": "max", "category": "min"}[kind]
            guardian_aggs.append(f"{agg}({_q(column)}) AS {fcol}")
            expr = f"ga.{fcol}"
        else:
            expr = f"{src}.{_q(column)}"
        if item.type == "date":
            expr = f"date_diff('day', {expr}, {ref})::DOUBLE"
        elif kind == "bool":
            expr = f"{expr}::BOOLEAN"
        elif kind == "numeric":
            expr = f"{expr}::DOUBLE"
        else:
            expr = f"{expr}::VARCHAR"
        selects.append(f"{expr} AS {fcol}")
        features.append(Feature(item_id, fcol, kind, ENTITY_TABLE[item.entity]))

    base = f"FROM {_q(CHILD_TABLE)} c"
    if HOUSEHOLD_TABLE in cols:
        base += f" LEFT JOIN {_q(HOUSEHOLD_TABLE)} h ON h.household_id = c.household_id"
    if guardian_aggs:
        base += (
            f" LEFT JOIN (SELECT household_id, {', '.join(guardian_aggs)} FROM {_q(GUARDIAN_TABLE)} GROUP BY 1) ga"
            " ON ga.household_id = c.household_id"
        )
    sql = f"CREATE OR REPLACE TEMP TABLE {_q(table)} AS SELECT {', '.join(selects)} {base} {' '.join(joins)}"
    con.execute(sql)
    return features, skipped


def _measure_for(a: Feature, b: Feature) -> Measure:
    kinds = {a.kind, b.kind}
    if kinds == {"bool"}:
        return "phi"
    if "category" in kinds:
        other = b if a.kind == "category" else a
        return "correlation_ratio" if other.kind == "numeric" else "cramers_v"
    return "pearson"


def _cramers_v_sql(table: str, a: str, b: str) -> str:
    return f"""
WITH t AS (SELECT {a}::VARCHAR AS x, {b}::VARCHAR AS y FROM {_q(table)} WHERE {a} IS NOT NULL AND {b} IS NOT NULL),
tot AS (SELECT count(*)::DOUBLE AS n FROM t),
cx AS (SELECT x, count(*)::DOUBLE AS nx FROM t GROUP BY x),
cy AS (SELECT y, count(*)::DOUBLE AS ny FROM t GROUP BY y),
cxy AS (SELECT x, y, count(*)::DOUBLE AS nxy FROM t GROUP BY x, y),
chi AS (
  SELECT sum(power(coalesce(cxy.nxy, 0) - cx.nx * cy.ny / tot.n, 2) / (cx.nx * cy.ny / tot.n)) AS chi2
  FROM cx CROSS JOIN cy CROSS JOIN tot LEFT JOIN cxy ON cxy.x = cx.x AND cxy.y = cy.y
)
SELECT CASE WHEN least((SELECT count(*) FROM cx), (SELECT count(*) FROM cy)) < 2 OR tot.n = 0 THEN NULL
            ELSE sqrt(chi.chi2 / tot.n / (least((SELECT count(*) FROM cx), (SELECT count(*) FROM cy)) - 1)) END,
       tot.n::BIGINT
FROM chi, tot"""


def _eta_sql(table: str, cat: str, num: str) -> str:
    return f"""
WITH t AS (SELECT {cat}::VARCHAR AS x, {num}::DOUBLE AS y FROM {_q(table)} WHERE {cat} IS NOT NULL AND {num} IS NOT NULL),
m AS (SELECT avg(y) AS mu, var_pop(y) * count(*) AS ss, count(*) AS n FROM t),
g AS (SELECT count(*) AS ng, avg(y) AS mg FROM t GROUP BY x)
SELECT CASE WHEN m.ss IS NULL OR m.ss = 0 THEN NULL ELSE sqrt(sum(g.ng * power(g.mg - m.mu, 2)) / m.ss) END, m.n
FROM g, m GROUP BY m.ss, m.n"""


def _clean(v: SupportsFloat | None) -> float | None:
    if v is None:
        return None
    f = float(v)
    if math.isnan(f) or math.isinf(f):
        return None
    return round(max(-1.0, min(1.0, f)), 6)


def pairwise_similarity(con: Connection, features: list[Feature], *, table: str = FEATURE_TABLE, min_n: int = 30) -> list[SimilarPair]:
    """Every pair's measure over the feature table (pairs with fewer than ``min_n`` children or no variance left out)."""
    pairs = [(a, b) for i, a in enumerate(features) for b in features[i + 1:]]
    out: list[SimilarPair] = []
    numeric_pairs = [(a, b) for a, b in pairs if a.kind != "category" and b.kind != "category"]
    for start in range(0, len(numeric_pairs), _PAIRS_PER_QUERY):
        chunk = numeric_pairs[start:start + _PAIRS_PER_QUERY]
        aggs = []
        for a, b in chunk:
            xa, xb = f"{a.column}::DOUBLE", f"{b.column}::DOUBLE"
            aggs.append(f"corr({xa}, {xb})")
            aggs.append(f"regr_count({xa}, {xb})")
        row = con.execute(f"SELECT {', '.join(aggs)} FROM {_q(table)}").fetchone()
        for k, (a, b) in enumerate(chunk):
            value, n = _clean(row[2 * k]), int(row[2 * k + 1] or 0)
            if value is not None and n >= min_n:
                out.append(_pair(a, b, _measure_for(a, b), value, n))
    for a, b in pairs:
        if a.kind != "category" and b.kind != "category":
            continue
        measure = _measure_for(a, b)
        if measure == "correlation_ratio":
            cat, num = (a, b) if a.kind == "category" else (b, a)
            row = con.execute(_eta_sql(table, cat.column, num.column)).fetchone()
        else:
            row = con.execute(_cramers_v_sql(table, a.column, b.column)).fetchone()
        if row is None:
            continue
        value, n = _clean(row[0]), int(row[1] or 0)
        if value is not None and n >= min_n:
            out.append(_pair(a, b, measure, value, n))
    return sorted(out, key=lambda p: (-abs(p.value), p.item_a, p.item_b))


def _pair(a: Feature, b: Feature, measure: Measure, value: float, n: int) -> SimilarPair:
    x, y = sorted((a.item_id, b.item_id))
    return SimilarPair(item_a=x, item_b=y, measure=measure, value=value, n=n)


def similar_pairs(
    con: Connection,
    catalog: Catalog,
    *,
    reference_date: dt.date,
    threshold: float = 0.8,
    items: Iterable[str] | None = None,
    window_months: int = 12,
    min_n: int = 30,
) -> SimilarityReport:
    """Pairs of items whose features agree at ``|measure| >= threshold`` on this mart (strongest first)."""
    if not 0 < threshold <= 1:
        raise SimilarityError(f"しきい値は0より大きく1以下で指定してください（{threshold}）")
    features, skipped = build_features(
        con, catalog, reference_date=reference_date, items=items, window_months=window_months
    )
    n_children = int(con.execute(f"SELECT count(*) FROM {_q(FEATURE_TABLE)}").fetchone()[0])
    all_pairs = pairwise_similarity(con, features, min_n=min_n)
    return SimilarityReport(
        reference_date=reference_date,
        window_months=window_months,
        threshold=threshold,
        n_children=n_children,
        features=features,
        pairs=[p for p in all_pairs if abs(p.value) >= threshold],
        skipped=skipped,
    )


@lru_cache(maxsize=4)
def _pairs_on_mart_version(
    mart: str, version: tuple[int, int], catalog: Catalog, reference_date: dt.date, threshold: float
) -> tuple[SimilarPair, ...]:
    from engine.runner import open_mart

    con = open_mart(Path(mart))
    try:
        return tuple(similar_pairs(con, catalog, reference_date=reference_date, threshold=threshold).pairs)
    finally:
        con.close()


def similar_pairs_on_mart(
    mart_path: Path, catalog: Catalog, *, reference_date: dt.date, threshold: float = 0.8
) -> tuple[SimilarPair, ...]:
    """The similar pairs of the mart file (read-only), remembered per file version: the minimization
    report shows them without measuring again on every view."""
    st = Path(mart_path).stat()
    return _pairs_on_mart_version(
        str(Path(mart_path).resolve()), (st.st_mtime_ns, st.st_size), catalog, reference_date, threshold
    )
