"""Pins from dev set 3: general readings found on staff-written criteria (quick typing, 備考-like wording)."""

from __future__ import annotations

import pytest

from rulegen.offline.parser import OfflineParser


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog)


@pytest.mark.parametrize("text", ["SSW未介入で、過去半年の欠席が十五日以上", "ひとり親でなく、かつ就学援助", "市民税非課税の世帯（生活保護は除く）"])
def test_negated_attribute_states_missing_records_with_a_one_click_alternative(catalog, text):
    # dev3's labels read 「〜ない」 as recorded "no" only; the drafter includes children with no record and says so,
    # with 「記録で確認できるこどもだけにする」 one click away (never silent)
    import datetime as dt

    from rulegen.drafting import make_drafter
    from rulegen.settings import DraftingSettings

    out = make_drafter(DraftingSettings(provider="offline"), catalog=catalog, today=lambda: dt.date(2026, 11, 1)).draft(text)
    assert out.ok, (out.questions, out.problems)
    assert "記録がないこども" in out.reading_ja
    assert any("記録で確認できるこどもだけ" in c["label"] for c in out.choices)


def test_exclusion_in_brackets_is_never_left_out_as_an_aside(parser):
    r = parser.parse("市民税非課税の世帯（生活保護は除く）")
    assert r.rule is not None
    assert not any("状況の説明" in n for n in r.notes)
    assert "welfare.public_assistance" in str(r.rule["condition"])
