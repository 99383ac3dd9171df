"""Item similarity on a small DuckDB mart built here by the layout contract (engine/mart/layout.py)."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from engine.analysis.similarity import (
    FEATURE_TABLE,
    SimilarityError,
    build_features,
    pairwise_similarity,
    similar_pairs,
)
from engine.catalog import parse_catalog_documents
from engine.mart.layout import (
    BIRTH_MONTH_COLUMN,
    CHILD_TABLE,
    DUCKDB_TYPE,
    ENTITY_KEY,
    EVENT_DATE_COLUMN,
    EVENT_VALUE_COLUMN,
    GUARDIAN_TABLE,
    HOUSEHOLD_TABLE,
    attribute_column,
    event_table,
)

REF = dt.date(2026, 4, 1)
ATTRS = {
    CHILD_TABLE: ["school.school_aid", "resident.sex", "school.grade"],
    HOUSEHOLD_TABLE: ["welfare.public_assistance", "tax.arrears"],
    GUARDIAN_TABLE: ["disability.guardian_certificate", "health.epds_score"],
}
EVENTS = ["school.absence_days", "school.late_days", "school.mood_bad"]


def _create(con, catalog, table, key_cols, items):
    cols = list(key_cols) + [f"{attribute_column(i)} {DUCKDB_TYPE[catalog[i].type]}" for i in items]
    con.execute(f"CREATE TABLE {table} ({', '.join(cols)})")


def build_mart(catalog, n_households=260, seed=7):
    """A mart where 就学援助 ~ 生活保護 (same households), 遅刻 ~ 欠席 (same months), the rest random."""
    rnd = random.Random(seed)
    con = duckdb.connect()
    _create(con, catalog, CHILD_TABLE, ["child_id VARCHAR", "household_id VARCHAR", f"{BIRTH_MONTH_COLUMN} DATE"], ATTRS[CHILD_TABLE])
    _create(con, catalog, HOUSEHOLD_TABLE, ["household_id VARCHAR"], ATTRS[HOUSEHOLD_TABLE])
    _create(con, catalog, GUARDIAN_TABLE, ["guardian_id VARCHAR", "household_id VARCHAR"], ATTRS[GUARDIAN_TABLE])
    for item in EVENTS:
        it = catalog[item]
        con.execute(f"CREATE TABLE {event_table(item)} ({ENTITY_KEY[it.entity]} VARCHAR, {EVENT_DATE_COLUMN} DATE, "
                    f"{EVENT_VALUE_COLUMN} {DUCKDB_TYPE[it.type]})")
    households, children, guardians, absences, lates, moods = [], [], [], [], [], []
    for h in range(n_households):
        hid = f"h{h:04d}"
        assistance = rnd.random() < 0.25
        households.append((hid, assistance, rnd.random() < 0.3))
        for g in range(rnd.choice([1, 2])):
            guardians.append((f"g{h:04d}{g}", hid, rnd.random() < 0.1, rnd.randint(0, 25)))
        for k in range(rnd.choice([1, 1, 2])):
            cid = f"c{h:04d}{k}"
            year = rnd.randint(2011, 2019)
            aid = assistance if rnd.random() < 0.98 else not assistance
            children.append((cid, hid, dt.date(year, rnd.randint(1, 12), 1), aid, rnd.choice(["1", "2"]),
                             max(1, min(9, 2025 - year - 6 + 1))))
            for m in range(rnd.randint(0, 8)):
                day = dt.date(2025, 4 + m, 1)
                absences.append((cid, day, rnd.randint(1, 5)))
                lates.append((cid, day, rnd.randint(1, 3)))
            for _ in range(rnd.randint(0, 3)):
                moods.append((cid, dt.date(2025, rnd.randint(5, 12), rnd.randint(1, 28)), True))
    con.executemany("INSERT INTO household VALUES (?, ?, ?)", households)
    con.executemany("INSERT INTO guardian VALUES (?, ?, ?, ?)", guardians)
    con.executemany("INSERT INTO child VALUES (?, ?, ?, ?, ?, ?)", children)
    con.executemany(f"INSERT INTO {event_table('school.absence_days')} VALUES (?, ?, ?)", absences)
    con.executemany(f"INSERT INTO {event_table('school.late_days')} VALUES (?, ?, ?)", lates)
    con.executemany(f"INSERT INTO {event_table('school.mood_bad')} VALUES (?, ?, ?)", moods)
    return con


@pytest.fixture()
def mart(catalog):
    con = build_mart(catalog)
    yield con
    con.close()


def test_nearly_identical_items_are_found_and_unrelated_ones_not(mart, catalog):
    report = similar_pairs(mart, catalog, reference_date=REF, threshold=0.8)
    found = {(p.item_a, p.item_b): p for p in report.pairs}
    aid = found[("school.school_aid", "welfare.public_assistance")]
    assert aid.measure == "phi" and aid.value > 0.9 and aid.n == report.n_children
    late = found[("school.absence_days", "school.late_days")]
    assert late.measure == "pearson" and late.value > 0.95
    age = found[("resident.age", "school.grade")]
    assert age.measure == "pearson" and age.value > 0.95
    assert set(found) == {
        ("school.school_aid", "welfare.public_assistance"),
        ("school.absence_days", "school.late_days"),
        ("resident.age", "school.grade"),
    }
    # strongest first, deterministic
    assert [abs(p.value) for p in report.pairs] == sorted((abs(p.value) for p in report.pairs), reverse=True)
    assert similar_pairs(mart, catalog, reference_date=REF, threshold=0.8).pairs == report.pairs


def test_all_pairs_have_the_right_measure(mart, catalog):
    features, _ = build_features(mart, catalog, reference_date=REF)
    pairs = {(p.item_a, p.item_b): p for p in pairwise_similarity(mart, features)}
    assert pairs[("resident.sex", "tax.arrears")].measure == "cramers_v"
    assert pairs[("health.epds_score", "resident.sex")].measure == "correlation_ratio"
    assert pairs[("disability.guardian_certificate", "tax.arrears")].measure == "phi"
    assert pairs[("health.epds_score", "school.grade")].measure == "pearson"
    assert abs(pairs[("resident.sex", "tax.arrears")].value) < 0.3
    assert abs(pairs[("tax.arrears", "welfare.public_assistance")].value) < 0.3


def test_features_follow_the_layout_semantics(mart, catalog):
    mart.execute("INSERT INTO household VALUES ('hx', TRUE, NULL)")
    mart.execute("INSERT INTO guardian VALUES ('gx1', 'hx', FALSE, 3), ('gx2', 'hx', TRUE, 12)")
    mart.execute("INSERT INTO child VALUES ('cx', 'hx', DATE '2014-04-01', NULL, '2', 6)")
    ev = event_table("school.absence_days")
    mart.execute(
        f"INSERT INTO {ev} VALUES ('cx', DATE '2025-04-01', 1), ('cx', DATE '2026-03-31', 2), "
        "('cx', DATE '2025-03-31', 9), ('cx', DATE '2026-04-01', 9)"
    )
    features, skipped = build_features(mart, catalog, reference_date=REF)
    col = {f.item_id: f.column for f in features}
    row = mart.execute(
        f"SELECT {col['school.absence_days']}, {col['disability.guardian_certificate']}, {col['health.epds_score']}, "
        f"{col['welfare.public_assistance']}, {col['resident.age']}, {col['school.school_aid']}, {col['school.mood_bad']} "
        f"FROM {FEATURE_TABLE} WHERE child_id = 'cx'"
    ).fetchone()
    # events: [ref - 12 months, ref): 2025-04-01 and 2026-03-31 count, 2025-03-31 and 2026-04-01 do not
    assert row == (2.0, True, 12.0, True, 12.0, None, 0.0)
    assert "resident.school_stage" in skipped
    assert skipped["benefit.child_rearing_allowance"].startswith("データマートに")


def test_window_is_configurable(mart, catalog):
    features, _ = build_features(mart, catalog, reference_date=REF, items=["school.absence_days"], window_months=1)
    total = mart.execute(f"SELECT sum({features[0].column}) FROM {FEATURE_TABLE}").fetchone()[0]
    expected = mart.execute(
        f"SELECT count(*) FROM {event_table('school.absence_days')} WHERE event_date >= DATE '2026-03-01' "
        "AND event_date < DATE '2026-04-01'"
    ).fetchone()[0]
    assert total == expected


CUSTOM = """
title: test
items:
  - id: town.area
    name: 地区
    description: 居住地区
    department: 市民課
    organ: mayor
    source: {export: jumin, column: 地区}
    entity: household
    kind: attribute
    type: category
    codes: [{code: N, label: 北}, {code: S, label: 南}, {code: E, label: 東}]
    sensitive: false
    difficulties: []
  - id: town.school_zone
    name: 校区
    description: 通学区域
    department: 学校教育室
    organ: board_of_education
    source: {export: gakureibo, column: 校区}
    entity: child
    kind: attribute
    type: category
    codes: [{code: "1", label: 第一}, {code: "2", label: 第二}, {code: "3", label: 第三}]
    sensitive: false
    difficulties: []
  - id: town.distance_km
    name: 学校までの距離
    description: 通学距離
    department: 学校教育室
    organ: board_of_education
    source: {export: gakureibo, column: 距離}
    entity: child
    kind: attribute
    type: decimal
    unit: km
    sensitive: false
    difficulties: []
  - id: town.hobby
    name: 趣味
    description: 無関係な区分
    department: 市民課
    organ: mayor
    source: {export: jumin, column: 趣味}
    entity: child
    kind: attribute
    type: category
    codes: [{code: a, label: A}, {code: b, label: B}]
    sensitive: false
    difficulties: []
