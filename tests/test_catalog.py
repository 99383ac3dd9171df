from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.catalog import CatalogError, load_catalog, parse_catalog_documents

REQUIRED_IDS = {
    "resident.age", "resident.single_parent", "resident.moves", "welfare.public_assistance",
    "benefit.child_rearing_allowance", "school.school_aid", "school.absence_days", "school.nurse_visits",
    "school.lunch_fee_arrears_months", "health.checkup_missed", "health.vaccination_missed",
    "child.consultations", "child.yotaikyo_registered", "dv.consultations", "disability.guardian_certificate",
    "care.household_ltc_certified", "insurance.nhi_arrears", "tax.resident_tax_exempt",
}

GOOD_ITEM = """
items:
  - id: city.kodomo_shokudo
    name: こども食堂の利用
    synonyms: [こども食堂]
    description: 市の補助するこども食堂の利用登録がある。
    department: こども政策課
    organ: mayor
    source: {export: shokudo, column: 利用登録}
    entity: child
    kind: attribute
    type: bool
    sensitive: false
    difficulties: [貧困]
"""


def test_default_catalog_has_required_items(catalog):
    assert len(catalog.items) >= 40
    assert REQUIRED_IDS <= set(catalog.ids())
    assert catalog["school.absence_days"].kind == "event"
    assert catalog["resident.age"].is_derived


def test_every_item_has_japanese_name_and_difficulty_types(catalog):
    for item in catalog.items:
        assert item.name and item.description and item.department
        for d in item.difficulties:
            assert d in ("虐待", "貧困", "不登校", "いじめ", "ヤングケアラー", "産後うつ", "発達")


def test_city_adds_its_own_items_by_adding_a_file(tmp_path: Path):
    (tmp_path / "city.yaml").write_text(GOOD_ITEM, encoding="utf-8")
    from engine.catalog.loader import DEFAULT_ITEMS_DIR

    cat = load_catalog(DEFAULT_ITEMS_DIR, tmp_path)
    assert "city.kodomo_shokudo" in cat
    assert cat.content_hash != load_catalog().content_hash


def test_content_hash_is_stable():
    assert load_catalog().content_hash == load_catalog().content_hash


@pytest.mark.parametrize(
    ("patch", "item", "field", "fragment"),
    [
        (("type: bool", "type: boolean"), "city.kodomo_shokudo", "type", "使えません"),
        (("    department: こども政策課\n", ""), "city.kodomo_shokudo", "department", "必須フィールド"),
        (("id: city.kodomo_shokudo", "id: City-Shokudo"), "City-Shokudo", "id", "形式"),
        (("    sensitive: false\n", "    sensitive: false\n    colour: red\n"), "city.kodomo_shokudo", "", "未知のフィールド"),
    ],
)
def test_schema_errors_name_file_item_and_field(patch, item, field, fragment):
    text = GOOD_ITEM.replace(*patch)
    with pytest.raises(CatalogError) as info:
        parse_catalog_documents([("city.yaml", text)])
    problems = info.value.problems
    assert any(p.file == "city.yaml" and p.item == item and p.field == field and fragment in p.message for p in problems), problems
    assert "city.yaml" in str(info.value)


def test_semantic_errors_are_reported_together():
    text = GOOD_ITEM.replace("type: bool", "type: integer\n    range: {min: 10, max: 1}")
    dup = GOOD_ITEM
    with pytest.raises(CatalogError) as info:
        parse_catalog_documents([("a.yaml", text), ("b.yaml", dup)])
    messages = [str(p) for p in info.value.problems]
    assert any("min (10) が max (1)" in m for m in messages)
    assert any("同じ id が" in m for m in messages)


def test_event_items_need_a_date_column():
    text = textwrap.dedent(GOOD_ITEM).replace("kind: attribute", "kind: event")
    with pytest.raises(CatalogError) as info:
        parse_catalog_documents([("city.yaml", text)])
    assert any(p.field == "source.date_column" for p in info.value.problems)


def test_unreadable_yaml_names_the_line():
    with pytest.raises(CatalogError) as info:
        parse_catalog_documents([("bad.yaml", "items:\n  - id: [unclosed\n")])
    assert "bad.yaml" in str(info.value) and "行目" in str(info.value)
