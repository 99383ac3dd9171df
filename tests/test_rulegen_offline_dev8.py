"""Pins from dev set 8 (SSW narrative sentences, 係長 quoting other cities, 情報政策課 column-style criteria)."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import drafted, leaves

# -- column-style criteria: operators, AND/OR/NOT, brackets ------------------------------------------


@pytest.mark.parametrize(("text", "op", "value"), [
    ("給食費滞納月数>=2", ">=", 2), ("給食費滞納月数 ≧ 2", ">=", 2), ("給食費滞納月数＜2", "<", 2),
    ("給食費滞納月数 > 2", ">", 2), ("給食費滞納月数≦2", "<=", 2), ("きょうだい数 >= ４", ">=", 4),
])
def test_comparison_operators(parser, text, op, value):
    leaf = leaves(drafted(parser, text)["condition"])[0]
    assert (leaf["op"], leaf["value"]) == (op, value)


@pytest.mark.parametrize("text", ["就学援助=有", "就学援助=1", "就学援助=TRUE", "就学援助 = あり"])
def test_flag_values_true(parser, text):
    assert drafted(parser, text)["condition"] == {"item": "school.school_aid", "op": "=", "value": True}


@pytest.mark.parametrize("text", ["就学援助=無", "就学援助=0", "就学援助=FALSE", "NOT 就学援助", "NOT(就学援助=1)", "就学援助≠有"])
def test_flag_values_false_and_not(parser, text):
    assert drafted(parser, text)["condition"] == {"not": {"item": "school.school_aid", "op": "=", "value": True}}


def test_and_or_with_brackets(parser):
    cond = drafted(parser, "(ひとり親=有 OR 住民税非課税=有) AND きょうだい数>=3")["condition"]
    assert cond == {"all": [{"any": [{"item": "resident.single_parent", "op": "=", "value": True},
                                     {"item": "tax.resident_tax_exempt", "op": "=", "value": True}]},
                            {"item": "resident.siblings", "op": ">=", "value": 3}]}
    cond = drafted(parser, "市税滞納=1 or 国保料滞納=1")["condition"]
    assert cond == {"any": [{"item": "tax.arrears", "op": "=", "value": True}, {"item": "insurance.nhi_arrears", "op": "=", "value": True}]}


def test_not_over_a_group_is_de_morgan(parser):
    cond = drafted(parser, "NOT (生活保護=有 OR 就学援助=有)")["condition"]
    assert cond == {"all": [{"not": {"item": "welfare.public_assistance", "op": "=", "value": True}},
                            {"not": {"item": "school.school_aid", "op": "=", "value": True}}]}


@pytest.mark.parametrize("text", ["生活保護=有 AND 就学援助=有 OR ひとり親=有", "(生活保護=有 AND 就学援助=有"])
def test_structures_the_rule_cannot_say_are_refused(parser, text):
    r = parser.parse(text)
    assert r.rule is None and r.problems


def test_an_or_of_ands_is_said_as_an_and_of_ors(parser):
    r = parser.parse("(生活保護=有 AND 就学援助=有) OR ひとり親=有")
    assert r.rule is not None and not r.questions
    groups = [{leaf["item"] for leaf in g["any"]} for g in r.rule["condition"]["all"]]
    assert groups == [{"welfare.public_assistance", "resident.single_parent"}, {"school.school_aid", "resident.single_parent"}]
    assert any("同じ意味" in n for n in r.notes)


def test_bracketed_window_and_fiscal_year(parser):
    leaf = leaves(drafted(parser, "遅刻日数(直近4ヶ月合計)>=8")["condition"])[0]
    assert leaf["aggregate"]["window_months"] == 4 and leaf["aggregate"]["fn"] == "sum"
    leaf = leaves(drafted(parser, "遅刻日数(年度累計)>=8")["condition"])[0]
    assert leaf["aggregate"]["period"] == {"start": "2026-04-01", "end": "2027-03-31"}
    leaf = leaves(drafted(parser, "遅刻日数(R7年度累計)>=8")["condition"])[0]
    assert leaf["aggregate"]["period"] == {"start": "2025-04-01", "end": "2026-03-31"}
    leaf = leaves(drafted(parser, "遅刻日数(直近6M)>=8")["condition"])[0]
    assert leaf["aggregate"]["window_months"] == 6


def test_whole_period_is_the_whole_record(parser):
    leaf = leaves(drafted(parser, "いじめ認知件数(全期間)>=2")["condition"])[0]
    assert leaf["aggregate"].get("whole_record") is True


@pytest.mark.parametrize(("text", "codes"), [
    ("保健室来室(来室理由=2) 直近6か月 >= 3", ["2"]),
    ("教育相談(種別=いじめ) 直近6か月 >= 1", ["2"]),
    ("虐待通告(種別 in (2,4)) 直近24か月 >= 1", ["2", "4"]),
])
def test_code_qualifiers_by_code_or_label(parser, text, codes):
    vf = leaves(drafted(parser, text)["condition"])[0]["aggregate"]["value_filter"]
    assert (vf["value"] if vf["op"] == "in" else [vf["value"]]) == codes


def test_unknown_code_qualifier_is_asked(parser):
    r = parser.parse("保健室来室(来室理由=77) 直近6か月 >= 3")
    assert r.rule is None


def test_population_columns(parser):
    rule = drafted(parser, "年齢<=4 AND 生活保護=有")
    assert rule["population"] == {"age_max": 4}
    rule = drafted(parser, "年齢 between 3 and 5 AND 生活保護=有")
    assert rule["population"] == {"age_min": 3, "age_max": 5}
    rule = drafted(parser, "年齢=1 AND 生活保護=有")
    assert rule["population"] == {"age_min": 1, "age_max": 1}
    rule = drafted(parser, "学校段階=小学生 AND 生活保護=有")
    assert rule["population"] == {"school_stages": ["elementary"]}
    rule = drafted(parser, "学校段階=小学生 or 中学生 AND 生活保護=有")
    assert rule["population"] == {"school_stages": ["elementary", "junior_high"]}
    rule = drafted(parser, "学校段階 in (未就学,小学生) AND 生活保護=有")
    assert rule["population"] == {"school_stages": ["preschool", "elementary"]}


def test_category_value_and_guardian_qualifier(parser):
    cond = drafted(parser, "性別=男 AND 生活保護=有")["condition"]
    assert {"item": "resident.sex", "op": "=", "value": "1"} in cond["all"]
    cond = drafted(parser, "保護者の障害者手帳=有(全保護者)")["condition"]
    assert cond.get("guardians") == "all"


def test_points_after_an_arrow(parser):
    assert drafted(parser, "生活保護=有 → 12pt")["points"] == 12


@pytest.mark.parametrize("text", ["手帳=有", "リスクスコア>=50", "発達検査結果=要観察"])
def test_column_words_that_name_no_one_item_are_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and (r.questions or r.problems)


# -- other cities' practice quoted around the criterion, the writer's worry and request -----------------


@pytest.mark.parametrize("text", [
    "吹田市では就学援助を受けている世帯の児童を抽出している。うちでも同じ条件で",
    "他市の事例にならって、就学援助を受けている児童を抽出したい",
    "近隣自治体の資料によると、就学援助を受けている子を重点にしている。うちもそうしたい",
    "〇〇町では就学援助の子を見ていた。うちでも同様に",
    "就学援助を受けている子が心配です",
    "最近気になっているのは、就学援助を受けている子です",
])
def test_quoted_practice_and_worry_carry_no_condition(parser, text):
    assert drafted(parser, text)["condition"] == {"item": "school.school_aid", "op": "=", "value": True}


def test_points_and_population_in_the_closing_sentence_are_kept(parser):
    rule = drafted(parser, "他市では就学援助の児童を見ている。うちも同じ条件で、点数は7点")
    assert rule["points"] == 7
    rule = drafted(parser, "他市では就学援助の子を抽出している。うちでも同様に中学生で")
    assert rule["population"] == {"school_stages": ["junior_high"]}


def test_a_sentence_of_context_alone_is_skipped_but_not_one_with_an_item_word(parser):
    assert drafted(parser, "直近半年の欠席が20日以上の中学生。進路が心配で")["condition"]["item"] == "school.absence_days"
    r = parser.parse("直近半年の欠席が20日以上の中学生。保険室が心配で")
    assert r.rule is None  # 「保険室」 is a typo of an item word: asked, never dropped


def test_quoting_alone_names_no_condition(parser):
    r = parser.parse("和泉市と同じ条件で抽出をお願いします")
    assert r.rule is None


# -- narrative phrasing ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["教育相談は一度もしたことがない子", "教育相談を1回も受けていない子"])
def test_never_is_the_whole_record_not_an_amount(parser, text):
    leaf = leaves(drafted(parser, text)["condition"])[0]
    assert leaf["aggregate"].get("whole_record") is True and leaf["value"] is False


def test_never_beside_a_window_of_another_item(parser):
    cond = drafted(parser, "いじめの認知が今年度2回以上あるのに、教育相談は一度もしたことがない子")["condition"]
    consult = next(c for c in leaves(cond) if c["item"] == "school.education_consultations")
    assert consult["aggregate"].get("whole_record") is True


def test_decade_with_a_comparison(parser):
    leaf = leaves(drafted(parser, "保護者の年齢が30代以下の世帯")["condition"])[0]
    assert (leaf["op"], leaf["value"]) == ("<=", 39)
    leaf = leaves(drafted(parser, "保護者の年齢が40代以上の世帯")["condition"])[0]
    assert (leaf["op"], leaf["value"]) == (">=", 40)


def test_age_word_at_the_start_of_an_item_name_is_no_population(parser):
    rule = drafted(parser, "生活保護世帯で、乳児家庭全戸訪問でも会えなかった子")
    assert "population" not in rule
    assert drafted(parser, "乳児で生活保護")["population"] == {"age_min": 0, "age_max": 0}


def test_kanji_count_after_fiscal_year(parser):
    leaf = leaves(drafted(parser, "教育相談が今年度三回以上ある子")["condition"])[0]
    assert leaf["value"] == 3


def test_not_yet_and_piling_up(parser):
    cond = drafted(parser, "SSWがまだ関わっていない子")["condition"]
    assert cond == {"not": {"item": "school.ssw_support", "op": "=", "value": True}}
    leaf = leaves(drafted(parser, "給食費が4か月分以上たまっている子")["condition"])[0]
    assert (leaf["item"], leaf["value"]) == ("school.lunch_fee_arrears_months", 4)


def test_one_click_time_answer_on_a_column_style_text(parser):
    rule = drafted(parser, "これまでに年齢<=5かつ健診未受診")
    assert rule["population"] == {"age_max": 5}
    assert rule["condition"]["aggregate"].get("whole_record") is True


@pytest.mark.parametrize("text", [
    "隣の市では就学援助の子を抽出しているそうです。うちの市でも導入したい",
    "大阪府では就学援助の子をリストアップしているとのこと。当市でも同じ基準で設定したいです",
    "先行事例を参考に、就学援助の子を洗い出したい",
    "吹田市と同様に、就学援助の子を抽出",
    "ちょっと気になる子がいて、就学援助の子を教えてください",
    "就学援助の子が気がかりです",
])
def test_more_quoting_and_request_forms(parser, text):
    assert drafted(parser, text)["condition"] == {"item": "school.school_aid", "op": "=", "value": True}


def test_column_values_with_units_words_and_grades(parser):
    assert drafted(parser, "年齢>=3歳 AND 就学援助=有")["population"] == {"age_min": 3}
    assert drafted(parser, "年齢=3歳 AND 生活保護=有")["population"] == {"age_min": 3, "age_max": 3}
    cond = drafted(parser, "性別=女性 AND 就学援助=有")["condition"]
    assert {"item": "resident.sex", "op": "=", "value": "2"} in cond["all"]
    cond = drafted(parser, "学年=中3 AND 就学援助=有")["condition"]
    assert {"item": "school.grade", "op": "=", "value": 9} in cond["all"]
    cond = drafted(parser, "就学援助=有 & 生活保護=有")["condition"]
    assert len(cond["all"]) == 2


def test_numeric_equality_is_exact(parser):
    found = leaves(drafted(parser, "きょうだい数=2")["condition"])
    assert {(c["op"], c["value"]) for c in found} == {(">=", 2), ("<=", 2)}


@pytest.mark.parametrize(("text", "months"), [("sum(遅刻日数, 直近4か月) >= 6", 4), ("遅刻日数[直近4か月]>=6", 4), ("count(保健室来室, 直近2か月)>=6", 2)])
def test_function_and_square_bracket_windows(parser, text, months):
    leaf = leaves(drafted(parser, text)["condition"])[0]
    assert leaf["aggregate"]["window_months"] == months and leaf["value"] == 6


def test_glued_japanese_connective_and_value_lists(parser):
    assert len(drafted(parser, "ひとり親=有かつ住民税非課税=有")["condition"]["all"]) == 2
    cond = drafted(parser, "学年 in (4,5,6) AND 生活保護=有")["condition"]
    assert {(c["op"], c["value"]) for c in leaves(cond) if c["item"] == "school.grade"} == {(">=", 4), ("<=", 6)}
    assert drafted(parser, "年齢 in (0,1,2) AND 生活保護=有")["population"] == {"age_min": 0, "age_max": 2}
    assert drafted(parser, "ひとり親フラグ=1")["condition"] == {"item": "resident.single_parent", "op": "=", "value": True}


def test_national_guidance_quoted(parser):
    rule = drafted(parser, "国のガイドラインでは、ひとり親世帯の子を見ている。うちでも同じ条件で")
    assert rule["condition"] == {"item": "resident.single_parent", "op": "=", "value": True}


def test_bulleted_lists_after_an_intro(parser):
    cond = drafted(parser, "次のいずれかに当てはまる子をお願いします\n・非課税世帯\n・ひとり親")["condition"]
    assert cond == {"any": [{"item": "tax.resident_tax_exempt", "op": "=", "value": True},
                            {"item": "resident.single_parent", "op": "=", "value": True}]}
    cond = drafted(parser, "次の全部に当てはまる子をお願いします\n・非課税世帯\n・ひとり親")["condition"]
    assert cond == {"all": [{"item": "tax.resident_tax_exempt", "op": "=", "value": True},
                            {"item": "resident.single_parent", "op": "=", "value": True}]}
    cond = drafted(parser, "次のいずれかに該当する子\n・生活保護=有\n・就学援助=1")["condition"]
    assert set(map(lambda c: c["item"], cond["any"])) == {"welfare.public_assistance", "school.school_aid"}


def test_code_exclusion_qualifier_and_units_apart(parser):
    vf = leaves(drafted(parser, "家庭児童相談(種別≠育成相談) 直近1年>=1")["condition"])[0]["aggregate"]["value_filter"]
    assert vf == {"op": "!=", "value": "40"}
    leaf = leaves(drafted(parser, "遅刻日数(直近2か月) ≧ 7 日")["condition"])[0]
    assert (leaf["value"], leaf["aggregate"]["window_months"]) == (7, 2)
