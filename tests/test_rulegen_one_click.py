"""Issue 14, item 8: every question of the offline drafter has one-click answers, and the right one, sent as
the next chat turn (as the UI's buttons do), gives the intended rule without retyping. Cases from the dev sets."""

from __future__ import annotations

import pytest

from engine.rules.validation import validate_rule
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings


@pytest.fixture(scope="module")
def drafter(catalog):
    return make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog)


def _click(drafter, text: str, label_part: str):
    conv = Conversation(drafter)
    first = conv.send(text)
    assert not first.ok and first.questions, text
    choice = next((c for c in first.choices if label_part in c["label"]), None)
    assert choice is not None, [c["label"] for c in first.choices]
    assert 0 <= choice["question_index"] < len(first.questions)
    return conv.send(choice["reply"]), choice


def _leaf(rule):
    return rule.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"]


def test_typo_offers_the_close_item(drafter, catalog):
    out, _ = _click(drafter, "直近1年で欠積が２５日以上の小学生", "欠席日数")
    assert out.ok and validate_rule(out.rule, catalog).ok
    leaf = _leaf(out.rule)
    assert (leaf["item"], leaf["op"], leaf["value"], leaf["aggregate"]["window_months"]) == ("school.absence_days", ">=", 25, 12)
    assert out.rule.population.school_stages == ["elementary"]


def test_unread_word_can_be_left_out_and_the_reading_says_so(drafter):
    out, choice = _click(drafter, "ぴよぴよ生活保護世帯の小学生", "除いて読む")
    assert "「ぴよぴよ」" in choice["label"]
    assert out.ok and _leaf(out.rule) == {"item": "welfare.public_assistance", "op": "=", "value": True}
    assert "「ぴよぴよ」は読み取れなかったため、除いて読みました" in out.reading_ja


def test_an_aside_in_brackets_can_be_left_out(drafter):
    out, choice = _click(drafter, "生活保護世帯で、遅刻が直近半年で10日以上（ぴよぴよ案件）", "(ぴよぴよ案件)")
    assert out.ok and "除いて読みました" in out.reading_ja
    items = sorted(c["item"] for c in _leaf(out.rule)["all"])
    assert items == ["school.late_days", "welfare.public_assistance"]


def test_typo_in_an_item_word_offers_the_item(drafter):
    out, _ = _click(drafter, "遅国が直近1年で10日以上", "遅刻日数")
    assert out.ok
    leaf = _leaf(out.rule)
    assert (leaf["item"], leaf["op"], leaf["value"], leaf["aggregate"]["window_months"]) == ("school.late_days", ">=", 10, 12)


def test_number_without_item_offers_the_items_counted_in_its_unit(drafter):
    first = drafter.draft("子どもが4人以上いる世帯")
    assert {c["label"] for c in first.choices} >= {"きょうだい数", "世帯人員数"}
    out, _ = _click(drafter, "子どもが4人以上いる世帯", "きょうだい数")
    assert out.ok and _leaf(out.rule) == {"item": "resident.siblings", "op": ">=", "value": 4}


def test_low_vague_word_offers_thresholds_below(drafter):
    out, choice = _click(drafter, "親の年齢が低い家庭で、ひとり親", "20歳未満")
    assert out.ok
    leaves = _leaf(out.rule)["all"]
    assert {"item": "resident.guardian_age", "op": "<", "value": 20} in leaves


def test_item_threshold_question_offers_typical_values(drafter):
    first = drafter.draft("多子世帯のこども")
    assert first.choices and all("きょうだい数" in c["reply"] for c in first.choices)
    out, _ = _click(drafter, "多子世帯のこども", "3人以上")
    assert out.ok and _leaf(out.rule) == {"item": "resident.siblings", "op": ">=", "value": 3}


def test_difficulty_word_alone_says_why_and_offers_its_items(drafter):
    first = drafter.draft("不登校の子")
    assert "データ項目ではない" in first.questions[0]
    out, _ = _click(drafter, "不登校の子", "欠席日数")
    assert out.ok and _leaf(out.rule)["item"] == "school.absence_days" and out.rule.difficulties == ["不登校"]


