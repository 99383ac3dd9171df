"""The drafting chat's pieces below the browser: the top-N comparison (engine.preview's public, cached API)
and the offline drafter's question on the acceptance sentence (issue 12, items 15 and 17)."""

from __future__ import annotations

import datetime as dt
import os
import time

from martbuilder import build_mart

from engine import preview as pv
from engine.rules.model import Rule, Ruleset
from engine.runner import run_ruleset
from rulegen.conversation import Conversation
from rulegen.drafting import OfflineDrafter
from rulegen.settings import DraftingSettings

REF = dt.date(2025, 11, 1)
ACCEPTANCE = "小学生で直近半年に欠席が20日を超え、就学援助を受けている家庭の子は8点"


def _rule(id: str, item: str, points: int) -> dict:
    return {"id": id, "title": id, "difficulties": ["貧困"], "side": "education", "when_missing": "not_met",
            "points": points, "explanation": "x", "condition": {"item": item, "op": "=", "value": True}}


def _mart(tmp_path, catalog):
    children = [{"child_id": f"c{i:03d}", "household_id": None, "birth_month": dt.date(2016, 5, 1),
                 "school.school_aid": i % 2 == 0, "child.yotaikyo_past": i % 3 == 0} for i in range(90)]
    return build_mart(tmp_path / "m.duckdb", catalog, children=children)


def _baseline() -> Ruleset:
    return Ruleset.model_validate({"id": "base", "title": "公開中", "rules": [_rule("aid", "school.school_aid", 3)],
                                   "extraction": {"top_n": 30}})


def test_top_set_is_the_runs_main_list(tmp_path, catalog):
    mart = _mart(tmp_path, catalog)
    rs = pv.as_ruleset(Rule.model_validate(_rule("past", "child.yotaikyo_past", 5)), _baseline())
    assert [r.id for r in rs.rules] == ["aid", "past"]
    main_only = rs.model_copy(update={"extraction": rs.extraction.model_copy(update={"top_n": 20, "one_side_extra": []})})
    expected = {c.pseudonym for c in run_ruleset(mart, main_only, catalog, REF, top_n=20).children}
    assert pv.top_set(mart, rs, catalog, REF, 20) == expected and len(expected) == 20


def test_top_n_change_reuses_the_baseline_top_set_per_mart_version(tmp_path, catalog, monkeypatch):
    mart = _mart(tmp_path, catalog)
    time.sleep(3.1)  # a file written in the last seconds is never cached (engine.runner._file_version)
    calls: list[str] = []
    real = pv.top_set

    def counting(mart_path, rs, catalog, as_of, top_n):
        calls.append(rs.id)
        return real(mart_path, rs, catalog, as_of, top_n)

    monkeypatch.setattr(pv, "top_set", counting)
    base = _baseline()
    draft = Rule.model_validate(_rule("past", "child.yotaikyo_past", 5))
    first = pv.top_n_change(mart, draft, base, catalog, REF, 30)
    second = pv.top_n_change(mart, draft.model_copy(update={"points": 1}), base, catalog, REF, 30)
    assert calls == ["base-preview", "base", "base-preview"]  # the baseline once, each draft every time
    # 45 with school aid (3 points) + 30 in the 要対協 history (5 points); top 30 of the baseline: aid only.
    old = real(mart, base, catalog, REF, 30)
    new = real(mart, pv.as_ruleset(draft, base), catalog, REF, 30)
    assert first["entering"] == len(new - old) and first["leaving"] == len(old - new) and first["staying"] == len(new & old)
    assert first["entering"] + first["staying"] == 30 and second["label"] == "上位30名の入れ替わり"
    # a new file version of the mart (any write) means computing the baseline again
    os.utime(mart, None)
    time.sleep(3.1)
    pv.top_n_change(mart, draft, base, catalog, REF, 30)
    assert calls[-2:] == ["base-preview", "base"]
    # the engine's own preview reports the same figures
    assert pv.preview(mart, draft, catalog, REF, baseline=base, top_n=30).top_n_change == first


def test_acceptance_sentence_gets_a_question_about_the_difficulty_type(catalog):
    drafter = OfflineDrafter(DraftingSettings(), catalog)
    conv = Conversation(drafter)
    out = conv.send(ACCEPTANCE)
    assert out.ok and out.rule is not None and out.rule.points == 8
    assert len(out.questions) == 1 and "困難の種類" in out.questions[0] and "就学援助" in out.questions[0]
    assert [c["label"] for c in out.choices] == ["不登校", "貧困", "不登校と貧困の両方"]
    # a click sends the choice's reply: a follow-up edit making version 2 with the chosen type
    out = conv.send(next(c["reply"] for c in out.choices if c["label"] == "貧困"))
    assert out.ok and out.rule.difficulties == ["貧困"] and len(conv.versions) == 2 and not out.questions
    # the condition is unchanged by the answer
    assert conv.versions[0].rule["condition"] == conv.versions[1].rule["condition"]
    # a typed answer (the bare type, or both) works too; an unknown type is refused in Japanese
    assert conv.send("不登校と貧困の両方").rule.difficulties == ["不登校", "貧困"]
    bad = conv.send("困難の種類を病気にして")
    assert not bad.ok and "困難の種類にありません" in bad.problems[0]["message"]


def test_no_difficulty_question_when_the_items_agree_or_the_text_names_it(catalog):
    drafter = OfflineDrafter(DraftingSettings(), catalog)
    assert drafter.draft("過去1年間に欠席が30日以上ある小学生に5点").questions == []
    named = drafter.draft("貧困の観点で、小学生で直近半年に欠席が20日を超え、就学援助を受けている家庭の子は8点")
    assert named.ok and named.questions == [] and named.rule.difficulties == ["貧困"]


def test_rule_preview_is_remembered_per_mart_version_and_rule(tmp_path, catalog, monkeypatch):
    mart = _mart(tmp_path, catalog)
    time.sleep(3.1)
    calls: list[str] = []
    real = pv.preview

    def counting(*args, **kwargs):
        calls.append(args[1].id)
        return real(*args, **kwargs)

    monkeypatch.setattr(pv, "preview", counting)
    base = _baseline()
    draft = Rule.model_validate(_rule("past", "child.yotaikyo_past", 5))
    first = pv.rule_preview(mart, draft, catalog, REF, baseline=base, top_n=30)
    assert first["rules"][0]["rule_id"] == "past" and first["rules"][0]["total"] == 30
    assert first["top_n_change"] == pv.top_n_change(mart, draft, base, catalog, REF, 30)
    first["rules"].clear()  # a caller changing its copy changes nothing remembered
    again = pv.rule_preview(mart, draft, catalog, REF, baseline=base, top_n=30)
    assert calls == ["past"] and again["rules"][0]["total"] == 30
    other = pv.rule_preview(mart, draft.model_copy(update={"points": 2}), catalog, REF, baseline=base, top_n=30)
    assert calls == ["past", "past"] and other["top_n_change"]["top_n"] == 30
    os.utime(mart, None)  # a new file version
    time.sleep(3.1)
    pv.rule_preview(mart, draft, catalog, REF, baseline=base, top_n=30)
    assert calls == ["past", "past", "past"]
