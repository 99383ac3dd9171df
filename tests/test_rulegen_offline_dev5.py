"""Pins from dev set 5 (helper O): general readings found on staff-written criteria."""

from __future__ import annotations

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import leaves


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog)


@pytest.mark.parametrize("text", ["3歳児健診の未受診歴があり、保育園にも通っていない3〜4歳", "虐待通告歴もある小学生"])
def test_record_word_in_continuative_form_is_whole_record(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    aggs = [c["aggregate"] for c in leaves(r.rule["condition"]) if "aggregate" in c]
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
    leaf = next(c for c in leaves(r.rule["condition"]) if c.get("op") == ">=")
    assert leaf["value"] == value


@pytest.mark.parametrize(("text", "items"), [
    ("朝ごはんを食べずに来る子が気になっています。つまり給食費の滞納が2か月以上あって、直近3か月の遅刻が5日以上の子",
     {"school.lunch_fee_arrears_months", "school.late_days"}),
    ("4か月も1歳半も健診に来なかった家庭があって…つまり乳幼児健診の未受診が過去に2回以上ある子", {"health.checkup_missed"}),
    ("面前DVが疑われる子。直近1年に身体的暴力のDV相談が1回以上ある家庭の子", {"dv.consultations"}),
    ("保健室にあざを見せに来た子がいました。今年度、保健室来室（身体のあざ・傷の確認）が1回でもある子", {"school.nurse_visits"}),
    ("中学3年で、今年度の欠席が30日以上（進路が心配）", {"school.absence_days", "school.grade"}),
    ("長欠（今年度の欠席が30日以上）の児童生徒", {"school.absence_days"}),
])
def test_story_or_remark_around_the_criterion_is_left_out_and_said(parser, text, items):
    # a story first, a remark in brackets, a label defined in brackets: the criterion alone, the words left out stated
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert {c["item"] for c in leaves(r.rule["condition"])} == items
    assert any("括弧" in n or "状況の説明" in n for n in r.notes)


@pytest.mark.parametrize("text", [
    "保護者のいずれかが精神障害者保健福祉手帳を所持（身体・療育は除く）",  # an exclusion in brackets is a condition
    "給食費滞納3か月以上の子（ただし生活保護世帯は別ルートで把握済みなので除く）",
    "生活保護を受けていて気になる子がいます。欠席が30日以上の子",  # the story names an item the rest does not use
    "小学生で気になる子がいます。欠席が30日以上の子",  # a population in the story
])
def test_aside_that_may_be_a_condition_is_never_left_out(parser, text):
    r = parser.parse(text)
    assert r.rule is None or not any("状況の説明" in n for n in r.notes)


def test_same_window_repeated_with_its_length(parser):
    # 「直近1年に…、同じ1年で」: the one window; a word of a code label (相談) is no other item named before
    r = parser.parse("直近1年にDV相談が1件以上あって、子ども本人も同じ1年で保健室に心の不調・相談で3回以上来ている")
    assert r.rule is not None, (r.questions, r.problems)
    found = leaves(r.rule["condition"])
    assert [c["item"] for c in found] == ["dv.consultations", "school.nurse_visits"]
    assert found[1]["value"] == 3 and found[1]["aggregate"]["window_months"] == 12


def test_yotaikyo_alone_is_asked_between_registered_and_past(parser):
    r = parser.parse("要対協に関わっている子")
    assert r.rule is None
    assert any("要対協に登録中" in q and "要対協の登録歴" in q for q in r.questions)


def test_none_of_a_list_with_doreni(parser):
    r = parser.parse("生保・児扶・就援のどれにも該当しないのに、給食費が2か月以上未納になっている子")
    assert r.rule is not None, (r.questions, r.problems)
    nots = [c["not"]["item"] for c in r.rule["condition"]["all"] if "not" in c]
    assert nots == ["welfare.public_assistance", "benefit.child_rearing_allowance", "school.school_aid"]


@pytest.mark.parametrize(("text", "item"), [
    ("令和7年度中に4か月健診を受けなかった子", "health.checkup_missed"),
    ("1歳半健診に来なかった子", "health.checkup_missed"),
    ("こんにちは赤ちゃんで会えなかった子は重み5", "health.home_visit_unmet"),
])
def test_past_negative_wording_of_a_not_done_item(parser, text, item):
    # 「受けなかった」「来なかった」「会えなかった」 (catalog synonyms) say what the not-done item records
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert r.rule["condition"]["item"] == item


def test_generic_visit_word_with_a_past_negative_is_asked(parser):
    r = parser.parse("家庭訪問で会えなかった子")  # a school's home visit too: never read as 乳児家庭全戸訪問 alone
    assert r.rule is None and r.questions
