"""Previews count, never single out: cells under 10 are "<10", with secondary suppression."""

from __future__ import annotations

import datetime as dt
import json

from martbuilder import build_mart

from engine.preview import SUPPRESSED, preview, suppress_row
from engine.rules.model import Rule, Ruleset

REF = dt.date(2025, 11, 1)


def test_primary_and_secondary_suppression():
    cells, total = suppress_row({"a": 25, "b": 3, "c": 14, "d": 40}, 82)
    assert cells == {"a": 25, "b": SUPPRESSED, "c": SUPPRESSED, "d": 40} and total == 82
    # two cells already hidden: nothing more to hide
    cells, _ = suppress_row({"a": 25, "b": 3, "c": 4, "d": 40}, 72)
    assert cells == {"a": 25, "b": SUPPRESSED, "c": SUPPRESSED, "d": 40}
    # zero is a small cell too
    cells, _ = suppress_row({"a": 0, "b": 30, "c": 12}, 42)
    assert cells == {"a": SUPPRESSED, "b": SUPPRESSED, "c": 30} or cells == {"a": SUPPRESSED, "b": 30, "c": SUPPRESSED}
    cells, total = suppress_row({"a": 5, "b": 3}, 8)
    assert total == SUPPRESSED and set(cells.values()) == {SUPPRESSED}


def _mart(tmp_path, catalog):
    children = []
    for i in range(120):
        age = (2, 8, 13, 16)[i % 4]  # one child in four per age band
        children.append(
            {
                "child_id": f"c{i:03d}",
                "household_id": None,
                "birth_month": dt.date(2025 - age, 11, 1),
                "school.school_aid": i < 60,  # 60 children: 15 per age band
                "child.yotaikyo_past": i in (1, 5, 9),  # 3 children
                "child.yotaikyo_registered": i == 119,
            }
        )
    return build_mart(tmp_path / "m.duckdb", catalog, children=children)


def _rule(id, item, points=3, side="education"):
    return {"id": id, "title": id, "difficulties": ["貧困"], "side": side, "when_missing": "not_met", "points": points,
            "explanation": "x", "condition": {"item": item, "op": "=", "value": True}}


def test_preview_counts_and_never_lists_children(tmp_path, catalog):
    mart = _mart(tmp_path, catalog)
    draft = Ruleset.model_validate({"id": "d", "title": "下書き", "rules": [_rule("aid", "school.school_aid"), _rule("past", "child.yotaikyo_past", 9, "welfare")]})
    rep = preview(mart, draft, catalog, REF)
    d = rep.to_dict()
    text = json.dumps(d, ensure_ascii=False)
    assert "c0" not in text and "c1" not in text  # no pseudonyms anywhere
    assert d["screened"]["value"] == 120 and d["excluded"]["value"] == SUPPRESSED
    aid = next(r for r in d["rules"] if r["rule_id"] == "aid")
    assert aid["total"] == 60 and sorted(aid["by_age_band"].values(), key=str) == [15, 15, 15, 15]
    past = next(r for r in d["rules"] if r["rule_id"] == "past")
    assert past["total"] == SUPPRESSED and set(past["by_age_band"].values()) == {SUPPRESSED}
    assert d["rules"][0]["side_label"] == "教育"
    assert "「<10」" in rep.to_text()


def test_preview_of_a_rule_against_a_baseline(tmp_path, catalog):
    mart = _mart(tmp_path, catalog)
    baseline = Ruleset.model_validate({"id": "base", "title": "現行", "rules": [_rule("aid", "school.school_aid")]})
    rule = Rule.model_validate(_rule("past", "child.yotaikyo_past", 9, "welfare"))
    rep = preview(mart, rule, catalog, REF, baseline=baseline, top_n=20)
    d = rep.to_dict()
    assert [r["rule_id"] for r in d["rules"]] == ["past"]
    change = d["top_n_change"]
    # 3 children enter (suppressed), so leaving and staying are suppressed too
    assert change["entering"] == change["leaving"] == change["staying"] == SUPPRESSED
    # a bigger change is shown
    # ages 2 and 8 with school aid: 30 children; the old top 30 is c000..c029 (ties: pseudonym), 16 of them stay
    big = Rule.model_validate({**_rule("young", "school.school_aid", 20), "population": {"age_max": 9}, "title": "young"})
    change = preview(mart, big, catalog, REF, baseline=baseline, top_n=30).to_dict()["top_n_change"]
    assert (change["entering"], change["leaving"], change["staying"]) == (14, 14, 16)


def test_preview_cli(tmp_path, catalog):
    from typer.testing import CliRunner

    from api.cli import app

    mart = _mart(tmp_path, catalog)
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(_rule("aid", "school.school_aid")), encoding="utf-8")
    r = CliRunner().invoke(app, ["preview", str(draft), "--mart", str(mart), "--as-of", "令和7年11月1日", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["rules"][0]["total"] == 60 and d["screened"]["value"] == 120
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_rule("aid", "school.no_such")), encoding="utf-8")
    r = CliRunner().invoke(app, ["preview", str(bad), "--mart", str(mart), "--as-of", "2025-11-01"])
    assert r.exit_code == 1 and "カタログにありません" in r.output
