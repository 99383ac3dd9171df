"""Pins from dev set 10 (校長/教頭 letter-style requests, データ担当 pseudo-code, 若手職員 hurried typing)."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import drafted

AID = {"item": "school.school_aid", "op": "=", "value": True}
SINGLE = {"item": "resident.single_parent", "op": "=", "value": True}


# -- letter style: courtesy words and the writer's opinion / reason / purpose clauses say no condition ------


@pytest.mark.parametrize("text", [
    "就学援助を受けているご家庭のお子さんにつきましては、抽出していただけますと幸いです。",
    "教頭の山田でございます。就学援助を受けているご家庭のお子さんにつきまして、ご確認いただけますでしょうか。よろしくお願い申し上げます。",
    "お忙しいところ恐縮ですが、就学援助を受けている児童を拾っていただけますと大変ありがたく存じます。",
    "就学援助を受けている児童につきまして、把握いたしたく存じます。",
    "就学援助を受けている児童につきましては、引き続き見守りが必要かと存じますので、条件に加えていただけますでしょうか。",
    "就学援助を受けている児童につきましては、何らかのご事情があるものと存じますので、抽出に加えていただけますと幸いです。",
    "就学援助を受けている児童につきまして、学校への適応の状況を確認いたしたく、抽出していただけますと幸いです。",
    "就学援助を受けている児童につきまして、福祉部局と共有させていただけますと幸いです。",
])
def test_courtesy_text_around_one_criterion(parser, text):
    assert drafted(parser, text)["condition"] == AID


def test_opinion_clause_with_a_negation_but_no_item_is_left_out(parser):
    text = "ひとり親のご家庭で、かつ就学援助を受けていないお子さんにつきましては、制度につながっていない可能性もあると存じますので、ご確認いただけますと幸いです。"
    assert drafted(parser, text)["condition"] == {"all": [SINGLE, {"not": AID}]}


def test_していただけ_is_no_past_form(parser):
    rule = drafted(parser, "就学援助を受けているご家庭のお子さんにつきましては、配点を5点としていただけますと幸いです。")
    assert rule["condition"] == AID and rule["points"] == 5


@pytest.mark.parametrize("text", [
    # a clause with an item word is never left out as an opinion
    "就学援助を受けていないと存じますので、ご確認いただけますと幸いです。",
    # a stage word in a purpose clause is not swallowed
    "就学援助を受けている児童につきまして、中学生を把握いたしたく存じます。",
    "就学援助を受けている児童につきまして、中学生だけを把握いたしたく存じます。",
])
def test_clauses_with_conditions_are_kept(parser, text):
    rule = drafted(parser, text)
    assert rule["condition"] in (AID, {"not": AID})
    if "中学生" in text:
        assert rule["population"] == {"school_stages": ["junior_high"]}
    else:
        assert rule["condition"] == {"not": AID}


# -- hurried typing: kana forms and abbreviations ------------------------------------------------------


@pytest.mark.parametrize(("text", "cond"), [
    ("ひと親で児扶手もらってない世帯の子", {"all": [SINGLE, {"not": {"item": "benefit.child_rearing_allowance", "op": "=", "value": True}}]}),
    ("ｾｲﾎ受給世帯の小学生ぜんぶ", {"item": "welfare.public_assistance", "op": "=", "value": True}),
    ("非課税世帯でひと親、就援うけてない子いますか", {"all": [{"item": "tax.resident_tax_exempt", "op": "=", "value": True}, SINGLE, {"not": AID}]}),
    ("療育手帳もってる未就学の子", {"item": "disability.child_certificate", "op": "=", "value": True}),
    ("要対協登録中の子はのぞいて、虐待通告1回でもある子", {"all": [{"not": {"item": "child.yotaikyo_registered", "op": "=", "value": True}},
                                                  {"item": "child.abuse_reports", "op": ">=", "value": 1, "aggregate": {"whole_record": True, "fn": "count"}}]}),
    ("就援、生保、児扶のどれもない世帯の子", {"all": [{"not": AID}, {"not": {"item": "welfare.public_assistance", "op": "=", "value": True}},
                                        {"not": {"item": "benefit.child_rearing_allowance", "op": "=", "value": True}}]}),
])
def test_hurried_typing(parser, text, cond):
    assert drafted(parser, text)["condition"] == cond


@pytest.mark.parametrize(("text", "op", "value", "unit_key"), [
    ("放ﾃﾞｲ使ってて欠席が直近3ヶ月で10日こえてる子", ">", 10, "absence"),
    ("心の天気で雨えらんだのが直近2か月で8回以上の子、出せますか？", ">=", 8, "mood"),
    ("EPDS 9てん以上のママのとこ", ">=", 9, "epds"),
])
def test_hurried_amounts(parser, text, op, value, unit_key):
    cond = drafted(parser, text)["condition"]
    leaf = next(c for c in cond.get("all", [cond]) if unit_key in c["item"])
    assert (leaf["op"], leaf["value"]) == (op, value)


def test_kana_age(parser):
    assert drafted(parser, "児手差止めの世帯で3さい未満")["population"] == {"age_max": 2}


# -- must ask ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "きょうだいの中に要対協のケースがあるご家庭の児童につきましても、ご検討いただけますと幸いです。",
    "きょうだいの中に要対協のケースがある児童",
    "お子さんの多いご家庭につきましては、保護者のご負担も大きいと存じますので、抽出いただけますと幸いです。",
])
def test_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and (r.questions or r.problems)


def test_a_past_registration_is_the_past_record_only(parser):
    # 「要対協の登録が過去にあり現在は終結している」: the past record (catalog synonym), never also the registration now
    r = parser.parse("要対協の登録が過去にあり現在は終結しているお子さんで、今年度の欠席日数が10日以上の児童につきまして、再度ご確認をいただきたく存じます。")
    assert r.rule is not None and not r.questions
    items = [leaf["item"] for leaf in r.rule["condition"]["all"]]
    assert items == ["child.yotaikyo_past", "school.absence_days"]
