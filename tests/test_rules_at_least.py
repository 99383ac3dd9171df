"""k-of-n conditions (issue 14): ``{"at_least": k, "of": [...]}`` end to end: model, schema, validator, walk,
compiler = reference on a hand-checked mart, explanation, Japanese reading, UI card, offline drafting."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from martbuilder import build_mart

from engine.explain import at_least_lines, explain_child
from engine.reference import at_least_parts_met, evaluate, load_mart
from engine.rules.model import AtLeast, Rule, Ruleset, items_used
from engine.rules.schema import rule_schema
from engine.rules.validation import validate_rule
from engine.rules.walk import dotted_path, json_path, leaf_keys, replaced_at, walk
from engine.runner import run_ruleset

REF = dt.date(2025, 11, 1)
D = dt.date

ABSENCE = {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}
LUNCH = {"item": "school.lunch_fee_arrears_months", "op": ">=", "value": 3}
AID = {"item": "school.school_aid", "op": "=", "value": True}
EPDS = {"item": "health.epds_score", "op": ">=", "value": 9}  # a guardian item
THREE = {"at_least": 2, "of": [ABSENCE, LUNCH, AID]}


def _rule(condition, **kw):
    return {"id": kw.pop("id", "k"), "title": "次のうち2つ以上", "difficulties": ["不登校"], "side": "education",
            "when_missing": kw.pop("when_missing", "not_met"), "points": kw.pop("points", 5),
            "explanation": "欠席 {school.absence_days} 日", "condition": condition, **kw}


def _codes(report):
    return [(p.path, p.code) for p in report.errors + report.warnings]


# --- model, schema, walk ---------------------------------------------------------------------------


def test_the_model_reads_the_node_and_keeps_its_json_form():
    rule = Rule.model_validate(_rule(THREE))
    assert isinstance(rule.condition, AtLeast) and rule.condition.at_least == 2 and len(rule.condition.of) == 3
    assert rule.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"] == THREE
    assert items_used(rule) == {"school.absence_days", "school.lunch_fee_arrears_months", "school.school_aid"}
    # old nodes keep their meaning and form
    old = Rule.model_validate(_rule({"any": [ABSENCE, {"all": [LUNCH, {"not": AID}]}]}))
    assert old.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"] == {"any": [ABSENCE, {"all": [LUNCH, {"not": AID}]}]}


def test_the_published_schema_has_the_node():
    defs = rule_schema()["$defs"]
    node = defs["AtLeast"]
    assert node["required"] == ["at_least", "of"] and node["additionalProperties"] is False
    assert node["properties"]["at_least"]["minimum"] == 1 and node["properties"]["of"]["minItems"] == 2
    assert {"$ref": "#/$defs/AtLeast"} in defs["All"]["properties"]["all"]["items"]["anyOf"]


def test_the_walk_visits_the_parts_under_of():
    doc = {"all": [AID, {"at_least": 2, "of": [ABSENCE, {"not": LUNCH}, EPDS]}]}
    model = Rule.model_validate(_rule(doc)).condition
    as_doc = [(s.kind, s.trail) for s in walk(doc)]
    assert as_doc == [(s.kind, s.trail) for s in walk(model)]
    assert [k for k, _ in as_doc] == ["all", "comparison", "at_least", "comparison", "not", "comparison", "comparison"]
    trail = as_doc[5][1]
    assert json_path("$.condition", trail) == "$.condition.all[1].of[1].not"
    assert dotted_path("condition", trail) == "condition.all.1.of.1.not"
    new = replaced_at(doc, ("all", 1, "of", 0), AID)
    assert new["all"][1]["of"][0] == AID and doc["all"][1]["of"][0] == ABSENCE
    assert leaf_keys({"at_least": 2, "of": [AID, LUNCH, AID]}) == ["school.school_aid", "school.lunch_fee_arrears_months", "school.school_aid#2"]


# --- validator ---------------------------------------------------------------------------------------


def test_valid_and_the_same_as_any_or_all_warn(catalog):
    assert validate_rule(_rule(THREE), catalog).ok and not validate_rule(_rule(THREE), catalog).warnings
    one = validate_rule(_rule({"at_least": 1, "of": [ABSENCE, AID]}), catalog)
    assert one.ok and _codes(one) == [("$.condition.at_least", "at_least_is_any")]
    every = validate_rule(_rule({"all": [LUNCH, {"at_least": 2, "of": [ABSENCE, AID]}]}), catalog)
    assert every.ok and _codes(every) == [("$.condition.all[1].at_least", "at_least_is_all")]
    assert "「すべて」(all) と同じ" in every.warnings[0].message


@pytest.mark.parametrize("condition, path, code, words", [
    ({"at_least": 4, "of": [ABSENCE, LUNCH, AID]}, "$.condition.at_least", "at_least_too_many", "3つのうち4つ以上"),
    ({"all": [AID, {"at_least": 3, "of": [ABSENCE, LUNCH]}]}, "$.condition.all[1].at_least", "at_least_too_many", "2つのうち3つ以上"),
    ({"at_least": 0, "of": [ABSENCE, LUNCH]}, "$.condition.at_least", "at_least_too_small", "1以上"),
    ({"at_least": 1, "of": [ABSENCE]}, "$.condition.of", "at_least_of_too_short", "2つ以上必要"),
    ({"of": [ABSENCE, LUNCH]}, "$.condition.at_least", "field_required", "at_least"),
    ({"at_least": 2, "of": [ABSENCE, {"item": "school.absence_dayz", "op": ">=", "value": 1}]}, "$.condition.of[1].item", "unknown_item", "absence_dayz"),
])
def test_errors_say_what_and_where(catalog, condition, path, code, words):
    report = validate_rule(_rule(condition), catalog)
    assert not report.ok
    assert [(p.path, p.code) for p in report.errors] == [(path, code)], report.to_text()
    assert words in report.errors[0].message


# --- compiler = reference on a mart; explanation ----------------------------------------------------------


@pytest.fixture()
def mart(tmp_path, catalog):
    children = [
        # c1: absence 40 and school aid: 2 of 3
        {"child_id": "c1", "household_id": "h1", "birth_month": D(2014, 5, 1), "school.school_aid": True, "school.lunch_fee_arrears_months": 1},
        # c2: all three
        {"child_id": "c2", "household_id": "h2", "birth_month": D(2014, 5, 1), "school.school_aid": True, "school.lunch_fee_arrears_months": 4},
        # c3: only lunch arrears; school aid unknown (counts as met under when_missing: met)
        {"child_id": "c3", "household_id": "h3", "birth_month": D(2014, 5, 1), "school.lunch_fee_arrears_months": 5},
        # c4: nothing
        {"child_id": "c4", "household_id": "h3", "birth_month": D(2014, 5, 1), "school.school_aid": False},
    ]
    households = [{"household_id": h} for h in ("h1", "h2", "h3")]
    guardians = [{"guardian_id": "g1", "household_id": "h1", "health.epds_score": 12},
                 {"guardian_id": "g2", "household_id": "h3", "health.epds_score": 2}]
    events = [("school.absence_days", "c1", D(2025, 3, 1), 40), ("school.absence_days", "c2", D(2025, 6, 1), 31),
              ("school.absence_days", "c3", D(2025, 6, 1), 3)]
    return build_mart(tmp_path / "m.duckdb", catalog, children=children, households=households, guardians=guardians, events=events)


def _fired(res) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ch in res.children:
        for f in ch.fired:
            out.setdefault(f.rule_id, []).append(ch.pseudonym)
    return {k: sorted(v) for k, v in out.items()}


def test_compiler_and_reference_agree_on_a_hand_checked_mart(mart, catalog):
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "exclusions": [], "extraction": {"top_n": 100}, "rules": [
        _rule(THREE, id="two-of-three"),
        _rule(THREE, id="missing-met", when_missing="met"),
        _rule({"at_least": 3, "of": [ABSENCE, LUNCH, AID]}, id="three-of-three"),
        _rule({"not": {"at_least": 1, "of": [ABSENCE, AID]}}, id="none-of-two"),
        _rule({"at_least": 2, "of": [EPDS, AID, {"any": [LUNCH, ABSENCE]}]}, id="nested"),
    ]})
    eng = run_ruleset(mart, rs, catalog, REF, threads=1)
    ref = evaluate(load_mart(mart), rs, catalog, REF)
    want = {"two-of-three": ["c1", "c2"], "missing-met": ["c1", "c2", "c3"], "three-of-three": ["c2"],
            "none-of-two": ["c3", "c4"], "nested": ["c1", "c2"]}
    assert _fired(eng) == want
    assert {k: sorted(p for p, e in ref.evaluations.items() if any(r == k for r, _, _ in e.fired)) for k in want} == want
    for ch in eng.children:
        assert sorted((f.rule_id, json.dumps(f.values, sort_keys=True, default=str)) for f in ch.fired) == sorted(
            (r, json.dumps(v, sort_keys=True, default=str)) for r, _, v in ref.evaluations[ch.pseudonym].fired)
    # the SQL sums CASE WHEN … THEN 1 ELSE 0 END and compares with k
    from engine.compiler import compile_ruleset

    sql = compile_ruleset(rs, catalog, REF).sql_compact
    assert "CASE WHEN" in sql and "THEN 1 ELSE 0 END" in sql


def test_the_explanation_says_which_of_the_n_were_met(mart, catalog):
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "exclusions": [], "rules": [_rule(THREE, id="two-of-three"),
                                                                                        _rule(THREE, id="missing-met", when_missing="met")]})
    res = run_ruleset(mart, rs, catalog, REF, threads=1)
    by = {c.pseudonym: c for c in res.children}
    text = explain_child(by["c1"], rs, catalog)
    assert "次の3つのうち2つ以上（該当: 過去1年間の「欠席日数」の合計が 30日 以上、「就学援助」に該当する）" in text
    rule = rs.rules[1]
    c3 = next(f for f in by["c3"].fired if f.rule_id == "missing-met")
    # c3: arrears 5 and school aid unknown (met); absence 3 is not
    assert at_least_lines(rule, c3.values, catalog) == ["次の3つのうち2つ以上（該当: 「給食費滞納月数」が 3か月 以上、「就学援助」に該当する）"]
    c2 = next(f for f in by["c2"].fired if f.rule_id == "two-of-three")
    assert [met for _, met in at_least_parts_met(rule.condition, c2.values, catalog, "not_met")] == [[True, True, True]]


def test_parts_met_from_reported_guardian_values(catalog):
    rule = Rule.model_validate(_rule({"at_least": 2, "of": [EPDS, {**EPDS, "guardians": "all"}, AID]}))
    parts = at_least_parts_met(rule.condition, {"health.epds_score": [3, 12], "health.epds_score#2": [3, 12], "school.school_aid": True},
                               catalog, "not_met")
    assert parts == [(rule.condition, [True, False, True])]
    none = at_least_parts_met(rule.condition, {"health.epds_score": None, "health.epds_score#2": [], "school.school_aid": None},
                              catalog, "met")
    assert none[0][1] == [True, True, True]


def test_a_long_k_of_n_compiles_within_the_depth_limit(tmp_path, catalog):
    parts = [{"item": "resident.siblings", "op": "=", "value": i} for i in range(800)] + [{"item": "resident.siblings", "op": ">=", "value": 0}]
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "rules": [_rule({"at_least": 2, "of": parts}, explanation="e")]})
    children = [{"child_id": "c1", "household_id": "h1", "birth_month": D(2015, 5, 1), "resident.siblings": 7},
                {"child_id": "c2", "household_id": "h1", "birth_month": D(2015, 5, 1), "resident.siblings": 900}]
    m = build_mart(tmp_path / "m.duckdb", catalog, children=children, households=[{"household_id": "h1"}], guardians=[], events=[])
    assert [c.pseudonym for c in run_ruleset(m, rs, catalog, REF).children] == ["c1"]


# --- the Japanese reading and the UI card ---------------------------------------------------------------


def test_the_reading_lists_the_parts(catalog):
    from rulegen.reading import condition_ja

    rule = Rule.model_validate(_rule({"all": [AID, {"at_least": 2, "of": [ABSENCE, LUNCH, {"any": [AID, EPDS]}]}]}))
    text = condition_ja(rule.condition, catalog)
    assert text == ("「就学援助」に該当する、かつ 次の3つのうち2つ以上に当てはまる（①過去1年間の「欠席日数」の合計が 30日 以上、"
                    "②「給食費滞納月数」が 3か月 以上、③(「就学援助」に該当する、または 「EPDS得点」が 9点 以上)）")


def test_the_ui_card_shows_the_k_of_n_joiner(catalog):
    from api.services.ui_drafting import rule_card

    card = rule_card(catalog, _rule(THREE))
    assert [(c.path, c.joiner) for c in card["conditions"]][:2] == [("condition", "次の3つのうち2つ以上"), ("condition.of.0", "")]


# --- offline drafting -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drafter(catalog):
    from rulegen.drafting import make_drafter
    from rulegen.settings import DraftingSettings

    return make_drafter(DraftingSettings(provider="offline", max_points=30, ask_unstated_scope=False), catalog=catalog)


def _cond(outcome):
    assert outcome.ok, (outcome.questions, outcome.problems)
    return outcome.rule.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"]


ITEMS3 = ["school.absence_days", "school.lunch_fee_arrears_months", "school.school_aid"]


@pytest.mark.parametrize("text", [
    # 「次のうちN つ以上」 before a numbered list
    "次のうち2つ以上に該当する児童：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助",
    # 「以下のN項目のうちM項目以上」 with (1) (2) markers
    "以下の3項目のうち2項目以上に該当する児童：(1)直近1年の欠席日数が30日以上 (2)給食費の滞納が3か月以上 (3)就学援助を受けている",
    # 「いずれかN つ以上」 after a 、-list
    "直近1年の欠席日数30日以上、給食費滞納3か月以上、就学援助受給のいずれか2つ以上",
    # 「N つ以上該当」 after a 、-list
    "直近1年の欠席日数30日以上、給食費滞納3か月以上、就学援助受給のうち2つ以上該当",
    # ・bullets on their own lines
    "次のうち2つ以上に該当する児童\n・年間欠席30日以上\n・給食費滞納3か月以上\n・就学援助",
    # 「次の①から③までのうち」
    "次の①から③までのうち2つ以上に該当する者 ①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助",
])
def test_offline_drafting_reads_k_of_n(drafter, text):
    out = drafter.draft(text)
    c = _cond(out)
    assert c["at_least"] == 2 and [x["item"] for x in c["of"]] == ITEMS3
    assert c["of"][0]["value"] == 30 and c["of"][0]["aggregate"] == {"fn": "sum", "window_months": 12}
    assert "3つのうち2つ以上" in out.reading_ja


def test_offline_drafting_keeps_the_population_and_points(drafter):
    out = drafter.draft("小学生で、以下の4項目のうち3項目以上に該当する児童：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助 ④ひとり親。5点")
    c = _cond(out)
    assert c["at_least"] == 3 and len(c["of"]) == 4
    assert out.rule.population is not None and out.rule.population.school_stages == ["elementary"] and out.rule.points == 5


@pytest.mark.parametrize("text, code", [
    ("以下の4項目のうち3項目以上：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助", "k_of_n_count"),  # 4 said, 3 listed
    ("次のうち4つ以上に該当：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助", "k_of_n_too_many"),
    ("次のうち2つ以上に該当：欠席30日以上かつ給食費滞納3か月以上、就学援助、ひとり親", "k_of_n_grouping"),
    ("次のうち2つ以下に該当：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助", "k_of_n"),  # only 「N つ以上」 is a rule
])
def test_offline_drafting_refuses_what_it_cannot_count(drafter, text, code):
    out = drafter.draft(text)
    assert not out.ok and code in [p["code"] for p in out.problems], out.problems


def test_one_of_and_all_of_become_any_and_all(drafter):
    assert [x["item"] for x in _cond(drafter.draft("次のうち1つ以上に該当：①年間欠席30日以上 ②就学援助"))["any"]] == ["school.absence_days", "school.school_aid"]
    assert [x["item"] for x in _cond(drafter.draft("次のうち2つ以上に該当：①年間欠席30日以上 ②就学援助"))["all"]] == ["school.absence_days", "school.school_aid"]


# --- conversation edits inside a k-of-n node (rulegen/offline/edits.py) -------------------------------------

LIST3 = "次のうち2つ以上に該当する児童：①年間欠席30日以上 ②給食費滞納3か月以上 ③就学援助"


@pytest.fixture()
def conv(catalog):
    from rulegen.conversation import Conversation
    from rulegen.drafting import make_drafter
    from rulegen.settings import DraftingSettings

    c = Conversation(make_drafter(DraftingSettings(provider="offline", ask_unstated_scope=False), catalog=catalog))
    assert c.send(LIST3).ok
    return c


def _items(c):
    return [x["item"] for x in next(c[key] for key in ("of", "all", "any") if key in c)]


@pytest.mark.parametrize("text", ["ひとり親も加えて", "ひとり親を数える条件に追加して", "ひとり親世帯も加えてください"])
def test_edit_adds_a_counted_part(conv, text):
    out = conv.send(text)
    c = _cond(out)
    assert c["at_least"] == 2 and _items(c) == [*ITEMS3, "resident.single_parent"]
    assert "4つのうち2つ以上" in out.reading_ja and "数える条件に加えました" in out.reading_ja


def test_edit_with_sarani_still_adds_a_condition_every_child_must_meet(conv):
    c = _cond(conv.send("さらにひとり親"))
    assert list(c) == ["all"] and c["all"][0]["at_least"] == 2 and c["all"][1]["item"] == "resident.single_parent"


@pytest.mark.parametrize("text", ["2つ以上を1つ以上に", "1つ以上にして", "基準を1項目以上に変更"])
def test_edit_changes_k_to_one_reads_as_any(conv, text):
    out = conv.send(text)
    c = _cond(out)
    assert _items(c) == ITEMS3 and list(c) == ["any"]
    assert "「いずれか (または)」と同じ" in out.reading_ja


def test_edit_changes_k_and_back(conv):
    out = conv.send("2つ以上を3つ以上に")
    c = _cond(out)
    assert list(c) == ["all"] and _items(c) == ITEMS3 and "「すべてに当てはまる (かつ)」と同じ" in out.reading_ja
    c = _cond(conv.send("3つ以上を2つ以上に"))  # a top `all` counts as n of n
    assert c["at_least"] == 2 and _items(c) == ITEMS3
    assert _cond(conv.send("ひとり親も加えて"))["at_least"] == 2
    c = _cond(conv.send("3つ以上に"))
    assert c["at_least"] == 3 and len(c["of"]) == 4


@pytest.mark.parametrize("text, code", [("5つ以上に", "k_of_n_too_many"), ("3つ以上を2つ以上に", "no_k_of_n"),
                                        ("2つ以上にして", "no_change")])
def test_edit_of_k_that_cannot_be_made(conv, text, code):
    out = conv.send(text)
    assert not out.ok and [p["code"] for p in out.problems] == [code]
    assert len(conv.versions) == 1


def test_edit_removes_a_counted_part(conv):
    assert _cond(conv.send("ひとり親も加えて"))["at_least"] == 2
    out = conv.send("就学援助を外して")
    c = _cond(out)
    assert c["at_least"] == 2 and _items(c) == [*ITEMS3[:2], "resident.single_parent"]
    assert "4つから3つになりました" in out.reading_ja


def test_edit_removing_to_k_parts_is_the_equivalent_all_with_a_note(conv):
    out = conv.send("就学援助を外して")
    c = _cond(out)
    assert list(c) == ["all"] and _items(c) == ITEMS3[:2]
    assert "「2つのうち2つ以上」は「すべてに当てはまる (かつ)」と同じ" in out.reading_ja


def test_edit_removing_below_k_asks(conv):
    out = conv.send("給食費滞納と就学援助を外して")
    assert not out.ok and "数える条件は1つになり「2つ以上」に当てはまることがなくなります" in out.questions[0]
    assert "「2つ以上を1つ以上に」" in out.questions[0] and len(conv.versions) == 1
    assert list(_cond(conv.send("2つ以上を1つ以上に"))) == ["any"]  # the way the question points to
    c = _cond(conv.send("給食費滞納と就学援助を外して"))
    assert c["item"] == "school.absence_days"


def test_edits_inside_a_nested_k_of_n(catalog, conv):
    assert conv.send("小学生だけに").rule.population.school_stages == ["elementary"]
    c = _cond(conv.send("さらにひとり親"))
    assert c["all"][0]["at_least"] == 2
    c = _cond(conv.send("生活保護も加えて"))  # the one k-of-n node gets the part, not the top `all`
    assert len(c["all"]) == 2 and _items(c["all"][0])[-1] == "welfare.public_assistance"
    c = _cond(conv.send("2つ以上を3つ以上に"))
    assert c["all"][0]["at_least"] == 3 and c["all"][1]["item"] == "resident.single_parent"
    c = _cond(conv.send("欠席を外して"))
    assert list(c["all"][0]) == ["all"] and c["all"][1]["item"] == "resident.single_parent"


def test_edits_inside_k_of_n_keep_windows_and_thresholds_reachable(conv):
    c = _cond(conv.send("窓を2年にして"))
    assert c["of"][0]["aggregate"]["window_months"] == 24
    c = _cond(conv.send("欠席を20日以上に"))
    assert c["of"][0]["value"] == 20 and c["at_least"] == 2


# --- 「A、B又はCのうち2つ以上」: the list's OR joiners separate the counted parts (rulegen/offline/parser.py) ----


@pytest.mark.parametrize("text", [
    "年間欠席30日以上、給食費滞納3か月以上又は就学援助のうち2つ以上",  # statute-style 「A、B又はC」
    "年間欠席30日以上、給食費滞納3か月以上または就学援助のいずれか2つ以上に該当する児童",
    "年間欠席30日以上又は給食費滞納3か月以上又は就学援助のうち2つ以上該当",
    "年間欠席30日以上か給食費滞納3か月以上か就学援助のうち2つ以上",  # a free 「か」
    "年間欠席30日以上や給食費滞納3か月以上や就学援助のうち2つ以上",
    "小学生で、年間欠席30日以上、給食費滞納3か月以上又は就学援助のうち2つ以上に該当する児童",
])
def test_or_joiners_before_a_k_of_n_frame_separate_the_parts(drafter, text):
    out = drafter.draft(text)
    c = _cond(out)
    assert c["at_least"] == 2 and [x["item"] for x in c["of"]] == ITEMS3, c
    assert "3つのうち2つ以上" in out.reading_ja and not out.questions[1:]


def test_or_joiners_before_k_of_n_give_n_parts_for_any_k(drafter):
    out = drafter.draft("年間欠席30日以上、給食費滞納3か月以上、就学援助又はひとり親のうち3つ以上")
    c = _cond(out)
    assert c["at_least"] == 3 and len(c["of"]) == 4 and "「又は」は、数える条件の区切りと読みました" in out.reading_ja
    # k = n: all of them (not 「A and (B or C)」)
    assert [x["item"] for x in _cond(drafter.draft("年間欠席30日以上、給食費滞納3か月以上又は就学援助のうち3つ以上"))["all"]] == ITEMS3
    # k = 1: one flat any
    assert [x["item"] for x in _cond(drafter.draft("年間欠席30日以上、給食費滞納3か月以上又は就学援助のうち1つ以上"))["any"]] == ITEMS3


def test_an_or_inside_a_part_stays_one_part(drafter):
    # after the frame, ①②③ mark the parts: 又は joins within ②
    c = _cond(drafter.draft("次のうち2つ以上に該当：①年間欠席30日以上 ②給食費滞納3か月以上又は就学援助 ③ひとり親"))
    assert c["at_least"] == 2 and len(c["of"]) == 3 and [x["item"] for x in c["of"][1]["any"]] == ITEMS3[1:]
    # 「A又はB、C、D」: an OR before a comma list binds tighter (one part)
    c = _cond(drafter.draft("年間欠席30日以上又は給食費滞納3か月以上、就学援助、ひとり親のうち2つ以上"))
    assert c["at_least"] == 2 and len(c["of"]) == 3 and [x["item"] for x in c["of"][0]["any"]] == ITEMS3[:2]
    # no k-of-n frame: 「A、B又はC」 stays one OR
    c = _cond(drafter.draft("年間欠席30日以上、給食費滞納3か月以上又は就学援助"))
    assert "at_least" not in json.dumps(c) and "any" in json.dumps(c)


# --- explanations of guardian parts: the run reports a missing guardian value (engine/reference.py) ------------


EPDS_ALL = {**EPDS, "guardians": "all"}
EPDS_MET = {**EPDS, "when_missing": "met"}
EPDS_NULL = {"item": "health.epds_score", "op": "is_null"}


@pytest.fixture()
def guardian_mart(tmp_path, catalog):
    # h1: one guardian 12, one without a score; h2: one guardian 2, one without; h3: both scored (3, 12); h4: none
    children = [{"child_id": f"c{i}", "household_id": f"h{i}", "birth_month": D(2014, 5, 1), "school.school_aid": True,
                 "school.lunch_fee_arrears_months": 4} for i in range(1, 5)]
    guardians = [{"guardian_id": "g1", "household_id": "h1", "health.epds_score": 12}, {"guardian_id": "g2", "household_id": "h1"},
                 {"guardian_id": "g3", "household_id": "h2", "health.epds_score": 2}, {"guardian_id": "g4", "household_id": "h2"},
                 {"guardian_id": "g5", "household_id": "h3", "health.epds_score": 3}, {"guardian_id": "g6", "household_id": "h3", "health.epds_score": 12}]
    return build_mart(tmp_path / "g.duckdb", catalog, children=children, households=[{"household_id": f"h{i}"} for i in range(1, 5)],
                      guardians=guardians, events=[])


def test_a_run_reports_a_missing_guardian_value_and_the_reference_agrees(guardian_mart, catalog):
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "exclusions": [], "rules": [_rule({"at_least": 2, "of": [EPDS, AID]}, id="any")]})
    eng = {c.pseudonym: c.fired[0].values["health.epds_score"] for c in run_ruleset(guardian_mart, rs, catalog, REF, threads=1).children}
    assert eng == {"c1": [12, None], "c3": [3, 12]}
    ref = evaluate(load_mart(guardian_mart), rs, catalog, REF)
    assert {p: e.fired[0][2]["health.epds_score"] for p, e in ref.evaluations.items() if e.fired} == eng
    from engine.explain import format_value

    assert format_value([12, None], "health.epds_score", catalog) == "12、記録なし"
    assert format_value([None], "health.epds_score", catalog) == format_value(None, "health.epds_score", catalog) == "不明 (記録なし)"


@pytest.mark.parametrize("part, met", [
    # every guardian >= 9: h1's unscored guardian fails it (not read from the scored one only)
    (EPDS_ALL, {"c1": False, "c2": False, "c3": False, "c4": False}),
    # a missing score counts as met: h2's unscored guardian meets it (2 alone would not)
    (EPDS_MET, {"c1": True, "c2": True, "c3": True, "c4": True}),
    (EPDS_NULL, {"c1": True, "c2": True, "c3": False, "c4": True}),
    ({"not": EPDS_NULL}, {"c1": False, "c2": False, "c3": True, "c4": False}),
])
def test_the_parts_met_of_a_guardian_part_are_what_decided_the_rule(guardian_mart, catalog, part, met):
    rule = _rule({"at_least": 2, "of": [part, AID, LUNCH]}, id="r")
    rs = Ruleset.model_validate({"id": "rs", "title": "t", "exclusions": [], "rules": [rule]})
    res = run_ruleset(guardian_mart, rs, catalog, REF, threads=1)
    assert sorted(c.pseudonym for c in res.children) == ["c1", "c2", "c3", "c4"]  # aid and arrears: 2 of 3 for every child
    got = {c.pseudonym: at_least_parts_met(rs.rules[0].condition, c.fired[0].values, catalog, "not_met")[0][1] for c in res.children}
    assert got == {p: [m, True, True] for p, m in met.items()}
    c1 = next(c for c in res.children if c.pseudonym == "c1")
    line = at_least_lines(rs.rules[0], c1.fired[0].values, catalog)[0]
    assert ("「EPDS得点」" in line) == met["c1"] and "就学援助" in line and "給食費滞納月数" in line
