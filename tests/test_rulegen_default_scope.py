"""The look-back a draft assumes when the staff's words give none: the item's declared ``default_scope``
(catalog), else the past 12 months; always stated in the reading, with one-click alternatives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from engine.catalog.loader import CatalogError, parse_catalog_documents
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings


@pytest.fixture(scope="module")
def drafter(catalog):
    return make_drafter(DraftingSettings(provider="offline"), catalog=catalog, today=lambda: dt.date(2026, 11, 1))


@pytest.mark.parametrize("text, scope", [
    ("乳幼児健診を受けていない子", {"whole_record": True}),  # default_scope whole_record: each checkup comes once
    ("4か月健診に来なかった子", {"whole_record": True}),
    ("直近6か月で健診未受診の子", {"window_months": 6}),  # a time word wins over the default
])
def test_no_time_word_uses_the_items_declared_default(drafter, text, scope):
    out = drafter.draft(text)
    assert out.ok and out.rule is not None, (out.questions, out.problems)
    agg = out.rule_json()["condition"]["aggregate"]
    assert {k: agg.get(k) for k in scope} == scope
    assert not ({"whole_record", "window_months", "period"} - set(scope)) & set(agg)


def test_the_default_is_stated_with_one_click_alternatives(catalog):
    stated = make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog,
                          today=lambda: dt.date(2026, 11, 1))
    out = stated.draft("健診未受診で保健室に5回以上来た子")
    assert out.ok
    assert "期間の指定がないため、過去1年間、記録全体で数えます" in out.reading_ja
    labels = [c["label"] for c in out.choices if c["question_index"] == -1]
    assert labels[:3] == ["過去1年間で数える", "過去6か月間で数える", "記録全体で数える"]


@pytest.mark.parametrize("text", ["欠席30日以上の子", "虐待通告がある子", "健診未受診で保健室に5回以上来た子"])
def test_a_record_with_no_time_word_and_no_declared_default_is_asked(drafter, text):
    out = drafter.draft(text)
    assert not out.ok and any("どの期間で数えますか" in q for q in out.questions)
    clicks = [c for c in out.choices if c["question_index"] >= 0]
    assert [c["label"] for c in clicks] == ["過去1年間で数える", "過去6か月間で数える", "記録全体で数える"]
    for click, scope in zip(clicks, ({"window_months": 12}, {"window_months": 6}, {"whole_record": True}), strict=True):
        conv = Conversation(drafter)
        conv.send(text)
        answered = conv.send(click["reply"])  # one click, no retyping
        assert answered.ok and answered.rule is not None
        aggs = [leaf["aggregate"] for leaf in _leaves(answered.rule_json()["condition"]) if "aggregate" in leaf]
        assert any(all(a.get(k) == v for k, v in scope.items()) for a in aggs)


@pytest.mark.parametrize("text, months", [("年に2回以上家庭児童相談を受けている子", 12), ("年間欠席日数30日以上", 12)])
def test_a_year_said_in_other_words_is_a_window(drafter, text, months):
    out = drafter.draft(text)
    assert out.ok and out.rule_json()["condition"]["aggregate"]["window_months"] == months


def _leaves(cond):
    if "item" in cond:
        return [cond]
    inner = cond.get("not") or cond.get("not_")
    if inner:
        return _leaves(inner)
    return [x for sub in cond.get("all", cond.get("any", cond.get("of", []))) for x in _leaves(sub)]


def test_only_event_items_may_declare_a_default_scope(catalog):
    declared = [i for i in catalog.items if i.default_scope is not None]
    assert declared and all(i.kind == "event" for i in declared)
    item = catalog["school.school_aid"].model_dump(mode="json", exclude_none=True)
    doc = yaml.safe_dump({"items": [{**item, "default_scope": "whole_record"}]}, allow_unicode=True)
    with pytest.raises(CatalogError, match="default_scope は event 項目にだけ"):
        parse_catalog_documents([("school.yaml", doc)])


def test_the_llm_sees_the_default_scope_and_the_prompt_explains_it(catalog):
    assert catalog["health.checkup_missed"].llm_view()["default_scope"] == "whole_record"
    assert "default_scope" not in catalog["school.nurse_visits"].llm_view()
    system = (Path(__file__).parents[1] / "prompts" / "drafting" / DraftingSettings().prompt_version / "system.md").read_text(encoding="utf-8")
    assert 'default_scope: "whole_record"' in system
