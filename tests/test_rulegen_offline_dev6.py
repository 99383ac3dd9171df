"""Pins from dev set 6 (formal 要綱/specification style criteria): general readings found on staff-written criteria."""

from __future__ import annotations

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import condition, leaves


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, ask_unstated_scope=False)


@pytest.mark.parametrize("text", ["全ての保護者が満22歳以下であること", "すべての保護者が20歳未満の世帯"])
def test_all_word_before_the_guardian_word_is_every_guardian(parser, text):
    cond = condition(parser, text)
    assert cond["item"] == "resident.guardian_age" and cond["guardians"] == "all"


def test_record_word_after_an_item_is_whole_record_beside_another_window(parser):
    # 「虐待通告歴がない者のうち、直近1年間に…」: the window is the other clause's, 〜歴 is the whole record
    cond = condition(parser, "虐待通告歴がない者のうち、直近1年間に保健室であざ・傷の確認が2回以上あった者")
    abuse = next(c for c in leaves(cond) if c["item"] == "child.abuse_reports")
    nurse = next(c for c in leaves(cond) if c["item"] == "school.nurse_visits")
    assert abuse["aggregate"].get("whole_record") and nurse["aggregate"]["window_months"] == 12


@pytest.mark.parametrize(("text", "item", "code"), [
    ("けがによる来室を除き、直近半年間の保健室来室が8回以上である者", "school.nurse_visits", "2"),
    ("家庭児童相談の記録が過去1年間に1回以上ある未就学児。ただし、育成相談のみの者は除く。", "child.consultations", "40"),
])
def test_excluded_kind_of_a_counted_item_is_left_out_of_the_count(parser, text, item, code):
    # one kind of records excluded from the item the text counts: a value filter, not "no such record"
    cond = condition(parser, text)
    assert cond["item"] == item and cond["aggregate"]["value_filter"] == {"op": "!=", "value": code}


@pytest.mark.parametrize(("text", "codes"), [
    ("過去2年間に家庭児童相談（養護相談：虐待又はその他）が2回以上あること", ["11", "12"]),
    ("過去2年間に家庭児童相談(養護相談のうち虐待)が2回以上", ["11"]),
])
def test_parts_after_a_heading_label_are_its_codes(parser, text, codes):
    # 「養護相談：虐待又はその他」: その他 there is 養護相談（その他）, not the item's code その他
    cond = condition(parser, text)
    vf = cond["aggregate"]["value_filter"]
    assert (vf["value"] if isinstance(vf["value"], list) else [vf["value"]]) == codes


def test_two_names_of_one_item_joined_by_or_are_one_condition(parser):
    cond = condition(parser, "過去1年間にスクールカウンセラー又は教育センターへの相談が3回以上あること")
    assert cond == {"item": "school.education_consultations", "op": ">=", "value": 3,
                    "aggregate": {"fn": "count", "window_months": 12}}


def test_or_after_a_comma_is_the_main_break(parser):
    # 「A、又はBを受けていてC」 = A or (B and C); 「A又はBで、C」 stays (A or B) and C
    cond = condition(parser, "給食費滞納月数が2か月以上、又は就学援助を受けていて学力調査下位層に該当する者")
    assert "any" in cond and {"all"} <= {k for sub in cond["any"] for k in sub}
    cond2 = condition(parser, "欠席日数が30日以上、又は遅刻日数が20日以上で、就学援助を受けている者")
    assert "all" in cond2 and any("any" in sub for sub in cond2["all"])


def test_generic_word_with_filler_is_asked(parser):
    # 「手当を受給」: 手当 alone names no one item (児童扶養手当, 児童手当の支給差止め)
    r = parser.parse("手当を受給している世帯")
    assert r.rule is None and any("手当" in q for q in r.questions)


def test_leading_whole_record_word_reaches_the_event_item(parser):
    # the one-click 「これまでに」 before an attribute item and an event item scopes the event's records
    cond = condition(parser, "これまでに予防接種の未接種が1件以上あり、かつ乳幼児健診の未受診が1回以上ある未就学児")
    missed = next(c for c in leaves(cond) if c["item"] == "health.checkup_missed")
    assert missed["aggregate"].get("whole_record")
