"""Pins from dev sets 18 to 21 (session 12): units and words of other forms (グラム, 経験あり, 児相の一時保護),
labels before a criterion, spreadsheet-style specs, voice memos, a purpose or a reason said around the
criterion, and conditions grouped by brackets (or asked about when nothing groups them)."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import asks, condition, drafted, leaves


@pytest.mark.parametrize("text", ["出生体重が二千五百グラム未満の児", "出生時の体重が2500グラム未満の子"])
def test_grams_and_the_birth_weight(parser, text: str) -> None:
    assert condition(parser, text) == {"item": "health.low_birth_weight", "op": "=", "value": True}


def test_experience_is_the_record_and_jisou_is_no_home_consultation(parser) -> None:
    assert condition(parser, "一時保護の経験がある子")["item"] == "child.temporary_protection_history"
    cond = condition(parser, "児相の一時保護の経験あり、かつ世帯でDV相談（身体的暴力）の記録がある子")
    assert {leaf["item"] for leaf in leaves(cond)} == {"child.temporary_protection_history", "dv.consultations"}


@pytest.mark.parametrize("text", ["【抽出条件】遅刻日数（直近3か月合計）≧10", "条件：遅刻日数（直近3か月合計）10日以上",
                                  "■抽出基準：遅刻日数が直近3か月で10日以上"])
def test_a_label_before_the_criterion_is_no_condition(parser, text: str) -> None:
    cond = condition(parser, text)
    assert (cond["item"], cond["op"], cond["value"], cond["aggregate"]["window_months"]) == ("school.late_days", ">=", 10, 3)


def test_a_spreadsheet_style_spec(parser) -> None:
    rule = drafted(parser, "列名：給食費滞納月数／条件：3以上／対象：中学生")
    assert (rule["condition"]["item"], rule["condition"]["op"], rule["condition"]["value"]) == ("school.lunch_fee_arrears_months", ">=", 3)
    assert rule["population"] == {"school_stages": ["junior_high"]}


def test_labels_and_values_on_bullet_lines(parser) -> None:
    cond = condition(parser, "・児扶：有\n・就援：無\n・学年：小1〜小3")
    assert {"not" if "not" in leaf else leaf["item"] for leaf in cond["all"]} == {"benefit.child_rearing_allowance", "not", "school.grade"}
    cond = condition(parser, "・国保：滞納\n・市税：滞納\n・短期証：交付\n→ 3項目のうち2項目以上で抽出")
    assert cond["at_least"] == 2 and len(cond["of"]) == 3


def test_the_total_of_a_count_of_conditions_is_checked(parser) -> None:
    assert condition(parser, "国保滞納、市税滞納、短期証交付の3項目のうち2項目以上")["at_least"] == 2
    r = parser.parse("国保滞納、市税滞納の3項目のうち2項目以上")
    assert r.rule is None and any(p["code"] == "k_of_n_count" for p in r.problems)


def test_where_the_answers_are_typed_is_no_condition(parser) -> None:
    cond = condition(parser, "1人1台端末の心の天気で「雨」を選んだ日が直近1か月で5日以上ある児童生徒")
    assert (cond["item"], cond["value"], cond["aggregate"]["window_months"]) == ("school.mood_bad", 5, 1)


def test_voice_memos_pause_after_a_comparison(parser) -> None:
    rule = drafted(parser, "保護者 ２０歳未満　０歳から2歳")
    assert (rule["condition"]["item"], rule["condition"]["op"], rule["condition"]["value"]) == ("resident.guardian_age", "<", 20)
    assert rule["population"] == {"age_min": 0, "age_max": 2}
    cond = condition(parser, "引っ越し　２年で3回以上　あと　児童手当差し止め")
    assert {leaf["item"] for leaf in leaves(cond)} == {"resident.moves", "benefit.child_allowance_suspended"}


@pytest.mark.parametrize("text", ["子ども食堂におつなぎしたいので、生活保護を受けているおうちの小学生を出してもらえますか",
                                  "案内を送りたいので、生活保護を受けている小学生"])
def test_what_the_list_is_for_is_left_out(parser, text: str) -> None:
    r = parser.parse(text)
    assert r.rule is not None and r.rule["condition"]["item"] == "welfare.public_assistance", (r.questions, r.problems)
    assert r.rule["population"] == {"school_stages": ["elementary"]}
    assert any("状況の説明" in n for n in r.notes)


def test_a_purpose_that_names_another_item_is_asked(parser) -> None:
    asks(parser, "保健室の記録を見たいので、生活保護を受けている小学生")


def test_why_the_children_are_wanted_is_left_out(parser) -> None:
    r = parser.parse("生活保護受給世帯の小学生は、食事が心配なので拾ってください")
    assert r.rule is not None and r.rule["condition"]["item"] == "welfare.public_assistance"
    cond = condition(parser, "ネグレクトの通告が一度でも入ったことのある子は、その後落ち着いているように見えても同じことが繰り返されることが"
                             "少なくないので、念のため拾っておきたいという趣旨で、これまでにネグレクトでの通告が1回でもあったこども")
    assert cond["item"] == "child.abuse_reports" and cond["aggregate"]["value_filter"] == {"op": "=", "value": "3"}


def test_brackets_group_conditions(parser) -> None:
    cond = condition(parser, "ＥＰＤＳ９点以上 かつ（ひとり親 または 保護者が２０歳未満）")
    assert cond["all"][0]["item"] == "health.epds_score"
    assert {leaf["item"] for leaf in cond["all"][1]["any"]} == {"resident.single_parent", "resident.guardian_age"}
    cond = condition(parser, "ひとり親かつ(生活保護または就学援助)")
    assert cond["all"][0]["item"] == "resident.single_parent"


def test_an_or_of_ands_is_distributed(parser) -> None:
    cond = condition(parser, "（虐待通告歴あり かつ 要対協に現在登録なし）、または 一時保護歴あり")
    groups = cond["all"]
    assert len(groups) == 2 and all("child.temporary_protection_history" in {leaf.get("item") for leaf in g["any"]} for g in groups)
    assert len(leaves(cond)) == 4


def test_and_with_or_and_nothing_to_group_them_is_asked_with_both_groupings(parser) -> None:
    r = parser.parse("ひとり親かつ生活保護または就学援助")
    assert r.rule is None and any("(ひとり親かつ生活保護)または就学援助" in q for q in r.questions), r.questions
    first = condition(parser, "(ひとり親かつ生活保護)または就学援助")
    second = condition(parser, "ひとり親かつ(生活保護または就学援助)")
    assert first != second
