"""The runner on small hand-checked marts: semantics, manifest, explanation, files, CLI, safety."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest
from martbuilder import build_mart
from sqlglot import exp
from typer.testing import CliRunner

from api.cli import app
from engine.compiler import compile_ruleset
from engine.explain import REMINDER_JA, explain_child
from engine.rules.model import Ruleset
from engine.runner import RunError, open_mart, read_results, ruleset_hash, run_ruleset, write_results

REF = dt.date(2025, 11, 15)
D = dt.date


def R(id, condition, points, side="welfare", **kw):
    return {
        "id": id,
        "title": f"ルール {id}",
        "difficulties": ["虐待"],
        "side": side,
        "when_missing": kw.pop("when_missing", "not_met"),
        "points": points,
        "explanation": kw.pop("explanation", "説明"),
        "condition": condition,
        **kw,
    }


def ruleset(rules, **kw):
    return Ruleset.model_validate({"id": "rs", "title": "テスト", "rules": rules, **kw})


@pytest.fixture()
def mart(tmp_path, catalog):
    children = [
        # c1: single parent, guardian EPDS 12 and 3, absences 12+20 in window
        {"child_id": "c1", "household_id": "h1", "birth_month": D(2015, 5, 1), "school.school_aid": True},
        # c2: registered with 要対協 -> excluded
        {"child_id": "c2", "household_id": "h2", "birth_month": D(2012, 1, 1), "child.yotaikyo_registered": True, "school.school_aid": True},
        # c3: household without guardians, school aid unknown
        {"child_id": "c3", "household_id": "h2", "birth_month": D(2012, 1, 1)},
        # c4: no household at all
        {"child_id": "c4", "household_id": None, "birth_month": D(2020, 8, 1), "school.school_aid": False},
        # c5: born after the reference month -> not screened
        {"child_id": "c5", "household_id": "h1", "birth_month": D(2025, 12, 1)},
    ]
    households = [{"household_id": "h1", "resident.single_parent": True}, {"household_id": "h2", "resident.single_parent": None}]
    guardians = [
        {"guardian_id": "g1", "household_id": "h1", "health.epds_score": 12},
        {"guardian_id": "g2", "household_id": "h1", "health.epds_score": 3},
    ]
    events = [
        ("school.absence_days", "c1", D(2025, 3, 1), 12),
        ("school.absence_days", "c1", D(2025, 10, 1), 20),
        ("school.absence_days", "c3", D(2024, 3, 1), 30),  # outside a 12-month window
        ("school.absence_days", "c3", D(2025, 11, 15), 30),  # on the reference date: excluded
        ("dv.consultations", "h2", D(2025, 1, 10), "1"),
    ]
    return build_mart(tmp_path / "mart.duckdb", catalog, children=children, households=households, guardians=guardians, events=events)


ABSENCE = {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}


def test_semantics_on_a_hand_checked_mart(mart, catalog):
    rs = ruleset(
        [
            R("absence", ABSENCE, 10, side="education", explanation="過去12か月の欠席 {school.absence_days} 日"),
            R("epds", {"item": "health.epds_score", "op": ">=", "value": 9}, 5, explanation="EPDS {health.epds_score} 点"),
            # unknown school aid counts as met for this rule
            R("aid", {"item": "school.school_aid", "op": "=", "value": True}, 3, side="both", when_missing="met"),
            R("dv", {"item": "dv.consultations", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 12}}, 7),
            # guardian is_null: a household without guardians is one virtual guardian with a missing value
            R("no-epds", {"item": "health.epds_score", "op": "is_null"}, 1),
        ],
        alert_levels=[{"level": "重点", "min_score": 15}, {"level": "見守り", "min_score": 1}],
    )
    res = run_ruleset(mart, rs, catalog, REF, threads=1)
    assert res.manifest["counts"] == {
        "screened": 4, "excluded": 1, "scored": 3, "extracted_main": 3, "extracted_one_side": 0, "extracted": 3,
    }
    by = {c.pseudonym: c for c in res.children}
    c1, c3, c4 = by["c1"], by["c3"], by["c4"]
    assert (c1.total, c1.scores) == (18, {"welfare": 5, "education": 10, "both": 3})
    assert c1.alert_level == "重点" and c1.rank == 1
    assert [f.rule_id for f in c1.fired] == ["absence", "epds", "aid"]  # by points
    assert c1.fired[0].values == {"school.absence_days": 32}
    assert c1.fired[1].values == {"health.epds_score": [3, 12]}
    # c3: aid unknown -> met (3), DV in the household (7), no guardian -> is_null holds (1); absences outside window
    assert (c3.total, sorted(f.rule_id for f in c3.fired)) == (11, ["aid", "dv", "no-epds"])
    assert next(f for f in c3.fired if f.rule_id == "no-epds").values == {"health.epds_score": None}
    # c4: no household row and no guardian: only the guardian is_null fires
    assert (c4.total, [f.rule_id for f in c4.fired]) == (1, ["no-epds"])
    assert c4.alert_level == "見守り"
    assert [c.pseudonym for c in res.children] == ["c1", "c3", "c4"]


def test_caps_threshold_and_one_side_extra(mart, catalog):
    rs = ruleset(
        [
            R("absence", ABSENCE, 10, side="education"),
            R("epds", {"item": "health.epds_score", "op": ">=", "value": 9}, 5),
            R("dv", {"item": "dv.consultations", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 12}}, 7),
            R("aid", {"item": "school.school_aid", "op": "=", "value": True}, 3, side="both", when_missing="met"),
        ],
        scoring={"education": {"cap": 6}, "total_cap": 12},
        extraction={"top_n": 1, "one_side_extra": [{"side": "welfare", "top_n": 5, "min_side_score": 6}]},
    )
    res = run_ruleset(mart, rs, catalog, REF)
    c1 = res.children[0]
    assert (c1.pseudonym, c1.scores, c1.total, c1.extraction_reason) == ("c1", {"welfare": 5, "education": 6, "both": 3}, 12, "top_n")
    # c3 (welfare 7) is added as a one-side extra; c4 has no welfare points
    assert [(c.pseudonym, c.extraction_reason) for c in res.children[1:]] == [("c3", "one_side_extra:welfare")]
    assert res.manifest["counts"]["extracted_one_side"] == 1

    threshold = rs.model_copy(update={"extraction": rs.extraction.model_copy(update={"top_n": None, "min_score": 10, "one_side_extra": []})})
    res = run_ruleset(mart, threshold, catalog, REF)
    assert [(c.pseudonym, c.extraction_reason) for c in res.children] == [("c1", "min_score"), ("c3", "min_score")]


def test_population_filters_use_month_based_age_and_stage(mart, catalog):
    rs = ruleset(
        [
            R("elem", {"item": "resident.school_stage", "op": "=", "value": "elementary"}, 2, explanation="{resident.school_stage}"),
            R("age", {"item": "resident.age", "op": "between", "value": [13, 13]}, 1, explanation="{resident.age} 歳"),
        ],
        exclusions=[],
    )
    res = run_ruleset(mart, rs, catalog, REF)
    by = {c.pseudonym: c for c in res.children}
    # c1 born 2015-05: 10 years old, 4th grade (FY2025); c2/c3 born 2012-01: 13, junior high; c4 born 2020-08: 5, preschool
    assert by["c1"].fired[0].values == {"resident.school_stage": "elementary"}
    assert sorted(by) == ["c1", "c2", "c3"]
    assert by["c3"].fired[0].values == {"resident.age": 13}


def test_manifest_hashes_and_counts(mart, catalog):
    rs = ruleset([R("absence", ABSENCE, 10, side="education")])
    res = run_ruleset(mart, rs, catalog, REF)
    m = res.manifest
    assert m["ruleset"]["sha256"] == ruleset_hash(rs) and len(m["ruleset"]["sha256"]) == 64
    assert m["catalog_sha256"] == catalog.content_hash
    assert m["reference_date"] == "2025-11-15"
    assert m["mart"]["tables"]["child"]["rows"] == 5
    assert m["mart"]["tables"]["ev_school__absence_days"]["rows"] == 4
    assert Ruleset.model_validate(m["ruleset"]["document"]) == rs
    # a different ruleset gives a different hash
    assert ruleset_hash(ruleset([R("absence", ABSENCE, 11, side="education")])) != ruleset_hash(rs)


def test_write_read_and_tamper_detection(mart, catalog, tmp_path):
    rs = ruleset([R("absence", ABSENCE, 10, side="education", explanation="欠席 {school.absence_days} 日")])
    res = run_ruleset(mart, rs, catalog, REF)
    out = tmp_path / "run.jsonl"
    mpath = write_results(res, out)
    assert mpath.name == "run.jsonl.manifest.json"
    back = read_results(out)
    assert back.children == res.children
    assert read_results(mpath).children == res.children
    out.write_text(out.read_text(encoding="utf-8").replace('"total":10', '"total":99'), encoding="utf-8")
    with pytest.raises(RunError, match="一致しません"):
        read_results(out)


def test_explain_orders_by_points_and_reminds(mart, catalog):
    rs = ruleset(
        [
            R("epds", {"item": "health.epds_score", "op": ">=", "value": 9}, 5, explanation="EPDS {health.epds_score} 点"),
            R("absence", ABSENCE, 10, side="education", explanation="過去12か月の欠席 {school.absence_days} 日"),
        ],
        alert_levels=[{"level": "重点", "min_score": 15}],
    )
    res = run_ruleset(mart, rs, catalog, REF)
    text = explain_child(res.children[0], rs, catalog)
    assert "順位: 1 位" in text and "合計点: 15 点" in text and "アラートレベル: 重点" in text
    assert text.index("過去12か月の欠席 32 日") < text.index("EPDS 3、12 点")
    assert REMINDER_JA in text


def test_missing_mart_table_is_a_clear_japanese_error(tmp_path, catalog):
    path = tmp_path / "partial.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE child (child_id VARCHAR, household_id VARCHAR, birth_month DATE)")
    con.close()
    with pytest.raises(RunError, match="ev_school__absence_days"):
        run_ruleset(path, ruleset([R("absence", ABSENCE, 10)]), catalog, REF)
    with pytest.raises(RunError, match="見つかりません"):
        run_ruleset(tmp_path / "nope.duckdb", ruleset([R("absence", ABSENCE, 10)]), catalog, REF)


def test_connection_is_read_only_without_external_access(mart, tmp_path):
    con = open_mart(mart)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(f"COPY child TO '{tmp_path / 'leak.csv'}'")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM child")
    finally:
        con.close()
    assert not (tmp_path / "leak.csv").exists()


def test_values_are_literals_in_the_tree(mart, catalog):
    """A hostile value (bypassing validation) stays a string literal: no SQL is ever parsed from it."""
    evil = "1'); DROP TABLE child; --"
    rs = ruleset([R("evil", {"item": "resident.sex", "op": "=", "value": evil}, 1)])
    compiled = compile_ruleset(rs, catalog, REF)
    literals = [lit.this for lit in compiled.ast.find_all(exp.Literal) if lit.is_string]
    assert evil in literals
    res = run_ruleset(mart, rs, catalog, REF)
    assert res.children == [] and res.manifest["counts"]["screened"] == 4
    assert res.manifest["mart"]["tables"]["child"]["rows"] == 5


def test_cli_run_explain_validate_sample(mart, tmp_path):
    runner = CliRunner()
    sample = tmp_path / "sample.json"
    r = runner.invoke(app, ["sample-ruleset", "--out", str(sample)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["validate", str(sample)])
    assert r.exit_code == 0 and "問題は見つかりませんでした" in r.output
    out = tmp_path / "res.jsonl"
    r = runner.invoke(app, ["run", "--ruleset", str(sample), "--mart", str(mart), "--as-of", "令和7年11月15日", "--top", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "基準日 2025-11-15" in r.output and "候補" in r.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    r = runner.invoke(app, ["explain", first["pseudonym"], "--run", str(out) + ".manifest.json"])
    assert r.exit_code == 0, r.output
    assert f"順位: {first['rank']} 位" in r.output and "判定するものではありません" in r.output
    r = runner.invoke(app, ["explain", "nobody", "--run", str(out)])
    assert r.exit_code == 1 and "含まれていません" in r.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(R("x", {"item": "resident.sex", "op": "<", "value": "1"}, 1)), encoding="utf-8")
    r = runner.invoke(app, ["validate", str(bad)])
    assert r.exit_code == 1 and "$.condition.op" in r.output and "大小比較" in r.output
    r = runner.invoke(app, ["run", "--ruleset", str(sample), "--mart", str(mart), "--as-of", "2025-13-01", "--out", str(out)])
    assert r.exit_code == 2 and "存在しない日付" in r.output


def test_checksum_cache_keyed_by_file_version(tmp_path):
    """Cached table checksums are only reused for the very same mart file version."""
    import time as _time

    import duckdb

    from engine import runner

    p = tmp_path / "m.duckdb"
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    assert runner._file_version(p) is None  # just written: too recent to trust the timestamps
    _time.sleep(3.2)
    v1 = runner._file_version(p)
    assert v1 is not None and v1 == runner._file_version(p)
    runner._remember_checksums(v1, {"t": {"rows": 1, "checksum": "x"}})
    assert runner._cached_checksums(v1) == {"t": {"rows": 1, "checksum": "x"}}
    con = duckdb.connect(str(p))
    con.execute("INSERT INTO t VALUES (2)")
    con.close()
    v2 = runner._file_version(p)
    assert v2 != v1 and runner._cached_checksums(v2) is None
