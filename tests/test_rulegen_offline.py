"""The offline drafter, phrase family by phrase family, and its refusals."""

from __future__ import annotations

import pytest

from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings


@pytest.fixture(scope="module")
def drafter(catalog):
    return make_drafter(DraftingSettings(provider="offline", max_points=30, ask_unstated_scope=False), catalog=catalog)


def cond(outcome):
    assert outcome.ok, (outcome.questions, outcome.problems)
    return outcome.rule.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"]


def test_sum_for_days_on_monthly_rows_and_default_window(drafter):
    out = drafter.draft("欠席30日以上")
    assert cond(out) == {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}
    assert "期間の指定がないため、過去1年間" in out.reading_ja
    assert out.rule.side == "education" and out.rule.difficulties == ["不登校"]
    assert out.drafter == "offline" and out.model is None and out.prompt_version == "offline-v1"


def test_count_for_times(drafter):
    c = cond(drafter.draft("過去2年間に虐待通告が2回以上"))
    assert c == {"item": "child.abuse_reports", "op": ">=", "value": 2, "aggregate": {"fn": "count", "window_months": 24}}


@pytest.mark.parametrize(
    "text, months",
    [("直近6か月の欠席が15日以上", 6), ("直近6ヶ月の欠席が15日以上", 6), ("年間の欠席が15日以上", 12), ("この1年の欠席が15日以上", 12),
     ("過去3年間の欠席が15日以上", 36), ("直近半年の欠席が15日以上", 6)],
)
def test_windows(drafter, text, months):
    assert cond(drafter.draft(text))["aggregate"]["window_months"] == months


@pytest.mark.parametrize(
    "text, op, value",
    [("給食費滞納が3か月以上", ">=", 3), ("給食費滞納が3か月以下", "<=", 3), ("給食費滞納が3か月未満", "<", 3),
     ("給食費滞納が3か月を超える", ">", 3), ("給食費滞納が3か月より多い", ">", 3), ("給食費滞納が3か月超", ">", 3),
     ("給食費滞納が2〜5か月", "between", [2, 5])],
)
def test_comparisons(drafter, text, op, value):
    c = cond(drafter.draft(text))
    assert (c["op"], c["value"]) == (op, value)


def test_lower_and_upper_bound_on_one_item(drafter):
    c = cond(drafter.draft("給食費滞納が2か月以上5か月以下"))
    assert [(x["op"], x["value"]) for x in c["all"]] == [(">=", 2), ("<=", 5)]


def test_negation_of_a_flag_and_of_an_event(drafter):
    assert cond(drafter.draft("就学援助を受けていない")) == {"not": {"item": "school.school_aid", "op": "=", "value": True}}
    assert cond(drafter.draft("DV相談がない"))["value"] is False
    # A negative item name is the item, not a negation: 「未受診」 is the missed check-up itself.
    assert cond(drafter.draft("乳幼児健診未受診"))["value"] is True


def test_conjunctions(drafter):
    c = cond(drafter.draft("ひとり親世帯で住民税非課税"))
    assert [x["item"] for x in c["all"]] == ["resident.single_parent", "tax.resident_tax_exempt"]
    c = cond(drafter.draft("生活保護または児童扶養手当"))
    assert [x["item"] for x in c["any"]] == ["welfare.public_assistance", "benefit.child_rearing_allowance"]
    c = cond(drafter.draft("生活保護、児童扶養手当、就学援助のいずれかに該当し、欠席が30日以上"))
    assert [x["item"] for x in c["all"][0]["any"]] == ["welfare.public_assistance", "benefit.child_rearing_allowance", "school.school_aid"]
    assert c["all"][1]["item"] == "school.absence_days"


def test_side_from_organs(drafter):
    assert drafter.draft("生活保護受給世帯").rule.side == "welfare"
    assert drafter.draft("生活保護受給世帯で欠席30日以上").rule.side == "both"


