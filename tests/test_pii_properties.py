"""Property tests: check digits, number formats and redaction hold for generated values."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.pii.analyzer import analyze, get_analyzer
from privacy.pii.check_digits import is_valid_my_number, my_number_check_digit
from privacy.pii.guard import guard_text

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)
separators = st.sampled_from(["", " ", "-", "　", "－"])


@pytest.fixture(scope="session", autouse=True)
def analyzer():
    return get_analyzer()


@given(eleven_digits)
def test_exactly_one_check_digit_is_valid(base):
    valid = [d for d in "0123456789" if is_valid_my_number(base + d)]
    assert valid == [str(my_number_check_digit(base))]


@SETTINGS
@given(eleven_digits, separators, st.booleans())
def test_every_valid_my_number_is_found(base, sep, full_width):
    digits = base + str(my_number_check_digit(base))
    value = sep.join([digits[:4], digits[4:8], digits[8:]])
    if full_width:
        value = value.translate(FULL_WIDTH)
    text = f"この番号 {value} の子"
    found = [(f.type, text[f.start:f.end]) for f in analyze(text)]
    assert ("MY_NUMBER", value) in found


@SETTINGS
@given(eleven_digits, st.integers(min_value=1, max_value=9))
def test_wrong_check_digit_without_label_is_not_my_number(base, shift):
    wrong = base + str((my_number_check_digit(base) + shift) % 10)
    assert "MY_NUMBER" not in {f.type for f in analyze(f"受付 {wrong} の件")}


@SETTINGS
@given(st.sampled_from(["090", "080", "070"]), st.integers(1000, 9999), st.integers(0, 9999),
       st.sampled_from(["{a}-{b}-{c}", "{a}{b}{c}", "{a} {b} {c}", "{a}({b}){c}"]))
def test_mobile_numbers_are_found_and_redacted(prefix, middle, last, fmt):
    value = fmt.format(a=prefix, b=middle, c=f"{last:04d}")
    result = guard_text(f"母の携帯は{value}です")
    assert result.verdict == "block"
    assert result.counts() == {"PHONE_NUMBER": 1}
    assert result.redacted == "母の携帯は<電話番号>です"
    assert value not in json.dumps(result.summary(), ensure_ascii=False)


_FUZZ_ALPHABET = list("山田太郎くんさんちゃん様先生の母はがを0123456789０１２３-－ー()（）〒@.丁目番地号令和平成HR"
                      "/年月日生まれ 　、。ｱｲｳアイウabcXYZ:：")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from(_FUZZ_ALPHABET), max_size=40))
def test_findings_are_valid_spans_without_overlap(text):
    findings = analyze(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert 0 < f.score <= 1.0
    for a, b in pairwise(findings):
        assert a.end <= b.start
    result = guard_text(text)
    assert (result.verdict == "block") == bool(findings)