"""


def test_category_measures():
    catalog = parse_catalog_documents([("town.yaml", CUSTOM)])
    rnd = random.Random(3)
    con = duckdb.connect()
    con.execute("CREATE TABLE household (household_id VARCHAR, town__area VARCHAR)")
    con.execute("CREATE TABLE child (child_id VARCHAR, household_id VARCHAR, birth_month DATE, town__school_zone VARCHAR, "
                "town__distance_km DOUBLE, town__hobby VARCHAR)")
    zone_of = {"N": "1", "S": "2", "E": "3"}
    dist_of = {"N": 0.5, "S": 1.5, "E": 2.5}
    hh, ch = [], []
    for h in range(200):
        area = rnd.choice("NSE")
        hh.append((f"h{h}", area))
        ch.append((f"c{h}", f"h{h}", dt.date(2015, 1, 1), zone_of[area], dist_of[area] + rnd.uniform(-0.05, 0.05),
                   rnd.choice("ab")))
    con.executemany("INSERT INTO household VALUES (?, ?)", hh)
    con.executemany("INSERT INTO child VALUES (?, ?, ?, ?, ?, ?)", ch)
    report = similar_pairs(con, catalog, reference_date=REF, threshold=0.9)
    found = {(p.item_a, p.item_b): (p.measure, p.value) for p in report.pairs}
    assert found[("town.area", "town.school_zone")] == ("cramers_v", 1.0)
    measure, eta = found[("town.area", "town.distance_km")]
    assert measure == "correlation_ratio" and eta > 0.99
    assert found[("town.distance_km", "town.school_zone")][0] == "correlation_ratio"
    assert not any("town.hobby" in k for k in found)
    features, _ = build_features(con, catalog, reference_date=REF)
    hobby = {(p.item_a, p.item_b): p for p in pairwise_similarity(con, features)}[("town.area", "town.hobby")]
    assert hobby.measure == "cramers_v" and hobby.value < 0.3


def test_small_samples_and_constant_features_are_left_out(catalog):
    con = build_mart(catalog, n_households=10)
    report = similar_pairs(con, catalog, reference_date=REF, threshold=0.01, min_n=1000)
    assert report.pairs == []
    features, _ = build_features(con, catalog, reference_date=dt.date(2030, 1, 1), items=["school.mood_bad", "school.late_days"])
    assert pairwise_similarity(con, features, min_n=1) == []  # no events in the window: both constant 0


def test_bad_requests(mart, catalog):
    with pytest.raises(SimilarityError, match="しきい値"):
        similar_pairs(mart, catalog, reference_date=REF, threshold=0)
    with pytest.raises(SimilarityError, match="カタログにない"):
        build_features(mart, catalog, reference_date=REF, items=["nope.item"])
    with pytest.raises(SimilarityError, match="集計期間"):
        build_features(mart, catalog, reference_date=REF, window_months=0)
    with pytest.raises(SimilarityError, match="child テーブル"):
        build_features(duckdb.connect(), catalog, reference_date=REF)


def test_on_a_full_layout_mart_read_only(tmp_path, catalog):
    """Every stored item has its column or table (mostly NULL / empty): the analysis reads the mart read-only."""
    from martbuilder import build_mart as build_full_mart

    rnd = random.Random(11)
    households, children = [], []
    for h in range(120):
        poor = rnd.random() < 0.3
        households.append({"household_id": f"h{h}", "welfare.public_assistance": poor, "tax.arrears": rnd.random() < 0.2})
        children.append({"child_id": f"c{h}", "household_id": f"h{h}", "birth_month": dt.date(2015, 5, 1),
                         "school.school_aid": poor, "resident.sex": rnd.choice(["1", "2"])})
    path = build_full_mart(tmp_path / "mart.duckdb", catalog, children=children, households=households)
    con = duckdb.connect(str(path), read_only=True)
    try:
        report = similar_pairs(con, catalog, reference_date=REF, threshold=0.9)
    finally:
        con.close()
    assert [(p.item_a, p.item_b, p.measure, p.value) for p in report.pairs] == [
        ("school.school_aid", "welfare.public_assistance", "phi", 1.0)
    ]
    assert report.n_children == 120
    assert set(report.skipped) == {"resident.school_stage"}
