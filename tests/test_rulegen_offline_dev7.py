"""Pins from dev set 7 (quick chat fragments of 子ども家庭センター staff): general readings of colloquial phrasing."""

from __future__ import annotations

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import item_ids, leaves


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, ask_unstated_scope=False)


@pytest.mark.parametrize("text", ["生保の小学生って出せる？", "生保の小学生 出して", "生保の小学生を抽出してもらえますか", "生保の小学生いる？"])
def test_request_endings_are_no_condition(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == ["welfare.public_assistance"]
    assert r.rule["population"] == {"school_stages": ["elementary"]}


@pytest.mark.parametrize(("text", "item"), [
    ("児扶もらってる世帯の中学生", "benefit.child_rearing_allowance"),
    ("乳健未受診歴ある子", "health.checkup_missed"),
    ("児手差止めの家", "benefit.child_allowance_suspended"),
    ("学テ下位層の小学生", "school.academic_low"),
    ("学力下位の中学生", "school.academic_low"),
    ("要対協終結ケースの子", "child.yotaikyo_past"),
])
def test_jargon_abbreviations_name_their_item(parser, text, item):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == [item]


@pytest.mark.parametrize("text", ["乳健未受診歴ある子", "DV相談の記録ある子", "一時保護されたことある子", "あざの確認で保健室来たことある子"])
def test_colloquial_record_words_are_whole_record(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    aggs = [c["aggregate"] for c in leaves(r.rule["condition"]) if "aggregate" in c]
    assert all(a.get("whole_record") for a in aggs)


@pytest.mark.parametrize(("text", "joint"), [
    ("生保・児扶・就援どれか当てはまる子", "any"),
    ("・DV相談歴\n・通告歴\nどっちかある未就学児", "any"),
    ("生保と就援と給食費滞納 全部当てはまる子", "all"),
    ("・ひとり親\n・就援\n・欠席 直近3か月10日以上\n全部満たす子", "all"),
])
def test_colloquial_any_and_all(parser, text, joint):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert joint in r.rule["condition"] and len(r.rule["condition"][joint]) >= 2


@pytest.mark.parametrize("text", ["EPDS13点以上 0歳", "0歳で全戸訪問会えてない子", "22週以降の届出で0歳の子"])
def test_an_age_without_comparison_is_that_age(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert r.rule["population"].get("age_max") == 0 and r.rule["population"].get("age_min", 0) == 0


def test_an_age_in_a_checkup_name_is_no_population(parser):
    r = parser.parse("3歳の健診を受けていない子")
    assert not (r.rule or {}).get("population")


@pytest.mark.parametrize("text", ["遅刻と欠席合わせて直近1か月10日以上", "欠席と遅刻を合わせて直近3か月で20日以上"])
def test_a_total_over_two_items_is_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and r.questions


@pytest.mark.parametrize("text", ["不登校で就援の子", "貧困かつ欠席が30日以上の子"])
def test_a_difficulty_type_joined_to_a_condition_is_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and r.questions


def test_a_difficulty_type_stated_as_such_stays_the_type(parser):
    r = parser.parse("不登校の観点で欠席日数が30日以上で就援の子")
    assert r.rule is not None, (r.questions, r.problems)
    assert r.rule["difficulties"] == ["不登校"]


def test_an_example_word_inside_an_item_phrase_is_asked(parser):
    r = parser.parse("税金とか滞納してる世帯の子")
    assert r.rule is None and r.questions
    r2 = parser.parse("本人が療育手帳とか障害者手帳持ってる子")  # two names of one item
    assert r2.rule is not None, (r2.questions, r2.problems)


def test_a_narrower_name_restricted_with_only_is_asked(parser):
    r = parser.parse("父子家庭の子だけ出せる？")
    assert r.rule is None and r.questions
    assert parser.parse("母子家庭かつ就学援助").rule is not None


def test_the_childs_own_word_picks_the_childs_item(parser):
    r = parser.parse("親が障害者手帳持ってて本人も手帳ある子")
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == ["disability.child_certificate", "disability.guardian_certificate"]


def test_a_code_label_after_its_item_with_about(parser):
    r = parser.parse("教育相談 いじめの件で今年度あった子")
    assert r.rule is not None, (r.questions, r.problems)
    (leaf,) = leaves(r.rule["condition"])
    assert leaf["item"] == "school.education_consultations"
    assert leaf["aggregate"]["value_filter"] == {"op": "=", "value": "2"}


def test_mama_is_a_guardian_word(parser):
    r = parser.parse("EPDS９点以上のママの子いる？")
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == ["health.epds_score"]


@pytest.fixture(scope="module")
def dated_parser(catalog):
    import datetime as dt

    return OfflineParser(catalog, today=lambda: dt.date(2026, 11, 1), ask_unstated_scope=False)


@pytest.mark.parametrize(("text", "period"), [
    ("9月以降 欠席10日以上", {"start": "2026-09-01"}),
    ("8月から10月の欠席合計15日以上", {"start": "2026-08-01", "end": "2026-10-31"}),
    ("今年に入ってから保健室20回以上来てる子", {"start": "2026-01-01"}),
    ("先月の欠席が10日以上", {"start": "2026-10-01", "end": "2026-10-31"}),
])
def test_months_without_a_year_are_the_latest_such_months(dated_parser, text, period):
    r = dated_parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    (leaf,) = leaves(r.rule["condition"])
    assert leaf["aggregate"]["period"] == period
    assert any("固定の期間" in n for n in r.notes)


def test_a_stage_word_after_another_items_name_is_the_population(parser):
    r = parser.parse("児童手当差し止めになってる家の乳幼児")
    assert r.rule is not None, (r.questions, r.problems)
    assert r.rule["population"] == {"school_stages": ["preschool"]}


def test_colloquial_past_negation_on_a_not_done_item(parser):
    r = parser.parse("4か月健診来てなかった子")
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == ["health.checkup_missed"]


@pytest.mark.parametrize(("text", "bounds"), [("小5から中3で遅刻 直近3か月10日以上", [5, 9]), ("中2中3で欠席この1年30日以上", [8, 9])])
def test_grade_ranges_across_and_within_schools(parser, text, bounds):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    grade = next(c for c in leaves(r.rule["condition"]) if c["item"] == "school.grade")
    assert grade["op"] == "between" and grade["value"] == bounds


@pytest.mark.parametrize("text", ["世帯7人以上で非課税", "家族5人以上の世帯の子"])
def test_a_count_noun_before_a_number_of_its_unit(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert "resident.household_size" in item_ids(r.rule)


def test_a_word_shared_by_listed_items_after_the_list(parser):
    r = parser.parse("市税か国保どっちか滞納ある世帯")
    assert r.rule is not None, (r.questions, r.problems)
    assert "any" in r.rule["condition"] and item_ids(r.rule) == ["insurance.nhi_arrears", "tax.arrears"]


def test_a_range_of_junior_high_grades_is_read(parser):
    # formerly asked by the sanity check (two equalities on 学年 joined by かつ); now read as the range itself
    r = parser.parse("中1〜中2で欠席30日以上")
    assert r.rule is not None, (r.questions, r.problems)
    grade = next(c for c in leaves(r.rule["condition"]) if c["item"] == "school.grade")
    assert grade["value"] == [7, 8]


def test_a_record_word_after_a_label_or_item_it_repeats(parser):
    r = parser.parse("非行相談の相談歴ある中学生")
    assert r.rule is not None, (r.questions, r.problems)
    (leaf,) = leaves(r.rule["condition"])
    assert leaf["item"] == "child.consultations" and leaf["aggregate"]["value_filter"] == {"op": "=", "value": "30"}


def test_a_place_word_then_a_window_then_the_absence(parser):
    r = parser.parse("保育園 直近3か月で20日以上休んでる子")
    assert r.rule is not None, (r.questions, r.problems)
    assert item_ids(r.rule) == ["nursery.absence_days"]


@pytest.mark.parametrize("text", ["養護相談の記録がある子（虐待もその他も）", "養護相談（虐待・その他）の記録がある子"])
def test_a_label_part_after_a_head_word_is_the_heads_code(parser, text):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    (leaf,) = leaves(r.rule["condition"])
    assert leaf["aggregate"]["value_filter"] == {"op": "in", "value": ["11", "12"]}
