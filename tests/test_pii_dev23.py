"""Blind set dev23 (chat lines, criteria, kana readings): the classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def found(text: str, kind: str) -> list[str]:
    return [text[f.start:f.end] for f in analyze(text) if f.type == kind]


def test_a_full_width_delivery_date() -> None:
    assert found("林さん 出産日 ２０２５年１２月２日", "DATE_OF_BIRTH") == ["２０２５年１２月２日"]
