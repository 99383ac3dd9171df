"""Conversations with the offline drafter: follow-up edits, questions, state round trip; the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from api.cli import app
from rulegen.conversation import Conversation
from rulegen.drafting import make_drafter
from rulegen.prompts import load_prompts
from rulegen.settings import DraftingSettings
from rulegen.validation import validate


@pytest.fixture()
def conv(catalog):
    return Conversation(make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog))


def leaf_items(condition):
    if "item" in condition:
        return [condition["item"]]
    if "not" in condition:
        return leaf_items(condition["not"])
    key = "all" if "all" in condition else "any"
    return [i for c in condition[key] for i in leaf_items(c)]


def test_edits_turn_by_turn(conv):
    assert conv.send("過去1年間に欠席30日以上で生活保護を受けている小学生に5点").ok
    out = conv.send("窓を2年にして")
    assert out.ok and out.rule.condition.all[0].aggregate.window_months == 24
    out = conv.send("中学生だけに")
    assert out.rule.population.school_stages == ["junior_high"]
    out = conv.send("点数を7点に")
    assert out.rule.points == 7
    out = conv.send("生活保護の条件を外して")
    assert out.ok and leaf_items(out.rule.model_dump(mode="json", by_alias=True)["condition"]) == ["school.absence_days"]
    assert out.rule.side == "education"
    out = conv.send("欠席を20日以上に")
    assert out.rule.condition.value == 20
    out = conv.send("さらに就学援助を受けている")
    assert out.ok and leaf_items(out.rule.model_dump(mode="json", by_alias=True)["condition"]) == ["school.absence_days", "school.school_aid"]
    assert [v.order for v in conv.versions] == [1, 2, 3, 4, 5, 6, 7]
    assert conv.versions[2].source_text == "中学生だけに"
    assert all(v.drafter == "offline" and v.prompt_version == "offline-v1" for v in conv.versions)


def test_a_question_keeps_the_current_version(conv):
    conv.send("欠席30日以上")
    out = conv.send("手当を受けている")
    assert not out.ok and out.questions
    assert len(conv.versions) == 1 and conv.turns[-1].questions == out.questions


def test_removing_the_only_condition_is_refused(conv):
    conv.send("生活保護世帯")
    out = conv.send("生活保護の条件を外して")
    assert not out.ok and "何も残りません" in out.problems[0]["message"]


def test_state_round_trips_through_json(conv, catalog):
    conv.send("欠席30日以上")
    conv.send("窓を6か月にして")
    state = json.loads(json.dumps(conv.to_dict(), ensure_ascii=False))
    again = Conversation.from_dict(state, make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog))
    assert again.to_dict() == conv.to_dict()
    out = again.send("点数を3点に")
    assert out.ok and out.rule.points == 3 and out.rule.condition.aggregate.window_months == 6


def test_prompt_examples_pass_the_validator(catalog):
    prompts = load_prompts("v1")
    assert prompts.version == "drafting-v1" and "<staff_text>" in prompts.system
    for example in prompts.examples:
        report = validate(example["rule"], catalog)
        assert report.ok, (example["text"], report.errors)


def test_cli_draft_offline():
    runner = CliRunner()
    result = runner.invoke(app, ["draft", "過去1年間に欠席30日以上の小学生に5点", "--llm", "offline"])
    assert result.exit_code == 0, result.output
    assert '"school.absence_days"' in result.output and "読み取った内容" in result.output
    result = runner.invoke(app, ["draft", "手当を受けている", "--llm", "offline"])
    assert result.exit_code == 1 and "確認したいこと" in result.output
    result = runner.invoke(app, ["draft", "年間欠席30日以上", "--llm", "offline", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["rule"]["points"] == 10


def test_an_answer_is_read_back_into_the_question(conv):
    out = conv.send("手当を受けていて欠席30日以上")
    assert not out.ok and "「手当」" in out.questions[0]
    out = conv.send("児童扶養手当")
    assert out.ok
    assert [c.item for c in out.rule.condition.all] == ["benefit.child_rearing_allowance", "school.absence_days"]
    assert conv.versions[-1].source_text == "児童扶養手当を受けていて欠席30日以上"
    out = conv.send("さらに保健室来室が多い")
    assert not out.ok and "どのくらい" in out.questions[0]
    out = conv.send("5回以上")
    assert out.ok and out.rule.condition.all[-1].value == 5 and out.rule.condition.all[-1].item == "school.nurse_visits"


def test_a_bare_number_answered_with_a_comparison(conv):
    assert not conv.send("欠席が30日").ok
    out = conv.send("以上")
    assert out.ok and out.rule.condition.op == ">=" and out.rule.condition.value == 30


def test_new_value_keeps_the_comparison(conv):
    conv.send("欠席が30日以上")
    out = conv.send("欠席を20日に")
    assert out.ok and (out.rule.condition.op, out.rule.condition.value) == (">=", 20)
