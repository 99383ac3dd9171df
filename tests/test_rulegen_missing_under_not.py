"""A negated attribute comparison includes children with no record: the draft says so and offers, with one
click, the reading that keeps only children recorded as "not" (rulegen/missing_under_not.py, issue 14)."""

from __future__ import annotations

import pytest

from engine.catalog import default_catalog
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.missing_under_not import LABEL, known_only
from rulegen.settings import DraftingSettings

CAT = default_catalog()


@pytest.fixture(scope="module")
def drafter():
    return make_drafter(DraftingSettings(provider="offline"), catalog=CAT)


def test_opposite_comparisons_for_known_values():
    cond = {"all": [{"not": {"item": "welfare.public_assistance", "op": "=", "value": True}},
                    {"not": {"item": "resident.guardian_age", "op": ">=", "value": 20}},
                    {"not": {"item": "school.absence_days", "op": ">=", "value": 30,
                             "aggregate": {"fn": "sum", "window_months": 12}}}]}
    out, items = known_only(cond, CAT)
    assert items == ["resident.guardian_age", "welfare.public_assistance"]
    assert out["all"][0] == {"item": "welfare.public_assistance", "op": "=", "value": False}
    assert out["all"][1] == {"item": "resident.guardian_age", "op": "<", "value": 20}
    assert out["all"][2] == cond["all"][2]  # a sum over no rows is never missing: unchanged
    assert known_only({"item": "welfare.public_assistance", "op": "=", "value": True}, CAT) == (
        {"item": "welfare.public_assistance", "op": "=", "value": True}, [])


def test_draft_states_it_and_one_click_gives_the_other_reading(drafter):
    text = "就学援助を受けていない中学生"
    first = drafter.draft(text)
    assert first.ok and first.rule_json()["condition"] == {"not": {"item": "school.school_aid", "op": "=", "value": True}}
    assert "記録がないこども" in first.reading_ja and "記録がないこどもにも当てはまります" in first.reading_ja
    choice = next(c for c in first.choices if c["label"] == LABEL)
    assert choice["question_index"] == -1  # an assumption of a valid draft, not a question
    conv = Conversation(drafter)
    conv.send(text)
    second = conv.send(choice["reply"])
    assert second.ok and second.rule_json()["condition"] == {"item": "school.school_aid", "op": "=", "value": False}
    assert len(conv.versions) == 2 and conv.versions[-1].source_text == text


def test_no_note_without_a_negation(drafter):
    out = drafter.draft("就学援助を受けている中学生")
    assert out.ok and "記録がないこども" not in out.reading_ja and all(c["label"] != LABEL for c in out.choices)