@pytest.mark.parametrize(
    "text, population",
    [("小学生で就学援助", {"school_stages": ["elementary"]}), ("中学生で就学援助", {"school_stages": ["junior_high"]}),
     ("未就学児で生活保護", {"school_stages": ["preschool"]}), ("3歳未満で生活保護", {"age_max": 2}),
     ("15歳以上で生活保護", {"age_min": 15}), ("小中学生で生活保護", {"school_stages": ["elementary", "junior_high"]})],
)
def test_populations(drafter, text, population):
    out = drafter.draft(text)
    assert out.ok
    assert out.rule.population.model_dump(exclude_none=True) == population


def test_upper_grades_use_the_grade_item_without_changing_the_side(drafter):
    out = drafter.draft("小学校高学年で生活保護")
    c = cond(out)
    # 高学年 is 5・6年生 (the three bands of 学習指導要領); the reading says so, and 4〜6年生 is one click away
    assert {"item": "school.grade", "op": "between", "value": [5, 6]} in c["all"]
    assert out.rule.side == "welfare"
    assert "5・6年生として読みました" in out.reading_ja
    alt = drafter.draft("小学校4〜6年生で生活保護")
    assert {"item": "school.grade", "op": "between", "value": [4, 6]} in cond(alt)["all"]


def test_points_and_default_points(drafter):
    assert drafter.draft("生活保護世帯に5点").rule.points == 5
    assert drafter.draft("生活保護世帯、15点を加点").rule.points == 15
    out = drafter.draft("生活保護世帯")
    assert out.rule.points == 10 and "既定の10点" in out.reading_ja
    # A score measured in points is a threshold, not the rule's points.
    out = drafter.draft("EPDSが9点以上で5点")
    assert cond(out)["value"] == 9 and out.rule.points == 5


def test_points_above_the_configured_limit_are_refused(drafter):
    out = drafter.draft("生活保護世帯に50点")
    assert not out.ok and out.rule is None
    assert out.problems[0]["code"] == "points_limit" and "上限 (30点)" in out.problems[0]["message"]


def test_code_labels_become_value_filters(drafter):
    c = cond(drafter.draft("保健室にあざの確認で来室したことが1回でもある"))
    assert c["aggregate"]["value_filter"] == {"op": "=", "value": "4"}


def test_ambiguous_word_gets_a_question(drafter):
    out = drafter.draft("手当を受けている")
    assert not out.ok and out.rule is None
    assert "「手当」はどの項目" in out.questions[0] and "児童扶養手当" in out.questions[0]


def test_vague_amount_gets_a_question(drafter):
    out = drafter.draft("欠席が多い")
    assert not out.ok and "どのくらい" in out.questions[0]


def test_bare_number_gets_a_question(drafter):
    out = drafter.draft("欠席が30日")
    assert not out.ok and "「30日以上」" in out.questions[0]


@pytest.mark.parametrize("text, phrase", [("欠席30日以上でゲーム依存", "ゲーム依存"), ("生活保護で夜間徘徊", "夜間徘徊")])
def test_unreadable_phrase_is_named(drafter, text, phrase):
    out = drafter.draft(text)
    assert not out.ok and out.rule is None
    assert any(p.get("phrase") == phrase and f"「{phrase}」を読み取れませんでした" in p["message"] for p in out.problems)


def test_no_item_and_unsupported_window(drafter):
    out = drafter.draft("気になる子")
    assert not out.ok and out.problems
    out = drafter.draft("今学期の欠席が30日以上")
    assert not out.ok and any(p["code"] == "unsupported_window" for p in out.problems)


def test_out_of_range_threshold_is_refused_by_the_validator(drafter):
    out = drafter.draft("給食費滞納が99か月以上")
    assert not out.ok and out.rule is None and "範囲" in out.problems[0]["message"]


