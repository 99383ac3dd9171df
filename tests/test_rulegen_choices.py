"""Every question of the offline drafter comes with clickable answers, and clicking leads to a valid rule."""

from __future__ import annotations

import pytest

from engine.rules.validation import validate_rule
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.settings import DraftingSettings

ASKING = [
    "欠席が多い小学生",
    "欠席が30日の中学生",
    "遅刻がちな中学生",
    "保険室来室が多い",
]


@pytest.fixture(scope="module")
def drafter(catalog):
    return make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog)


@pytest.mark.parametrize("text", ASKING)
def test_each_choice_answers_its_question(drafter, catalog, text):
    first = drafter.draft(text)
    assert not first.ok and first.questions, text
    assert first.choices, f"no clickable answers for {first.questions}"
    assert "choices" in first.to_dict()
    for choice in first.choices:
        assert {"question_index", "label", "reply"} <= set(choice) <= {"question_index", "label", "reply", "note"}
        assert 0 <= choice["question_index"] < len(first.questions)
        conv = Conversation(drafter)
        conv.send(text)
        out = conv.send(choice["reply"])
        for _ in range(3):  # a later question (if any) is answered by its first choice
            if out.ok:
                break
            assert out.choices, (choice, out.questions)
            out = conv.send(out.choices[0]["reply"])
        assert out.ok and out.rule is not None, (choice, out.questions, out.problems)
        assert validate_rule(out.rule, catalog).ok
        assert conv.to_dict()["turns"][1]["choices"] == first.choices


def test_default_window_is_an_assumption_to_confirm(drafter):
    out = drafter.draft("児童相談所への相談がある")
    assert out.ok and "仮定" in out.reading_ja
    labels = [c["label"] for c in out.choices]
    assert "記録全体で数える" in labels and all(c["question_index"] == -1 for c in out.choices)
    whole = next(c for c in out.choices if c["label"] == "記録全体で数える")
    again = drafter.draft(whole["reply"])
    assert again.ok and again.rule is not None
    assert again.rule.condition.aggregate.whole_record is True  # type: ignore[union-attr]
