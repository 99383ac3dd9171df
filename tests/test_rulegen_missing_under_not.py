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


# -- every drafter's outcome (the LLM drafter and the cross-checked one too), against the scripted server --

NOT_AIDED = "就学援助を受けていない中学生"
# What the offline drafter reads in NOT_AIDED, as a model would write it (id and description are ours).
NOT_AIDED_RULE = {
    "id": "model-id", "title": "就学援助なしの中学生", "difficulties": ["貧困"], "side": "education",
    "population": {"school_stages": ["junior_high"]},
    "condition": {"not": {"item": "school.school_aid", "op": "=", "value": True}},
    "when_missing": "not_met", "points": 10, "explanation": "就学援助 {school.school_aid}",
}
KNOWN_ONLY = {"item": "school.school_aid", "op": "=", "value": False}


@pytest.fixture(scope="module")
def guard():
    from api.commands.drafting import PiiTextGuard

    return PiiTextGuard()


def _llm_drafter(server, guard, **overrides):
    values = {"provider": "openai", "base_url": server.base_url, "model": "fake-model", "api_key": "test-key",
              "timeout_s": 5, **overrides}
    return make_drafter(DraftingSettings(**values), guard=guard, catalog=CAT)


def _stated_once(out) -> dict:
    """The note is in the reading once, the choice is offered once; the choice it is."""
    assert out.reading_ja.count("抽出データに無い") == 1, out.reading_ja
    assert out.reading_ja.count(f"「{LABEL}」を選んでください") == 1
    picks = [c for c in out.choices if c["label"] == LABEL]
    assert len(picks) == 1 and picks[0]["question_index"] == -1
    assert sum(a["label"] == LABEL for a in out.alternatives) == 1
    return picks[0]


def _click(drafter, text, server):
    """Draft ``text`` in a conversation, click the known-only choice: the version it makes, without a request."""
    conv = Conversation(drafter)
    first = conv.send(text)
    sent = len(server.requests)
    second = conv.send(_stated_once(first)["reply"])
    assert len(server.requests) == sent  # picked among the alternatives: no drafter is asked again
    assert second.ok and len(conv.versions) == 1 + first.ok and conv.versions[-1].source_text == text
    return first, second, conv.versions[-1]


def test_the_llm_drafter_states_it_and_offers_the_other_reading(guard):
    import json

    from fake_openai_server import FakeOpenAI, reply

    with FakeOpenAI([reply(json.dumps(NOT_AIDED_RULE, ensure_ascii=False))]) as server:
        first, second, version = _click(_llm_drafter(server, guard, cross_check=False), NOT_AIDED, server)
    assert first.ok and first.rule_json()["condition"] == NOT_AIDED_RULE["condition"]
    assert "記録がないこどもにも当てはまります" in first.reading_ja
    assert second.rule_json()["condition"] == KNOWN_ONLY
    # The other reading is the LLM draft's, one comparison changed: its provenance stays the LLM's.
    assert (version.drafter, version.model, version.prompt_version) == ("llm", "fake-model", first.prompt_version)
    assert first.prompt_version and first.prompt_version.startswith("drafting-")


def test_the_cross_checked_drafter_states_it_once_when_the_readings_agree(guard):
    import json

    from fake_openai_server import FakeOpenAI, reply

    with FakeOpenAI([reply(json.dumps(NOT_AIDED_RULE, ensure_ascii=False))]) as server:
        first, second, version = _click(_llm_drafter(server, guard), NOT_AIDED, server)
    assert "組み込みの読み取りとも一致しました" in first.reading_ja
    assert len(first.alternatives) == 1  # the LLM's and the offline outcome would each have offered one
    assert second.rule_json()["condition"] == KNOWN_ONLY and version.drafter == "llm"


def test_the_cross_checked_drafter_offers_it_with_the_offline_reading_when_the_llm_fails(guard):
    from fake_openai_server import FakeOpenAI, reply

    with FakeOpenAI([reply("junk")] * 3) as server:
        first, second, version = _click(_llm_drafter(server, guard), NOT_AIDED, server)
    assert not first.ok and first.problems[0]["code"] == "draft_failed"
    assert [a["drafter"] for a in first.alternatives] == ["offline", "offline"]
    # The offline reading itself stays one click away, and says nothing about a choice it does not carry.
    use_offline = next(c for c in first.choices if c["alternative"] == 0)
    assert "を使う" in use_offline["label"] and "抽出データに無い" not in first.alternatives[0]["reading_ja"]
    assert second.rule_json()["condition"] == KNOWN_ONLY and version.drafter == "offline"


def test_the_cross_checked_drafter_states_it_when_only_the_llm_reads_the_text(guard):
    import json

    from fake_openai_server import FakeOpenAI, reply

    text = "就学援助を受けていない子で欠席が多い"  # the offline drafter asks how many days
    doc = {**NOT_AIDED_RULE, "population": None, "condition": {"all": [
        NOT_AIDED_RULE["condition"],
        {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}]}}
    del doc["population"]
    with FakeOpenAI([reply(json.dumps(doc, ensure_ascii=False))]) as server:
        first, second, _ = _click(_llm_drafter(server, guard), text, server)
    assert "AIの読み方だけを示しています" in first.reading_ja
    assert second.rule_json()["condition"]["all"][0] == KNOWN_ONLY


def test_the_llm_drafter_says_nothing_without_a_negation(guard):
    import json

    from fake_openai_server import FakeOpenAI, reply

    doc = {**NOT_AIDED_RULE, "condition": {"item": "school.school_aid", "op": "=", "value": True}}
    with FakeOpenAI([reply(json.dumps(doc, ensure_ascii=False))]) as server:
        out = _llm_drafter(server, guard, cross_check=False).draft("就学援助を受けている中学生")
    assert out.ok and "抽出データに無い" not in out.reading_ja and not out.alternatives and not out.choices


def test_a_reading_picked_among_two_that_disagree_states_it_and_offers_the_other_reading(guard):
    import json

    from fake_openai_server import FakeOpenAI, reply

    # The LLM reads the stage as 小学生: the two readings disagree and each is one click away.
    doc = {**NOT_AIDED_RULE, "population": {"school_stages": ["elementary"]}}
    with FakeOpenAI([reply(json.dumps(doc, ensure_ascii=False))]) as server:
        drafter = _llm_drafter(server, guard)
        conv = Conversation(drafter)
        first = conv.send(NOT_AIDED)
        pick = next(c for c in first.choices if "alternative" in c and first.alternatives[c["alternative"]]["drafter"] == "offline"
                    and first.alternatives[c["alternative"]]["label"] != LABEL)
        sent = len(server.requests)
        picked = conv.send(pick["reply"])
        assert picked.ok and picked.rule_json()["population"] == {"school_stages": ["junior_high"]}
        known = conv.send(_stated_once(picked)["reply"])
        assert len(server.requests) == sent  # both clicks pick among alternatives: no drafter is asked again
    assert known.ok and known.rule_json()["condition"] == KNOWN_ONLY
    assert known.rule_json()["population"] == {"school_stages": ["junior_high"]}
