"""Pins from dev set 9 (保健師 / 母子保健, 家庭児童相談室 case histories, 指導主事 numbered criteria)."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import drafted, leaves

# -- k-of-n lists with bullets inside one line (「…で25点　・欠席 …　・遅刻 …」) ------------------------------


@pytest.mark.parametrize("sep", ["\u3000・", " ・", "\u3000●"])
def test_inline_bullets_are_list_separators(parser, sep):
    text = (f"以下の4項目のうち3項目以上に該当で25点{sep}欠席 直近3か月10日以上{sep}遅刻 直近3か月10日以上"
            f"{sep}保健室来室 直近3か月5回以上{sep}心の天気（雨） 直近3か月10回以上")
    rule = drafted(parser, text)
    assert rule["condition"]["at_least"] == 3 and rule["points"] == 25
    got = {leaf["item"]: leaf["value"] for leaf in leaves(rule["condition"])}
    assert got == {"school.absence_days": 10, "school.late_days": 10, "school.nurse_visits": 5, "school.mood_bad": 10}


# -- 「Aで、BかCのどちらか」: the clause ending in で、 stays an AND ------------------------------------------


@pytest.mark.parametrize(("text", "first"), [
    ("外国籍のご家庭で、4か月健診か1歳6か月健診のどちらかを受けていない子", "resident.foreign_nationality"),
    ("家族に要介護者がいる生徒で、①遅刻 直近3か月10日以上 ②欠席 直近3か月10日以上 のどちらかに該当すれば10点", "care.household_ltc_certified"),
    ("生活保護世帯で、欠席が直近3か月10日以上か遅刻が直近3か月10日以上のいずれか", "welfare.public_assistance"),
])
def test_de_comma_clause_is_and_before_any_marker(parser, text, first):
    cond = drafted(parser, text)["condition"]
    assert "all" in cond and cond["all"][0]["item"] == first


def test_any_marker_still_joins_a_plain_list(parser):
    cond = drafted(parser, "生活保護、就学援助、児童扶養手当のいずれかを受けている")["condition"]
    assert "any" in cond and len(cond["any"]) == 3


# -- 「現況届が出ていない」 is the suspension itself (not its negation) -------------------------------------


@pytest.mark.parametrize("text", ["現況届が出ていない家庭", "現況届を出していない世帯", "現況届が未提出の世帯"])
def test_genkyo_todoke_not_filed(parser, text):
    assert drafted(parser, text)["condition"] == {"item": "benefit.child_allowance_suspended", "op": "=", "value": True}


# -- a window of another clause: an item read whole by default keeps it; 「の記録なし」 is the whole record ------


@pytest.mark.parametrize("text", ["この1年以内に転入してきた乳児で、健診を受けていない子",
                                  "過去1年間に欠席が30日以上あり、健診の未受診もある"])
def test_default_whole_record_kept_beside_another_clauses_window(parser, text):
    found = {leaf["item"]: leaf for leaf in leaves(drafted(parser, text)["condition"])}
    assert found["health.checkup_missed"]["aggregate"].get("whole_record") is True
    other = next(v for k, v in found.items() if k != "health.checkup_missed")
    assert other["aggregate"]["window_months"] == 12


def test_window_before_the_item_itself_still_applies(parser):
    leaf = drafted(parser, "過去1年間に、健診を受けていない子")["condition"]
    assert leaf["aggregate"]["window_months"] == 12


def test_record_word_in_another_clause_is_whole_record(parser):
    found = leaves(drafted(parser, "直近6か月の欠席日数が20日以上で、教育相談の記録なし")["condition"])
    assert found[0]["aggregate"]["window_months"] == 6
    assert found[1]["item"] == "school.education_consultations" and found[1]["aggregate"].get("whole_record") is True
    assert drafted(parser, "直近6か月に教育相談の記録がない")["condition"]["aggregate"]["window_months"] == 6


# -- asked: another member's record, a second rule after the points ----------------------------------------


@pytest.mark.parametrize("text", ["きょうだいに通告歴がある子", "きょうだいの欠席が30日以上", "兄弟に一時保護歴がある"])
def test_sibling_record_is_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and any("こども本人の記録" in q for q in r.questions)
    assert r.clarifications


def test_sibling_count_is_still_read(parser):
    found = leaves(drafted(parser, "きょうだいが3人以上で通告歴がある子")["condition"])
    assert found[0] == {"item": "resident.siblings", "op": ">=", "value": 3}


@pytest.mark.parametrize("text", ["欠席日数が直近3か月で10日以上の場合は10点、さらに遅刻も多ければ加点する",
                                  "直近3か月で欠席10日以上の場合5点、さらに就学援助世帯なら5点加点",
                                  "就学援助世帯は5点、加えて生活保護なら5点"])
def test_second_rule_after_points_is_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and (r.questions or r.problems)


def test_sarani_before_points_is_one_rule(parser):
    rule = drafted(parser, "直近3か月の遅刻が10日以上で、さらに直近3か月の欠席も5日以上の場合に15点")
    assert rule["points"] == 15 and len(rule["condition"]["all"]) == 2
