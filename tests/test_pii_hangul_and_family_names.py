"""Names the guard missed before session 8: Korean names in Hangul, and a full name written with a space
right after a family word (父張 強、母李 娜). Institutional and household text around them stays clean."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer
from privacy.pii.guard import guard_text


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def names(text: str) -> set[str]:
    return {text[f.start:f.end] for f in analyze(text) if f.type == "PERSON"}


@pytest.mark.parametrize("text,name", [
    ("김민준 학생の保護者から連絡あり", "김민준"),
    ("母 김지영 さんは日本語が少し難しい", "김지영"),
    ("保護者 김 민수 씨と面談（通訳あり）", "김 민수"),
    ("母 김지영、父 박 준호", "박 준호"),
])
def test_hangul_names_are_found_and_common_words_are_not(text: str, name: str) -> None:
    found = names(text)
    assert name in found
    assert not found & {"학생", "씨"}


@pytest.mark.parametrize("text,name", [
    ("父張 強、母李 娜の世帯", "張 強"),
    ("世帯員：父張 強、長男張 偉", "張 強"),
    ("祖母山田 ハナと同居", "山田 ハナ"),
])
def test_a_spaced_full_name_right_after_a_family_word(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize("text", [
    "父無職 母パート",
    "母 体調不良のため欠席",
    "父 会社員 母 専業主婦",
    "母子手帳 未交付",
    "父 夜勤 母 パート",
    "本児 小3 兄 中1",
    "韓国語（한국어）の通訳を手配済み",
])
def test_household_notes_without_names_stay_clean(text: str) -> None:
    assert guard_text(text).verdict == "allow", guard_text(text).redacted


@pytest.mark.parametrize("text,name", [
    ("翼が家で弟の面倒を見ている", "翼"),  # a young carer's chores after a bare name that opens the clause
    ("誠は朝食を食べていない", "誠"),
])
def test_a_bare_name_before_what_a_child_does_at_home(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize("text", ["光が差し込む窓際の席", "桜が咲く頃に家庭訪問", "希望が持てる支援計画"])
def test_common_nouns_without_a_childs_action_stay_clean(text: str) -> None:
    assert guard_text(text).verdict == "allow"
