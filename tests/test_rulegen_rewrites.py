"""The spelling rewrites table (rulegen/offline/rewrites.yaml): it loads, its steps exist, a broken entry says where."""

from __future__ import annotations

import pytest

from rulegen.offline.rewrites import parse_rewrites, rewrites
from rulegen.offline.tokens import normalize


def test_the_table_loads_and_every_entry_has_a_note() -> None:
    table = rewrites()
    assert len(table) > 50 and all(r.note for r in table)


@pytest.mark.parametrize(("text", "normal"), [
    ("直近 三か月 に 二回以上", "直近3か月に2回以上"),
    ("子どもが3人以上いる世帯（本人を含めて）", "きょうだいが2人以上の世帯"),
    ("4歳・5歳の子", "4〜5歳の子"),
    ("4歳・6歳の子", "4歳・6歳の子"),
    ("通告歴無、相談歴有", "通告歴なし、相談歴あり"),
    ("3回いじょう", "3回以上"),
])
def test_rewrites_in_order(text: str, normal: str) -> None:
    assert normalize(text) == normal


@pytest.mark.parametrize(("doc", "message"), [
    ({}, "'rewrites' list"),
    ({"rewrites": [{"note": "x"}]}, "rewrite 1 needs exactly one"),
    ({"rewrites": [{"step": "no_such_step"}]}, "unknown step 'no_such_step'"),
    ({"rewrites": [{"pattern": "(", "to": ""}]}, "rewrite 1: bad pattern"),
])
def test_a_broken_table_names_the_entry(doc: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_rewrites(doc, "rewrites.yaml")
