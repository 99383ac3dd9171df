"""Minimization report: usage per item, unused linked items, never-contributing items, similar pairs."""

from __future__ import annotations

import pytest

from engine.analysis.similarity import SimilarPair
from engine.runner import ChildResult, FiredRule
from privacy.minimization import MinimizationError, minimization_report

ACTIVE = {
    "absence": {"school.absence_days", "resident.age"},
    "poverty": {"welfare.public_assistance", "school.school_aid"},
    "exclusion": {"child.yotaikyo_registered"},
}
LINKED = ["school.absence_days", "resident.age", "welfare.public_assistance", "school.school_aid",
          "child.yotaikyo_registered", "tax.arrears", "resident.moves"]


def _child(*fired: FiredRule) -> ChildResult:
    return ChildResult(pseudonym="p", rank=1, scores={}, total=sum(f.points for f in fired), alert_level=None,
                       extraction_reason="top_n", fired=list(fired))


ABS = FiredRule("absence", 3, {"school.absence_days": 14, "resident.age": 12})
POV = FiredRule("poverty", 2, {"welfare.public_assistance": True})


def test_usage_counts_rules_and_contributions(catalog):
    children = [
        _child(ABS, POV),
        _child(ABS),
        {"fired": [{"rule_id": "poverty", "points": 2, "values": {"school.school_aid": True}}]},
        {"school.absence_days"},
        [ABS, POV],
    ]
    r = minimization_report(catalog, ACTIVE, children, linked_items=LINKED)
    assert r.n_children == 5
    by_id = {u.item_id: u for u in r.usage}
    assert by_id["school.absence_days"].contributions == 4
    assert by_id["school.absence_days"].share == pytest.approx(0.8)
    assert by_id["welfare.public_assistance"].contributions == 2
    assert by_id["school.school_aid"].contributions == 1
    assert by_id["school.absence_days"].active_rules == ("absence",)
    assert by_id["tax.arrears"].active_rules == () and by_id["tax.arrears"].contributions == 0
    assert r.usage[0].item_id == "school.absence_days"  # most used first
    assert r.unused_linked == ["resident.moves", "tax.arrears"]
    assert r.never_contributed == ["child.yotaikyo_registered"]
    assert by_id["child.yotaikyo_registered"].sensitive


def test_children_counted_once_per_item_even_if_several_rules_fire(catalog):
    twice = [FiredRule("absence", 3, {"school.absence_days": 20}), FiredRule("poverty", 1, {"school.absence_days": 20})]
    r = minimization_report(catalog, ACTIVE, [twice])
    assert {u.item_id: u.contributions for u in r.usage}["school.absence_days"] == 1


def test_default_linked_items_are_the_whole_catalog(catalog):
    r = minimization_report(catalog, ACTIVE, [])
    assert r.n_children == 0
    assert len(r.unused_linked) == len(catalog.ids()) - 5
    assert all(u.share == 0 for u in r.usage)


def test_similar_pairs_carry_measure_and_advice(catalog):
    pairs = [
        SimilarPair("welfare.public_assistance", "school.school_aid", "phi", 0.93, 400),
        SimilarPair("resident.moves", "school.absence_days", "pearson", -0.97, 400),
    ]
    r = minimization_report(catalog, ACTIVE, [], linked_items=LINKED, similar_pairs=pairs)
    assert [(s.item_a, s.item_b) for s in r.similar] == [
        ("resident.moves", "school.absence_days"), ("school.school_aid", "welfare.public_assistance")
    ]
    first, second = r.similar
    assert first.measure_ja == "ピアソンの相関係数" and not first.both_used and "使われていない方" in first.message_ja
    assert second.both_used and "どちらか一方" in second.message_ja and "ファイ係数 0.93" in second.message_ja
    text = "\n".join(r.lines_ja())
    assert "市税滞納" in text and "連携の停止" in text and "就学援助" in text


def test_bad_input_is_named(catalog):
    with pytest.raises(MinimizationError, match="nope.item"):
        minimization_report(catalog, {"r": {"nope.item"}}, [])
    with pytest.raises(MinimizationError, match="values"):
        minimization_report(catalog, ACTIVE, [[object()]])
    with pytest.raises(MinimizationError, match="形式"):
        minimization_report(catalog, ACTIVE, [42])


def test_rarely_useful_sensitive_items_are_flagged(catalog):
    active = {**ACTIVE, "epds": {"health.epds_score"}, "abuse": {"child.abuse_reports"}}
    epds = FiredRule("epds", 3, {"health.epds_score": 14})
    abuse = FiredRule("abuse", 5, {"child.abuse_reports": 1})
    children = [[ABS]] * 150 + [[epds]] * 20 + [[abuse]]
    r = minimization_report(catalog, active, children, min_share=0.05)
    # 要配慮: child.yotaikyo_registered (0), child.abuse_reports (1/171) below 5 %; health.epds_score (20/171) above
    assert r.low_value_sensitive == ["child.abuse_reports", "child.yotaikyo_registered"]
    assert "5%未満" in "\n".join(r.lines_ja())
    assert minimization_report(catalog, active, []).low_value_sensitive == []  # no runs: nothing to judge
    with pytest.raises(MinimizationError, match="min_share"):
        minimization_report(catalog, active, [], min_share=2)
