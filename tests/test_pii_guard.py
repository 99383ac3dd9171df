"""The guard for LLM-bound text: verdict, redaction, audit-safe summary, Japanese message."""

from __future__ import annotations

import json

import pytest

from privacy.pii.analyzer import get_analyzer
from privacy.pii.guard import Finding, decide, guard_text


@pytest.fixture(scope="session", autouse=True)
def analyzer():
    return get_analyzer()


CASE = "山田太郎くん(H27.4.3生)のように欠席が続く子、母の携帯は090-1234-5678"


def test_case_text_is_blocked_and_redacted():
    result = guard_text(CASE)
    assert result.verdict == "block"
    assert not result.allowed
    assert result.redacted == "<氏名>(<生年月日等の日付>生)のように欠席が続く子、母の携帯は<電話番号>"
    assert [(f.type, f.start, f.end) for f in result.findings] == [
        ("PERSON", 0, 4), ("DATE_OF_BIRTH", 7, 14),
        ("PHONE_NUMBER", CASE.index("090"), CASE.index("090") + 13)]
    assert all(0.5 <= f.score <= 1.0 for f in result.findings)


def test_criteria_text_is_allowed_unchanged():
    text = "4月1日時点で3歳未満、欠席30日以上かつ生活保護受給なら10点(児童福祉法第25条の3)"
    result = guard_text(text)
    assert result.verdict == "allow"
    assert result.findings == ()
    assert result.redacted == text
    assert result.summary()["counts"] == {}
    assert "見つかりませんでした" in result.message()


def test_summary_has_kinds_and_counts_but_no_values():
    result = guard_text(CASE)
    summary = result.summary()
    assert summary["verdict"] == "block"
    assert summary["counts"] == {"PERSON": 1, "PHONE_NUMBER": 1, "DATE_OF_BIRTH": 1}
    assert summary["total"] == 3
    dumped = json.dumps(summary, ensure_ascii=False)
    for value in ("山田", "太郎", "H27", "090", "5678"):
        assert value not in dumped


def test_message_lists_kinds_in_japanese():
    message = guard_text(CASE).message()
    assert message.startswith("個人情報と思われる語句が含まれているため送信しませんでした: ")
    assert "氏名 1件" in message and "電話番号 1件" in message and "生年月日等の日付 1件" in message
    assert "山田" not in message and "090" not in message


def test_my_number_always_blocks_and_is_named():
    result = guard_text("マイナンバー 1234 5678 9018 の世帯を対象に")
    assert result.verdict == "block"
    assert result.counts() == {"MY_NUMBER": 1}
    assert "<マイナンバー>" in result.redacted and "9018" not in result.redacted
    assert "番号法" in result.message()


def test_decide_policy():
    assert decide([]) == "allow"
    assert decide([Finding("MY_NUMBER", 0, 12, 0.6)]) == "block"
    assert decide([Finding("PERSON", 0, 2, 0.9)]) == "block"


def test_empty_text_is_allowed():
    assert guard_text("").verdict == "allow"
    assert guard_text("   ").verdict == "allow"


def test_package_exports_are_lazy():
    import subprocess
    import sys

    code = ("import sys, privacy.pii; assert 'presidio_analyzer' not in sys.modules; "
            "assert 'spacy' not in sys.modules; from privacy.pii import guard_text, scan_mart; print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
