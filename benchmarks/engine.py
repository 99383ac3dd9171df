"""Benchmark: the Tsunagu engine vs a hand-written DuckDB query vs pandas, same 30-rule ruleset.

    .venv/bin/python benchmarks/engine.py                    # 1,000,000 children (about 5 events each)
    .venv/bin/python benchmarks/engine.py --sizes 100000,1000000,5000000

For each size a synthetic mart is generated directly in DuckDB with SQL generators (not through the
CSV synth); like a mart written by ``tsunagu ingest`` it records its table checksums in ``_meta``.
Three implementations of the same ruleset are compared:

- engine:  ``engine.runner.run_ruleset`` with the sample ruleset: connect, read the table checksums,
           the compiled query (remembered after the first run in a process), the results
- hand:    a DuckDB query written by hand for the same ruleset (the practical limit), on a fresh
           connection too
- pandas:  the same ruleset as an analyst would write it in pandas (tables loaded first, load timed apart)

The engine and its baseline, the hand-written query, are timed in ONE process, interleaved in
back-to-back pairs (ABBA order), 5 runs each after a warm-up: ratios are taken against a
baseline that saw the same machine (these machines are noisy). Peak memory is measured in separate
processes, one per implementation. The parent checks that all three give the same top 200 and
prints ratios and peak memory. The mart layout follows ``engine.mart.layout``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REF = "2025-11-01"
SAMPLE = ROOT / "engine" / "rules" / "samples" / "izumi_style.json"
TOP = 200
REPEAT = 5  # timed runs of each, after a warm-up (the machine is shared)

# ---------------------------------------------------------------------------
# synthetic mart (SQL generators)

# per attribute column: (SQL type, generator expression over the row number i and a salt k)
_BOOL = "CASE WHEN hash(i, {k}) % 1000 < {nul} THEN NULL ELSE hash(i, {k}+1) % 1000 < {p} END"
CHILD_ATTRS = {
    "child__temporary_protection_history": _BOOL.format(k=11, nul=0, p=4),
    "child__yotaikyo_past": _BOOL.format(k=13, nul=0, p=10),
    "child__yotaikyo_registered": _BOOL.format(k=15, nul=50, p=15),
    "disability__child_certificate": _BOOL.format(k=17, nul=0, p=20),
    "disability__child_day_service": _BOOL.format(k=19, nul=0, p=15),
    "health__home_visit_unmet": _BOOL.format(k=21, nul=300, p=30),
    "health__late_pregnancy_notification": _BOOL.format(k=23, nul=300, p=30),
    "health__low_birth_weight": _BOOL.format(k=25, nul=300, p=90),
    "health__vaccination_missed": "CASE WHEN hash(i, 27) % 10 < 7 THEN 0 ELSE (hash(i, 28) % 8)::INTEGER END",
    "nursery__enrolled": _BOOL.format(k=29, nul=0, p=300),
    "resident__foreign_nationality": _BOOL.format(k=31, nul=0, p=20),
    "resident__sex": "CASE WHEN hash(i, 33) % 2 = 0 THEN '1' ELSE '2' END",
    "resident__siblings": "(hash(i, 35) % 4)::INTEGER",
    "school__academic_low": _BOOL.format(k=37, nul=400, p=100),
    "school__enrolled": _BOOL.format(k=39, nul=0, p=600),
    "school__grade": "NULL::INTEGER",
    "school__lunch_fee_arrears_months": "CASE WHEN hash(i, 41) % 100 < 95 THEN 0 ELSE (hash(i, 42) % 8)::INTEGER END",
    "school__school_aid": _BOOL.format(k=43, nul=100, p=137),
    "school__ssw_support": _BOOL.format(k=45, nul=0, p=10),
}
HOUSEHOLD_ATTRS = {
    "benefit__child_allowance_suspended": _BOOL.format(k=51, nul=0, p=5),
    "benefit__child_rearing_allowance": _BOOL.format(k=53, nul=0, p=90),
    "benefit__single_parent_medical": _BOOL.format(k=55, nul=0, p=90),
    "care__household_ltc_certified": _BOOL.format(k=57, nul=0, p=30),
    "insurance__nhi_arrears": _BOOL.format(k=59, nul=100, p=30),
    "insurance__short_term_card": _BOOL.format(k=61, nul=100, p=10),
    "resident__household_size": "(2 + hash(i, 63) % 5)::INTEGER",
    "resident__single_parent": _BOOL.format(k=65, nul=0, p=100),
    "tax__arrears": _BOOL.format(k=67, nul=100, p=30),
    "tax__resident_tax_exempt": _BOOL.format(k=69, nul=100, p=120),
    "welfare__public_assistance": _BOOL.format(k=71, nul=0, p=15),
}
GUARDIAN_ATTRS = {
    "disability__guardian_certificate": _BOOL.format(k=81, nul=0, p=30),
    "health__epds_score": "CASE WHEN hash(i, 83) % 10 < 6 THEN NULL ELSE (hash(i, 84) % 20)::INTEGER END",
    "resident__guardian_age": "(20 + hash(i, 85) % 40)::INTEGER",
}
# event table: (entity, rows per entity, value SQL, days back spread)
EVENTS = {
    "ev_school__absence_days": ("child", 2.0, "(CASE WHEN hash(j, 3) % 10 < 7 THEN hash(j, 4) % 3 ELSE hash(j, 4) % 20 END)::INTEGER", 540),
    "ev_school__late_days": ("child", 1.0, "(hash(j, 4) % 12)::INTEGER", 540),
    "ev_school__mood_bad": ("child", 0.6, "TRUE", 200),
    "ev_school__nurse_visits": ("child", 0.4, "['1','2','3','4','9'][1 + (hash(j, 4) % 5)::INTEGER]", 400),
    "ev_nursery__absence_days": ("child", 0.3, "(hash(j, 4) % 25)::INTEGER", 300),
    "ev_child__consultations": ("child", 0.1, "['11','12','20','30','40','90'][1 + (hash(j, 4) % 6)::INTEGER]", 1200),
    "ev_child__abuse_reports": ("child", 0.04, "['1','2','3','4','9'][1 + (hash(j, 4) % 5)::INTEGER]", 1500),
    "ev_health__checkup_missed": ("child", 0.08, "['04M','18M','36M'][1 + (hash(j, 4) % 3)::INTEGER]", 1200),
    "ev_resident__moves": ("child", 0.2, "['11','12'][1 + (hash(j, 4) % 2)::INTEGER]", 900),
    "ev_school__bullying_reports": ("child", 0.05, "TRUE", 500),
    "ev_school__education_consultations": ("child", 0.1, "['1','2','3','4','9'][1 + (hash(j, 4) % 5)::INTEGER]", 500),
    "ev_dv__consultations": ("household", 0.05, "['1','2','3','9'][1 + (hash(j, 4) % 4)::INTEGER]", 1500),
}


def build_mart(path: Path, n_children: int) -> dict[str, int]:
    import duckdb

    from engine.mart import checksums

    n_households = max(1, n_children * 2 // 3)
    n_guardians = int(n_households * 1.6)
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    cols = ", ".join(f"{expr} AS {name}" for name, expr in CHILD_ATTRS.items())
    con.execute(
        f"""CREATE TABLE child AS SELECT
              'c' || lpad(i::VARCHAR, 9, '0') AS child_id,
              'h' || lpad((hash(i, 1) % {n_households})::VARCHAR, 9, '0') AS household_id,
              (DATE '2025-11-01' - to_months((hash(i, 2) % 228)::INTEGER))::DATE AS birth_month,
              {cols}
            FROM range({n_children}) t(i)"""
    )
    cols = ", ".join(f"{expr} AS {name}" for name, expr in HOUSEHOLD_ATTRS.items())
    con.execute(f"CREATE TABLE household AS SELECT 'h' || lpad(i::VARCHAR, 9, '0') AS household_id, {cols} FROM range({n_households}) t(i)")
    cols = ", ".join(f"{expr} AS {name}" for name, expr in GUARDIAN_ATTRS.items())
    con.execute(
        f"""CREATE TABLE guardian AS SELECT 'g' || lpad(i::VARCHAR, 9, '0') AS guardian_id,
              'h' || lpad((i % {n_households})::VARCHAR, 9, '0') AS household_id, {cols} FROM range({n_guardians}) t(i)"""
    )
    for table, (entity, per, value, spread) in EVENTS.items():
        n_entities = n_children if entity == "child" else n_households
        key = "child_id" if entity == "child" else "household_id"
        prefix = "c" if entity == "child" else "h"
        con.execute(
            f"""CREATE TABLE {table} AS SELECT
                  '{prefix}' || lpad((hash(j, 1) % {n_entities})::VARCHAR, 9, '0') AS {key},
                  (DATE '2025-11-01' - to_days((1 + hash(j, 2) % {spread})::INTEGER))::DATE AS event_date,
                  {value} AS value
                FROM range({int(n_entities * per)}) t(j)"""
        )
    con.execute("CREATE TABLE _meta (key VARCHAR, value VARCHAR)")
    checksums.record(con)  # as ingestion does: per data table, row count and content checksum in _meta
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ["child", "household", "guardian", *EVENTS]}
    con.execute("CHECKPOINT")
    con.close()
    # let the build's writes reach the disk before anything is timed (a fresh mart's write-back
    # would otherwise slow whichever worker runs first)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return counts


# ---------------------------------------------------------------------------
# the hand-written query (what a DuckDB expert would write for the sample ruleset)

HAND_SQL = """
WITH
ab AS (SELECT child_id, count(*) AS n FROM ev_child__abuse_reports
       WHERE event_date >= DATE '2022-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
cs AS (SELECT child_id, count(*) AS n FROM ev_child__consultations
       WHERE event_date >= DATE '2023-11-01' AND event_date < DATE '2025-11-01' AND value IN ('11','12') GROUP BY ALL),
dv AS (SELECT household_id, count(*) AS n FROM ev_dv__consultations
       WHERE event_date >= DATE '2022-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
ck AS (SELECT child_id, count(*) AS n FROM ev_health__checkup_missed
       WHERE event_date >= DATE '2022-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
mv AS (SELECT child_id, count(*) AS n FROM ev_resident__moves
       WHERE event_date >= DATE '2023-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
nu AS (SELECT child_id, sum(value) AS d FROM ev_nursery__absence_days
       WHERE event_date >= DATE '2025-05-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
abs AS (SELECT child_id, sum(value) AS d12, sum(value) FILTER (WHERE event_date >= DATE '2025-08-01') AS d3
        FROM ev_school__absence_days WHERE event_date >= DATE '2024-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
lt AS (SELECT child_id, sum(value) AS d FROM ev_school__late_days
       WHERE event_date >= DATE '2025-05-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
nv AS (SELECT child_id, count(*) FILTER (WHERE value = '4') AS inj,
              count(*) FILTER (WHERE value = '3' AND event_date >= DATE '2025-05-01') AS ment
       FROM ev_school__nurse_visits WHERE event_date >= DATE '2024-11-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
bu AS (SELECT DISTINCT child_id FROM ev_school__bullying_reports
       WHERE event_date >= DATE '2024-11-01' AND event_date < DATE '2025-11-01'),
md AS (SELECT child_id, count(*) AS n FROM ev_school__mood_bad
       WHERE event_date >= DATE '2025-08-01' AND event_date < DATE '2025-11-01' GROUP BY ALL),
ec AS (SELECT child_id, count(*) AS n FROM ev_school__education_consultations
       WHERE event_date >= DATE '2024-11-01' AND event_date < DATE '2025-11-01' AND value IN ('1','3') GROUP BY ALL),
gu AS (SELECT household_id, bool_or(health__epds_score >= 9) AS epds, bool_or(disability__guardian_certificate) AS dis
       FROM guardian GROUP BY ALL),
base AS (
  SELECT c.*, h.* EXCLUDE (household_id),
         (2025 * 12 + 11 - (year(c.birth_month) * 12 + month(c.birth_month))) // 12 AS age,
         2025 - 7 - (year(c.birth_month) - CASE WHEN month(c.birth_month) < 4 THEN 1 ELSE 0 END) AS g,
         coalesce(gu.epds, false) AS g_epds, coalesce(gu.dis, false) AS g_dis,
         coalesce(ab.n, 0) AS ab_n, coalesce(cs.n, 0) AS cs_n, coalesce(dv.n, 0) AS dv_n, coalesce(ck.n, 0) AS ck_n,
         coalesce(mv.n, 0) AS mv_n, coalesce(nu.d, 0) AS nu_d, coalesce(abs.d12, 0) AS abs12, coalesce(abs.d3, 0) AS abs3,
         coalesce(lt.d, 0) AS lt_d, coalesce(nv.inj, 0) AS inj, coalesce(nv.ment, 0) AS ment, bu.child_id IS NOT NULL AS bullied,
         coalesce(md.n, 0) AS md_n, coalesce(ec.n, 0) AS ec_n
  FROM child c
  LEFT JOIN household h USING (household_id)
  LEFT JOIN gu USING (household_id)
  LEFT JOIN dv USING (household_id)
  LEFT JOIN ab USING (child_id) LEFT JOIN cs USING (child_id) LEFT JOIN ck USING (child_id)
  LEFT JOIN mv USING (child_id) LEFT JOIN nu USING (child_id) LEFT JOIN abs USING (child_id)
  LEFT JOIN lt USING (child_id) LEFT JOIN nv USING (child_id) LEFT JOIN bu USING (child_id)
  LEFT JOIN md USING (child_id) LEFT JOIN ec USING (child_id)
  WHERE c.birth_month < DATE '2025-12-01'
),
fired AS (
  SELECT child_id, coalesce(child__yotaikyo_registered, false) AS excluded,
    {WELFARE_COLS}, {EDUCATION_COLS},
    school AND (coalesce(welfare__public_assistance, false) OR coalesce(school__school_aid, false)) AND abs12 >= 15 AS b1
  FROM (SELECT *, g BETWEEN 0 AND 8 AS school FROM base)
),
scored AS (
  SELECT child_id, excluded,
    least({WELFARE_SUM}, 80) AS sw, least({EDUCATION_SUM}, 80) AS se, least(CASE WHEN b1 THEN 6 ELSE 0 END, 20) AS sb,
    {FIRED_COUNT} AS nf
  FROM fired
)
SELECT child_id, sw + se + sb AS total
FROM scored
WHERE NOT excluded AND sw + se + sb > 0
ORDER BY total DESC, greatest(sw, se, sb) DESC, nf DESC, child_id
LIMIT 200
"""


# the rules' conditions, written by hand; the sums around them are spelled out by Python
HAND_WELFARE = [
    ("ab_n >= 1", 20), ("coalesce(child__temporary_protection_history, false)", 15), ("coalesce(child__yotaikyo_past, false)", 15),
    ("cs_n >= 1", 10), ("dv_n >= 1", 10), ("coalesce(welfare__public_assistance, false)", 5),
    ("coalesce(benefit__child_rearing_allowance, false)", 4), ("coalesce(tax__resident_tax_exempt, false)", 3),
    ("coalesce(tax__arrears, false) OR coalesce(insurance__nhi_arrears, false) OR coalesce(insurance__short_term_card, false)", 4),
    ("coalesce(benefit__child_allowance_suspended, false)", 5), ("age <= 2 AND g_epds", 8), ("age <= 5 AND ck_n >= 1", 8),
    ("age <= 2 AND coalesce(health__home_visit_unmet, false)", 6), ("age <= 6 AND coalesce(health__vaccination_missed >= 3, false)", 4),
    ("mv_n >= 2", 4), ("age >= 10 AND coalesce(care__household_ltc_certified, false)", 6), ("age >= 8 AND g_dis", 4),
    ("g < 0 AND nu_d >= 30", 5),
]
HAND_EDUCATION = [
    ("abs12 >= 30", 12), ("abs3 >= 10", 6), ("lt_d >= 20", 4), ("inj >= 1", 12), ("ment >= 3", 5), ("bullied", 8),
    ("md_n >= 5", 5), ("coalesce(school__school_aid, false)", 4), ("coalesce(school__lunch_fee_arrears_months >= 3, false)", 5),
    ("ec_n >= 1", 6), ("coalesce(school__academic_low, false)", 2),
]
HAND_SQL = HAND_SQL.format(
    WELFARE_COLS=", ".join(f"({c}) AS w{i}" for i, (c, _) in enumerate(HAND_WELFARE)),
    EDUCATION_COLS=", ".join(f"school AND ({c}) AS e{i}" for i, (c, _) in enumerate(HAND_EDUCATION)),
    WELFARE_SUM=" + ".join(f"CASE WHEN w{i} THEN {p} ELSE 0 END" for i, (_, p) in enumerate(HAND_WELFARE)),
    EDUCATION_SUM=" + ".join(f"CASE WHEN e{i} THEN {p} ELSE 0 END" for i, (_, p) in enumerate(HAND_EDUCATION)),
    FIRED_COUNT=" + ".join([f"w{i}::INTEGER" for i in range(len(HAND_WELFARE))] + [f"e{i}::INTEGER" for i in range(len(HAND_EDUCATION))] + ["b1::INTEGER"]),
)


# ---------------------------------------------------------------------------
# pandas (an analyst's version of the same ruleset)


def pandas_top(tables: dict) -> list[tuple[str, int]]:
    import numpy as np
    import pandas as pd

    ref = pd.Timestamp(REF)
    c = tables["child"].merge(tables["household"], on="household_id", how="left")
    c = c[c["birth_month"] < pd.Timestamp("2025-12-01")].copy()
    bm = c["birth_month"]
    c["age"] = (2025 * 12 + 11 - (bm.dt.year * 12 + bm.dt.month)) // 12
    c["g"] = 2025 - 7 - (bm.dt.year - (bm.dt.month < 4).astype(int))

    def win(t, start, key="child_id"):
        e = tables[t]
        return e[(e["event_date"] >= pd.Timestamp(start)) & (e["event_date"] < ref)]

    def count(t, start, key="child_id", mask=None):
        e = win(t, start, key)
        if mask is not None:
            e = e[mask(e)]
        return c[key].map(e.groupby(key).size()).fillna(0)

    def total_of(t, start):
        e = win(t, start)
        return c["child_id"].map(e.groupby("child_id")["value"].sum()).fillna(0)

    g = tables["guardian"]
    epds = c["household_id"].map((g["health__epds_score"] >= 9).groupby(g["household_id"]).any()).fillna(False).astype(bool)
    gdis = c["household_id"].map(g["disability__guardian_certificate"].fillna(False).astype(bool).groupby(g["household_id"]).any()).fillna(False).astype(bool)

    def b(col):
        return c[col].fillna(False).astype(bool)

    age, school = c["age"], c["g"].between(0, 8)
    abs12 = total_of("ev_school__absence_days", "2024-11-01")
    welfare = [
        (count("ev_child__abuse_reports", "2022-11-01") >= 1, 20),
        (b("child__temporary_protection_history"), 15),
        (b("child__yotaikyo_past"), 15),
        (count("ev_child__consultations", "2023-11-01", mask=lambda e: e["value"].isin(["11", "12"])) >= 1, 10),
        (count("ev_dv__consultations", "2022-11-01", key="household_id") >= 1, 10),
        (b("welfare__public_assistance"), 5),
        (b("benefit__child_rearing_allowance"), 4),
        (b("tax__resident_tax_exempt"), 3),
        (b("tax__arrears") | b("insurance__nhi_arrears") | b("insurance__short_term_card"), 4),
        (b("benefit__child_allowance_suspended"), 5),
        ((age <= 2) & epds, 8),
        ((age <= 5) & (count("ev_health__checkup_missed", "2022-11-01") >= 1), 8),
        ((age <= 2) & b("health__home_visit_unmet"), 6),
        ((age <= 6) & (c["health__vaccination_missed"].fillna(-1) >= 3), 4),
        (count("ev_resident__moves", "2023-11-01") >= 2, 4),
        ((age >= 10) & b("care__household_ltc_certified"), 6),
        ((age >= 8) & gdis, 4),
        ((c["g"] < 0) & (total_of("ev_nursery__absence_days", "2025-05-01") >= 30), 5),
    ]
    education = [
        (abs12 >= 30, 12),
        (total_of("ev_school__absence_days", "2025-08-01") >= 10, 6),
        (total_of("ev_school__late_days", "2025-05-01") >= 20, 4),
        (count("ev_school__nurse_visits", "2024-11-01", mask=lambda e: e["value"] == "4") >= 1, 12),
        (count("ev_school__nurse_visits", "2025-05-01", mask=lambda e: e["value"] == "3") >= 3, 5),
        (count("ev_school__bullying_reports", "2024-11-01") >= 1, 8),
        (count("ev_school__mood_bad", "2025-08-01") >= 5, 5),
        (b("school__school_aid"), 4),
        (c["school__lunch_fee_arrears_months"].fillna(-1) >= 3, 5),
        (count("ev_school__education_consultations", "2024-11-01", mask=lambda e: e["value"].isin(["1", "3"])) >= 1, 6),
        (b("school__academic_low"), 2),
    ]
    education = [(m & school, p) for m, p in education]
    both = [(school & (b("welfare__public_assistance") | b("school__school_aid")) & (abs12 >= 15), 6)]
    sw = np.minimum(sum(m.astype(int) * p for m, p in welfare), 80)
    se = np.minimum(sum(m.astype(int) * p for m, p in education), 80)
    sb = np.minimum(sum(m.astype(int) * p for m, p in both), 20)
    nf = sum(m.astype(int) for m, _ in welfare + education + both)
    out = pd.DataFrame({"child_id": c["child_id"], "total": sw + se + sb, "mx": np.maximum(np.maximum(sw, se), sb), "nf": nf})
    out = out[~b("child__yotaikyo_registered") & (out["total"] > 0)]
    out = out.sort_values(["total", "mx", "nf", "child_id"], ascending=[False, False, False, True]).head(TOP)
    return [(r.child_id, int(r.total)) for r in out.itertuples()]


# ---------------------------------------------------------------------------
# workers (separate processes: clean peak memory)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _engine_setup():
    import datetime as dt

    from engine.catalog import default_catalog
    from engine.rules.model import Ruleset

    catalog = default_catalog()
    rs = Ruleset.model_validate(json.loads(SAMPLE.read_text(encoding="utf-8")))
    return rs, catalog, dt.date.fromisoformat(REF)


def _hand_config(threads: int | None) -> dict:
    config: dict = {"enable_external_access": False}
    if threads:
        config["threads"] = threads
    return config


def _hand_fresh(mart: Path, threads: int | None) -> list:
    """The hand-written query as run_ruleset runs its query: on a fresh read-only connection."""
    import duckdb

    con = duckdb.connect(str(mart), read_only=True, config=_hand_config(threads))
    try:
        return con.execute(HAND_SQL).fetchall()
    finally:
        con.close()


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def worker(kind: str, mart: Path, threads: int | None) -> dict:
    """One process per kind. ``timing`` runs the engine and its baseline (the hand-written query)
    interleaved in the same process, so both see the same machine; the others measure one
    implementation's peak memory (and pandas its time)."""
    if kind == "timing":
        from engine.compiler import compile_ruleset
        from engine.runner import open_mart, run_ruleset

        rs, catalog, as_of = _engine_setup()

        def engine_run():
            return run_ruleset(mart, rs, catalog, as_of, top_n=TOP, threads=threads)

        _, res = _timed(engine_run)  # warm-up (OS cache, the compiled query)
        _timed(lambda: _hand_fresh(mart, threads))  # warm-up
        eng, hand = [], []
        for k in range(REPEAT):  # ABBA order: drift in the machine's speed hits both alike
            pair = [("e", engine_run), ("h", lambda: _hand_fresh(mart, threads))]
            for tag, fn in pair if k % 2 == 0 else reversed(pair):
                sec, out = _timed(fn)
                (eng if tag == "e" else hand).append(sec)
                if tag == "h":
                    rows = out
        # the two queries alone on one warm connection each (no connect, no compile, no checksums)
        import duckdb

        sql = compile_ruleset(rs, catalog, as_of, top_n=TOP).sql_compact
        econ = open_mart(mart, threads)
        hcon = duckdb.connect(str(mart), read_only=True, config=_hand_config(threads))
        econ.execute(sql).fetchall()
        hcon.execute(HAND_SQL).fetchall()
        eq, hq = [], []
        for k in range(REPEAT):
            pair = [("e", lambda: econ.execute(sql).fetchall()), ("h", lambda: hcon.execute(HAND_SQL).fetchall())]
            for tag, fn in pair if k % 2 == 0 else reversed(pair):
                sec, _ = _timed(fn)
                (eq if tag == "e" else hq).append(sec)
        econ.close()
        hcon.close()
        top = [(c.pseudonym, c.total) for c in res.children if not c.extraction_reason.startswith("one_side")]
        return {
            "engine": eng, "hand": hand, "engine_query": eq, "hand_query": hq,
            "top": top, "hand_top": [(r[0], int(r[1])) for r in rows], "counts": res.manifest["counts"],
            "checksums_from": res.manifest["mart"]["checksums_from"],
        }
    if kind == "engine":  # one run in a fresh process: imports, compile, first query of the process
        t = time.perf_counter()
        from engine.runner import run_ruleset

        rs, catalog, as_of = _engine_setup()
        run_ruleset(mart, rs, catalog, as_of, top_n=TOP, threads=threads)
        return {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}
    if kind == "hand":  # the same for the hand-written query (import duckdb, connect, query)
        t = time.perf_counter()
        _hand_fresh(mart, threads)
        return {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb()}
    if kind == "pandas":
        import duckdb

        con = duckdb.connect(str(mart), read_only=True)
        t = time.perf_counter()
        names = ["child", "household", "guardian", *EVENTS]
        tables = {n: con.execute(f"SELECT * FROM {n}").df() for n in names}
        for n in names:
            for col in ("birth_month", "event_date"):
                if col in tables[n].columns:
                    tables[n][col] = tables[n][col].astype("datetime64[ns]")
        load = time.perf_counter() - t
        con.close()
        elapsed = float("inf")
        for _ in range(REPEAT):
            t = time.perf_counter()
            top = pandas_top(tables)
            elapsed = min(elapsed, time.perf_counter() - t)
        return {"seconds": elapsed, "load_seconds": load, "top": top, "peak_mb": _peak_mb()}
    raise SystemExit(f"unknown worker {kind}")


def run_worker(kind: str, mart: Path, threads: int | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--mart", str(mart)]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(xs: list[float]) -> float:
    ys = sorted(xs)
    mid = len(ys) // 2
    return ys[mid] if len(ys) % 2 else (ys[mid - 1] + ys[mid]) / 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000", help="comma-separated numbers of children")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--workdir", default=None, help="where to build the marts (default: a temp dir)")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--mart", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.mart), args.threads)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as d:
        for n in sizes:
            mart = Path(d) / f"bench_{n}.duckdb"
            t = time.perf_counter()
            counts = build_mart(mart, n)
            build = time.perf_counter() - t
            n_events = sum(v for k, v in counts.items() if k.startswith("ev_"))
            print(f"\n== {n:,} children, {n_events:,} events ({n_events / n:.1f} per child); mart built in {build:.1f} s", flush=True)
            tm = run_worker("timing", mart, args.threads)
            mem_e = run_worker("engine", mart, args.threads)
            mem_h = run_worker("hand", mart, args.threads)
            pds = None if args.skip_pandas else run_worker("pandas", mart, args.threads)
            top = [tuple(x) for x in tm["top"]]
            same_hand = top == [tuple(x) for x in tm["hand_top"]]
            same_pandas = pds is None or top == [tuple(x) for x in pds["top"]]
            e_best, h_best = min(tm["engine"]), min(tm["hand"])
            ratios = [e / h for e, h in zip(tm["engine"], tm["hand"], strict=True)]
            print(f"engine run_ruleset (fresh connection, checksums, compiled query, results): best {e_best:.2f} s, median {_median(tm['engine']):.2f} s; peak {mem_e['peak_mb']:.0f} MB")
            print(f"first run in a fresh process: engine {mem_e['seconds']:.2f} s (imports, compile), hand-written {mem_h['seconds']:.2f} s (table checksums from: {tm['checksums_from']})")
            print(f"hand-written query (fresh connection)                                  : best {h_best:.2f} s, median {_median(tm['hand']):.2f} s; peak {mem_h['peak_mb']:.0f} MB")
            print(f"queries alone on warm connections: engine {min(tm['engine_query']):.2f} s, hand-written {min(tm['hand_query']):.2f} s")
            if pds:
                print(f"pandas                                                                 : {pds['seconds']:.2f} s (+ {pds['load_seconds']:.2f} s loading); peak {pds['peak_mb']:.0f} MB")
            print(
                f"engine / hand-written, end to end: {e_best / h_best:.2f}x (best of {REPEAT} each), "
                f"{_median(ratios):.2f}x (median of {REPEAT} back-to-back pairs); "
                f"queries alone: {min(tm['engine_query']) / min(tm['hand_query']):.2f}x; "
                f"first run in a fresh process: {mem_e['seconds'] / mem_h['seconds']:.2f}x"
            )
            if pds:
                print(f"pandas / engine      : {pds['seconds'] / e_best:.2f}x")
            print(f"same top {TOP}: hand-written {'yes' if same_hand else 'NO'}, pandas {'yes' if same_pandas else 'NO'}")
            print(f"counts: {tm['counts']}")
            results.append({"children": n, "engine": e_best, "hand": h_best})
            mart.unlink()
            if not (same_hand and same_pandas):
                raise SystemExit("the three implementations disagree")
    if len(results) > 1:
        print("\nscaling (seconds per million children):")
        for r in results:
            print(f"  {r['children']:>9,}: engine {r['engine'] / r['children'] * 1e6:.2f}, hand {r['hand'] / r['children'] * 1e6:.2f}")


if __name__ == "__main__":
    main()
