"""Blind set dev23 (chat lines, criteria, kana readings): the classes it showed, pinned one by one."""

from __future__ import annotations

from tests.conftest_pii import found


def test_a_full_width_delivery_date() -> None:
    assert found("林さん 出産日 ２０２５年１２月２日", "DATE_OF_BIRTH") == ["２０２５年１２月２日"]