def test_each_clause_keeps_its_own_window(drafter):
    c = cond(drafter.draft("過去1年間に欠席30日以上、かつ直近3か月に遅刻10日以上"))
    assert [x["aggregate"]["window_months"] for x in c["all"]] == [12, 3]


def test_items_match_whatever_way_sudachi_splits_them(drafter):
    # In context Sudachi splits 差止め as 差+止め; alone as 差す+止める: the surface key still matches.
    assert cond(drafter.draft("児童手当の差止めがある")) == {"item": "benefit.child_allowance_suspended", "op": "=", "value": True}


def test_kanji_numerals_and_full_width_digits(drafter):
    assert cond(drafter.draft("虐待通告が三回以上"))["value"] == 3
    assert cond(drafter.draft("欠席３０日以上"))["value"] == 30


def test_words_that_change_the_meaning_are_not_dropped(drafter):
    out = drafter.draft("3か月連続で欠席がある")
    assert not out.ok and any(p.get("phrase") == "連続" for p in out.problems)


def test_per_month_words_are_not_skipped(drafter):
    out = drafter.draft("月ごとの欠席が5日以上")
    assert not out.ok and any(p.get("phrase") == "ごと" for p in out.problems)


def test_comma_list_ending_in_or_is_one_disjunction(drafter):
    c = cond(drafter.draft("生活保護、児童扶養手当又は就学援助"))
    assert [x["item"] for x in c["any"]] == ["welfare.public_assistance", "benefit.child_rearing_allowance", "school.school_aid"]
    # A clause with its own verb before the comma stays a conjunction.
    c = cond(drafter.draft("ひとり親世帯で欠席30日以上あり、生活保護又は就学援助"))
    assert "all" in c and [x["item"] for x in c["all"][-1]["any"]] == ["welfare.public_assistance", "school.school_aid"]


def test_negative_items_absorb_their_negation(drafter):
    # 「未接種」 is the item: 「受けていない」 after 「予防接種」 is its meaning, not a negation of it.
    c = cond(drafter.draft("3歳未満で予防接種を2件以上受けていない"))
    assert c == {"item": "health.vaccination_missed", "op": ">=", "value": 2}
    out = drafter.draft("予防接種を受けている")
    assert not out.ok and "していないこと" in out.questions[0]


def test_past_state_of_an_attribute_is_refused(drafter):
    out = drafter.draft("過去に生活保護を受けていた世帯")
    assert not out.ok and out.problems[0]["code"] == "past_state" and "基準日時点" in out.problems[0]["message"]
    # Events are records of the past: 「あった」 is fine.
    assert drafter.draft("虐待通告があった").ok


def test_generic_word_alone_does_not_pick_an_item(drafter):
    out = drafter.draft("就学援助の申請をしていない")
    assert not out.ok and any(p.get("phrase") == "申請" for p in out.problems)


def test_tendency_words_ask_for_a_number(drafter):
    out = drafter.draft("学校を休みがちな子")
    assert not out.ok and "どのくらい" in out.questions[0]


def test_ka_between_amounts_is_or(drafter):
    c = cond(drafter.draft("欠席30日以上か遅刻30日以上"))
    assert [x["item"] for x in c["any"]] == ["school.absence_days", "school.late_days"]


def test_difficulty_words(drafter):
    out = drafter.draft("中学生の不登校（30日以上欠席）")
    assert out.ok and out.rule.difficulties == ["不登校"]
    out = drafter.draft("ヤングケアラーとして要介護の家族がいる")
    assert out.ok and out.rule.difficulties == ["ヤングケアラー"] and out.rule.side == "welfare"


def test_ages_of_the_child_and_of_the_guardian(drafter):
    out = drafter.draft("年齢が10歳以上で欠席30日以上")
    assert out.ok and out.rule.population.age_min == 10
    assert cond(drafter.draft("母親が20歳未満")) == {"item": "resident.guardian_age", "op": "<", "value": 20}