@pytest.mark.parametrize("text", [
    "直近1年で欠積が２５日以上の小学生",
    "保険室の来室が直近半年で8回以上（保健室です）",
    "遅国が直近1年で10日以上",
    "修学援助を受けていて欠積が10日以上",
    "ぴよぴよ生活保護世帯のもふもふ小学生",
    "若いお母さんの家庭",
    "欠席が多い中学生をリストアップしたい",
    "要対協に関わっている子",
    "家庭訪問で会えなかった子",
])
def test_every_choice_gives_a_rule_or_a_narrower_question(drafter, catalog, text):
    first = drafter.draft(text)
    assert not first.ok and first.questions and first.choices
    asked = set(first.questions) | {p["message"] for p in first.problems}
    for choice in first.choices:
        conv = Conversation(drafter)
        conv.send(text)
        out = conv.send(choice["reply"])
        if out.ok:
            assert validate_rule(out.rule, catalog).ok
            continue
        now = set(out.questions) | {p["message"] for p in out.problems}
        assert now != asked and len(now) <= len(asked), (choice, now)
        assert first.questions[choice["question_index"]] not in now, choice


def test_number_on_a_yes_no_item_can_be_left_out(drafter):
    out, choice = _click(drafter, "一時保護が2回以上ある子", "数値の条件を除く")
    assert out.ok and _leaf(out.rule) == {"item": "child.temporary_protection_history", "op": "=", "value": True}
    assert "「2回以上」を除いて読みました" in out.reading_ja


def test_past_state_offers_the_state_at_the_reference_date(drafter):
    out, _ = _click(drafter, "就学援助を受けていた子", "基準日時点")
    assert out.ok and _leaf(out.rule) == {"item": "school.school_aid", "op": "=", "value": True}


def test_two_comparisons_on_one_item_offer_each_alone(drafter):
    first = drafter.draft("今年度の欠席が10日以上（小学生）または15日以上（中学生）")
    labels = [c["label"] for c in first.choices]
    assert "「10日以上」だけを残す" in labels and "「15日以上」だけを残す" in labels


def test_several_unread_words_can_be_left_out_with_one_click(drafter):
    out, choice = _click(drafter, "ぴよぴよ生活保護世帯のもふもふ小学生", "「ぴよぴよ」「もふもふ」を除いて読む")
    assert out.ok and _leaf(out.rule) == {"item": "welfare.public_assistance", "op": "=", "value": True}
    assert out.rule.population.school_stages == ["elementary"]
    assert "「ぴよぴよ」「もふもふ」は読み取れなかったため" in out.reading_ja


def test_a_kana_word_is_not_matched_to_an_item_by_its_neighbours(drafter):
    first = drafter.draft("ぴよぴよ生活保護世帯の小学生")
    assert [c["label"] for c in first.choices] == ["「ぴよぴよ」を除いて読む"]


def test_the_note_of_a_click_survives_a_stored_conversation(drafter):
    conv = Conversation(drafter)
    first = conv.send("ぴよぴよ生活保護世帯の小学生")
    again = Conversation.from_dict(conv.to_dict(), drafter)
    out = again.send(first.choices[0]["reply"])
    assert out.ok and "除いて読みました" in out.reading_ja


def test_out_of_catalog_concept_says_why_no_rule_is_possible(drafter):
    out = drafter.draft("部活に来なくなった生徒")
    assert not out.ok
    assert any("カタログにありません" in p["message"] and "ルールにできない" in p["message"] for p in out.problems)


def test_the_first_answers_of_several_questions_together_in_one_click(drafter):
    out, choice = _click(drafter, "修学援助を受けていて欠積が10日以上", "まとめて選ぶ")
    assert out.ok
    items = sorted(c["item"] for c in _leaf(out.rule)["all"])
    assert items == ["school.absence_days", "school.school_aid"]


def test_no_bundle_where_one_answer_already_gives_a_rule(drafter):
    first = drafter.draft("遅国が直近1年で10日以上")
    assert not any("まとめて" in c["label"] for c in first.choices)
