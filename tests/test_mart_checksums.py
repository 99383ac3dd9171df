"""Table checksums recorded at ingest: the run's manifest reads them, verify recomputes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from martbuilder import build_mart
from typer.testing import CliRunner

from api.cli import app
from engine.mart import checksums
from engine.rules.model import Ruleset
from engine.runner import RunError, run_ruleset

REF = dt.date(2025, 11, 1)
D = dt.date
RULESET = Ruleset.model_validate(
    {
        "id": "rs",
        "title": "テスト",
        "rules": [
            {
                "id": "aid",
                "title": "就学援助",
                "difficulties": ["貧困"],
                "side": "education",
                "when_missing": "not_met",
                "points": 3,
                "explanation": "就学援助",
                "condition": {"item": "school.school_aid", "op": "=", "value": True},
            }
        ],
    }
)


@pytest.fixture()
def mart(tmp_path, catalog) -> Path:
    children = [
        {"child_id": f"c{i}", "household_id": f"h{i % 3}", "birth_month": D(2013, 1 + i % 12, 1), "school.school_aid": i % 2 == 0}
        for i in range(12)
    ]
    households = [{"household_id": f"h{i}"} for i in range(3)]
    return build_mart(tmp_path / "m.duckdb", catalog, children=children, households=households, guardians=[], events=[])


def _record(path: Path) -> dict:
    con = duckdb.connect(str(path))
    try:
        return checksums.record(con)
    finally:
        con.close()


def test_recorded_checksums_are_the_computed_ones_and_the_run_uses_them(mart, catalog):
    before = run_ruleset(mart, RULESET, catalog, REF)
    assert before.manifest["mart"]["checksums_from"] == "run"
    recorded = _record(mart)
    assert set(recorded) == set(before.manifest["mart"]["tables"]) - {"_meta"}
    after = run_ruleset(mart, RULESET, catalog, REF)
    assert after.manifest["mart"]["checksums_from"] == "ingest"
    tables = after.manifest["mart"]["tables"]
    for t, c in recorded.items():
        assert tables[t] == c == before.manifest["mart"]["tables"][t]
    assert tables["_meta"]["rows"] == before.manifest["mart"]["tables"]["_meta"]["rows"] + len(recorded)
    assert [c.to_dict() for c in after.children] == [c.to_dict() for c in before.children]
    # the same mart gives the same manifest, run after run
    assert run_ruleset(mart, RULESET, catalog, REF).manifest == after.manifest


def test_verify_finds_changed_values_and_the_run_refuses_changed_row_counts(mart, catalog, tmp_path):
    _record(mart)
    con = duckdb.connect(str(mart), read_only=True)
    assert checksums.verify(con) == []
    con.close()
    runner = CliRunner()
    res = runner.invoke(app, ["mart-verify", str(mart)])
    assert res.exit_code == 0 and "一致しました" in res.output

    con = duckdb.connect(str(mart))
    con.execute("UPDATE child SET school__school_aid = NOT school__school_aid WHERE child_id = 'c1'")
    con.close()
    con = duckdb.connect(str(mart), read_only=True)
    problems = checksums.verify(con)
    con.close()
    assert len(problems) == 1 and "「child」の内容が取込時と異なります" in problems[0]
    res = runner.invoke(app, ["mart-verify", str(mart)])
    assert res.exit_code == 1 and "child" in res.output and "一致しない点が 1 件" in res.output

    con = duckdb.connect(str(mart))
    con.execute("DELETE FROM child WHERE child_id = 'c2'")
    con.close()
    with pytest.raises(RunError, match="取込後に変更されています.*child \\(記録 12行、現在 11行\\)"):
        run_ruleset(mart, RULESET, catalog, REF)


def test_partial_or_malformed_records_fall_back_to_computing(mart, catalog):
    con = duckdb.connect(str(mart))
    con.execute("INSERT INTO _meta VALUES ('checksum:child', '12:0123456789abcdef')")  # household missing
    con.close()
    res = run_ruleset(mart, RULESET, catalog, REF)
    assert res.manifest["mart"]["checksums_from"] == "run"
    assert checksums.recorded({"checksum:child": "x:y"}) is None
    assert checksums.recorded({"as_of": "2025-11-01"}) is None


def test_verify_without_records_says_so(mart):
    con = duckdb.connect(str(mart), read_only=True)
    problems = checksums.verify(con)
    con.close()
    assert len(problems) == 1 and "記録されていません" in problems[0]
