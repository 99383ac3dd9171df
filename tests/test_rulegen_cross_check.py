"""Two readings when an LLM is configured (issue 14, item 5): the LLM draft against the offline parse.

Real langchain-openai client against the scripted local server (tests/fake_openai_server.py); the
offline drafter is the real one.
"""

from __future__ import annotations

import json

import pytest
from fake_openai_server import FakeOpenAI, error, reply
from test_rulegen_llm import ABSENCE_RULE as AGREEING
from test_rulegen_llm import TEXT, drafter_for, variant

from rulegen.conversation import Conversation
from rulegen.cross_check import LABEL_LLM, LABEL_OFFLINE, CrossCheckedDrafter
from rulegen.settings import DraftingSettings


@pytest.fixture(scope="module")
def guard():
    from api.services.text_guard import PiiTextGuard

    return PiiTextGuard()


def test_llm_is_cross_checked_by_default_and_can_be_switched_off(guard):
    with FakeOpenAI([]) as server:
        assert isinstance(drafter_for(server, guard), CrossCheckedDrafter)
        assert not isinstance(drafter_for(server, guard, cross_check=False), CrossCheckedDrafter)
    assert DraftingSettings.from_env({"TSUNAGU_LLM_CROSS_CHECK": "0"}).cross_check is False


def test_agreeing_readings_give_the_llm_draft_with_a_note(guard):
    with FakeOpenAI([reply(json.dumps(AGREEING, ensure_ascii=False))]) as server:
        out = drafter_for(server, guard).draft(TEXT)
    assert out.ok and out.drafter == "llm" and out.rule.points == 10
    assert "組み込みの読み取りとも一致しました" in out.reading_ja
    assert not out.alternatives


@pytest.mark.parametrize(
    ("llm_doc", "facet", "llm_says", "offline_says"),
    [
        (variant(points=15), "点数", "15点", "10点"),
        (variant(condition={"item": "school.absence_days", "op": ">", "value": 30,
                            "aggregate": {"fn": "sum", "window_months": 12}}), "条件", "30日 を超える", "30日 以上"),
        (variant(condition={"item": "school.absence_days", "op": ">=", "value": 30,
                            "aggregate": {"fn": "sum", "window_months": 6}}), "条件", "6か月", "1年"),
        (variant(population={"school_stages": ["junior_high"]}), "対象", "中学生", "すべてのこども"),
        (variant(when_missing="met"), "記録がない場合", "該当するとみなす", "該当しないとみなす"),
    ],
)
def test_disagreement_shows_both_readings_and_makes_no_draft(guard, llm_doc, facet, llm_says, offline_says):
    with FakeOpenAI([reply(json.dumps(llm_doc, ensure_ascii=False))]) as server:
        out = drafter_for(server, guard).draft(TEXT)
    assert not out.ok and out.rule is None
    assert out.questions and "どちらが意図に合っていますか" in out.questions[0]
    assert LABEL_LLM in out.reading_ja and LABEL_OFFLINE in out.reading_ja
    diff = next(d for d in out.differences if d["facet"] == facet)
    assert llm_says in diff["llm"] and offline_says in diff["offline"], diff
    assert [c["label"] for c in out.choices] == [f"{LABEL_LLM}にする", f"{LABEL_OFFLINE}にする"]
    assert [a["drafter"] for a in out.alternatives] == ["llm", "offline"]


@pytest.mark.parametrize("pick", [0, 1])
def test_a_click_on_a_reading_makes_it_the_next_version_without_asking_again(guard, pick):
    with FakeOpenAI([reply(json.dumps(variant(points=15), ensure_ascii=False))]) as server:
        conv = Conversation(drafter_for(server, guard))
        first = conv.send(TEXT)
        assert not first.ok and conv.current is None
        chosen = conv.send(first.choices[pick]["reply"])
        assert len(server.requests) == 1  # the choice is read by the conversation, not sent to the LLM
    assert chosen.ok and conv.current is not None
    assert conv.current.rule["points"] == (15, 10)[pick]
    assert conv.current.drafter == ("llm", "offline")[pick]
    assert conv.current.source_text == TEXT
    assert "を選びました" in conv.current.reading_ja


def test_conversation_keeps_the_alternatives_across_a_reload(guard):
    with FakeOpenAI([reply(json.dumps(variant(points=15), ensure_ascii=False))]) as server:
        drafter = drafter_for(server, guard)
        conv = Conversation(drafter)
        first = conv.send(TEXT)
        again = Conversation.from_dict(json.loads(json.dumps(conv.to_dict(), ensure_ascii=False)), drafter)
        out = again.send(first.choices[1]["reply"])
    assert out.ok and again.current.rule["points"] == 10


def test_llm_failure_offers_the_offline_reading(guard):
    with FakeOpenAI([error(500)] * 3) as server:
        conv = Conversation(drafter_for(server, guard, max_repairs=0))
        out = conv.send(TEXT)
        assert not out.ok and out.problems  # the LLM's failure is reported, not hidden
        offered = [c for c in out.choices if "alternative" in c]
        assert offered and offered[0]["label"] == f"{LABEL_OFFLINE}を使う"
        picked = conv.send(offered[0]["reply"])
    assert picked.ok and conv.current.drafter == "offline"


def test_offline_question_is_stated_when_only_the_llm_reads_the_text(guard):
    doc = variant(condition={"item": "school.absence_days", "op": ">=", "value": 30,
                             "aggregate": {"fn": "sum", "window_months": 12}})
    vague = "欠席が多い子"  # the offline parser asks how many
    with FakeOpenAI([reply(json.dumps(doc, ensure_ascii=False))]) as server:
        out = drafter_for(server, guard).draft(vague)
    assert out.ok and "AIの読み方だけを示しています" in out.reading_ja


def test_pii_is_sent_to_no_drafter(guard):
    with FakeOpenAI([reply(json.dumps(AGREEING, ensure_ascii=False))]) as server:
        out = drafter_for(server, guard).draft("山田太郎くん(090-1234-5678)のように欠席が30日以上の子")
        assert out.blocked_by_guard and not out.ok
        assert server.requests == []
