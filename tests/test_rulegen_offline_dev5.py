"""Pins from dev set 5 (helper O): general readings found on staff-written criteria."""

from __future__ import annotations

import pytest

from rulegen.offline.parser import OfflineParser


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog)


def _items(cond):
    if "item" in cond:
        return [cond]
    if "not" in cond:
        return _items(cond["not"])
    return [c for sub in cond.get("all", cond.get("any", [])) for c in _items(sub)]


@pytest.mark.parametrize("text", ["3歳児健診の未受診歴があり、保育園にも通っていない3〜4歳", "虐待通告歴もある小学生"])
def test_record_word_in_continuative_form_is_whole_record(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    aggs = [c["aggregate"] for c in _items(r.rule["condition"]) if "aggregate" in c]
    assert aggs and all(a.get("whole_record") for a in aggs)


def test_subject_of_an_item_name_alone_is_asked(parser):
    # 「児童手当を受給」 is not 「児童手当の支給差止め」: asked, with the item as a choice
    r = parser.parse("児童手当を受給している世帯の未就学児")
    assert r.rule is None
    assert any("児童手当の支給差止め" in q for q in r.questions)


@pytest.mark.parametrize("text", ["児童手当が差し止めになっている子", "乳幼児健診を2回以上受けていない子"])
def test_state_written_keeps_the_item(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)


def test_never_on_a_not_done_item_is_asked(parser):
    # 「一度も健診に来ていない」 may mean every checkup missed: asked, one click gives 「1回でも」
    r = parser.parse("生まれてから一度も健診に来ていない子")
    assert r.rule is None and r.questions
    r2 = parser.parse("一度も虐待通告がない子")
    assert r2.rule is not None, (r2.questions, r2.problems)


@pytest.mark.parametrize(("text", "value"), [("直近1年の間に、保健室への来室が最低でも10回ある小学生", 10), ("給食費の未納が少なくとも3か月ある子", 3)])
def test_at_least_before_the_number(parser, text, value):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    leaf = next(c for c in _items(r.rule["condition"]) if c.get("op") == ">=")
    assert leaf["value"] == value
